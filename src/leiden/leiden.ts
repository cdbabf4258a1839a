/**
 * The Leiden algorithm for community detection.
 *
 * Source: V. A. Traag, L. Waltman, N. J. van Eck, "From Louvain to Leiden: guaranteeing
 * well-connected communities", Scientific Reports 9, 5233 (2019) — Algorithm A.2 of the
 * supplementary information (fast local moving, refinement, aggregation), with the quality
 * functions of its Eq. (1) (modularity with resolution γ, i.e. the RB configuration model) and
 * Eq. (2) (the Constant Potts Model, CPM).
 *
 * Both objectives are run as one "CPM with node sizes" problem, H = Σ_c [e_c − γ' S_c² / 2]:
 * modularity uses node size s_v = strength k_v and γ' = γ / (2m); CPM uses s_v = node weight and
 * γ' = γ. The gain of moving v into community C is w(v, C) − γ' s_v S_C (in edge-weight units,
 * like igraph's C implementation), and the randomized refinement draws a target community with
 * probability ∝ exp(gain / θ) among gains ≥ 0, staying a singleton included (gain 0).
 *
 * One iteration = Algorithm A.2's loop: MoveNodesFast (queue, random initial order, strict
 * improvement only), then while some community has more than one node: RefinePartition (only
 * singletons that are well connected to their community move, only into well-connected
 * subcommunities), aggregate the refined partition, start the aggregate from the non-refined
 * partition, move again. Iterations repeat until one changes nothing (or `maxIterations`).
 *
 * Deliberate deviations, all documented in docs/leiden.md:
 * - Visiting order: the nodes are relabelled once per call by a seeded random permutation. Levels
 *   with more than 16384 nodes are visited (local moving and refinement) in relabelled id order:
 *   each pass sees a uniformly random order of the nodes, but the same one in every iteration (the
 *   paper and igraph reshuffle per pass). This keeps CSR reads sequential: 2-3x fewer cache misses
 *   on large graphs. Smaller levels are reshuffled in every pass, as in the paper. On graphs with
 *   more than 16384 nodes the nodes are relabelled once more after the first iteration, community by
 *   community (keeping their random order inside each community), so that later passes touch a small
 *   window of the per-node arrays at a time.
 * - The refinement's probabilities use exp((gain − max gain)/θ) (same distribution, no overflow;
 *   igraph falls back to greedy when the sum overflows); weights below e^−40 count as 0, and when
 *   only the best candidate is left it is taken without a random draw.
 * - Like igraph, when refinement leaves every node a singleton the aggregation uses the non-refined
 *   partition (otherwise the loop would not shrink the graph).
 * - Every community is returned connected: a final O(n + m) pass splits any disconnected
 *   community into its components (this can only raise both objectives for γ > 0). With the
 *   refinement it is a safety net for the aggregation fallback above.
 * - Moves need a strictly positive gain; ties between target communities go to the first one met
 *   while scanning the node's (sorted) neighbours; a node whose best gain is negative moves to an
 *   empty community (lowest free id).
 * - Final communities are numbered 0..k−1 by decreasing size (node count), ties by smallest node id.
 *
 * @module
 */
import { throwIfAborted } from '../errors.js';
import type { CsrGraph } from './graph.js';
import { checkGraph, compactMembership, partitionQuality } from './quality.js';
import { Xoshiro128 } from './random.js';

/** Progress of one Leiden iteration, passed to {@link LeidenOptions.onIteration}. */
export interface LeidenIterationInfo {
  /** 1-based iteration number. */
  readonly iteration: number;
  /** Normalized objective after this iteration (see {@link LeidenResult.quality}). */
  readonly quality: number;
  /** Number of communities after this iteration. */
  readonly communityCount: number;
  /** Whether any node changed community during this iteration. */
  readonly changed: boolean;
}

