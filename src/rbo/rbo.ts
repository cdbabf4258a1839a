/**
 * Rank-Biased Overlap.
 *
 * Source: W. Webber, A. Moffat, J. Zobel, "A Similarity Measure for Indefinite Rankings",
 * ACM TOIS 28(4):20, 2010, doi:10.1145/1852102.1852106.
 *   - `ext`: Eq. (32), extrapolated RBO for lists of possibly different lengths s ≤ l
 *     (reduces to Eq. (23) when s = l);
 *   - `min`: Eq. (11), the tight lower bound, evaluated at the longer list's depth l, with
 *     X_d = |S_:min(d,s) ∩ L_:d| (the short list contributes nothing new beyond its end);
 *   - `res`: Eq. (30), the residual max − min, f = l + s − X_l;
 *   - `max` = min + res.
 * Ties (Sect. 4.4 of the paper): a tie group enters whole at its first position and the agreement at
 * depth d is A_d = 2·X_d / (|S_:d| + |T_:d|), which is X_d / d without ties. This is the "w" variant
 * of Corsi & Urbano (SIGIR 2024). Beyond the short list's end S is taken to hold d items at depth d
 * (each unseen item distinct), beyond l both lists grow by one distinct item per depth.
 *
 * Deliberate differences from a literal transcription of the equations:
 *   - All four values are computed from per-depth agreements in one pass over depths 1..l, so one
 *     code path covers tied and untied lists; for untied lists every term equals the corresponding
 *     term of Eqs. (11), (30), (32) (checked against ../shared/testvectors/rbo.json to 1e-9).
 *   - `res` is summed directly as the non-negative gap between the best and worst continuations,
 *     not as max − min, so tiny residuals keep their precision.
 *   - The tails Σ_{d>k} p^d/d use −ln(1−p) − Σ_{d≤k} p^d/d (absolute error ~1e-16).
 *   - Results are clamped to [0, 1] to absorb round-off (e.g. 1 − 2⁻⁵³ on identical lists).
 *   - Empty lists are rejected (RBO is undefined for them in the paper).
 */
import { describeValue, flattenRanking } from './ranking.js';
import type { RankedList } from './ranking.js';

/** Options of {@link rankBiasedOverlap}. */
export interface RboOptions {
  /**
   * Persistence: the weight of depth d is (1 − p)·p^(d−1); the top d ranks carry 1 − p^d of the
   * weight. FineRouter compares short lists (one entry per model), so p matters: with p = 0.9 the
   * top 10 ranks carry 65% of the weight.
   * @defaultValue 0.9
   */
  p?: number;
}

/**
 * Default options of {@link rankBiasedOverlap} and {@link createRboKernel} (frozen).
 * @example
 * ```ts
 * RBO_DEFAULTS.p; // 0.9
 * ```
 */
export const RBO_DEFAULTS: Readonly<Required<RboOptions>> = Object.freeze({ p: 0.9 });

/** The four RBO values of Webber et al. (2010); all lie in [0, 1] and min ≤ ext ≤ max. */
export interface RboResult {
  /** Extrapolated RBO, Eq. (32): the point estimate. */
  ext: number;
  /** Tight lower bound, Eq. (11) at depth l. */
  min: number;
  /** Residual, Eq. (30): max − min, the uncertainty from the unseen tails. */
  res: number;
  /** Upper bound: min + res. */
  max: number;
}

