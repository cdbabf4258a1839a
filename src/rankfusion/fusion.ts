/**
 * Reciprocal-rank (MRR) fusion and coverage-based candidate selection.
 *
 * Source: FineRouter, "Scalable Prompt Routing via Fine-Grained Latent Task Discovery"
 * (arXiv 2603.19415), Sect. 3.1.1:
 *   - Eq. (4): MRR_C(M) = 1/|C| · Σ_{p ∈ C} 1 / (rank_{π_p}(M) + ε), ranks 1-based, ε = 60 by default
 *     (the constant of Cormack, Clarke & Büttcher 2009, "Reciprocal rank fusion ...");
 *   - "Candidate Model Selection": grow the candidate set along the fused order until Cov(L), the
 *     fraction of the cluster's prompts whose most preferred LLM is in L, reaches δ = 0.8.
 *
 * Choices the paper leaves open, fixed here and documented:
 *   - Ties: a tie group shares the rank of its first position (standard competition ranking,
 *     `[['a', 'b'], 'c']` → a: 1, b: 1, c: 3), consistent with the RBO tie treatment in src/rbo.
 *   - An item absent from a list contributes 0 for that list (it still counts in 1/|C|).
 *   - "Most preferred LLM" of a prompt is any member of its top tie group: a prompt counts as covered
 *     once any of them is in L. With 0/1 quality scores most prompts have several best models.
 *   - Cov(L) ≥ δ stops the walk (the paper says "exceeds"; with δ = 1 only "reaches" can stop).
 *   - Per-item sums add the terms in ascending rank order with compensated (Neumaier) summation, so
 *     scores are bit-identical whatever the order of the input lists.
 *   - Equal fused scores are ordered by item: numbers before strings, numbers ascending, strings in
 *     UTF-16 code-unit order. The order never depends on input order.
 */
import { checkItem, compareCodeUnits, describeValue } from '../rbo/ranking.js';
import type { RankedList } from '../rbo/ranking.js';

/** Options of {@link reciprocalRankFusion}. */
export interface ReciprocalRankFusionOptions {
  /**
   * The ε of Eq. (4), added to each 1-based rank; larger values flatten the weight of the top ranks.
   * Must be finite and ≥ 0.
   * @defaultValue 60
   */
  epsilon?: number;
}

/** Options of {@link selectCandidates}. */
export interface SelectCandidatesOptions {
  /**
   * δ: the coverage to reach, in (0, 1]: the fraction of rankings whose top tie group meets the
   * candidate set.
   * @defaultValue 0.8
   */
  coverage?: number;
  /**
   * The ε of Eq. (4) for the fusion that orders the candidates.
   * @defaultValue 60
   */
  epsilon?: number;
}

/**
 * Default options of {@link reciprocalRankFusion}: the paper's ε (frozen).
 * @example
 * ```ts
 * FUSION_DEFAULTS.epsilon; // 60
 * ```
 */
export const FUSION_DEFAULTS: Readonly<Required<ReciprocalRankFusionOptions>> = Object.freeze({ epsilon: 60 });

/**
 * Default options of {@link selectCandidates}: the paper's δ and ε (frozen).
 * @example
 * ```ts
 * CANDIDATE_DEFAULTS; // { coverage: 0.8, epsilon: 60 }
 * ```
 */
export const CANDIDATE_DEFAULTS: Readonly<Required<SelectCandidatesOptions>> = Object.freeze({
  coverage: 0.8,
  epsilon: 60,
});

/** One item of a fused ranking with its MRR score. */
export interface FusedItem<T> {
  item: T;
  /** MRR_C(item) of Eq. (4), in (0, 1/(1 + ε)]. */
  score: number;
}

/** Result of {@link selectCandidates}. */
export interface CandidateSelection<T> {
  /** The shortest prefix of the fused order whose coverage reaches δ, best first. */
  candidates: T[];
  /** Coverage reached by `candidates`: covered rankings / all rankings (≥ δ). */
  coverage: number;
  /** The full fused ranking (the output of {@link reciprocalRankFusion}). */
  fused: FusedItem<T>[];
}

