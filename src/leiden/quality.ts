/**
 * Partition quality on a {@link CsrGraph}: Newman–Girvan modularity with a resolution parameter
 * (the RB configuration model of Reichardt & Bornholdt 2006) and the Constant Potts Model
 * (Traag, Van Dooren & Nesterov 2011), both in igraph's normalized form:
 *
 *   modularity / RB:  Q = 1/(2m) Σ_ij (A_ij − γ k_i k_j / (2m)) δ(c_i, c_j)
 *   CPM:              H = 1/(2m) Σ_ij (A_ij − γ n_i n_j) δ(c_i, c_j)
 *
 * with A_vv = 2 × (self-loop weight of v) and k = strength (see graph.ts for the loop convention).
 * Per community c with internal weight e_c (each internal edge and loop once), strength sum K_c and
 * node-weight sum N_c this is Σ_c [2 e_c − γ K_c²/(2m)] / (2m), resp. Σ_c [2 e_c − γ N_c²] / (2m).
 * leidenalg's `quality()` is unnormalized: RBConfiguration / Modularity report 2m·Q resp. Q, and
 * CPM reports Σ_c [e_c − γ n_c(n_c − 1)/2] (a constant γ·Σ n_i/2 and the factor 2m away from ours).
 * A graph with total weight 0 has quality and modularity 0 (igraph returns NaN there).
 *
 * @module
 */
import type { CsrGraph } from './graph.js';
import { checkArrayLike } from './graph.js';

/** Options of {@link modularity}. */
export interface ModularityOptions {
  /**
   * Resolution γ of the RB configuration model (γ = 1 is Newman–Girvan modularity).
   * @defaultValue 1
   */
  readonly resolution?: number;
}

/** @internal Throws unless `graph` looks like a CsrGraph from buildGraph. */
export function checkGraph(fn: string, graph: unknown): asserts graph is CsrGraph {
  const g = graph as Partial<CsrGraph> | null;
  if (
    g === null ||
    typeof g !== 'object' ||
    typeof g.nodeCount !== 'number' ||
    !(g.offsets instanceof Int32Array) ||
    !(g.targets instanceof Int32Array) ||
    !(g.weights instanceof Float64Array) ||
    !(g.selfLoops instanceof Float64Array) ||
    !(g.strength instanceof Float64Array) ||
    !(g.nodeWeights instanceof Float64Array) ||
    g.offsets.length !== g.nodeCount + 1
  ) {
    throw new TypeError(`${fn}: expected a CsrGraph from buildGraph(), received ${g === null ? 'null' : typeof g}`);
  }
}

/**
 * @internal Validates a membership (non-negative integer labels, one per node) and returns a copy
 * relabelled 0..k-1 in order of first appearance, plus k. Never modifies `labels`.
 */
export function compactMembership(
  fn: string,
  name: string,
  labels: unknown,
  n: number,
): { membership: Int32Array; count: number } {
  checkArrayLike(fn, name, labels);
  if (labels.length !== n) {
    throw new RangeError(`${fn}: expected ${name} to have one entry per node (${n}), received length ${labels.length}`);
  }
  const out = new Int32Array(n);
  const relabel = new Int32Array(n).fill(-1);
  let count = 0;
  let spill: Map<number, number> | undefined;
  for (let v = 0; v < n; v++) {
    const c = labels[v];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) {
      throw new RangeError(
        `${fn}: expected ${name}[${v}] to be a non-negative integer, received ${typeof c === 'number' ? c : typeof c}`,
      );
    }
    if (c < n) {
      if (relabel[c]! < 0) relabel[c] = count++;
      out[v] = relabel[c]!;
    } else {
      spill ??= new Map();
      let id = spill.get(c);
      if (id === undefined) {
        id = count++;
        spill.set(c, id);
      }
      out[v] = id;
    }
  }
  return { membership: out, count };
}

/**
 * @internal Objective value and Newman–Girvan modularity of a compact membership (labels 0..k-1).
 * `cpm` selects the CPM objective for `quality`; `modularity` is always at γ = 1.
 */
export function partitionQuality(
  graph: CsrGraph,
  membership: Int32Array,
  count: number,
  cpm: boolean,
  resolution: number,
): { quality: number; modularity: number } {
  const m = graph.totalWeight;
  if (!(m > 0)) return { quality: 0, modularity: 0 };
  const { offsets, targets, weights, selfLoops, strength, nodeWeights } = graph;
  const n = graph.nodeCount;
  const internal = new Float64Array(count);
  const degreeSum = new Float64Array(count);
  const sizeSum = new Float64Array(count);
  for (let v = 0; v < n; v++) {
    const c = membership[v]!;
    let w = 2 * selfLoops[v]!;
    const end = offsets[v + 1]!;
    for (let e = offsets[v]!; e < end; e++) if (membership[targets[e]!] === c) w += weights[e]!;
    internal[c] += w; // = 2 e_c once summed over the members of c
    degreeSum[c] += strength[v]!;
    sizeSum[c] += nodeWeights[v]!;
  }
  const twoM = 2 * m;
  // Neumaier-compensated sums: many small per-community terms.
  let q = 0;
  let qc = 0;
  let mod = 0;
  let modc = 0;
  for (let c = 0; c < count; c++) {
    const a = internal[c]! / twoM;
    const k = degreeSum[c]! / twoM;
    const termMod = a - k * k;
    const termQ = cpm ? (internal[c]! - resolution * sizeSum[c]! * sizeSum[c]!) / twoM : a - resolution * k * k;
    let t = mod + termMod;
    modc += Math.abs(mod) >= Math.abs(termMod) ? mod - t + termMod : termMod - t + mod;
    mod = t;
    t = q + termQ;
    qc += Math.abs(q) >= Math.abs(termQ) ? q - t + termQ : termQ - t + q;
    q = t;
  }
  return { quality: q + qc, modularity: mod + modc };
}

/**
 * Newman–Girvan modularity of a partition, with an optional resolution γ (RB configuration model):
 * Q = 1/(2m) Σ_ij (A_ij − γ k_i k_j/(2m)) δ(c_i, c_j). Equals igraph's
 * `Graph.modularity(membership, weights, resolution)`; 0 for a graph without edge weight.
 *
 * @param graph - a graph from {@link buildGraph}
 * @param membership - community label of every node (non-negative integers, any numbering)
 * @param options - {@link ModularityOptions}
 * @returns the modularity, in [−1/2, 1) for γ = 1
 * @throws TypeError when `graph` is not a CsrGraph or `membership` is not array-like
 * @throws RangeError on a wrong length, a label that is not a non-negative integer, or γ < 0
 * @example
 * ```ts
 * const g = buildGraph({ nodeCount: 4, source: [0, 2], target: [1, 3] });
 * modularity(g, [0, 0, 1, 1]); // 0.5
 * ```
 */
export function modularity(graph: CsrGraph, membership: ArrayLike<number>, options: ModularityOptions = {}): number {
  const fn = 'modularity';
  checkGraph(fn, graph);
  const resolution = options.resolution ?? 1;
  if (typeof resolution !== 'number' || !Number.isFinite(resolution) || resolution < 0) {
    throw new RangeError(`${fn}: expected resolution to be a finite number ≥ 0, received ${String(resolution)}`);
  }
  const { membership: compact, count } = compactMembership(fn, 'membership', membership, graph.nodeCount);
  const { quality } = partitionQuality(graph, compact, count, false, resolution);
  return quality;
}
