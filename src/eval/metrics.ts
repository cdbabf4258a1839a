/**
 * Routing metrics.
 *
 * - Mean quality overall (micro, over prompts) and per source, plus the macro average across sources (the
 *   paper's "Ave" column, FineRouter arXiv 2603.19415 Tables 1–2).
 * - Tolerance selection for cost–quality curves (paper Sect. 4.3 after IPR, Feng et al. 2025a): per prompt, the
 *   models whose min–max normalized score is within τ of the best are eligible and the cheapest eligible one (by
 *   expected cost per query) is chosen. τ = 0 is the plain argmax, τ = 1 the cheapest model. The same rule is
 *   applied to every method's scores so the curves are comparable. Deliberate deviation: IPR applies τ to raw
 *   predicted quality; we normalize per prompt so τ means the same for scores on different scales.
 * - AIQ, RouterBench (Hu et al. 2024, "RouterBench: A Benchmark for Multi-LLM Routing System", Sect. 3.2): the
 *   area under the non-decreasing convex hull of a router's (cost, quality) points, over a fixed cost range,
 *   divided by that range. The hull's segments are the cost/quality of randomly mixing two operating points.
 *   Below the cheapest point the hull is undefined and counts as quality 0 (no operating point exists there);
 *   above the dearest point it stays flat.
 * - Headroom captured: (router − best single) / (oracle − best single).
 * - Expected calibration error of quality predictions (Guo et al. 2017, generalized to targets in [0, 1]):
 *   predictions clipped to [0, 1] and cut into equal-width bins; ECE = Σ_b (n_b / N) |mean pred_b − mean obs_b|.
 * - Macro-F1 of task assignments, with "Others" (−1) as a class of its own.
 */
import type { EvalTable } from './table.js';

/** One routing decision per prompt: the chosen model's column, and how often the availability mask mattered. */
export interface RoutingSelection {
  choice: Int32Array;
  /** Prompts where the unmasked best-scored model had no observed score and another model was chosen instead. */
  maskedChoices: number;
}

/** Options of {@link selectByScores}. */
export interface SelectOptions {
  /** Tolerance τ in [0, 1] on per-prompt min–max normalized scores. @defaultValue 0 */
  tolerance?: number;
  /** Expected cost per query of each model; NaN/undefined = unknown (ranks after every known cost). @defaultValue undefined */
  modelCost?: ArrayLike<number>;
}

/**
 * Chooses a model per prompt from an N×M score matrix, among the models scored on that prompt.
 * Ties at τ = 0: the cheaper model (when costs are known), then the lower column index.
 * @param table - the evaluation table (gives the availability mask)
 * @param scores - N×M scores, higher is better (finite)
 * @param options - {@link SelectOptions}
 * @returns the choices and the count of masked choices
 * @throws TypeError when scores has the wrong length; RangeError on a non-finite score or a bad tolerance
 * @example selectByScores(table, knnScores, { tolerance: 0.2, modelCost })
 */
export function selectByScores(
  table: EvalTable,
  scores: ArrayLike<number>,
  options: SelectOptions = {},
): RoutingSelection {
  const M = table.models.length;
  const N = table.ids.length;
  if (scores.length !== N * M)
    throw new TypeError(`selectByScores: expected ${N}×${M} scores, received ${scores.length}`);
  const tau = options.tolerance ?? 0;
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`selectByScores: expected tolerance in [0, 1], received ${tau}`);
  const cost = options.modelCost;
  const costOf = (j: number): number => {
    const c = cost?.[j];
    return c === undefined || Number.isNaN(c) ? Number.POSITIVE_INFINITY : c;
  };
  const choice = new Int32Array(N);
  let masked = 0;
  for (let i = 0; i < N; i++) {
    const o = i * M;
    let hi = Number.NEGATIVE_INFINITY;
    let lo = Number.POSITIVE_INFINITY;
    let rawBest = -1;
    let rawBestScore = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < M; j++) {
      const s = scores[o + j]!;
      if (!Number.isFinite(s))
        throw new RangeError(`selectByScores: expected finite scores, received ${s} at prompt ${i}, model ${j}`);
      if (s > rawBestScore) {
        rawBestScore = s;
        rawBest = j;
      }
      if (Number.isNaN(table.quality[o + j]!)) continue;
      if (s > hi) hi = s;
      if (s < lo) lo = s;
    }
    const threshold = hi - tau * (hi - lo) - 1e-12 * Math.max(1, Math.abs(hi));
    let best = -1;
    for (let j = 0; j < M; j++) {
      if (Number.isNaN(table.quality[o + j]!)) continue;
      const s = scores[o + j]!;
      if (s < threshold) continue;
      if (best < 0) {
        best = j;
        continue;
      }
      const cj = costOf(j);
      const cb = costOf(best);
      if (cj < cb || (cj === cb && s > scores[o + best]!)) best = j;
    }
    choice[i] = best;
    if (Number.isNaN(table.quality[o + rawBest]!)) masked++;
  }
  return { choice, maskedChoices: masked };
}

