/**
 * The runtime-independent half of a sentence encoder: input validation, length-sorted batching with
 * padding, pooling of per-token outputs, L2 normalization and order restoration. It implements
 * {@link Encoder} over any {@link RuntimeSession} and any {@link TruncatingTokenizer}.
 *
 * Source: sentence-transformers `Pooling` (mean over attention-masked tokens, CLS, max, last token) and
 * `Normalize` modules (Reimers & Gurevych 2019). FineRouter embeds prompts with it (paper Sect. 3.1.2).
 *
 * Deliberate choices:
 * - All items are validated before any work: a non-string throws a TypeError naming its index, so one bad
 *   item never yields a half-filled result. '' and whitespace-only texts are valid and embed as the
 *   special tokens alone (e.g. [CLS] [SEP]), exactly as sentence-transformers does.
 * - Texts are tokenized, then cut into padded batches by {@link planBatches} (./batch-plan.ts: longest first, a
 *   token budget per batch, minimal padding plus per-run cost); results are written back in input order. Padded
 *   rows are masked, so fp32 vectors do not depend on batching (tested to cosine ≥ 0.99999).
 * - The returned object also carries `tokenize` and `embedBatch` ({@link TokenEncoder}), so the worker pool can
 *   tokenize in its workers, plan the same batches in the calling thread and run them anywhere.
 * - Rows are L2-normalized here even when the graph already did it (idempotent), so every Encoder honours
 *   the interface contract; a non-finite value from the model throws MODEL_INVALID rather than flowing on.
 * Pure: runtime and tokenizer come in as interfaces.
 */
import { FineRouterError, throwIfAborted } from '../errors.js';
import type { RuntimeSession, RuntimeTensor } from '../runtime/types.js';
import type { EmbedOptions, Encoder } from './types.js';
import { BATCH_PLAN_DEFAULTS, planBatches } from './batch-plan.js';
import { padBatch } from './tokenize.js';
import type { TruncatingTokenizer } from './tokenize.js';

/** How per-token outputs [batch, sequence, hidden] become one vector; ignored for pooled [batch, hidden] outputs. */
export type PoolingMode = 'mean' | 'cls' | 'max' | 'lasttoken';

/** Parts for {@link createSentenceEncoder}. */
export interface SentenceEncoderParts {
  /** Identity written into artifacts. */
  id: string;
  /** A loaded session; inputs named input_ids and attention_mask (token_type_ids optional, fed zeros). */
  session: RuntimeSession;
  /** Truncating tokenizer. */
  tokenizer: TruncatingTokenizer;
  /** Pad token id. */
  padId: number;
  /**
   * Output to read; by default `sentence_embedding` if present, else `last_hidden_state`, else
   * `token_embeddings`, else the first output.
   * @defaultValue undefined
   */
  outputName?: string;
  /**
   * Pooling for per-token outputs.
   * @defaultValue 'mean'
   */
  pooling?: PoolingMode;
}

/** Defaults of {@link EmbedOptions} as applied by {@link createSentenceEncoder}. */
export const EMBED_DEFAULTS = Object.freeze({ batchSize: 32, maxBatchTokens: BATCH_PLAN_DEFAULTS.maxTokens });

/**
 * An {@link Encoder} built by {@link createSentenceEncoder}, with the two halves of `embed` exposed (used by the
 * worker pool; not part of the public API).
 */
export interface TokenEncoder extends Encoder {
  /** Token ids of each text (truncated, special tokens included). */
  tokenize(texts: readonly string[]): Int32Array[];
  /** Embeds the sequences as one padded batch; rows in the given order, L2-normalized. */
  embedBatch(sequences: readonly Int32Array[]): Promise<Float32Array>;
}

/**
 * The encoder's tokenize/embedBatch halves when it has them (any encoder from createSentenceEncoder).
 * @param encoder - Any encoder.
 * @returns The encoder as a {@link TokenEncoder}, or undefined.
 * @example const t = asTokenEncoder(encoder); if (t) t.tokenize(['hello']);
 */
export function asTokenEncoder(encoder: Encoder): TokenEncoder | undefined {
  const e = encoder as Partial<TokenEncoder>;
  return typeof e.tokenize === 'function' && typeof e.embedBatch === 'function' ? (encoder as TokenEncoder) : undefined;
}

/**
 * Checks `batchSize` and `maxBatchTokens` of {@link EmbedOptions} and applies their defaults.
 * @param options - The call's options.
 * @returns The row and padded-token caps of one batch.
 * @throws RangeError when either is not a positive integer.
 * @example batchLimits({ batchSize: 16 }) // { maxRows: 16, maxTokens: 512 }
 */