/** Options of {@link leiden}. Defaults are in {@link LEIDEN_DEFAULTS}. */
export interface LeidenOptions {
  /**
   * Quality function: `'modularity'` (RB configuration model with resolution γ; γ = 1 is
   * Newman–Girvan modularity) or `'cpm'` (Constant Potts Model with node weights).
   * @defaultValue 'modularity'
   */
  readonly objective?: 'modularity' | 'cpm';
  /**
   * Resolution γ ≥ 0. Larger values give more, smaller communities.
   * @defaultValue 1
   */
  readonly resolution?: number;
  /**
   * Randomness θ ≥ 0 of the refinement phase (0 = greedy refinement).
   * @defaultValue 0.01
   */
  readonly randomness?: number;
  /**
   * Seed of the internal PRNG (an integer; its low 32 bits are used). Same seed, same graph, same
   * options ⇒ the same partition on every platform.
   * @defaultValue 0
   */
  readonly seed?: number;
  /**
   * Maximum number of iterations; `Infinity` iterates until an iteration changes nothing.
   * @defaultValue Infinity
   */
  readonly maxIterations?: number;
  /**
   * Stop after the first iteration that raises the normalized objective ({@link LeidenResult.quality})
   * by less than this (or changes nothing). 0 iterates until stable, as the paper does. On large kNN
   * graphs the last iterations add little: on knn100k_k5 (seed 0), 1e-5 stops after 6 of 11 iterations at
   * modularity −0.00003 (docs/leiden.md).
   * @defaultValue 0
   */
  readonly tolerance?: number;
  /**
   * Starting partition (one non-negative integer label per node; any numbering).
   * @defaultValue every node in its own community
   */
  readonly initialMembership?: ArrayLike<number>;
  /**
   * Called after every iteration.
   * @defaultValue undefined
   */
  readonly onIteration?: (info: LeidenIterationInfo) => void;
  /**
   * Aborts the run between aggregation levels; `leiden` then throws a FineRouterError `ABORTED`.
   * @defaultValue undefined
   */
  readonly signal?: AbortSignal;
}

/** Result of {@link leiden}. */
export interface LeidenResult {
  /** Community of every node, 0..communityCount−1, numbered by decreasing size (ties: smallest node id). */
  readonly membership: Int32Array;
  /** Number of communities. */
  readonly communityCount: number;
  /**
   * The objective in igraph's normalized form: for `'modularity'`
   * 1/(2m) Σ_ij (A_ij − γ k_i k_j/(2m)) δ(c_i,c_j); for `'cpm'` 1/(2m) Σ_ij (A_ij − γ n_i n_j) δ(c_i,c_j).
   * leidenalg's `quality()` is unnormalized (see docs/leiden.md). 0 when the graph has no edge weight.
   */
  readonly quality: number;
  /** Newman–Girvan modularity (γ = 1) of `membership`, whatever the objective. */
  readonly modularity: number;
  /** Number of iterations run (the last one changed nothing unless `maxIterations` stopped it). */
  readonly iterations: number;
}

/**
 * Defaults of {@link LeidenOptions} (the paper's values: θ = 0.01, iterate until stable), frozen.
 *
 * @example
 * ```ts
 * leiden(graph, { ...LEIDEN_DEFAULTS, resolution: 0.5 });
 * ```
 */
export const LEIDEN_DEFAULTS: Readonly<{
  objective: 'modularity' | 'cpm';
  resolution: number;
  randomness: number;
  seed: number;
  maxIterations: number;
  tolerance: number;
}> = Object.freeze({
  objective: 'modularity',
  resolution: 1,
  randomness: 0.01,
  seed: 0,
  maxIterations: Infinity,
  tolerance: 0,
});

/**
 * Levels with at most this many nodes are visited in a fresh random order in every pass (as in the
 * paper); larger ones in relabelled id order, which keeps CSR reads sequential (see `leiden`).
 */
const SHUFFLE_LIMIT = 16384;

/**
 * The refinement's draw treats weights exp((gain − max gain)/θ) below e^−40 ≈ 4e−18 as 0: next to the
 * best candidate's weight 1 they are far below the 2^−32 resolution of the draw.
 */
const EXP_CUTOFF = 40;

/** One level of the aggregation hierarchy (level 0 is the input graph). */
interface Level {
  readonly n: number;
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly weights: Float64Array;
  /** Self-loop weight (internal weight carried up from lower levels). */
  readonly self: Float64Array;
  /** Node size s_v: strength (modularity) or node weight (CPM). */
  readonly size: Float64Array;
}

/** Buffers of one aggregate level; two pools alternate so a level is built while the previous is read. */
interface Pool {
  owner: Level | null;
  offsets: Int32Array;
  self: Float64Array;
  size: Float64Array;
  targets: Int32Array;
  weights: Float64Array;
}

/** Scratch arrays sized by the input node count, allocated once per `leiden` call. */
class Scratch {
  readonly pools: Pool[];
  readonly comm: Int32Array;
  readonly aggComm: Int32Array;
  readonly nodeToAgg: Int32Array;
  readonly commSize: Float64Array;
  readonly commCount: Int32Array;
  readonly neighW: Float64Array;
  readonly touched: Int32Array;
  readonly queue: Int32Array;
  readonly inQueue: Uint8Array;
  readonly empty: Int32Array;
  readonly refined: Int32Array;
  readonly refSize: Float64Array;
  readonly refCount: Int32Array;
  readonly ext: Float64Array;
  readonly candGain: Float64Array;
  readonly start: Int32Array;
  readonly relabel: Int32Array;