function checkOptions(fnName: string, options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`${fnName}: expected options to be an object, received ${describeValue(options)}`);
  }
}

function resolveEpsilon(fnName: string, epsilon: unknown): number {
  if (epsilon === undefined) return FUSION_DEFAULTS.epsilon;
  if (typeof epsilon !== 'number') {
    throw new TypeError(`${fnName}: expected options.epsilon to be a number ≥ 0, received ${describeValue(epsilon)}`);
  }
  if (!(epsilon >= 0 && epsilon < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`${fnName}: expected options.epsilon to be a finite number ≥ 0, received ${String(epsilon)}`);
  }
  return epsilon;
}

/** Rankings flattened to one entry per (list, item): item index and 1-based rank, plus list starts. */
interface Entries<T> {
  /** Distinct items, in order of first appearance. */
  items: T[];
  /** entryItem[e]: index into `items`. */
  entryItem: number[];
  /** entryRank[e]: 1-based rank (the first position of the item's tie group). */
  entryRank: number[];
  /** Entries of list i are [listStart[i], listStart[i + 1]). */
  listStart: Int32Array;
  maxRank: number;
}

/**
 * Validates every list (same errors as the RBO input check) and flattens them in one pass. Duplicates
 * are found with a per-item "last list seen" mark instead of a set per list.
 */
function collectEntries<T extends string | number>(
  fnName: string,
  rankings: readonly RankedList<T>[],
  allowEmptyList: boolean,
): Entries<T> {
  if (!Array.isArray(rankings)) {
    throw new TypeError(
      `${fnName}: expected rankings to be an array of ranked lists, received ${describeValue(rankings)}`,
    );
  }
  if (rankings.length === 0) {
    throw new RangeError(`${fnName}: expected at least one ranked list (|C| ≥ 1), received an empty array`);
  }
  const index = new Map<T, number>();
  const items: T[] = [];
  const lastList: number[] = [];
  const entryItem: number[] = [];
  const entryRank: number[] = [];
  const listStart = new Int32Array(rankings.length + 1);
  let maxRank = 0;
  for (let i = 0; i < rankings.length; i++) {
    const list = rankings[i] as unknown;
    const name = `rankings[${i}]`;
    if (!Array.isArray(list)) {
      throw new TypeError(
        `${fnName}: expected ${name} to be an array (a ranked list), received ${describeValue(list)}`,
      );
    }
    if (list.length === 0 && !allowEmptyList) {
      throw new RangeError(`${fnName}: expected ${name} to be a non-empty ranked list, received an empty array`);
    }
    listStart[i] = entryItem.length;
    let position = 0;
    for (let g = 0; g < list.length; g++) {
      const element = list[g] as unknown;
      const isGroup = Array.isArray(element);
      const size = isGroup ? (element as unknown[]).length : 1;
      if (size === 0) {
        throw new RangeError(`${fnName}: expected ${name}[${g}] to be a non-empty tie group, received an empty array`);
      }
      const rank = position + 1;
      for (let k = 0; k < size; k++) {
        const item = isGroup ? (element as unknown[])[k] : element;
        if (isGroup && Array.isArray(item)) {
          throw new TypeError(
            `${fnName}: expected ${name}[${g}][${k}] to be an item (tie groups do not nest), received ${describeValue(item)}`,
          );
        }
        checkItem(fnName, name, item, g, isGroup ? k : -1);
        let at = index.get(item as T);
        if (at === undefined) {
          at = items.length;
          index.set(item as T, at);
          items.push(item as T);
          lastList.push(-1);
        } else if (lastList[at] === i) {
          throw new RangeError(
            `${fnName}: expected the items of ${name} to be unique, received ${describeValue(item)} twice`,
          );
        }
        lastList[at] = i;
        entryItem.push(at);
        entryRank.push(rank);
      }
      position += size;
    }
    if (position > maxRank) maxRank = position;
  }
  listStart[rankings.length] = entryItem.length;
  return { items, entryItem, entryRank, listStart, maxRank };
}

