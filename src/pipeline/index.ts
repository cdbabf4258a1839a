/**
 * The training pipeline, one for every caller: embed → discover (Stage 1) → train (Stage 2) → artifacts.
 *
 * Stable API (the CLI's `train`, `eval` and `demo` and the examples call it):
 * - {@link buildRouter}(records, { embedder, seed?, discover?, train?, promptEmbeddings?, discovery?, write?,
 *   onProgress?, signal? }) → { embeddings, embedded, discovery, training, manifest, ms }.
 * - The steps on their own, for callers that need one of them: {@link embedRecords}, {@link discoverStep},
 *   {@link trainStep}.
 * - Progress: one callback of {@link PipelineProgress} events `{ step, stage, done, total, detail? }`.
 * - Abort: an AbortSignal, checked between steps and inside discovery and training (an abort fired from a
 *   timer stops the run with FineRouterError ABORTED).
 *
 * Node pieces (finerouter/node): `cachedEmbedder(encoder, { cacheDir })` embeds through the one on-disk
 * embedding cache, `defaultCacheDir()` / `cachePaths()` say where it lives, `writeArtifacts(dir, result)` is
 * the write step.
 *
 * @example
 * const encoder = await loadMiniLmEncoder({ cacheDir: cachePaths().encoder });
 * const { training, manifest } = await buildRouter(trainRecords, {
 *   embedder: cachedEmbedder(encoder),
 *   seed: 42,
 *   write: (result) => writeArtifacts('artifacts', result),
 *   onProgress: ({ step, stage, done, total }) => console.error(step, stage, done, total),
 * });
 */
export { buildRouter, embedRecords, discoverStep, trainStep, BUILD_ROUTER_DEFAULTS } from './pipeline.js';
export type {
  BuildRouterOptions,
  BuildRouterResult,
  PipelineEmbedder,
  PipelineProgress,
  PipelineStep,
} from './pipeline.js';
