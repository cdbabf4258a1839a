/**
 * Weighted undirected graph in compressed sparse row (CSR) form, built once from an edge list.
 *
 * Conventions (the ones igraph and leidenalg use, so that numbers compare 1:1):
 * - Every undirected edge {u, v} (u ≠ v) is stored in both rows: `v` among the targets of `u` and
 *   `u` among the targets of `v`, with the same weight. Duplicate edges (in either direction) are
 *   summed into one entry. Each row is sorted by target id, so the CSR (and hence every Leiden run
 *   with a given seed) does not depend on the order of the input edges.
 * - A self-loop {v, v} of weight w is kept out of the adjacency rows and stored in `selfLoops[v]`
 *   (several loops on v are summed). It adds w to the total edge weight m (counted once, like any
 *   edge), 2·w to the strength (weighted degree) of v, and A_vv = 2·w in the modularity formula —
 *   igraph's `strength(loops=True)` / `modularity()` and leidenalg's `total_weight_in_comm`
 *   convention.
 * - Edges whose (summed) weight is 0 are dropped: they change neither objective, and keeping them
 *   would let a community count as "connected" through an edge that carries no weight.
 * - Isolated nodes are allowed (empty rows, strength 0).
 *
 * @module
 */

/** A weighted undirected graph in CSR form, as returned by {@link buildGraph}. Treat as read-only. */
export interface CsrGraph {
  /** Number of nodes n; node ids are 0..n-1. */
  readonly nodeCount: number;
  /** Number of distinct undirected edges with positive weight, self-loops included. */
  readonly edgeCount: number;
  /** Row offsets, length n+1: the neighbours of v are `targets[offsets[v] .. offsets[v+1])`. */
  readonly offsets: Int32Array;
  /** Neighbour ids, both directions stored, self-loops excluded, each row sorted ascending. */
  readonly targets: Int32Array;
  /** Edge weight of each entry of `targets` (> 0, duplicates summed). */
  readonly weights: Float64Array;
  /** Weight of the self-loop on each node (0 when none). */
  readonly selfLoops: Float64Array;
  /** Weighted degree of each node: sum of its row plus 2 × its self-loop. */
  readonly strength: Float64Array;
  /** Node weights (sizes) used by CPM; all 1 unless given. */
  readonly nodeWeights: Float64Array;
  /** Total edge weight m: each undirected edge and each self-loop counted once. 2m = Σ strength. */
  readonly totalWeight: number;
}

/** Input of {@link buildGraph}: an undirected edge list, edge i = {source[i], target[i]}. */
export interface GraphInput {
  /** Number of nodes n (ids 0..n-1); nodes without edges are isolated. */
  readonly nodeCount: number;
  /** Endpoint ids of each edge (integers in [0, n)). */
  readonly source: ArrayLike<number>;
  /** Other endpoint ids, same length as `source`. */
  readonly target: ArrayLike<number>;
  /**
   * Edge weights (finite, ≥ 0), same length as `source`.
   * @defaultValue every edge weighs 1
   */
  readonly weight?: ArrayLike<number>;
  /**
   * Node weights (finite, ≥ 0), length n; used by the CPM objective.
   * @defaultValue every node weighs 1
   */
  readonly nodeWeight?: ArrayLike<number>;
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  return typeof value;
}

/** @internal Throws a TypeError unless `value` is array-like (an array or typed array). */
export function checkArrayLike(fn: string, name: string, value: unknown): asserts value is ArrayLike<number> {
  const ok =
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { length?: unknown }).length === 'number' &&
    Number.isInteger((value as { length: number }).length) &&
    (value as { length: number }).length >= 0;
  if (!ok)
    throw new TypeError(
      `${fn}: expected ${name} to be an array or typed array of numbers, received ${describe(value)}`,
    );
}

/**
 * Builds the CSR form of an undirected, weighted graph from an edge list. Runs in O(n + m) time
 * (two counting-sort passes) and memory; the inputs are only read, never modified.
 *
 * @param input - node count, edge endpoints, optional edge and node weights
 * @returns the graph in CSR form (see {@link CsrGraph} for the self-loop convention)
 * @throws TypeError when an argument is not a number / array-like
 * @throws RangeError on a non-integer or out-of-range node id, mismatched lengths, or a NaN,
 *   infinite or negative weight
 * @example
 * ```ts
 * const graph = buildGraph({ nodeCount: 4, source: [0, 1, 2, 0], target: [1, 2, 0, 3], weight: [1, 1, 1, 0.5] });
 * graph.totalWeight; // 3.5
 * ```
 */