/** Total order on items: numbers (ascending) before strings (UTF-16 code units). */
function compareItems(x: string | number, y: string | number): number {
  if (typeof x === 'number') return typeof y === 'number' ? (x < y ? -1 : x > y ? 1 : 0) : -1;
  return typeof y === 'number' ? 1 : compareCodeUnits(x, y);
}

/** The fused order, and `position[item index]` = the item's place in it. */
interface Fusion<T> {
  fused: FusedItem<T>[];
  position: Int32Array;
}

function fuse<T extends string | number>(entries: Entries<T>, listCount: number, epsilon: number): Fusion<T> {
  const { items, entryItem, entryRank, maxRank } = entries;
  const total = entryItem.length;
  // Bucket entries by rank (counting sort), then add rank by rank: every item receives its terms in
  // ascending rank order, and terms of equal rank are equal, so the sums are bit-identical whatever
  // the order of the lists.
  const bucketStart = new Int32Array(maxRank + 2);
  for (let e = 0; e < total; e++) bucketStart[(entryRank[e] as number) + 1]++;
  for (let r = 1; r <= maxRank + 1; r++) bucketStart[r] += bucketStart[r - 1] as number;
  const byRank = new Int32Array(total);
  const fill = bucketStart.slice(0, maxRank + 1);
  for (let e = 0; e < total; e++) byRank[fill[entryRank[e] as number]++] = entryItem[e] as number;
  const sums = new Float64Array(items.length);
  const compensation = new Float64Array(items.length);
  for (let r = 1; r <= maxRank; r++) {
    const term = 1 / (r + epsilon);
    for (let k = bucketStart[r] as number, end = bucketStart[r + 1] as number; k < end; k++) {
      const at = byRank[k] as number;
      const sum = sums[at] as number;
      const t = sum + term;
      compensation[at] += sum >= term ? sum - t + term : term - t + sum; // Neumaier (terms are > 0)
      sums[at] = t;
    }
  }
  const scores = new Float64Array(items.length);
  const order: number[] = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) {
    scores[i] = ((sums[i] as number) + (compensation[i] as number)) / listCount;
    order[i] = i;
  }
  order.sort((x, y) => {
    const sx = scores[x] as number;
    const sy = scores[y] as number;
    return sx === sy ? compareItems(items[x] as T, items[y] as T) : sy > sx ? 1 : -1;
  });
  const fused: FusedItem<T>[] = new Array<FusedItem<T>>(items.length);
  const position = new Int32Array(items.length);
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    fused[k] = { item: items[i] as T, score: scores[i] as number };
    position[i] = k;
  }
  return { fused, position };
}

/**
 * Fuses ranked lists with the mean reciprocal rank of FineRouter's Eq. (4):
 * MRR_C(M) = 1/|C| · Σ_{p ∈ C} 1/(rank_p(M) + ε). Ranks are 1-based; a tie group shares the rank of
 * its first position; an item absent from a list contributes 0 there. Empty lists are allowed (they
 * only count in |C|).
 *
 * @param rankings - the ranked lists C (one per prompt), each best first, elements items or tie groups
 * @param options - {@link ReciprocalRankFusionOptions}; `epsilon` defaults to 60
 * @returns Every item that appears in some list, with its score, highest score first; equal scores
 *   ordered by item (numbers ascending, then strings by code unit). Independent of the order of
 *   `rankings`.
 * @throws TypeError when `rankings` or one of its lists is not an array, an element is not an item
 *   or tie group, or `epsilon` is not a number.
 * @throws RangeError when `rankings` is empty, a list repeats an item or has an empty tie group, or
 *   `epsilon` is negative, infinite or NaN.
 * @example
 * ```ts
 * reciprocalRankFusion([['a', 'b'], [['b', 'c'], 'a']], { epsilon: 0 });
 * // b: (1/2 + 1/1)/2 = 0.75, a: (1 + 1/3)/2 ≈ 0.667, c: (0 + 1)/2 = 0.5
 * ```
 */