/** Validates the persistence `p` and returns it (or the default). @internal */
export function resolvePersistence(fnName: string, options: RboOptions | undefined): number {
  if (options === undefined) return RBO_DEFAULTS.p;
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${fnName}: expected options to be an object, received ${describeValue(options)}`);
  }
  const p = options.p;
  if (p === undefined) return RBO_DEFAULTS.p;
  if (typeof p !== 'number')
    throw new TypeError(`${fnName}: expected options.p to be a number in (0, 1), received ${describeValue(p)}`);
  if (!(p > 0 && p < 1)) throw new RangeError(`${fnName}: expected options.p to be in (0, 1), received ${String(p)}`);
  return p;
}

function clampUnit(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/**
 * Extrapolated RBO (Eq. 32 with Webber's tie agreement) from per-depth counts. Shared by
 * {@link rankBiasedOverlap} and the typed-array kernel so both return bit-identical values.
 *
 * @param p - persistence in (0, 1)
 * @param s - flattened length of the short list S (1 ≤ s ≤ l)
 * @param l - flattened length of the long list L
 * @param common - `common[common0 + k]` = number of items in both lists whose later tie-group start
 *   is position k (0-based), for k < l
 * @param sizesShort - `sizesShort[short0 + d − 1]` = |S_:d| (items of S entered by depth d), d = 1..s
 * @param sizesLong - `sizesLong[long0 + d − 1]` = |L_:d|, d = 1..l
 * @internal
 */
export function extFromCounts(
  p: number,
  s: number,
  l: number,
  common: Int32Array,
  common0: number,
  sizesShort: Int32Array,
  short0: number,
  sizesLong: Int32Array,
  long0: number,
): number {
  let weight = 1; // p^d
  let sum = 0; // Σ A_d p^d
  let overlap = 0; // X_d
  let agreementAtS = 0; // A_s
  for (let d = 1; d <= s; d++) {
    weight *= p;
    overlap += common[common0 + d - 1];
    agreementAtS = (2 * overlap) / (sizesShort[short0 + d - 1] + sizesLong[long0 + d - 1]);
    sum += agreementAtS * weight;
  }
  for (let d = s + 1; d <= l; d++) {
    weight *= p;
    overlap += common[common0 + d - 1];
    // Eq. (32): beyond s the short list keeps agreeing at rate A_s.
    sum += ((2 * (overlap + (d - s) * agreementAtS)) / (d + sizesLong[long0 + d - 1])) * weight;
  }
  // Beyond l the agreement stays at (X_l + (l − s)·A_s) / l; Σ_{d>l} p^d = p^(l+1) / (1 − p).
  return clampUnit(((1 - p) / p) * sum + ((overlap + (l - s) * agreementAtS) / l) * weight);
}

/** Σ_{d > k} p^d / d from the partial sum Σ_{d=1}^{k} p^d / d: −ln(1 − p) − partial (≥ 0). */
function logSeriesTail(p: number, partial: number): number {
  const tail = -Math.log1p(-p) - partial;
  return tail > 0 ? tail : 0;
}

/**
 * Rank-Biased Overlap of two ranked lists (Webber, Moffat & Zobel 2010), with tie groups handled as
 * in the paper's Sect. 4.4 (a tie group enters whole at its first rank; agreement
 * 2·X_d / (|S_:d| + |T_:d|)). Lists may have different lengths and need not share items.
 *
 * @param a - first ranked list, best first; elements are items or arrays of tied items
 * @param b - second ranked list
 * @param options - {@link RboOptions}; `p` defaults to 0.9
 * @returns `{ ext, min, res, max }`: extrapolated RBO (Eq. 32), lower bound at the longer list's depth
 *   (Eq. 11), residual (Eq. 30) and upper bound min + res. Symmetric in `a`, `b`.
 * @throws TypeError when a list is not an array, an element is not a string, number or array of
 *   them, or `options.p` is not a number.
 * @throws RangeError when a list or a tie group is empty, an item repeats within a list, an item is
 *   NaN, or `p` is outside (0, 1).
 * @example
 * ```ts
 * rankBiasedOverlap(['a', 'b', 'c'], ['b', 'a', 'c'], { p: 0.9 }).ext; // ≈ 0.9
 * rankBiasedOverlap([['gpt', 'claude'], 'llama'], ['claude', 'gpt', 'llama']).ext; // 1
 * ```
 */
export function rankBiasedOverlap<T extends string | number>(
  a: RankedList<T>,
  b: RankedList<T>,
  options?: RboOptions,
): RboResult {
  const fn = 'rankBiasedOverlap';
  const p = resolvePersistence(fn, options);
  const flatA = flattenRanking(fn, 'a', a, false);
  const flatB = flattenRanking(fn, 'b', b, false);
  const aIsShort = flatA.items.length <= flatB.items.length;
  const S = aIsShort ? flatA : flatB;
  const L = aIsShort ? flatB : flatA;
  const s = S.items.length;
  const l = L.items.length;

  // Four count arrays of length l in one reused scratch buffer (the call is synchronous):
  //   common  [0, l):   shared items by the position where the later of the two lists has them
  //   longOnly[l, 2l):  items of L absent from S, by entry position
  //   sizesS  [2l, 3l): |S_:d| at 2l + d − 1;   sizesL [3l, 4l): |L_:d| at 3l + d − 1
  const counts = scratchFor(4 * l);
  const longOnly0 = l;
  const sizesShort0 = 2 * l;
  const sizesLong0 = 3 * l;
  const topInShort = S.topOf;
  for (let i = 0; i < l; i++) {
    const topL = L.tops[i] as number;
    const topS = topInShort.get(L.items[i] as T);
    if (topS === undefined) counts[longOnly0 + topL]++;
    else counts[topS > topL ? topS : topL]++;
  }
  cumulativeSizes(S.tops, s, counts, sizesShort0);
  cumulativeSizes(L.tops, l, counts, sizesLong0);

  const ext = extFromCounts(p, s, l, counts, 0, counts, sizesShort0, counts, sizesLong0);

  // Lower bound (Eq. 11 at depth l) and residual (Eq. 30), from the same per-depth counts.
  let weight = 1;
  let minSum = 0; // Σ_{d≤l} A^min_d p^d
  let resSum = 0; // Σ_{s<d≤l} (A^max_d − A^min_d) p^d
  let overlap = 0;
  let longOnlyEntered = 0; // N_d: items of L missing from S that L has shown by depth d
  let partial = 0; // Σ_{d' ≤ d} p^d' / d'
  for (let d = 1; d <= l; d++) {
    weight *= p;
    partial += weight / d;
    overlap += counts[d - 1] as number;
    longOnlyEntered += counts[longOnly0 + d - 1] as number;
    if (d <= s) {
      minSum +=
        ((2 * overlap) / ((counts[sizesShort0 + d - 1] as number) + (counts[sizesLong0 + d - 1] as number))) * weight;
    } else {
      const denominator = d + (counts[sizesLong0 + d - 1] as number);
      minSum += ((2 * overlap) / denominator) * weight;
      // Best case: S continues with L's unmatched items in L's order; those L has shown by depth d
      // overlap. There are d − s of them in S by depth d.
      const unseenMatches = Math.min(d - s, longOnlyEntered);
      resSum += ((2 * unseenMatches) / denominator) * weight;
    }
  }
  const overlapAtL = overlap;
  const scale = (1 - p) / p;
  // Beyond l (worst case) the agreement is X_l / d.
  const min = scale * (minSum + overlapAtL * logSeriesTail(p, partial));
  // Beyond l (best case) both lists add one matching item each per depth until all f items match.
  const f = l + s - overlapAtL;
  let depthWeight = weight; // p^l
  for (let d = l + 1; d <= f; d++) {
    depthWeight *= p;
    partial += depthWeight / d;
    resSum += ((2 * d - l - s) / d) * depthWeight;
  }
  // d > f: best agreement 1, worst X_l / d.
  resSum += (depthWeight * p) / (1 - p) - overlapAtL * logSeriesTail(p, partial);
  const res = scale * resSum;

  const minClamped = clampUnit(min);
  const resClamped = res < 0 ? 0 : res;
  return { ext, min: minClamped, res: resClamped, max: clampUnit(minClamped + resClamped) };
}

/** Writes |list_:d| (items whose tie group starts before position d) to out[at + d − 1], d = 1..n. */
function cumulativeSizes(tops: ArrayLike<number>, n: number, out: Int32Array, at: number): void {
  for (let i = 0; i < n; i++) out[at + (tops[i] as number)]++;
  for (let d = 1; d < n; d++) out[at + d] += out[at + d - 1] as number;
}

let scratch = new Int32Array(256);
/** A zeroed Int32Array of at least `length` slots, reused across calls. */
function scratchFor(length: number): Int32Array {
  if (scratch.length < length) scratch = new Int32Array(Math.max(length, 2 * scratch.length));
  scratch.fill(0, 0, length);
  return scratch;
}