  constructor(n: number) {
    this.comm = new Int32Array(n);
    this.aggComm = new Int32Array(n);
    this.nodeToAgg = new Int32Array(n);
    this.commSize = new Float64Array(n);
    this.commCount = new Int32Array(n);
    this.neighW = new Float64Array(n);
    this.touched = new Int32Array(n);
    this.queue = new Int32Array(n);
    this.inQueue = new Uint8Array(n);
    this.empty = new Int32Array(n);
    this.refined = new Int32Array(n);
    this.refSize = new Float64Array(n);
    this.refCount = new Int32Array(n);
    this.ext = new Float64Array(n);
    this.candGain = new Float64Array(n);
    this.start = new Int32Array(n + 1);
    this.relabel = new Int32Array(n);
    // Aggregate levels have at most n − 1 nodes; edge buffers grow on first use (level 1 ≤ nnz of the input).
    this.pools = [0, 1].map(() => ({
      owner: null,
      offsets: new Int32Array(n + 1),
      self: new Float64Array(n),
      size: new Float64Array(n),
      targets: new Int32Array(0),
      weights: new Float64Array(0),
    }));
  }
}

/**
 * MoveNodesFast (Algorithm A.2): visit nodes from a queue (initially all, in id order); move
 * each to the community of largest strictly positive gain; re-queue its neighbours outside the new
 * community. Returns the number of moves. `comm` labels are in [0, n).
 *
 * On return `s.ext[v]` = w(v, C(v) \ v) for every node: set when v is visited (every node is, at
 * least once) and updated when a neighbour moves, so the refinement needs no extra pass over edges.
 */
function moveNodesFast(level: Level, comm: Int32Array, s: Scratch, gamma: number, rng: Xoshiro128): number {
  const n = level.n;
  const offsets = level.offsets;
  const targets = level.targets;
  const weights = level.weights;
  const size = level.size;
  const commSize = s.commSize;
  const commCount = s.commCount;
  const neighW = s.neighW;
  const touched = s.touched;
  const queue = s.queue;
  const inQueue = s.inQueue;
  const empty = s.empty;
  const ext = s.ext;

  commSize.fill(0, 0, n);
  commCount.fill(0, 0, n);
  for (let v = 0; v < n; v++) {
    const c = comm[v]!;
    commSize[c] += size[v]!;
    commCount[c]++;
  }
  let emptyTop = 0;
  for (let c = n - 1; c >= 0; c--) if (commCount[c] === 0) empty[emptyTop++] = c;
  for (let v = 0; v < n; v++) queue[v] = v;
  if (n <= SHUFFLE_LIMIT) rng.shuffle(queue, 0, n);
  inQueue.fill(1, 0, n);

  let head = 0;
  let pending = n;
  let moves = 0;
  while (pending > 0) {
    const v = queue[head]!;
    head = head + 1 === n ? 0 : head + 1;
    pending--;
    inQueue[v] = 0;
    const c0 = comm[v]!;
    const sv = size[v]!;
    const begin = offsets[v]!;
    const end = offsets[v + 1]!;
    // Fast path: while the neighbours are in v's own community, only sum their weights. Most nodes of a
    // settled partition have no other neighbour; the general scan below then never runs.
    let own = 0;
    let e0 = begin;
    while (e0 < end && comm[targets[e0]!] === c0) own += weights[e0++]!;
    let nt = 0;
    if (e0 < end) {
      if (e0 > begin) {
        // weights are > 0, so own > 0 marks c0 as touched (it is the first community met)
        touched[nt++] = c0;
        neighW[c0] = own;
      }
      for (let e = e0; e < end; e++) {
        const c = comm[targets[e]!]!;
        const w = neighW[c]!;
        touched[nt] = c; // kept only when c is new (branch-free: the comparison is added as 0 or 1)
        nt += +(w === 0);
        neighW[c] = w + weights[e]!;
      }
    }
    commSize[c0] -= sv;
    const k = gamma * sv;
    let best = c0;
    let bestW = nt === 0 ? own : neighW[c0]!;
    let bestGain = bestW - k * commSize[c0]!;
    for (let i = 0; i < nt; i++) {
      const c = touched[i]!;
      const w = neighW[c]!;
      const gain = w - k * commSize[c]!;
      if (gain > bestGain) {
        bestGain = gain;
        best = c;
        bestW = w;
      }
      neighW[c] = 0;
    }
    if (bestGain < 0 && commCount[c0]! > 1) {
      best = empty[--emptyTop]!;
      bestW = 0;
    }
    commSize[best] += sv;
    ext[v] = bestW;
    if (best !== c0) {
      commCount[c0]--;
      if (commCount[c0] === 0) empty[emptyTop++] = c0;
      commCount[best]++;
      comm[v] = best;
      moves++;
      // Keep ext (weight to own community) exact for the neighbours, and re-queue those outside `best`.
      for (let e = begin; e < end; e++) {
        const u = targets[e]!;
        const cu = comm[u]!;
        if (cu === best) {
          ext[u] += weights[e]!;
        } else {
          if (cu === c0) ext[u] -= weights[e]!;
          if (inQueue[u] === 0) {
            let tail = head + pending;
            if (tail >= n) tail -= n;
            queue[tail] = u;
            inQueue[u] = 1;
            pending++;
          }
        }
      }
    }
  }
  return moves;
}

