/**
 * The Stage 1 prompt graph (FineRouter, arXiv 2603.19415, Sect. 3.1.1 "Graph Construction"):
 * kNN candidate edges by cosine similarity of description embeddings, an RBO score per candidate
 * edge between the two nodes' preferred-model rankings, edges with RBO < τ dropped, and weights
 * w = sqrt(norm(cos) · norm(rbo)) with min-max normalization over the kept edges.
 *
 * Decisions (documented in docs/discovery.md):
 * - Candidate edges are the symmetrized kNN lists: {i, j} is a candidate when j is among i's k
 *   nearest or i among j's; each undirected edge is scored once.
 * - RBO is the extrapolated value (`ext`) of Webber et al. (2010) at persistence p, via src/rbo's kernel.
 * - Min-max normalization maps the smallest kept value to `floor` (not 0) and the largest to 1.
 *   With floor 0 (the literal reading) every edge at the minimum cosine or at the minimum RBO level
 *   gets weight 0 and vanishes from the graph; RBO over 0/1 scores takes few distinct values, so that
 *   would silently remove a whole RBO level. `floor` is an option.
 * - Degenerate case: when every kept edge has the same cosine (or the same RBO), that signal
 *   normalizes to 1 for all edges, so the weights follow the other signal alone (all 1 when both are
 *   constant).
 */
import { throwIfAborted } from '../errors.js';
import type { RboKernel } from '../rbo/kernel.js';
import { nearestNeighbors } from './knn.js';
import type { NearestNeighborsOptions } from './knn.js';

/** Input of {@link buildPromptGraph}: prompt vectors and each prompt's model ranking (Sect. 3.1.1). */
export interface PromptGraphInput {
  /** n × dimension row-major, rows L2-normalized. */
  vectors: Float32Array;
  dimension: number;
  /** Rankings encoded back to back by `kernel.encodeAll` (n · kernel.stride slots). */
  rankings: Int32Array;
  kernel: RboKernel;
}

/** Options of {@link buildPromptGraph}: k, the RBO threshold and edge-weight floor, and the kNN search. */
export interface PromptGraphOptions extends NearestNeighborsOptions {
  /** Neighbours per node (capped at n − 1). @defaultValue 5 */
  k?: number;
  /** τ: edges with RBO below it are dropped. @defaultValue 0.4 */
  rboThreshold?: number;
  /** Lower end of the min-max normalization (see the file header). @defaultValue 0.05 */
  weightFloor?: number;
}

/**
 * Defaults of {@link PromptGraphOptions} beyond the kNN ones.
 *
 * @example
 * buildPromptGraph(input, { ...PROMPT_GRAPH_DEFAULTS, rboThreshold: 0.5 }); // a sparser graph
 */
export const PROMPT_GRAPH_DEFAULTS = Object.freeze({ k: 5, rboThreshold: 0.4, weightFloor: 0.05 });

