/** Node side of the pipeline: an encoder behind the on-disk embedding cache (src/adapters/node/embedding-store.ts). */
import type { Encoder } from '../../encoder/types.js';
import type { PipelineEmbedder } from '../../pipeline/pipeline.js';
import { cachePaths } from './cache-dir.js';
import { embedTextsCached } from './embedding-store.js';

/** Options of {@link cachedEmbedder}. */
export interface CachedEmbedderOptions {
  /** Embedding cache folder; null keeps everything in memory. @defaultValue cachePaths().embeddings */
  cacheDir?: string | null;
  /** Most texts per padded batch (the encoder's `batchSize`). @defaultValue the encoder's default (32) */
  batchSize?: number;
}

/**
 * Wraps an encoder as the pipeline's embedder, reading and filling the one embedding cache.
 *
 * @param encoder - the sentence encoder (its id and dimension go into the manifest).
 * @param options - see {@link CachedEmbedderOptions}.
 * @returns a {@link PipelineEmbedder}.
 * @example
 * const encoder = await loadMiniLmEncoder({ cacheDir: cachePaths().encoder });
 * await buildRouter(records, { embedder: cachedEmbedder(encoder) });
 */
export function cachedEmbedder(encoder: Encoder, options: CachedEmbedderOptions = {}): PipelineEmbedder {
  const cacheDir = options.cacheDir === undefined ? cachePaths().embeddings : options.cacheDir;
  return {
    id: encoder.id,
    dimension: encoder.dimension,
    embed: (texts, embedOptions = {}) =>
      embedTextsCached(encoder, texts, {
        cacheDir,
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(embedOptions.onProgress ? { onProgress: embedOptions.onProgress } : {}),
        ...(embedOptions.signal ? { signal: embedOptions.signal } : {}),
      }),
  };
}