/** Relabels `comm[0..n)` to 0..k−1 in order of first appearance; returns k. */
function compact(comm: Int32Array, n: number, relabel: Int32Array): number {
  relabel.fill(-1, 0, n);
  let count = 0;
  for (let v = 0; v < n; v++) {
    const c = comm[v]!;
    let r = relabel[c]!;
    if (r < 0) {
      r = count++;
      relabel[c] = r;
    }
    comm[v] = r;
  }
  return count;
}

/**
 * RefinePartition (Algorithm A.2): inside each community of `comm` (labels 0..nc−1), start from
 * singletons; visit nodes in random order; a node still alone and well connected to its community
 * joins a well-connected subcommunity T with gain ≥ 0, drawn with probability ∝ exp(gain/θ).
 * Writes compact subcommunity labels to `s.refined` and returns their number.
 */
function refine(
  level: Level,
  comm: Int32Array,
  nc: number,
  s: Scratch,
  gamma: number,
  theta: number,
  rng: Xoshiro128,
): number {
  const n = level.n;
  const offsets = level.offsets;
  const targets = level.targets;
  const weights = level.weights;
  const size = level.size;
  const commSize = s.commSize;
  const refined = s.refined;
  const refSize = s.refSize;
  const refCount = s.refCount;
  const ext = s.ext;
  const neighW = s.neighW;
  const touched = s.touched;
  const candGain = s.candGain;

  // ext[v] = w(v, C(v) \ v) was left by moveNodesFast; it is the external weight of singleton {v}.
  commSize.fill(0, 0, nc);
  for (let v = 0; v < n; v++) {
    const sv = size[v]!;
    commSize[comm[v]!] += sv;
    refined[v] = v;
    refSize[v] = sv;
    refCount[v] = 1;
  }
  // Visiting order: a fresh shuffle on small levels; on large ones id order (ids are a random
  // relabelling, see `leiden`). A random global order restricted to one community is a random
  // order of that community.
  const order = s.queue;
  for (let v = 0; v < n; v++) order[v] = v;
  if (n <= SHUFFLE_LIMIT) rng.shuffle(order, 0, n);
  for (let i = 0; i < n; i++) {
    const v = order[i]!;
    const r0 = refined[v]!;
    if (refCount[r0] !== 1) continue; // only singletons move
    const c = comm[v]!;
    const sv = size[v]!;
    const total = commSize[c]!;
    if (ext[r0]! < gamma * sv * (total - sv)) continue; // v not well connected to its community
    const begin = offsets[v]!;
    const end = offsets[v + 1]!;
    let nt = 0;
    for (let e = begin; e < end; e++) {
      const u = targets[e]!;
      if (comm[u] !== c) continue;
      const r = refined[u]!;
      const w = neighW[r]!;
      touched[nt] = r; // kept only when r is new (branch-free, as in moveNodesFast)
      nt += +(w === 0);
      neighW[r] = w + weights[e]!;
    }
    if (nt === 0) continue;
    const k = gamma * sv;
    let maxGain = 0;
    let candidates = 0;
    for (let j = 0; j < nt; j++) {
      const r = touched[j]!;
      const rs = refSize[r]!;
      const gain = neighW[r]! - k * rs;
      if (gain >= 0 && ext[r]! >= gamma * rs * (total - rs)) {
        touched[candidates] = r;
        candGain[candidates] = gain;
        candidates++;
        if (gain > maxGain) maxGain = gain;
      } else {
        neighW[r] = 0;
      }
    }
    let chosen = r0;
    if (candidates > 0) {
      if (theta > 0) {
        // Weights exp((gain − max)/θ); terms below e^−EXP_CUTOFF are taken as 0 (they cannot change a draw
        // of 32 bits). When only the best candidate is left, it is taken without a draw.
        const stayExponent = -maxGain / theta; // staying alone: gain 0
        let cumulative = stayExponent > -EXP_CUTOFF ? Math.exp(stayExponent) : 0;
        const stay = cumulative;
        let live = cumulative > 0 ? 1 : 0;
        let lastLive = 0;
        for (let j = 0; j < candidates; j++) {
          const exponent = (candGain[j]! - maxGain) / theta;
          if (exponent > -EXP_CUTOFF) {
            cumulative += Math.exp(exponent);
            live++;
            lastLive = j;
          }
          candGain[j] = cumulative;
        }
        if (live === 1) {
          chosen = touched[lastLive]!;
        } else {
          const x = rng.nextFloat() * cumulative;
          if (x >= stay) {
            let j = 0;
            while (j < candidates - 1 && candGain[j]! <= x) j++;
            chosen = touched[j]!;
          }
        }
      } else if (maxGain > 0) {
        for (let j = 0; j < candidates; j++) {
          if (candGain[j] === maxGain) {
            chosen = touched[j]!;
            break;
          }
        }
      }
    }
    if (chosen !== r0) {
      const wTo = neighW[chosen]!;
      refined[v] = chosen;
      refSize[chosen] += sv;
      refCount[chosen]++;
      refCount[r0] = 0;
      ext[chosen] = ext[chosen]! + ext[r0]! - 2 * wTo;
    }
    for (let j = 0; j < candidates; j++) neighW[touched[j]!] = 0;
  }
  return compact(refined, n, s.relabel);
}