/** Quality and cost of one set of routing decisions. */
export interface SelectionResult {
  /** Mean quality over the prompts whose chosen model is scored (micro average). */
  quality: number;
  /** Mean quality per source. */
  perSource: Record<string, number>;
  /** Mean over sources of the per-source means (the paper's "Ave"). */
  macroQuality: number;
  /** Mean USD per query, null when the table has no costs or a chosen cost is unknown. */
  cost: number | null;
  /** Prompts evaluated. */
  prompts: number;
  /** Prompts whose chosen model has a score (the quality denominator). */
  scored: number;
  /** Prompts whose chosen model has no score: excluded from `quality`, counted here. */
  unscored: number;
  /** Prompts whose chosen model has no known cost. */
  unknownCost: number;
  /** Share of prompts routed to each model. */
  distribution: Record<string, number>;
}

/**
 * Scores a set of routing decisions against the observed quality and cost.
 * @param table - the evaluation table
 * @param choice - chosen model column per prompt
 * @returns {@link SelectionResult}
 * @throws TypeError when choice has the wrong length; RangeError for an out-of-range column
 * @example evaluateSelection(table, selectByScores(table, s).choice).quality
 */
export function evaluateSelection(table: EvalTable, choice: ArrayLike<number>): SelectionResult {
  const M = table.models.length;
  const N = table.ids.length;
  if (choice.length !== N) throw new TypeError(`evaluateSelection: expected ${N} choices, received ${choice.length}`);
  const bySource = new Map<string, { s: number; n: number }>();
  const counts = new Float64Array(M);
  let sum = 0;
  let scored = 0;
  let costSum = 0;
  let unknownCost = 0;
  for (let i = 0; i < N; i++) {
    const j = choice[i]!;
    if (!Number.isInteger(j) || j < 0 || j >= M)
      throw new RangeError(`evaluateSelection: expected a model column in [0, ${M}), received ${j} at prompt ${i}`);
    counts[j]!++;
    if (table.cost) {
      const c = table.cost[i * M + j]!;
      if (Number.isNaN(c)) unknownCost++;
      else costSum += c;
    }
    const q = table.quality[i * M + j]!;
    if (Number.isNaN(q)) continue;
    sum += q;
    scored++;
    const src = table.sources[i]!;
    const acc = bySource.get(src) ?? { s: 0, n: 0 };
    acc.s += q;
    acc.n++;
    bySource.set(src, acc);
  }
  const perSource: Record<string, number> = {};
  let macro = 0;
  for (const src of [...bySource.keys()].sort()) {
    const a = bySource.get(src)!;
    perSource[src] = a.s / a.n;
    macro += a.s / a.n;
  }
  const distribution: Record<string, number> = {};
  for (let j = 0; j < M; j++) distribution[table.models[j]!] = N > 0 ? counts[j]! / N : 0;
  return {
    quality: scored > 0 ? sum / scored : Number.NaN,
    perSource,
    macroQuality: bySource.size > 0 ? macro / bySource.size : Number.NaN,
    cost: table.cost && unknownCost === 0 && N > 0 ? costSum / N : null,
    prompts: N,
    scored,
    unscored: N - scored,
    unknownCost,
    distribution,
  };
}

/** One operating point of a cost–quality curve. */
export interface CurvePoint {
  tolerance: number;
  quality: number;
  cost: number;
}

/**
 * The cost–quality curve of a scorer: tolerance swept over [0, 1].
 * @param table - the evaluation table (must have costs)
 * @param scores - N×M scores
 * @param modelCost - expected cost per query per model (drives the choice)
 * @param steps - number of intervals over [0, 1] @defaultValue 50
 * @returns points in tolerance order; points whose chosen cost is unknown are left out
 * @throws RangeError when the table has no costs or steps < 1
 * @example costQualityCurve(table, finalScores, trainCost)
 */