/** The filtered, weighted edge list (input of `buildGraph`) plus diagnostics. */
export interface PromptGraph {
  nodeCount: number;
  /** Kept edges: endpoints (source < target) and weights. */
  source: Int32Array;
  target: Int32Array;
  weight: Float64Array;
  /** Raw cosine and RBO of each kept edge. */
  cosine: Float64Array;
  rbo: Float64Array;
  /** Undirected candidate edges before the RBO filter. */
  candidateEdges: number;
  knn: 'exact' | 'approximate';
  /** Milliseconds in the kNN search and in RBO + weighting. */
  ms: { knn: number; rbo: number };
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * Builds the RBO-filtered kNN graph over n nodes (prompts, or community summaries).
 *
 * @param input - vectors, encoded rankings and the RBO kernel that encoded them.
 * @param options - see {@link PromptGraphOptions}.
 * @returns kept edges with weights in [0, 1] (in [floor², 1] … 1, see the header) and counts.
 * @throws RangeError on inconsistent inputs or options; FineRouterError 'ABORTED'.
 * @example
 * const g = buildPromptGraph({ vectors, dimension: 384, rankings: kernel.encodeAll(r), kernel }, { k: 5 });
 * const csr = buildGraph({ nodeCount: g.nodeCount, source: g.source, target: g.target, weight: g.weight });
 */
export function buildPromptGraph(input: PromptGraphInput, options: PromptGraphOptions = {}): PromptGraph {
  const fn = 'buildPromptGraph';
  const { vectors, dimension, rankings, kernel } = input;
  const n = vectors.length / dimension;
  if (!Number.isInteger(n))
    throw new RangeError(
      `${fn}: expected vectors.length to be a multiple of dimension, received ${vectors.length} / ${dimension}`,
    );
  if (rankings.length !== n * kernel.stride) {
    throw new RangeError(
      `${fn}: expected ${n} encoded rankings (${n * kernel.stride} slots), received ${rankings.length} slots`,
    );
  }
  const k = options.k ?? PROMPT_GRAPH_DEFAULTS.k;
  const tau = options.rboThreshold ?? PROMPT_GRAPH_DEFAULTS.rboThreshold;
  const floor = options.weightFloor ?? PROMPT_GRAPH_DEFAULTS.weightFloor;
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`${fn}: expected k to be a positive integer, received ${String(k)}`);
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`${fn}: expected rboThreshold in [0, 1], received ${String(tau)}`);
  if (!(floor >= 0 && floor < 1))
    throw new RangeError(`${fn}: expected weightFloor in [0, 1), received ${String(floor)}`);
  const empty: PromptGraph = {
    nodeCount: n,
    source: new Int32Array(0),
    target: new Int32Array(0),
    weight: new Float64Array(0),
    cosine: new Float64Array(0),
    rbo: new Float64Array(0),
    candidateEdges: 0,
    knn: 'exact',
    ms: { knn: 0, rbo: 0 },
  };
  if (n < 2) return empty;

  const t0 = now();
  const graph = nearestNeighbors(vectors, dimension, Math.min(k, n - 1), options);
  const t1 = now();
  throwIfAborted(options.signal, fn);
  const kk = graph.k;
  // Symmetrize: key lo·n + hi (exact in float64 for n < 2^26), sort, de-duplicate.
  const keys = new Float64Array(n * kk);
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < kk; t++) {
      const j = graph.indices[i * kk + t]!;
      if (j < 0 || j === i) continue;
      keys[m++] = i < j ? i * n + j : j * n + i;
    }
  }
  const sorted = keys.subarray(0, m).sort();
  let unique = 0;
  for (let e = 0; e < m; e++) if (e === 0 || sorted[e] !== sorted[e - 1]) sorted[unique++] = sorted[e]!;

  const keepSource = new Int32Array(unique);
  const keepTarget = new Int32Array(unique);
  const keepCos = new Float64Array(unique);
  const keepRbo = new Float64Array(unique);
  const stride = kernel.stride;
  let kept = 0;
  for (let e = 0; e < unique; e++) {
    const key = sorted[e]!;
    const i = Math.floor(key / n);
    const j = key - i * n;
    const rbo = kernel.ext(rankings, rankings, i * stride, j * stride);
    if (!(rbo >= tau)) continue;
    let cos = 0;
    const a = i * dimension;
    const b = j * dimension;
    for (let t = 0; t < dimension; t++) cos += vectors[a + t]! * vectors[b + t]!;
    keepSource[kept] = i;
    keepTarget[kept] = j;
    keepCos[kept] = cos;
    keepRbo[kept] = rbo;
    kept++;
  }
  const cosine = keepCos.slice(0, kept);
  const rbo = keepRbo.slice(0, kept);
  const weight = new Float64Array(kept);
  const normalize = (values: Float64Array): Float64Array => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const out = new Float64Array(values.length);
    if (!(hi > lo)) return out.fill(1);
    const span = hi - lo;
    for (let e = 0; e < values.length; e++) out[e] = floor + (1 - floor) * ((values[e]! - lo) / span);
    return out;
  };
  const nc = normalize(cosine);
  const nr = normalize(rbo);
  for (let e = 0; e < kept; e++) weight[e] = Math.sqrt(nc[e]! * nr[e]!);
  const t2 = now();
  return {
    nodeCount: n,
    source: keepSource.slice(0, kept),
    target: keepTarget.slice(0, kept),
    weight,
    cosine,
    rbo,
    candidateEdges: unique,
    knn: graph.method,
    ms: { knn: t1 - t0, rbo: t2 - t1 },
  };
}
