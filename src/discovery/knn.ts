/**
 * k-nearest neighbours by cosine similarity for the Stage 1 prompt graph (FineRouter, arXiv
 * 2603.19415, Sect. 3.1.1 "Graph Construction": "we identify k-nearest neighbors for each prompt
 * based on cosine similarity between task description embeddings"; k = 5 in Appendix B).
 *
 * Rows are L2-normalized, so cosine = dot product.
 *
 * - {@link exactKnn}: all pairs in square blocks of rows (a blocked X·Xᵀ over the upper triangle,
 *   each dot product used for both rows), O(n² d) time, O(n k) memory.
 * - Dot products run as WebAssembly SIMD (src/discovery/simd.ts) when available, in JavaScript otherwise.
 * - {@link approximateKnn}: NN-descent (W. Dong, M. Charikar, K. Li, "Efficient k-nearest neighbor
 *   graph construction for generic similarity measures", WWW 2011: local join over new/old
 *   neighbour flags, sampling rate ρ, early stop when fewer than δ·n·K updates), started from a
 *   random-projection forest (angular splits between two random points, as in Annoy / PyNNDescent)
 *   instead of random neighbours. It keeps K = `degree` ≥ k neighbours while it searches and returns
 *   the best k; the larger list is what lifts recall at small k.
 * - {@link nearestNeighbors}: picks exact up to `exactMaxNodes` nodes, NN-descent above.
 *
 * Ties: neighbours are ordered by similarity descending, then by index ascending; the exact result
 * is the unique top k under this order (independent of block size). A row with fewer than k other
 * nodes is padded with index −1 and similarity −Infinity.
 *
 * Deviations: the forest replaces NN-descent's random initialization (fewer iterations for the same
 * recall); reverse-neighbour lists are capped by seeded reservoir sampling; no parallelism.
 */
import { throwIfAborted } from '../errors.js';
import { createSimdRows } from './simd.js';
import { BLOCK_DOT_ROWS, BLOCK_QUERIES, createBlockDots, type BlockDots } from './simd-block.js';
import { mulberry32 } from '../random.js';
import { selectInPlace } from '../numeric/stats.js';

/** A kNN graph: row i holds the k nearest other nodes of node i. */
export interface KnnGraph {
  /** Number of nodes. */
  n: number;
  /** Neighbours per row. */
  k: number;
  /** n·k neighbour indices, row-major, best first; −1 pads rows when n − 1 < k. */
  indices: Int32Array;
  /** n·k cosine similarities matching `indices` (−Infinity on padding). */
  similarities: Float32Array;
}

export interface ExactKnnOptions {
  /** Rows per block of the blocked product. @defaultValue 128 */
  blockSize?: number;
  /** Use WebAssembly SIMD dot products when available (src/discovery/simd.ts). @defaultValue true */
  simd?: boolean;
  /** Called with (rows done, n). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ApproximateKnnOptions {
  /** Use WebAssembly SIMD dot products when available (src/discovery/simd.ts). @defaultValue true */
  simd?: boolean;
  /** Neighbours kept during the search (K ≥ k); the best k are returned. @defaultValue max(3k, 15) */
  degree?: number;
  /** Random-projection trees used to initialize the graph. @defaultValue 6 */
  trees?: number;
  /** Largest leaf of a projection tree. @defaultValue max(2·degree, 24) */
  leafSize?: number;
  /** NN-descent sampling rate ρ. @defaultValue 0.5 */
  sampleRate?: number;
  /** Largest number of NN-descent passes. @defaultValue 12 */
  maxIterations?: number;
  /** Stop when a pass updates fewer than delta·n·K neighbour slots. @defaultValue 0.001 */
  delta?: number;
  /** Seed of the projection forest and the sampling. @defaultValue 42 */
  seed?: number;
  /** Called with (work done, total work) in arbitrary units. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Options of {@link nearestNeighbors}: exact or approximate search and the approximate search's settings. */
export interface NearestNeighborsOptions extends ApproximateKnnOptions {
  /** 'auto': exact up to `exactMaxNodes` nodes, approximate above. @defaultValue 'auto' */
  method?: 'auto' | 'exact' | 'approximate';
  /** Switch point of 'auto'. @defaultValue 10000 */
  exactMaxNodes?: number;
  /** Block size of the exact search. @defaultValue 128 */
  blockSize?: number;
}

/**
 * Defaults of the kNN options.
 *
 * @example
 * nearestNeighbors(embeddings, 384, 10, { blockSize: NEAREST_NEIGHBORS_DEFAULTS.blockSize * 2 });
 */
export const NEAREST_NEIGHBORS_DEFAULTS = Object.freeze({
  blockSize: 128,
  trees: 6,
  sampleRate: 0.5,
  maxIterations: 12,
  delta: 0.001,
  seed: 42,
  method: 'auto' as 'auto' | 'exact' | 'approximate',
  exactMaxNodes: 10000,
});

function checkInputs(fn: string, vectors: Float32Array, dimension: number, k: number): number {
  if (!(vectors instanceof Float32Array)) {
    throw new TypeError(
      `${fn}: expected vectors to be a Float32Array, received ${vectors === null ? 'null' : typeof vectors}`,
    );
  }
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new RangeError(`${fn}: expected dimension to be a positive integer, received ${String(dimension)}`);
  }
  if (vectors.length % dimension !== 0) {
    throw new RangeError(
      `${fn}: expected vectors.length (${vectors.length}) to be a multiple of dimension ${dimension}`,
    );
  }
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`${fn}: expected k to be a positive integer, received ${String(k)}`);
  return vectors.length / dimension;
}