export function reciprocalRankFusion<T extends string | number>(
  rankings: readonly RankedList<T>[],
  options?: ReciprocalRankFusionOptions,
): FusedItem<T>[] {
  const fn = 'reciprocalRankFusion';
  checkOptions(fn, options);
  const epsilon = resolveEpsilon(fn, options?.epsilon);
  return fuse(collectEntries(fn, rankings, true), rankings.length, epsilon).fused;
}

/**
 * FineRouter's adaptive candidate selection (Sect. 3.1.1): fuses the rankings with
 * {@link reciprocalRankFusion}, then returns the shortest prefix L of the fused order whose coverage
 * Cov(L) — the fraction of rankings whose most preferred item (any member of the top tie group) is
 * in L — reaches δ. Always succeeds for δ ≤ 1: every top item appears in the fused order.
 *
 * @param rankings - one non-empty ranked list per prompt of the cluster
 * @param options - {@link SelectCandidatesOptions}; `coverage` (δ) defaults to 0.8, `epsilon` to 60
 * @returns `{ candidates, coverage, fused }`: the candidate items best first, the coverage they reach
 *   (≥ δ) and the full fused ranking.
 * @throws TypeError when an argument has the wrong kind (see {@link reciprocalRankFusion}) or
 *   `coverage` is not a number.
 * @throws RangeError when `rankings` or one of its lists is empty, a list repeats an item, `coverage`
 *   is outside (0, 1], or `epsilon` is negative or not finite.
 * @example
 * ```ts
 * selectCandidates([['a', 'b'], ['a', 'c'], ['b', 'a'], [['c', 'a'], 'b']], { coverage: 0.8 });
 * // fused order a, b, c; {a} covers 3 of 4 prompts (0.75), {a, b} covers all 4
 * // → { candidates: ['a', 'b'], coverage: 1, fused: [...] }
 * ```
 */
export function selectCandidates<T extends string | number>(
  rankings: readonly RankedList<T>[],
  options?: SelectCandidatesOptions,
): CandidateSelection<T> {
  const fn = 'selectCandidates';
  checkOptions(fn, options);
  const epsilon = resolveEpsilon(fn, options?.epsilon);
  const delta = options?.coverage ?? CANDIDATE_DEFAULTS.coverage;
  if (typeof delta !== 'number') {
    throw new TypeError(`${fn}: expected options.coverage to be a number in (0, 1], received ${describeValue(delta)}`);
  }
  if (!(delta > 0 && delta <= 1)) {
    throw new RangeError(`${fn}: expected options.coverage to be in (0, 1], received ${String(delta)}`);
  }
  const entries = collectEntries(fn, rankings, false);
  const { fused, position } = fuse(entries, rankings.length, epsilon);
  // coveredFrom[k]: rankings whose top group first meets the fused order at position k.
  const coveredFrom = new Int32Array(fused.length);
  const total = rankings.length;
  for (let i = 0; i < total; i++) {
    let first = fused.length;
    for (
      let e = entries.listStart[i] as number;
      e < (entries.listStart[i + 1] as number) && entries.entryRank[e] === 1;
      e++
    ) {
      const at = position[entries.entryItem[e] as number] as number;
      if (at < first) first = at;
    }
    coveredFrom[first]++;
  }
  let covered = 0;
  let length = 0;
  while (length < fused.length) {
    covered += coveredFrom[length] as number;
    length++;
    if (covered / total >= delta) break;
  }
  return {
    candidates: fused.slice(0, length).map((entry) => entry.item),
    coverage: covered / total,
    fused,
  };
}