/**
 * Aggregates `level` by the compact labels `part` (0..k−1): node a of the result is community a;
 * edge weights between communities are summed, internal weight becomes a self-loop, sizes add up.
 * Three passes, all reading the CSR sequentially: count row capacities, scatter every cross entry
 * into its community's bucket, then merge duplicate targets bucket by bucket (compacting in place).
 */
function aggregate(level: Level, part: Int32Array, k: number, s: Scratch): Level {
  const n = level.n;
  const offsets = level.offsets;
  const targets = level.targets;
  const weights = level.weights;
  const self = level.self;
  const size = level.size;
  const neighW = s.neighW;
  const touched = s.touched;
  const start = s.start;
  const fill = s.relabel;

  // Write into the pool buffers not used by `level` (levels alternate between two pools).
  const pool = s.pools[s.pools[0]!.owner === level ? 1 : 0]!;
  if (pool.targets.length < targets.length) {
    pool.targets = new Int32Array(targets.length);
    pool.weights = new Float64Array(targets.length);
  }
  const newTargets = pool.targets;
  const newWeights = pool.weights;
  const newOffsets = pool.offsets;
  const newSelf = pool.self;
  const newSize = pool.size;

  // Pass 1: bucket capacity of each community = sum of its members' row lengths; loops and sizes.
  start.fill(0, 0, k + 1);
  newSelf.fill(0, 0, k);
  newSize.fill(0, 0, k);
  for (let v = 0; v < n; v++) {
    const a = part[v]!;
    start[a + 1] += offsets[v + 1]! - offsets[v]!;
    newSelf[a] += self[v]!;
    newSize[a] += size[v]!;
  }
  for (let a = 0; a < k; a++) {
    start[a + 1] += start[a]!;
    fill[a] = start[a]!;
  }
  // Pass 2: scatter cross-community entries into buckets; internal weight (seen twice) → half a loop each.
  for (let v = 0; v < n; v++) {
    const a = part[v]!;
    const end = offsets[v + 1]!;
    let p = fill[a]!;
    let internal = 0;
    for (let e = offsets[v]!; e < end; e++) {
      // Branch-free: every entry is written at p, which advances only for cross entries (p stays inside a's
      // bucket, whose capacity counts internal entries too); internal weight is added times 1 or 0.
      const b = part[targets[e]!]!;
      const w = weights[e]!;
      const cross = +(b !== a);
      newTargets[p] = b;
      newWeights[p] = w;
      p += cross;
      internal += w * (1 - cross);
    }
    fill[a] = p;
    newSelf[a] += internal / 2;
  }
  // Pass 3: merge duplicates per bucket, writing rows contiguously (out ≤ start[a], so in place is safe).
  let out = 0;
  for (let a = 0; a < k; a++) {
    const stop = fill[a]!;
    let nt = 0;
    for (let p = start[a]!; p < stop; p++) {
      const b = newTargets[p]!;
      const w = neighW[b]!;
      touched[nt] = b; // kept only when b is new (branch-free, as in moveNodesFast)
      nt += +(w === 0);
      neighW[b] = w + newWeights[p]!;
    }
    newOffsets[a] = out;
    for (let j = 0; j < nt; j++) {
      const b = touched[j]!;
      newTargets[out] = b;
      newWeights[out] = neighW[b]!;
      neighW[b] = 0;
      out++;
    }
  }
  newOffsets[k] = out;
  const next: Level = {
    n: k,
    offsets: newOffsets.subarray(0, k + 1),
    targets: newTargets.subarray(0, out),
    weights: newWeights.subarray(0, out),
    self: newSelf.subarray(0, k),
    size: newSize.subarray(0, k),
  };
  pool.owner = next;
  return next;
}

