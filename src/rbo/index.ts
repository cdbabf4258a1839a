/**
 * Rank-Biased Overlap (Webber, Moffat & Zobel 2010) with tie groups, and ranked-list helpers.
 *
 * - {@link rankBiasedOverlap}: `{ ext, min, res, max }` for two ranked lists of any items.
 * - {@link createRboKernel}: the typed-array form for discovery's hot loop. Encode every prompt's
 *   ranking of model indices once (`kernel.encodeAll(rankings)`, `kernel.stride` Int32 slots each),
 *   then call `kernel.ext(packed, packed, i * kernel.stride, j * kernel.stride)` per candidate edge:
 *   no allocation per call, O(modelCount + n) work, result bit-identical to
 *   `rankBiasedOverlap(rankings[i], rankings[j], { p }).ext`.
 * - {@link rankingFromScores}: `{ model: quality }` → tie groups, best first.
 */
export { rankBiasedOverlap, RBO_DEFAULTS } from './rbo.js';
export type { RboOptions, RboResult } from './rbo.js';
export { createRboKernel } from './kernel.js';
export type { RboKernel } from './kernel.js';
export { rankingFromScores } from './ranking.js';
export type { RankedList } from './ranking.js';