export function costQualityCurve(
  table: EvalTable,
  scores: ArrayLike<number>,
  modelCost: ArrayLike<number>,
  steps = 50,
): CurvePoint[] {
  if (!table.cost) throw new RangeError('costQualityCurve: expected a table with costs, received one without');
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new RangeError(`costQualityCurve: expected an integer steps >= 1, received ${steps}`);
  const out: CurvePoint[] = [];
  for (let k = 0; k <= steps; k++) {
    const tolerance = k / steps;
    const { choice } = selectByScores(table, scores, { tolerance, modelCost });
    const r = evaluateSelection(table, choice);
    if (r.cost !== null && Number.isFinite(r.quality)) out.push({ tolerance, quality: r.quality, cost: r.cost });
  }
  return out;
}

/** A point of a hull. */
export interface CostQuality {
  cost: number;
  quality: number;
}

/**
 * The non-decreasing convex hull (RouterBench) of (cost, quality) points: the upper concave hull from the
 * cheapest point up to the best-quality point. Beyond its last vertex the hull is flat.
 * @param points - operating points (finite)
 * @returns hull vertices by increasing cost and increasing quality
 * @throws RangeError on a non-finite coordinate
 * @example nonDecreasingHull([{cost:0,quality:0},{cost:1,quality:1},{cost:2,quality:0.5}]) // first two points
 */
