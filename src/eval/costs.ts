/**
 * Cost-aware reference points of routing evaluation, on pooled per-prompt outcomes.
 *
 * - Zero router (RouterBench, Hu et al. 2024, Sect. 3.2): any mixture of the single models, i.e. the upper convex
 *   hull of their (cost, quality) points; between two hull vertices a coin flip reaches every point of the
 *   segment. A router is only useful where it lies above this hull. {@link zeroRouterQuality}.
 * - AIQ (RouterBench Eq. 3, in ./metrics.ts `aiq`): the mean of a router's non-decreasing convex hull over the
 *   single models' cost range.
 * - PGR / APGR / CPT (RouteLLM, Ong et al. 2024, Sect. 5.1), for a pool of two models, weak and strong:
 *   routing the fraction x of prompts the router most prefers for the strong model gives quality q(x);
 *   PGR(x) = (q(x) − q_weak) / (q_strong − q_weak); APGR = ∫₀¹ PGR(x) dx; CPT(p) = the smallest x with
 *   PGR(x) ≥ p. Deviation: RouteLLM integrates over a grid of thresholds; here x runs over every prompt count
 *   (exact trapezoid), and each fold's router scores are first turned into within-fold rank fractions so that
 *   folds trained separately share one threshold scale. Ties are broken by a seeded shuffle, never by position.
 *   A random router has APGR ≈ 0.5 and CPT(50%) ≈ 50%.
 */
import { mulberry32 } from '../random.js';
import { hullQualityAt, nonDecreasingHull, type CostQuality } from './metrics.js';

/**
 * Quality of the zero router at a cost budget: the upper convex hull of the single models' points, flat above
 * the best model, null below the cheapest model.
 * @param singles - (cost, quality) of each single model (finite)
 * @param cost - the budget
 * @returns hull quality at that cost, or null
 * @throws RangeError on a non-finite point
 * @example zeroRouterQuality([{ cost: 1, quality: 0.5 }, { cost: 3, quality: 0.9 }], 2) // 0.7
 */
export function zeroRouterQuality(singles: readonly CostQuality[], cost: number): number | null {
  return hullQualityAt(nonDecreasingHull(singles), cost);
}

/**
 * The cheapest cost at which a cost–quality curve reaches a target quality, with linear interpolation between
 * consecutive curve points sorted by cost (both endpoints are operating points; a coin flip reaches the segment).
 * @param curve - operating points (any order)
 * @param target - quality to reach
 * @returns the cost, or null when no point reaches the target
 * @example costToReach([{ cost: 1, quality: 0.5 }, { cost: 3, quality: 0.9 }], 0.7) // 2
 */
export function costToReach(curve: readonly CostQuality[], target: number): number | null {
  const hull = nonDecreasingHull(curve);
  if (hull.length === 0 || hull[hull.length - 1]!.quality < target - 1e-12) return null;
  if (hull[0]!.quality >= target - 1e-12) return hull[0]!.cost;
  for (let k = 1; k < hull.length; k++) {
    const a = hull[k - 1]!;
    const b = hull[k]!;
    if (b.quality >= target - 1e-12)
      return a.cost + ((b.cost - a.cost) * (target - a.quality)) / (b.quality - a.quality);
  }
  return null;
}

/** Result of {@link pgrCurve}. */
export interface PgrResult {
  /** Area under PGR(x) over x ∈ [0, 1]. */
  apgr: number;
  /** Smallest share of strong-model calls with PGR ≥ 0.5 / 0.8 (null when never reached). */
  cpt50: number | null;
  cpt80: number | null;
  /** Quality with every prompt on the weak / strong model. */
  weakQuality: number;
  strongQuality: number;
  /** PGR at x = 0, 0.1, …, 1. */
  grid: number[];
}

/**
 * The order in which prompts are sent to the strong model: descending preference, with per-fold rank
 * normalization and seeded tie-breaking (see the file header).
 * @param preference - per row, the router's preference for the strong model (e.g. predicted strong − weak)
 * @param foldOf - per row, its fold (preferences are compared within a fold first)
 * @param seed - tie-breaking seed
 * @returns row indices, most preferred first
 * @throws TypeError on a length mismatch; RangeError on a non-finite preference
 * @example strongOrder(Float64Array.of(0.1, 0.9), Int32Array.of(0, 0), 0) // [1, 0]
 */