/**
 * One Leiden iteration from `membership` (compact labels, modified in place). Returns whether any
 * node moved and the unnormalized objective H of the new partition.
 */
function iterate(
  base: Level,
  membership: Int32Array,
  s: Scratch,
  gamma: number,
  theta: number,
  rng: Xoshiro128,
  signal: AbortSignal | undefined,
): { changed: boolean; objective: number } {
  const n0 = base.n;
  const comm = s.comm;
  const nodeToAgg = s.nodeToAgg;
  comm.set(membership);
  for (let v = 0; v < n0; v++) nodeToAgg[v] = v;
  let level = base;
  let changed = false;
  for (;;) {
    throwIfAborted(signal, 'leiden');
    if (moveNodesFast(level, comm, s, gamma, rng) > 0) changed = true;
    const nc = compact(comm, level.n, s.relabel);
    if (nc === level.n) break;
    let k = refine(level, comm, nc, s, gamma, theta, rng);
    const part = s.refined;
    if (k === level.n) {
      // Refinement merged nothing: aggregate by the partition itself (as igraph does).
      part.set(comm.subarray(0, level.n));
      k = nc;
    }
    const aggComm = s.aggComm;
    for (let v = 0; v < level.n; v++) aggComm[part[v]!] = comm[v]!;
    const next = aggregate(level, part, k, s);
    for (let v = 0; v < n0; v++) nodeToAgg[v] = part[nodeToAgg[v]!]!;
    comm.set(aggComm.subarray(0, k));
    level = next;
  }
  for (let v = 0; v < n0; v++) membership[v] = comm[nodeToAgg[v]!]!;
  // At the top level every community is one node: H = Σ_a self_a − γ' S_a² / 2.
  let objective = 0;
  for (let a = 0; a < level.n; a++) objective += level.self[a]! - (gamma * level.size[a]! * level.size[a]!) / 2;
  return { changed, objective };
}

/**
 * Splits every disconnected community into its connected components (BFS); returns the new
 * number of communities. `membership` holds compact labels and is modified in place.
 */
function splitDisconnected(graph: CsrGraph, membership: Int32Array, count: number, s: Scratch): number {
  const n = graph.nodeCount;
  const offsets = graph.offsets;
  const targets = graph.targets;
  const label = s.refined;
  const queue = s.queue;
  const firstLabel = s.relabel;
  label.fill(-1, 0, n);
  firstLabel.fill(-1, 0, count);
  let next = count;
  for (let root = 0; root < n; root++) {
    if (label[root] !== -1) continue;
    const c = membership[root]!;
    let id = firstLabel[c]!;
    if (id === -1) {
      id = c;
      firstLabel[c] = c;
    } else {
      id = next++;
    }
    label[root] = id;
    let head = 0;
    let tail = 0;
    queue[tail++] = root;
    while (head < tail) {
      const v = queue[head++]!;
      const end = offsets[v + 1]!;
      for (let e = offsets[v]!; e < end; e++) {
        const u = targets[e]!;
        if (label[u] === -1 && membership[u] === c) {
          label[u] = id;
          queue[tail++] = u;
        }
      }
    }
  }
  membership.set(label.subarray(0, n));
  return next;
}

/**
 * Copies `level` with node i of the copy = node perm[i] of `level` (rows keep their order), into new
 * arrays or into the buffers of `into` (long enough, not aliasing `level`'s arrays).
 * `inverse` (length ≥ n) receives the inverse permutation.
 */
function permuteLevel(level: Level, perm: Int32Array, inverse: Int32Array, into?: Pool): Level {
  const { n, offsets, targets, weights, self, size } = level;
  const nnz = offsets[n]!;
  for (let i = 0; i < n; i++) inverse[perm[i]!] = i;
  const newOffsets = into ? into.offsets.subarray(0, n + 1) : new Int32Array(n + 1);
  const newTargets = into ? into.targets.subarray(0, nnz) : new Int32Array(nnz);
  const newWeights = into ? into.weights.subarray(0, nnz) : new Float64Array(nnz);
  const newSelf = into ? into.self.subarray(0, n) : new Float64Array(n);
  const newSize = into ? into.size.subarray(0, n) : new Float64Array(n);
  let out = 0;
  for (let i = 0; i < n; i++) {
    const v = perm[i]!;
    newOffsets[i] = out;
    newSelf[i] = self[v]!;
    newSize[i] = size[v]!;
    const end = offsets[v + 1]!;
    for (let e = offsets[v]!; e < end; e++) {
      newTargets[out] = inverse[targets[e]!]!;
      newWeights[out] = weights[e]!;
      out++;
    }
  }
  newOffsets[n] = out;
  return { n, offsets: newOffsets, targets: newTargets, weights: newWeights, self: newSelf, size: newSize };
}