/** Dot product of rows a and b (offsets in floats), accumulated in float64, fixed summation order. */
function dot(x: Float32Array, a: number, b: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  const end4 = d - (d & 3);
  for (; t < end4; t += 4) {
    s0 += x[a + t]! * x[b + t]!;
    s1 += x[a + t + 1]! * x[b + t + 1]!;
    s2 += x[a + t + 2]! * x[b + t + 2]!;
    s3 += x[a + t + 3]! * x[b + t + 3]!;
  }
  for (; t < d; t++) s0 += x[a + t]! * x[b + t]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * Inserts (j, s) into the sorted row `base .. base+width` if it beats the worst entry under
 * (similarity desc, index asc) and is not already present; `flags` move with their entries and the
 * new entry gets `flag`. Returns 1 when inserted.
 */
function offer(
  ids: Int32Array,
  sims: Float32Array,
  flags: Uint8Array,
  base: number,
  width: number,
  j: number,
  s: number,
  flag: number,
): number {
  const last = base + width - 1;
  const worst = sims[last]!;
  // Compare in float32, the precision the row stores.
  const sf = Math.fround(s);
  if (sf < worst || (sf === worst && ids[last] !== -1 && j > ids[last]!)) return 0;
  for (let t = base; t <= last; t++) {
    if (ids[t] === j) return 0;
  }
  let p = last;
  while (p > base) {
    const q = p - 1;
    const sq = sims[q]!;
    if (sq > sf || (sq === sf && ids[q] !== -1 && ids[q]! < j)) break;
    ids[p] = ids[q]!;
    sims[p] = sq;
    flags[p] = flags[q]!;
    p = q;
  }
  ids[p] = j;
  sims[p] = sf;
  flags[p] = flag;
  return 1;
}

/**
 * Exact k nearest neighbours (cosine on L2-normalized rows) of every row, self excluded.
 *
 * @param vectors - n × dimension row-major, rows L2-normalized (not checked here; see discoverTasks).
 * @param dimension - row length d.
 * @param k - neighbours per row.
 * @param options - see {@link ExactKnnOptions}.
 * @returns the kNN graph; ties by index ascending; rows padded with −1 when n − 1 < k.
 * @throws TypeError / RangeError on bad arguments; FineRouterError 'ABORTED' when the signal fires.
 * @example
 * const g = exactKnn(new Float32Array([1, 0, 0.6, 0.8, 0, 1]), 2, 1);
 * g.indices; // Int32Array [1, 0, 1]
 */
export function exactKnn(vectors: Float32Array, dimension: number, k: number, options: ExactKnnOptions = {}): KnnGraph {
  const n = checkInputs('exactKnn', vectors, dimension, k);
  const blockSize = options.blockSize ?? NEAREST_NEIGHBORS_DEFAULTS.blockSize;
  if (!Number.isInteger(blockSize) || blockSize < 4 || blockSize % 4 !== 0) {
    throw new RangeError(`exactKnn: expected blockSize to be a positive multiple of 4, received ${String(blockSize)}`);
  }
  const d = dimension;
  const ids = new Int32Array(n * k).fill(-1);
  const sims = new Float32Array(n * k).fill(-Infinity);
  const flags = new Uint8Array(n * k);
  const both = (i: number, j: number, s: number): void => {
    offer(ids, sims, flags, i * k, k, j, s, 0);
    offer(ids, sims, flags, j * k, k, i, s, 0);
  };
  const colBlock = blockSize * 2;
  const block = options.simd === false ? null : createBlockDots(vectors, d);
  if (block !== null) {
    exactKnnBlocked(block, n, k, ids, sims, options);
    return { n, k, indices: ids, similarities: sims };
  }
  const rows = options.simd === false ? null : createSimdRows(vectors, d);
  if (rows !== null) {
    for (let bi = 0; bi < n; bi += blockSize) {
      throwIfAborted(options.signal, 'exactKnn');
      const iEnd = Math.min(n, bi + blockSize);
      for (let bj = bi; bj < n; bj += colBlock) {
        const jEnd = Math.min(n, bj + colBlock);
        for (let i = bi; i < iEnd; i++) {
          for (let j = Math.max(bj, i + 1); j < jEnd; j++) both(i, j, rows.dot(i, j));
        }
      }
      options.onProgress?.(iEnd, n);
    }
    return { n, k, indices: ids, similarities: sims };
  }
  // Float64 copy: V8 multiplies float64 loads faster than float32 ones (no widening per load).
  const x = Float64Array.from(vectors);
  const fullQuads = n - (n % 4);
  for (let bi = 0; bi < n; bi += blockSize) {
    throwIfAborted(options.signal, 'exactKnn');
    const iEnd = Math.min(n, bi + blockSize);
    for (let bj = bi; bj < n; bj += colBlock) {
      const jEnd = Math.min(n, bj + colBlock);
      for (let i0 = bi; i0 < iEnd; i0 += 4) {
        if (i0 >= fullQuads) {
          // Tail rows (n not a multiple of 4): one pair at a time.
          for (let i = i0; i < n; i++)
            for (let j = Math.max(bj, i + 1); j < jEnd; j++) both(i, j, dot64(x, i * d, j * d, d));
          continue;
        }
        if (bj === bi) {
          // Pairs inside the quad.
          for (let i = i0; i < i0 + 4; i++) for (let j = i + 1; j < i0 + 4; j++) both(i, j, dot64(x, i * d, j * d, d));
        }
        let j = Math.max(bj, i0 + 4);
        const a0 = i0 * d;
        const a1 = a0 + d;
        const a2 = a1 + d;
        const a3 = a2 + d;
        // 4 rows × 2 columns register tile; every sum runs over t = 0..d−1 in order, as dot64 does.
        for (; j + 1 < jEnd; j += 2) {
          const b = j * d;
          const c = b + d;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let u0 = 0;
          let u1 = 0;
          let u2 = 0;
          let u3 = 0;
          for (let t = 0; t < d; t++) {
            const v = x[b + t]!;
            const w = x[c + t]!;
            const p0 = x[a0 + t]!;
            const p1 = x[a1 + t]!;
            const p2 = x[a2 + t]!;
            const p3 = x[a3 + t]!;
            s0 += p0 * v;
            s1 += p1 * v;
            s2 += p2 * v;
            s3 += p3 * v;
            u0 += p0 * w;
            u1 += p1 * w;
            u2 += p2 * w;
            u3 += p3 * w;
          }
          both(i0, j, s0);
          both(i0 + 1, j, s1);
          both(i0 + 2, j, s2);
          both(i0 + 3, j, s3);
          both(i0, j + 1, u0);
          both(i0 + 1, j + 1, u1);
          both(i0 + 2, j + 1, u2);
          both(i0 + 3, j + 1, u3);
        }
        if (j < jEnd) for (let i = i0; i < i0 + 4; i++) both(i, j, dot64(x, i * d, j * d, d));
      }
    }
    options.onProgress?.(iEnd, n);
  }
  return { n, k, indices: ids, similarities: sims };
}

/**
 * exactKnn with blocked SIMD dot products (./simd-block.ts, the same float32 values as ./simd.ts `dot`): each
 * block of queries gets its similarities to every row, then each query's top k under (similarity desc, index asc)
 * is selected from that full row (a quickselect of the k-th value, then a sort of the winners). The top k under
 * that order is unique, so the lists are the ones the pairwise loop builds; the work is n² dot products instead of
 * n²/2, but one call per block instead of one per pair, with four queries sharing each row load.
 */
function exactKnnBlocked(
  block: BlockDots,
  n: number,
  k: number,
  ids: Int32Array,
  sims: Float32Array,
  options: ExactKnnOptions,
): void {
  const full = new Float32Array(BLOCK_QUERIES * n);
  const values = new Float32Array(n);
  const order = new Int32Array(n);
  for (let q0 = 0; q0 < n; q0 += BLOCK_QUERIES) {
    throwIfAborted(options.signal, 'exactKnn');
    const count = Math.min(BLOCK_QUERIES, n - q0);
    block.setQueries(block.source, q0 * block.dimension, count);
    for (let from = 0; from < n; from += BLOCK_DOT_ROWS) {
      const to = Math.min(n, from + BLOCK_DOT_ROWS);
      const out = block.dots(from, to);
      const stride = block.stride;
      for (let i = 0; i < count; i++) {
        const row = i * n;
        for (let j = from; j < to; j++) full[row + j] = out[(j - from) * stride + i]!;
      }
    }
    for (let i = 0; i < count; i++) {
      const q = q0 + i;
      const row = full.subarray(i * n, (i + 1) * n);
      const m = n - 1;
      const take = Math.min(k, m);
      if (take === 0) continue;
      const base = q * k;
      if (k <= 32) {
        // Short lists: insertion in index order (the same top k, cheaper than a selection over the row).
        for (let j = 0; j < n; j++) {
          if (j === q) continue;
          const s = row[j]!;
          const last = base + k - 1;
          if (s < sims[last]! || (s === sims[last]! && ids[last] !== -1)) continue;
          let p = last;
          while (p > base && sims[p - 1]! < s) {
            sims[p] = sims[p - 1]!;
            ids[p] = ids[p - 1]!;
            p -= 1;
          }
          sims[p] = s;
          ids[p] = j;
        }
        continue;
      }
      // The take-th largest similarity among the other rows.
      let c = 0;
      for (let j = 0; j < n; j++) if (j !== q) values[c++] = row[j]!;
      const kth = selectInPlace(values, m, m - take); // the take-th largest
      // Winners: every value above kth, then kth ties by index ascending, until take are chosen.
      let w = 0;
      for (let j = 0; j < n; j++) if (j !== q && row[j]! > kth) order[w++] = j;
      for (let j = 0; j < n && w < take; j++) if (j !== q && row[j] === kth) order[w++] = j;
      const winners = Array.from(order.subarray(0, w));
      winners.sort((a, b) => row[b]! - row[a]! || a - b);
      for (let t = 0; t < w; t++) {
        ids[base + t] = winners[t]!;
        sims[base + t] = row[winners[t]!]!;
      }
    }
    options.onProgress?.(Math.min(n, q0 + BLOCK_QUERIES), n);
  }
}

/** Sequential dot product over t = 0..d−1 (the summation order of exactKnn's tiles). */
function dot64(x: Float64Array, a: number, b: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) s += x[a + t]! * x[b + t]!;
  return s;
}