export function buildGraph(input: GraphInput): CsrGraph {
  const fn = 'buildGraph';
  if (input === null || typeof input !== 'object') {
    throw new TypeError(
      `${fn}: expected an object { nodeCount, source, target, weight?, nodeWeight? }, received ${describe(input)}`,
    );
  }
  const { nodeCount: n, source, target, weight, nodeWeight } = input;
  if (typeof n !== 'number') throw new TypeError(`${fn}: expected nodeCount to be a number, received ${describe(n)}`);
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new RangeError(`${fn}: expected nodeCount to be an integer in [0, 2^31), received ${n}`);
  }
  checkArrayLike(fn, 'source', source);
  checkArrayLike(fn, 'target', target);
  const edges = source.length;
  if (target.length !== edges) {
    throw new RangeError(
      `${fn}: expected target to have the length of source (${edges}), received length ${target.length}`,
    );
  }
  if (weight !== undefined) {
    checkArrayLike(fn, 'weight', weight);
    if (weight.length !== edges) {
      throw new RangeError(
        `${fn}: expected weight to have the length of source (${edges}), received length ${weight.length}`,
      );
    }
  }
  const nodeWeights = new Float64Array(n);
  if (nodeWeight !== undefined) {
    checkArrayLike(fn, 'nodeWeight', nodeWeight);
    if (nodeWeight.length !== n) {
      throw new RangeError(
        `${fn}: expected nodeWeight to have length nodeCount (${n}), received length ${nodeWeight.length}`,
      );
    }
    for (let v = 0; v < n; v++) {
      const x = nodeWeight[v];
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
        throw new RangeError(`${fn}: expected nodeWeight[${v}] to be a finite number ≥ 0, received ${describe(x)}`);
      }
      nodeWeights[v] = x;
    }
  } else {
    nodeWeights.fill(1);
  }

  // Validate and count row lengths (both directions, loops apart).
  const selfLoops = new Float64Array(n);
  const degree = new Int32Array(n + 1);
  let entryCount = 0;
  for (let e = 0; e < edges; e++) {
    const u = source[e];
    const v = target[e];
    if (typeof u !== 'number' || !Number.isInteger(u) || u < 0 || u >= n) {
      throw new RangeError(
        `${fn}: expected source[${e}] to be an integer node id in [0, ${n}), received ${describe(u)}`,
      );
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) {
      throw new RangeError(
        `${fn}: expected target[${e}] to be an integer node id in [0, ${n}), received ${describe(v)}`,
      );
    }
    let w = 1;
    if (weight !== undefined) {
      w = weight[e] as number;
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw new RangeError(`${fn}: expected weight[${e}] to be a finite number ≥ 0, received ${describe(w)}`);
      }
    }
    if (u === v) {
      selfLoops[u] += w;
    } else if (w > 0) {
      degree[u]++;
      degree[v]++;
      entryCount += 2;
    }
  }
  if (entryCount > 0x7fffffff) throw new RangeError(`${fn}: expected at most 2^30 edges, received ${entryCount / 2}`);

  // Pass 1: bucket every directed entry by its row (unsorted rows).
  const rowStart = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) rowStart[v + 1] = rowStart[v]! + degree[v]!;
  const fill = rowStart.slice(0, n);
  const t1 = new Int32Array(entryCount);
  const w1 = new Float64Array(entryCount);
  for (let e = 0; e < edges; e++) {
    const u = source[e] as number;
    const v = target[e] as number;
    const w = weight === undefined ? 1 : (weight[e] as number);
    if (u === v || w === 0) continue;
    let p = fill[u]!++;
    t1[p] = v;
    w1[p] = w;
    p = fill[v]!++;
    t1[p] = u;
    w1[p] = w;
  }
  // Pass 2: transpose (the graph is symmetric): scanning rows in increasing order sorts every row.
  fill.set(rowStart.subarray(0, n));
  const t2 = new Int32Array(entryCount);
  const w2 = new Float64Array(entryCount);
  for (let v = 0; v < n; v++) {
    const end = rowStart[v + 1]!;
    for (let p = rowStart[v]!; p < end; p++) {
      const u = t1[p]!;
      const q = fill[u]!++;
      t2[q] = v;
      w2[q] = w1[p]!;
    }
  }
  // Merge duplicates (adjacent after sorting) in place and compact.
  const offsets = new Int32Array(n + 1);
  const strength = new Float64Array(n);
  let out = 0;
  for (let v = 0; v < n; v++) {
    offsets[v] = out;
    const end = rowStart[v + 1]!;
    let p = rowStart[v]!;
    let sum = 0;
    while (p < end) {
      const u = t2[p]!;
      let w = w2[p]!;
      p++;
      while (p < end && t2[p] === u) w += w2[p++]!;
      t2[out] = u;
      w2[out] = w;
      out++;
      sum += w;
    }
    strength[v] = sum + 2 * selfLoops[v]!;
  }
  offsets[n] = out;
  let loops = 0;
  let total = 0;
  for (let v = 0; v < n; v++) {
    if (selfLoops[v]! > 0) loops++;
    total += strength[v]!;
  }
  return {
    nodeCount: n,
    edgeCount: out / 2 + loops,
    offsets,
    targets: out === entryCount ? t2 : t2.slice(0, out),
    weights: out === entryCount ? w2 : w2.slice(0, out),
    selfLoops,
    strength,
    nodeWeights,
    totalWeight: total / 2,
  };
}