/**
 * The order that lists the nodes community by community (communities by label, nodes inside a
 * community in their current order): a stable counting sort of `membership` (compact labels).
 */
function orderByCommunity(membership: Int32Array, count: number, start: Int32Array): Int32Array {
  const n = membership.length;
  start.fill(0, 0, count + 1);
  for (let v = 0; v < n; v++) start[membership[v]! + 1]++;
  for (let c = 0; c < count; c++) start[c + 1] += start[c]!;
  const order = new Int32Array(n);
  for (let v = 0; v < n; v++) order[start[membership[v]!]!++] = v;
  return order;
}

/** Renumbers compact labels 0..count−1 by decreasing size, ties by smallest member id. */
function orderBySize(membership: Int32Array, count: number): void {
  const n = membership.length;
  const sizes = new Int32Array(count);
  const first = new Int32Array(count).fill(-1);
  for (let v = 0; v < n; v++) {
    const c = membership[v]!;
    sizes[c]++;
    if (first[c] === -1) first[c] = v;
  }
  const ids = new Int32Array(count);
  for (let c = 0; c < count; c++) ids[c] = c;
  ids.sort((a, b) => sizes[b]! - sizes[a]! || first[a]! - first[b]!);
  const rank = new Int32Array(count);
  for (let r = 0; r < count; r++) rank[ids[r]!] = r;
  for (let v = 0; v < n; v++) membership[v] = rank[membership[v]!]!;
}

function checkNumber(
  fn: string,
  name: string,
  value: unknown,
  min: number,
  integer: boolean,
  allowInfinity = false,
): number {
  if (typeof value !== 'number')
    throw new TypeError(`${fn}: expected ${name} to be a number, received ${typeof value}`);
  const ok =
    !Number.isNaN(value) &&
    (Number.isFinite(value) || (allowInfinity && value === Infinity)) &&
    value >= min &&
    (!integer || !Number.isFinite(value) || Number.isInteger(value));
  if (!ok) {
    const what = integer ? 'an integer' : 'a finite number';
    throw new RangeError(
      `${fn}: expected ${name} to be ${what} ≥ ${min}${allowInfinity ? ' (or Infinity)' : ''}, received ${value}`,
    );
  }
  return value;
}

/**
 * Finds communities with the Leiden algorithm (Traag, Waltman & van Eck 2019): fast local moving,
 * randomized refinement, aggregation, repeated until an iteration changes nothing. Every returned
 * community is connected. Time per iteration is O(m) in practice; memory O(n + m) typed arrays.
 *
 * @param graph - a graph from {@link buildGraph} (not modified)
 * @param options - {@link LeidenOptions}; defaults in {@link LEIDEN_DEFAULTS}
 * @returns membership (largest community first), counts, objective and modularity
 * @throws TypeError when `graph` is not a CsrGraph or an option has the wrong type
 * @throws RangeError on γ < 0, θ < 0, a non-integer seed, maxIterations < 1, tolerance < 0, or a bad initialMembership
 * @throws FineRouterError with code `ABORTED` when `options.signal` fires
 * @example
 * ```ts
 * const graph = buildGraph({ nodeCount: 6, source: [0, 0, 1, 3, 3, 4, 2], target: [1, 2, 2, 4, 5, 5, 3] });
 * const { membership, modularity } = leiden(graph, { seed: 1 });
 * // membership: [0, 0, 0, 1, 1, 1], modularity ≈ 0.357
 * ```
 */