/**
 * Approximate k nearest neighbours by NN-descent started from a random-projection forest (see the
 * file header). Deterministic for a given seed.
 *
 * @param vectors - n × dimension row-major, rows L2-normalized.
 * @param dimension - row length d.
 * @param k - neighbours per row.
 * @param options - see {@link ApproximateKnnOptions}.
 * @returns the kNN graph (same layout as {@link exactKnn}).
 * @throws TypeError / RangeError on bad arguments; FineRouterError 'ABORTED' when the signal fires.
 * @example
 * const g = approximateKnn(embeddings, 384, 5, { seed: 1 });
 */
export function approximateKnn(
  vectors: Float32Array,
  dimension: number,
  k: number,
  options: ApproximateKnnOptions = {},
): KnnGraph {
  const fn = 'approximateKnn';
  const n = checkInputs(fn, vectors, dimension, k);
  const d = dimension;
  const K = Math.max(k, options.degree ?? Math.max(3 * k, 15));
  const trees = options.trees ?? NEAREST_NEIGHBORS_DEFAULTS.trees;
  const leafSize = options.leafSize ?? Math.max(2 * K, 24);
  const rho = options.sampleRate ?? NEAREST_NEIGHBORS_DEFAULTS.sampleRate;
  const maxIterations = options.maxIterations ?? NEAREST_NEIGHBORS_DEFAULTS.maxIterations;
  const delta = options.delta ?? NEAREST_NEIGHBORS_DEFAULTS.delta;
  const seed = options.seed ?? NEAREST_NEIGHBORS_DEFAULTS.seed;
  if (!Number.isInteger(K) || K < 1)
    throw new RangeError(`${fn}: expected degree to be a positive integer, received ${String(options.degree)}`);
  if (!Number.isInteger(trees) || trees < 0)
    throw new RangeError(`${fn}: expected trees to be an integer ≥ 0, received ${String(trees)}`);
  if (!Number.isInteger(leafSize) || leafSize < 2)
    throw new RangeError(`${fn}: expected leafSize to be an integer ≥ 2, received ${String(leafSize)}`);
  if (!(rho > 0 && rho <= 1)) throw new RangeError(`${fn}: expected sampleRate in (0, 1], received ${String(rho)}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new RangeError(`${fn}: expected maxIterations to be an integer ≥ 0, received ${String(maxIterations)}`);
  }
  if (!(delta >= 0)) throw new RangeError(`${fn}: expected delta ≥ 0, received ${String(delta)}`);
  if (!Number.isInteger(seed)) throw new RangeError(`${fn}: expected seed to be an integer, received ${String(seed)}`);
  if (n - 1 <= K)
    return exactKnn(vectors, d, k, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.simd !== undefined ? { simd: options.simd } : {}),
    });

  const random = mulberry32(seed);
  const rows = options.simd === false ? null : createSimdRows(vectors, d);
  const similarity = rows !== null ? rows.dot : (a: number, b: number): number => dot(vectors, a * d, b * d, d);
  const ids = new Int32Array(n * K).fill(-1);
  const sims = new Float32Array(n * K).fill(-Infinity);
  const isNew = new Uint8Array(n * K);
  const totalWork = trees + maxIterations;
  let workDone = 0;

  // 1. Random-projection forest: every leaf's pairs seed the graph.
  const order = new Int32Array(n);
  const side = new Uint8Array(n);
  const normal = new Float64Array(d);
  const stack: number[] = [];
  for (let tree = 0; tree < trees; tree++) {
    throwIfAborted(options.signal, fn);
    for (let i = 0; i < n; i++) order[i] = i;
    stack.push(0, n);
    while (stack.length > 0) {
      const end = stack.pop()!;
      const start = stack.pop()!;
      const size = end - start;
      if (size <= leafSize) {
        for (let x = start; x < end; x++) {
          const a = order[x]!;
          for (let y = x + 1; y < end; y++) {
            const b = order[y]!;
            const s = similarity(a, b);
            offer(ids, sims, isNew, a * K, K, b, s, 1);
            offer(ids, sims, isNew, b * K, K, a, s, 1);
          }
        }
        continue;
      }
      // Hyperplane between two random points (angular split through the origin).
      const p = order[start + Math.floor(random() * size)]!;
      let q = order[start + Math.floor(random() * size)]!;
      for (let tries = 0; q === p && tries < 8; tries++) q = order[start + Math.floor(random() * size)]!;
      for (let t = 0; t < d; t++) normal[t] = vectors[p * d + t]! - vectors[q * d + t]!;
      rows?.setScratch(normal);
      let left = 0;
      for (let x = start; x < end; x++) {
        let s = 0;
        if (rows !== null) s = rows.dotScratch(order[x]!);
        else {
          const v = order[x]! * d;
          for (let t = 0; t < d; t++) s += vectors[v + t]! * normal[t]!;
        }
        const goLeft = s > 0 || (s === 0 && random() < 0.5);
        side[x - start] = goLeft ? 1 : 0;
        if (goLeft) left++;
      }
      if (left === 0 || left === size) {
        // Degenerate split (duplicates): halve at random.
        left = 0;
        for (let x = start; x < end; x++) {
          const goLeft = random() < 0.5;
          side[x - start] = goLeft ? 1 : 0;
          if (goLeft) left++;
        }
        if (left === 0 || left === size) {
          left = size >> 1;
          for (let x = 0; x < size; x++) side[x] = x < left ? 1 : 0;
        }
      }
      // Stable partition of order[start..end) by side.
      const tmp = order.slice(start, end);
      let li = start;
      let ri = start + left;
      for (let x = 0; x < size; x++) {
        if (side[x] === 1) order[li++] = tmp[x]!;
        else order[ri++] = tmp[x]!;
      }
      stack.push(start, start + left, start + left, end);
    }
    options.onProgress?.(++workDone, totalWork);
  }
  // Rows still short (no trees, tiny leaves): fill with random nodes.
  for (let i = 0; i < n; i++) {
    let guard = 0;
    while (ids[i * K + K - 1] === -1 && guard++ < 4 * K) {
      const j = Math.floor(random() * n);
      if (j !== i) offer(ids, sims, isNew, i * K, K, j, similarity(i, j), 1);
    }
  }

  // 2. NN-descent local joins.
  const cap = Math.max(1, Math.ceil(rho * K));
  const newFwd = new Int32Array(n * cap);
  const newFwdCount = new Int32Array(n);
  const oldFwd = new Int32Array(n * K);
  const oldFwdCount = new Int32Array(n);
  const newRev = new Int32Array(n * cap);
  const newRevCount = new Int32Array(n);
  const newRevSeen = new Int32Array(n);
  const oldRev = new Int32Array(n * cap);
  const oldRevCount = new Int32Array(n);
  const oldRevSeen = new Int32Array(n);
  const newSet = new Int32Array(2 * cap);
  const oldSet = new Int32Array(K + cap);
  const pushReverse = (list: Int32Array, count: Int32Array, seen: Int32Array, node: number, value: number): void => {
    const c = seen[node]!++;
    if (c < cap) {
      list[node * cap + c] = value;
      count[node] = c + 1;
    } else {
      const r = Math.floor(random() * (c + 1));
      if (r < cap) list[node * cap + r] = value;
    }
  };
  const pick = new Int32Array(K);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    throwIfAborted(options.signal, fn);
    newFwdCount.fill(0);
    oldFwdCount.fill(0);
    newRevCount.fill(0);
    newRevSeen.fill(0);
    oldRevCount.fill(0);
    oldRevSeen.fill(0);
    for (let i = 0; i < n; i++) {
      const base = i * K;
      let newCount = 0;
      for (let t = 0; t < K; t++) {
        const j = ids[base + t]!;
        if (j < 0) continue;
        if (isNew[base + t] === 1) pick[newCount++] = t;
        else oldFwd[i * K + oldFwdCount[i]!++] = j;
      }
      // Sample up to `cap` new neighbours (partial Fisher–Yates), mark them old.
      const take = Math.min(cap, newCount);
      for (let x = 0; x < take; x++) {
        const y = x + Math.floor(random() * (newCount - x));
        const swap = pick[x]!;
        pick[x] = pick[y]!;
        pick[y] = swap;
        const slot = base + pick[x]!;
        newFwd[i * cap + newFwdCount[i]!++] = ids[slot]!;
        isNew[slot] = 0;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < newFwdCount[i]!; t++) pushReverse(newRev, newRevCount, newRevSeen, newFwd[i * cap + t]!, i);
      for (let t = 0; t < oldFwdCount[i]!; t++) pushReverse(oldRev, oldRevCount, oldRevSeen, oldFwd[i * K + t]!, i);
    }
    let updates = 0;
    for (let v = 0; v < n; v++) {
      let nn = 0;
      for (let t = 0; t < newFwdCount[v]!; t++) newSet[nn++] = newFwd[v * cap + t]!;
      for (let t = 0; t < newRevCount[v]!; t++) {
        const u = newRev[v * cap + t]!;
        let dup = false;
        for (let x = 0; x < nn; x++) if (newSet[x] === u) dup = true;
        if (!dup) newSet[nn++] = u;
      }
      let no = 0;
      for (let t = 0; t < oldFwdCount[v]!; t++) oldSet[no++] = oldFwd[v * K + t]!;
      for (let t = 0; t < oldRevCount[v]!; t++) {
        const u = oldRev[v * cap + t]!;
        let dup = false;
        for (let x = 0; x < no; x++) if (oldSet[x] === u) dup = true;
        if (!dup) oldSet[no++] = u;
      }
      for (let x = 0; x < nn; x++) {
        const a = newSet[x]!;
        for (let y = x + 1; y < nn; y++) {
          const b = newSet[y]!;
          if (a === b) continue;
          const s = similarity(a, b);
          updates += offer(ids, sims, isNew, a * K, K, b, s, 1);
          updates += offer(ids, sims, isNew, b * K, K, a, s, 1);
        }
        for (let y = 0; y < no; y++) {
          const b = oldSet[y]!;
          if (a === b) continue;
          const s = similarity(a, b);
          updates += offer(ids, sims, isNew, a * K, K, b, s, 1);
          updates += offer(ids, sims, isNew, b * K, K, a, s, 1);
        }
      }
    }
    options.onProgress?.(++workDone, totalWork);
    if (updates <= delta * n * K) break;
  }
  options.onProgress?.(totalWork, totalWork);
  const outIds = new Int32Array(n * k);
  const outSims = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    outIds.set(ids.subarray(i * K, i * K + k), i * k);
    outSims.set(sims.subarray(i * K, i * K + k), i * k);
  }
  return { n, k, indices: outIds, similarities: outSims };
}

/**
 * k nearest neighbours with automatic method choice: exact up to `exactMaxNodes` nodes (default
 * 10 000: the blocked exact search takes ~5 s of one core at 5.6k × 384, growing as n²), NN-descent above.
 *
 * @param vectors - n × dimension row-major, rows L2-normalized.
 * @param dimension - row length.
 * @param k - neighbours per row.
 * @param options - see {@link NearestNeighborsOptions}.
 * @returns the graph and the method used.
 * @throws TypeError / RangeError on bad arguments; FineRouterError 'ABORTED'.
 * @example
 * const { indices, method } = nearestNeighbors(embeddings, 384, 5);
 */
export function nearestNeighbors(
  vectors: Float32Array,
  dimension: number,
  k: number,
  options: NearestNeighborsOptions = {},
): KnnGraph & { method: 'exact' | 'approximate' } {
  const n = checkInputs('nearestNeighbors', vectors, dimension, k);
  const method = options.method ?? NEAREST_NEIGHBORS_DEFAULTS.method;
  if (method !== 'auto' && method !== 'exact' && method !== 'approximate') {
    throw new RangeError(
      `nearestNeighbors: expected method 'auto' | 'exact' | 'approximate', received ${String(method)}`,
    );
  }
  const exactMax = options.exactMaxNodes ?? NEAREST_NEIGHBORS_DEFAULTS.exactMaxNodes;
  const useExact = method === 'exact' || (method === 'auto' && n <= exactMax);
  if (useExact) {
    const exactOptions: ExactKnnOptions = {};
    if (options.blockSize !== undefined) exactOptions.blockSize = options.blockSize;
    if (options.onProgress) exactOptions.onProgress = options.onProgress;
    if (options.signal) exactOptions.signal = options.signal;
    return { ...exactKnn(vectors, dimension, k, exactOptions), method: 'exact' };
  }
  return { ...approximateKnn(vectors, dimension, k, options), method: 'approximate' };
}

/**
 * recall@k of an approximate kNN graph against the exact one: the share of exact neighbours
 * (over all rows, padding ignored) that the approximate rows contain.
 *
 * @param approximate - graph to score.
 * @param exact - reference graph with the same n and k.
 * @returns recall in [0, 1] (1 when there is nothing to find).
 * @throws RangeError when the shapes differ.
 * @example
 * knnRecall(approximateKnn(x, d, 5), exactKnn(x, d, 5)); // e.g. 0.98
 */
export function knnRecall(approximate: KnnGraph, exact: KnnGraph): number {
  if (approximate.n !== exact.n || approximate.k !== exact.k) {
    throw new RangeError(
      `knnRecall: expected graphs of the same shape, received ${approximate.n}×${approximate.k} and ${exact.n}×${exact.k}`,
    );
  }
  const { n, k } = exact;
  let found = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = exact.indices[i * k + t]!;
      if (j < 0) continue;
      total++;
      for (let u = 0; u < k; u++) {
        if (approximate.indices[i * k + u] === j) {
          found++;
          break;
        }
      }
    }
  }
  return total === 0 ? 1 : found / total;
}