export function nonDecreasingHull(points: readonly CostQuality[]): CostQuality[] {
  for (const p of points) {
    if (!Number.isFinite(p.cost) || !Number.isFinite(p.quality))
      throw new RangeError(`nonDecreasingHull: expected finite points, received (${p.cost}, ${p.quality})`);
  }
  if (points.length === 0) return [];
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  // Keep only points that improve on every cheaper point: a dominated point never lies on a non-decreasing hull.
  const frontier: CostQuality[] = [];
  for (const p of sorted) {
    const last = frontier[frontier.length - 1];
    if (!last || p.quality > last.quality) {
      if (last && last.cost === p.cost) frontier.pop();
      frontier.push({ cost: p.cost, quality: p.quality });
    }
  }
  // Upper hull (monotone chain) of the Pareto frontier.
  const hull: CostQuality[] = [];
  for (const p of frontier) {
    while (hull.length >= 2) {
      const a = hull[hull.length - 2]!;
      const b = hull[hull.length - 1]!;
      const cross = (b.cost - a.cost) * (p.quality - a.quality) - (b.quality - a.quality) * (p.cost - a.cost);
      if (cross >= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  return hull;
}

/**
 * Hull quality available at a cost budget: linear between hull vertices, flat beyond the last, and null below
 * the first (no operating point is that cheap).
 * @param hull - output of {@link nonDecreasingHull}
 * @param cost - budget
 * @returns quality or null
 * @example hullQualityAt(hull, 0.5)
 */
export function hullQualityAt(hull: readonly CostQuality[], cost: number): number | null {
  if (hull.length === 0 || cost < hull[0]!.cost) return null;
  for (let k = 1; k < hull.length; k++) {
    const a = hull[k - 1]!;
    const b = hull[k]!;
    if (cost <= b.cost) return a.quality + ((b.quality - a.quality) * (cost - a.cost)) / (b.cost - a.cost);
  }
  return hull[hull.length - 1]!.quality;
}

/**
 * AIQ (RouterBench): the mean of the non-decreasing convex hull over [costMin, costMax]; 0 where the hull is
 * undefined (below its cheapest point).
 * @param points - operating points of one router (its τ sweep)
 * @param costMin - left end of the cost range (normally the cheapest single model's cost)
 * @param costMax - right end (normally the dearest single model's cost)
 * @returns AIQ in the quality's units
 * @throws RangeError when costMax <= costMin or a bound is not finite
 * @example aiq([{cost:0,quality:0.5},{cost:1,quality:1}], 0, 1) // 0.75
 */
export function aiq(points: readonly CostQuality[], costMin: number, costMax: number): number {
  if (!Number.isFinite(costMin) || !Number.isFinite(costMax) || !(costMax > costMin)) {
    throw new RangeError(`aiq: expected finite costMin < costMax, received [${costMin}, ${costMax}]`);
  }
  const hull = nonDecreasingHull(points);
  if (hull.length === 0) return 0;
  // Integrate the piecewise-linear hull clipped to [costMin, costMax].
  const xs: number[] = [costMin, costMax];
  for (const v of hull) if (v.cost > costMin && v.cost < costMax) xs.push(v.cost);
  xs.sort((a, b) => a - b);
  let area = 0;
  for (let k = 1; k < xs.length; k++) {
    const x0 = xs[k - 1]!;
    const x1 = xs[k]!;
    if (x1 <= x0) continue;
    // Between consecutive breakpoints the hull is linear or undefined; undefined on the left part counts 0.
    const start = Math.max(x0, hull[0]!.cost);
    if (start >= x1) continue;
    const y0 = hullQualityAt(hull, start)!;
    const y1 = hullQualityAt(hull, x1)!;
    area += ((y0 + y1) / 2) * (x1 - start);
  }
  return area / (costMax - costMin);
}

/**
 * Headroom captured: (router − best single) / (oracle − best single).
 * @returns the fraction, or null when the oracle does not beat the best single model
 * @throws RangeError on a non-finite input
 * @example headroomCaptured(0.7, 0.6, 0.9) // 0.333…
 */
export function headroomCaptured(router: number, bestSingle: number, oracle: number): number | null {
  if (![router, bestSingle, oracle].every(Number.isFinite)) {
    throw new RangeError(`headroomCaptured: expected finite qualities, received (${router}, ${bestSingle}, ${oracle})`);
  }
  const gap = oracle - bestSingle;
  return gap > 0 ? (router - bestSingle) / gap : null;
}

/** Result of {@link expectedCalibrationError}. */
export interface Calibration {
  ece: number;
  /** Pairs counted. */
  pairs: number;
  bins: { lo: number; hi: number; count: number; meanPrediction: number; meanObserved: number }[];
}

/**
 * Expected calibration error of quality predictions against observed quality (both in [0, 1]).
 * Pairs whose observation is NaN (not scored) are skipped; predictions are clipped to [0, 1].
 * @param predicted - predictions (finite)
 * @param observed - observations, NaN = no observation
 * @param binCount - equal-width bins @defaultValue 10
 * @returns ECE, the pair count and the per-bin reliability table
 * @throws TypeError on a length mismatch; RangeError on a non-finite prediction or binCount < 1
 * @example expectedCalibrationError([0.2, 0.8], [0, 1]).ece // 0.2
 */
export function expectedCalibrationError(
  predicted: ArrayLike<number>,
  observed: ArrayLike<number>,
  binCount = 10,
): Calibration {
  if (predicted.length !== observed.length) {
    throw new TypeError(
      `expectedCalibrationError: expected equal lengths, received ${predicted.length} and ${observed.length}`,
    );
  }
  if (!(Number.isInteger(binCount) && binCount >= 1))
    throw new RangeError(`expectedCalibrationError: expected an integer binCount >= 1, received ${binCount}`);
  const n = new Float64Array(binCount);
  const sp = new Float64Array(binCount);
  const so = new Float64Array(binCount);
  let pairs = 0;
  for (let i = 0; i < predicted.length; i++) {
    const o = observed[i]!;
    if (Number.isNaN(o)) continue;
    const p = predicted[i]!;
    if (!Number.isFinite(p))
      throw new RangeError(`expectedCalibrationError: expected finite predictions, received ${p} at ${i}`);
    const c = Math.min(1, Math.max(0, p));
    const b = Math.min(binCount - 1, Math.floor(c * binCount));
    n[b]!++;
    sp[b]! += c;
    so[b]! += o;
    pairs++;
  }
  let ece = 0;
  const bins: Calibration['bins'] = [];
  for (let b = 0; b < binCount; b++) {
    const count = n[b]!;
    const mp = count > 0 ? sp[b]! / count : 0;
    const mo = count > 0 ? so[b]! / count : 0;
    if (count > 0) ece += (count / pairs) * Math.abs(mp - mo);
    bins.push({ lo: b / binCount, hi: (b + 1) / binCount, count, meanPrediction: mp, meanObserved: mo });
  }
  return { ece: pairs > 0 ? ece : Number.NaN, pairs, bins };
}

// Macro-F1 is shared with training (src/numeric/f1.ts: one convention, Others a class of its own).
export { macroF1 } from '../numeric/f1.js';