export function leiden(graph: CsrGraph, options: LeidenOptions = {}): LeidenResult {
  const fn = 'leiden';
  checkGraph(fn, graph);
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${fn}: expected options to be an object, received ${typeof options}`);
  const objective = options.objective ?? LEIDEN_DEFAULTS.objective;
  if (typeof objective !== 'string')
    throw new TypeError(`${fn}: expected objective to be a string, received ${typeof objective}`);
  if (objective !== 'modularity' && objective !== 'cpm') {
    throw new RangeError(`${fn}: expected objective to be 'modularity' or 'cpm', received '${objective}'`);
  }
  const resolution = checkNumber(fn, 'resolution', options.resolution ?? LEIDEN_DEFAULTS.resolution, 0, false);
  const theta = checkNumber(fn, 'randomness', options.randomness ?? LEIDEN_DEFAULTS.randomness, 0, false);
  const seed = options.seed ?? LEIDEN_DEFAULTS.seed;
  if (typeof seed !== 'number') throw new TypeError(`${fn}: expected seed to be a number, received ${typeof seed}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`${fn}: expected seed to be a safe integer, received ${seed}`);
  const maxIterations = checkNumber(
    fn,
    'maxIterations',
    options.maxIterations ?? LEIDEN_DEFAULTS.maxIterations,
    1,
    true,
    true,
  );
  const tolerance = checkNumber(fn, 'tolerance', options.tolerance ?? LEIDEN_DEFAULTS.tolerance, 0, false);
  const { onIteration, signal } = options;
  if (onIteration !== undefined && typeof onIteration !== 'function') {
    throw new TypeError(`${fn}: expected onIteration to be a function, received ${typeof onIteration}`);
  }
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) {
    throw new TypeError(`${fn}: expected signal to be an AbortSignal, received ${typeof signal}`);
  }
  const n = graph.nodeCount;
  let membership: Int32Array;
  let count: number;
  if (options.initialMembership !== undefined) {
    ({ membership, count } = compactMembership(fn, 'initialMembership', options.initialMembership, n));
  } else {
    membership = new Int32Array(n);
    for (let v = 0; v < n; v++) membership[v] = v;
    count = n;
  }
  throwIfAborted(signal, fn);
  const cpm = objective === 'cpm';
  const m = graph.totalWeight;
  if (n === 0 || !(m > 0)) {
    // No edge weight: every node is its own (connected) community.
    const singletons = new Int32Array(n);
    for (let v = 0; v < n; v++) singletons[v] = v;
    return { membership: singletons, communityCount: n, quality: 0, modularity: 0, iterations: 0 };
  }

  const gamma = cpm ? resolution : resolution / (2 * m);
  const rng = new Xoshiro128(seed);
  const scratch = new Scratch(n);
  // Relabel the nodes by one random permutation; every pass then visits nodes in (relabelled) id
  // order, i.e. in a uniformly random order of the input nodes, while reading the CSR rows
  // sequentially (a fresh shuffle per pass costs 2-3x more in cache misses on large graphs).
  const perm = new Int32Array(n);
  for (let v = 0; v < n; v++) perm[v] = v;
  rng.shuffle(perm, 0, n);
  const input: Level = {
    n,
    offsets: graph.offsets,
    targets: graph.targets,
    weights: graph.weights,
    self: graph.selfLoops,
    size: cpm ? graph.nodeWeights : graph.strength,
  };
  let base = permuteLevel(input, perm, scratch.relabel);
  {
    const permuted = new Int32Array(n);
    for (let i = 0; i < n; i++) permuted[i] = membership[perm[i]!]!;
    membership = permuted;
  }
  let iterations = 0;
  let previous = -Infinity;
  while (iterations < maxIterations) {
    const { changed, objective: h } = iterate(base, membership, scratch, gamma, theta, rng, signal);
    iterations++;
    count = compact(membership, n, scratch.relabel);
    onIteration?.({ iteration: iterations, quality: h / m, communityCount: count, changed });
    const improved = previous === -Infinity || h > previous + Math.max(1e-12 * Math.abs(previous), tolerance * m);
    previous = h;
    if (!changed || !improved) break;
    if (iterations === 1 && n > SHUFFLE_LIMIT) {
      // Regroup once: relabel so that each community's nodes are contiguous (in their current, random,
      // order). Later passes then touch a small window of the per-node arrays at a time.
      const order = orderByCommunity(membership, count, scratch.start);
      const pool = scratch.pools[0]!;
      if (pool.targets.length >= base.targets.length) {
        // Write the regrouped copy into the first aggregate buffers (sized like level 0 by the first
        // aggregation) and hand the previous copy's arrays to that pool: no second copy of the graph.
        const previous = base;
        base = permuteLevel(previous, order, scratch.relabel, pool);
        pool.offsets = previous.offsets;
        pool.targets = previous.targets;
        pool.weights = previous.weights;
        pool.self = previous.self;
        pool.size = previous.size;
        pool.owner = null;
      } else {
        base = permuteLevel(base, order, scratch.relabel);
      }
      const regrouped = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        regrouped[i] = membership[order[i]!]!;
        order[i] = perm[order[i]!]!;
      }
      membership = regrouped;
      perm.set(order);
    }
  }
  {
    const original = new Int32Array(n);
    for (let i = 0; i < n; i++) original[perm[i]!] = membership[i]!;
    membership = original;
  }
  count = splitDisconnected(graph, membership, count, scratch);
  orderBySize(membership, count);
  const { quality, modularity } = partitionQuality(graph, membership, count, cpm, resolution);
  return { membership, communityCount: count, quality, modularity, iterations };
}