export function batchLimits(options: EmbedOptions): { maxRows: number; maxTokens: number } {
  const maxRows = options.batchSize ?? EMBED_DEFAULTS.batchSize;
  if (!Number.isInteger(maxRows) || maxRows < 1)
    throw new RangeError(`embed: expected batchSize as a positive integer, received ${maxRows}`);
  const maxTokens = options.maxBatchTokens ?? EMBED_DEFAULTS.maxBatchTokens;
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new RangeError(`embed: expected maxBatchTokens as a positive integer, received ${maxTokens}`);
  return { maxRows, maxTokens };
}

const PREFERRED_OUTPUTS = ['sentence_embedding', 'last_hidden_state', 'token_embeddings'];

/**
 * Throws a TypeError naming the first item that is not a string.
 * @param texts - Candidate texts.
 * @param fn - Function name for the message.
 * @throws TypeError when `texts` is not an array or an item is not a string.
 * @example assertTexts(['a', 'b'], 'embed');
 */
export function assertTexts(texts: unknown, fn: string): asserts texts is readonly string[] {
  if (!Array.isArray(texts))
    throw new TypeError(`${fn}: expected an array of strings, received ${texts === null ? 'null' : typeof texts}`);
  for (let i = 0; i < texts.length; i++) {
    const t: unknown = texts[i];
    if (typeof t !== 'string') {
      throw new TypeError(
        `${fn}: expected a string at index ${i}, received ${t === null ? 'null' : Array.isArray(t) ? 'array' : typeof t}`,
      );
    }
  }
}

/**
 * Pools per-token states into one vector per row and L2-normalizes, or normalizes already pooled rows.
 * @param output - [rows, sequence, hidden] or [rows, hidden] float32.
 * @param mask - Row-major [rows, sequence] attention mask (1 = token).
 * @param pooling - Pooling mode for per-token outputs.
 * @returns Row-major [rows, hidden] unit vectors.
 * @throws FineRouterError MODEL_INVALID on a wrong rank/shape or a non-finite value.
 * @example poolAndNormalize({ type: 'float32', data, dims: [2, 5, 384] }, mask, 'mean')
 */
export function poolAndNormalize(output: RuntimeTensor, mask: BigInt64Array, pooling: PoolingMode): Float32Array {
  if (output.type !== 'float32')
    throw new FineRouterError('MODEL_INVALID', `encoder: expected a float32 output, received ${output.type}`);
  const data = output.data as Float32Array;
  const dims = output.dims;
  let rows: number;
  let hidden: number;
  let out: Float32Array;
  if (dims.length === 2) {
    rows = dims[0]!;
    hidden = dims[1]!;
    out = Float32Array.from(data);
  } else if (dims.length === 3) {
    rows = dims[0]!;
    const seq = dims[1]!;
    hidden = dims[2]!;
    if (mask.length !== rows * seq)
      throw new FineRouterError('MODEL_INVALID', `encoder: output shape [${dims.join(', ')}] does not match the batch`);
    out = new Float32Array(rows * hidden);
    for (let r = 0; r < rows; r++) {
      const o = r * hidden;
      let count = 0;
      let last = 0;
      for (let s = 0; s < seq; s++) {
        if (mask[r * seq + s] === 0n) continue;
        const base = (r * seq + s) * hidden;
        if (pooling === 'mean') {
          for (let j = 0; j < hidden; j++) out[o + j]! += data[base + j]!;
        } else if (pooling === 'max') {
          for (let j = 0; j < hidden; j++) {
            const v = data[base + j]!;
            if (count === 0 || v > out[o + j]!) out[o + j] = v;
          }
        }
        last = s;
        count++;
      }
      if (pooling === 'mean' && count > 0) for (let j = 0; j < hidden; j++) out[o + j]! /= count;
      else if (pooling === 'cls') out.set(data.subarray(r * seq * hidden, r * seq * hidden + hidden), o);
      else if (pooling === 'lasttoken')
        out.set(data.subarray((r * seq + last) * hidden, (r * seq + last + 1) * hidden), o);
    }
  } else {
    throw new FineRouterError(
      'MODEL_INVALID',
      `encoder: expected an output of rank 2 or 3, received [${dims.join(', ')}]`,
    );
  }
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < hidden; j++) sum += out[r * hidden + j]! * out[r * hidden + j]!;
    if (!Number.isFinite(sum))
      throw new FineRouterError('MODEL_INVALID', `encoder: the model produced a non-finite value in row ${r}`);
    const inv = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let j = 0; j < hidden; j++) out[r * hidden + j]! *= inv;
  }
  return out;
}