export function strongOrder(preference: ArrayLike<number>, foldOf: ArrayLike<number>, seed: number): Int32Array {
  const n = preference.length;
  if (foldOf.length !== n) throw new TypeError(`strongOrder: expected ${n} fold labels, received ${foldOf.length}`);
  const rand = mulberry32(seed);
  const jitter = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(preference[i]!))
      throw new RangeError(`strongOrder: expected finite preferences, received ${preference[i]} at ${i}`);
    jitter[i] = rand();
  }
  const byFold = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const g = byFold.get(foldOf[i]!);
    if (g) g.push(i);
    else byFold.set(foldOf[i]!, [i]);
  }
  // Within-fold rank fraction in (0, 1]: 1 = most preferred; ties share their mean rank, then the jitter orders them.
  const rank = new Float64Array(n);
  for (const rows of byFold.values()) {
    rows.sort((a, b) => preference[a]! - preference[b]!);
    let k = 0;
    while (k < rows.length) {
      let e = k;
      while (e + 1 < rows.length && preference[rows[e + 1]!] === preference[rows[k]!]) e++;
      const r = (k + e + 2) / 2 / rows.length;
      for (let x = k; x <= e; x++) rank[rows[x]!] = r;
      k = e + 1;
    }
  }
  return Int32Array.from(
    Array.from({ length: n }, (_, i) => i).sort((a, b) => rank[b]! - rank[a]! || jitter[b]! - jitter[a]!),
  );
}

/**
 * PGR curve, APGR and CPT(50%)/CPT(80%) of a two-model router (RouteLLM; see the file header), optionally on
 * resampling weights (bootstrap) over the rows.
 * @param strong - per row, the strong model's observed quality (finite)
 * @param weak - per row, the weak model's observed quality (finite)
 * @param order - row order from {@link strongOrder}
 * @param weights - optional per-row weights (bootstrap counts); default 1
 * @returns {@link PgrResult}; apgr is NaN when the strong model is not better than the weak one
 * @throws TypeError on length mismatches
 * @example pgrCurve(Float64Array.of(1, 1), Float64Array.of(0, 1), Int32Array.of(0, 1)).apgr // 0.75
 */
export function pgrCurve(
  strong: ArrayLike<number>,
  weak: ArrayLike<number>,
  order: ArrayLike<number>,
  weights?: ArrayLike<number>,
): PgrResult {
  const n = strong.length;
  if (weak.length !== n || order.length !== n || (weights && weights.length !== n)) {
    throw new TypeError(
      `pgrCurve: expected ${n} weak values, order entries and weights, received ${weak.length}, ${order.length}, ${weights?.length ?? n}`,
    );
  }
  let total = 0;
  let weakSum = 0;
  let strongSum = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    total += w;
    weakSum += w * weak[i]!;
    strongSum += w * strong[i]!;
  }
  const qWeak = total > 0 ? weakSum / total : Number.NaN;
  const qStrong = total > 0 ? strongSum / total : Number.NaN;
  const gap = qStrong - qWeak;
  if (!(gap > 0))
    return { apgr: Number.NaN, cpt50: null, cpt80: null, weakQuality: qWeak, strongQuality: qStrong, grid: [] };
  // Walk the order: x = cumulative weight share sent to strong, PGR piecewise linear in x.
  let x0 = 0;
  let p0 = 0;
  let gain = 0;
  let area = 0;
  let cpt50: number | null = null;
  let cpt80: number | null = null;
  const gridPoints = 10;
  const grid: number[] = [0];
  let nextGrid = 1;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const w = weights ? weights[i]! : 1;
    if (w === 0) continue;
    gain += w * (strong[i]! - weak[i]!);
    const x1 = x0 + w / total;
    const p1 = gain / total / gap;
    area += ((p0 + p1) / 2) * (x1 - x0);
    for (const [target, set] of [
      [0.5, (v: number) => (cpt50 = v)],
      [0.8, (v: number) => (cpt80 = v)],
    ] as const) {
      const current = target === 0.5 ? cpt50 : cpt80;
      if (current === null && p1 >= target - 1e-12)
        set(p1 === p0 ? x1 : x0 + ((x1 - x0) * Math.max(0, target - p0)) / (p1 - p0));
    }
    while (nextGrid <= gridPoints && x1 >= nextGrid / gridPoints - 1e-12) {
      const gx = nextGrid / gridPoints;
      grid.push(x1 === x0 ? p1 : p0 + ((p1 - p0) * (gx - x0)) / (x1 - x0));
      nextGrid++;
    }
    x0 = x1;
    p0 = p1;
  }
  grid[0] = 0;
  return { apgr: area, cpt50, cpt80, weakQuality: qWeak, strongQuality: qStrong, grid };
}