/**
 * Builds an {@link Encoder} from a session and a tokenizer; runs one probe text to read the dimension.
 * @param parts - See {@link SentenceEncoderParts}.
 * @returns The encoder (dimension read from the model's output).
 * @throws FineRouterError MODEL_INVALID when the session lacks input_ids/attention_mask inputs, has an
 *   unknown extra input, or its output is not a float32 rank-2/3 tensor.
 * @example
 * ```ts
 * const encoder = await createSentenceEncoder({ id: 'my-model', session, tokenizer, padId: 0 });
 * const vectors = await encoder.embed(['hello', 'world']); // 2 × encoder.dimension
 * ```
 */
export async function createSentenceEncoder(parts: SentenceEncoderParts): Promise<TokenEncoder> {
  const { session, tokenizer, padId, id } = parts;
  const pooling = parts.pooling ?? 'mean';
  if (!['mean', 'cls', 'max', 'lasttoken'].includes(pooling)) {
    throw new TypeError(
      `createSentenceEncoder: expected pooling mean, cls, max or lasttoken, received ${String(pooling)}`,
    );
  }
  const inputs = new Set(session.inputNames);
  for (const required of ['input_ids', 'attention_mask']) {
    if (!inputs.has(required)) {
      throw new FineRouterError(
        'MODEL_INVALID',
        `encoder: the model has inputs [${session.inputNames.join(', ')}]; expected input_ids and attention_mask`,
      );
    }
  }
  const extra = session.inputNames.filter((n) => n !== 'input_ids' && n !== 'attention_mask' && n !== 'token_type_ids');
  if (extra.length > 0)
    throw new FineRouterError(
      'MODEL_INVALID',
      `encoder: the model needs inputs this encoder cannot feed: ${extra.join(', ')}`,
    );
  const withTypes = inputs.has('token_type_ids');
  const outputName =
    parts.outputName ?? PREFERRED_OUTPUTS.find((n) => session.outputNames.includes(n)) ?? session.outputNames[0];
  if (outputName === undefined || !session.outputNames.includes(outputName)) {
    throw new FineRouterError(
      'MODEL_INVALID',
      `encoder: output ${String(outputName)} not among [${session.outputNames.join(', ')}]`,
    );
  }

  const runBatch = async (sequences: readonly Int32Array[]): Promise<{ vectors: Float32Array; hidden: number }> => {
    const batch = padBatch(sequences, padId);
    const dims = [batch.rows, batch.length];
    const feeds: Record<string, RuntimeTensor> = {
      input_ids: { type: 'int64', data: batch.inputIds, dims },
      attention_mask: { type: 'int64', data: batch.attentionMask, dims },
    };
    if (withTypes)
      feeds['token_type_ids'] = { type: 'int64', data: new BigInt64Array(batch.rows * batch.length), dims };
    let result: Record<string, RuntimeTensor>;
    try {
      result = await session.run(feeds);
    } catch (e) {
      throw new FineRouterError(
        'MODEL_INVALID',
        `encoder: the model failed to run: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    const output = result[outputName];
    if (output === undefined)
      throw new FineRouterError('MODEL_INVALID', `encoder: the model returned no ${outputName}`);
    const vectors = poolAndNormalize(output, batch.attentionMask, pooling);
    return { vectors, hidden: vectors.length / batch.rows };
  };

  const probe = await runBatch([tokenizer.encode('')]);
  const dimension = probe.hidden;
  let disposed = false;

  const embedBatch = async (sequences: readonly Int32Array[]): Promise<Float32Array> => {
    if (disposed) throw new FineRouterError('INVALID_ARGUMENT', 'embed: the encoder has been disposed');
    const { vectors, hidden } = await runBatch(sequences);
    if (hidden !== dimension)
      throw new FineRouterError('MODEL_INVALID', `encoder: the model returned ${hidden} dims, expected ${dimension}`);
    return vectors;
  };

  return {
    id,
    dimension,
    tokenize(texts: readonly string[]): Int32Array[] {
      return texts.map((t) => tokenizer.encode(t));
    },
    embedBatch,
    async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array> {
      assertTexts(texts, 'embed');
      const limits = batchLimits(options);
      if (disposed) throw new FineRouterError('INVALID_ARGUMENT', 'embed: the encoder has been disposed');
      throwIfAborted(options.signal, 'embed');
      const n = texts.length;
      const out = new Float32Array(n * dimension);
      if (n === 0) return out;
      const sequences = texts.map((t) => tokenizer.encode(t));
      const { order, starts } = planBatches(
        sequences.map((s) => s.length),
        limits,
      );
      for (let k = 0; k + 1 < starts.length; k++) {
        throwIfAborted(options.signal, 'embed');
        const rows = order.subarray(starts[k]!, starts[k + 1]!);
        const vectors = await embedBatch(Array.from(rows, (i) => sequences[i]!));
        rows.forEach((row, r) => out.set(vectors.subarray(r * dimension, (r + 1) * dimension), row * dimension));
        options.onProgress?.(starts[k + 1]!, n);
      }
      return out;
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}
