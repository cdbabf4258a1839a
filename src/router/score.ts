/**
 * Score aggregation (paper Sect. 3.3, Eq. 5) and cost-aware selection (IPR tolerance, Feng et al. 2025a,
 * used for the paper's Fig. 2b). Pure, typed arrays, no allocation beyond the returned arrays.
 *
 *   Q_final(p, M) = α · norm(Q̃_t(p, M)) + (1 − α) · norm(Q̄_t(p)(M))          (Eq. 5)
 *
 * Generalized with a local prior L(p, M) (src/train/local-prior.ts: kNN over training prompts of task-smoothed
 * targets) and its share ω of the prior:
 *
 *   Q_final(p, M) = α · norm(Q̃) + (1 − α) · [(1 − ω) · norm(Q̄_t(p)) + ω · norm(L(p))]
 *
 * ω = 0 (or no local prior) is Eq. 5 exactly. Cost-aware selection by willingness to pay λ (quality per USD):
 * {@link selectByPrice} picks argmax E[q] − λ · cost over the same weights on the raw (unnormalized, score-scale)
 * components, which estimate expected quality; λ = 0 picks the best expected quality.
 *
 * norm is min-max normalization across the models considered for this prompt. Selection then replaces
 * Eq. 6's argmax with IPR's tolerance rule; τ = 0 reduces to Eq. 6.
 *
 * Deliberate choices (the paper leaves them open):
 *   - The models considered are the per-call allowed set (all models by default, minus `excludedModels`);
 *     normalization runs over that set, so `best` and τ are always relative to the models one may pick.
 *   - When every considered model has the same value in one component (max = min, including a single
 *     model), that component normalizes to 0.5 for every model: it adds the same constant to all finals
 *     and cannot change the choice.
 *   - Tolerance is absolute on the normalized final score: a model is eligible when
 *     final ≥ best − τ − 1e-9 (the 1e-9 absorbs floating-point rounding, so hand-computed boundaries such
 *     as 0.9 − 0.1 behave as written). τ = 0 keeps only the models tied at the best.
 *   - Among eligible models the cheapest wins. Unknown cost (null) counts as +∞: such a model is picked only
 *     when no eligible model has a known cost. Ties: lower cost, then higher final score, then manifest order.
 */

/** Value a component takes for every model when all considered values are equal. */
export const FLAT_NORMALIZED_VALUE = 0.5;
/** Slack on the tolerance comparison, absorbing floating-point rounding. */
export const TOLERANCE_EPSILON = 1e-9;

/**
 * Min-max normalizes `values` at the positions where `mask` is 1 into `out` (other positions get NaN).
 *
 * @param values - raw scores, one per model.
 * @param mask - 1 for a considered model, 0 otherwise; at least one 1.
 * @param out - destination, same length (may not alias `values`).
 * @returns `out`.
 * @throws RangeError when lengths differ or no model is considered; TypeError on a non-finite considered value.
 * @example
 * minMaxNormalize([2, 4, 3], Uint8Array.of(1, 1, 1), new Float64Array(3)); // [0, 1, 0.5]
 */
export function minMaxNormalize(values: ArrayLike<number>, mask: ArrayLike<number>, out: Float64Array): Float64Array {
  const n = values.length;
  if (mask.length !== n || out.length !== n) {
    throw new RangeError(
      `minMaxNormalize: expected values, mask and out of equal length, received ${n}, ${mask.length}, ${out.length}`,
    );
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) continue;
    const v = values[i]!;
    if (!Number.isFinite(v))
      throw new TypeError(`minMaxNormalize: expected finite scores, received ${v} at index ${i}`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) throw new RangeError('minMaxNormalize: expected at least one considered model, received none');
  const range = hi - lo;
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) out[i] = Number.NaN;
    else out[i] = range > 0 ? (values[i]! - lo) / range : FLAT_NORMALIZED_VALUE;
  }
  return out;
}

/** Result of {@link aggregateAndSelect}. */
export interface PromptSelection {
  /** Index of the chosen model. */
  readonly selected: number;
  /** Index of the model with the best final score (ties: lower cost, then manifest order). */
  readonly best: number;
  /** Normalized stage-1 values (NaN where not considered). */
  readonly stage1Normalized: Float64Array;
  /** Normalized stage-2 values (NaN where not considered). */
  readonly stage2Normalized: Float64Array;
  /** Normalized local-prior values (NaN where not considered; all NaN without a local prior). */
  readonly localNormalized: Float64Array;
  /** Eq. 5 final scores (NaN where not considered). */
  readonly final: Float64Array;
  /** 1 where the model is within τ of the best. */
  readonly eligible: Uint8Array;
}

/**
 * Eq. 5 then tolerance selection for one prompt. Costs: a finite number ≥ 0, or NaN for unknown.
 *
 * @param stage1 - Q̄ of the assigned task (or Others), one per model.
 * @param stage2 - Q̃_t(p, ·) from the MoE head, one per model.
 * @param costs - expected cost per model, NaN when unknown.
 * @param mask - 1 for a considered model.
 * @param alpha - Eq. 5 weight in [0, 1].
 * @param tolerance - τ in [0, 1].
 * @param local - optional local prior L(p, ·), one per model.
 * @param localWeight - ω in [0, 1], the local prior's share of the prior (ignored without `local`). @defaultValue 0
 * @returns the chosen and best indices and the per-model scores.
 * @throws RangeError on mismatched lengths, an empty mask or α/τ/ω outside [0, 1]; TypeError on non-finite scores.
 * @example
 * aggregateAndSelect([0.2, 0.4], [0.9, 0.1], [1, NaN], Uint8Array.of(1, 1), 0.5, 0).selected; // 0
 */
export function aggregateAndSelect(
  stage1: ArrayLike<number>,
  stage2: ArrayLike<number>,
  costs: ArrayLike<number>,
  mask: ArrayLike<number>,
  alpha: number,
  tolerance: number,
  local?: ArrayLike<number>,
  localWeight = 0,
): PromptSelection {
  const n = stage1.length;
  if (stage2.length !== n || costs.length !== n || mask.length !== n || (local !== undefined && local.length !== n)) {
    throw new RangeError(
      `aggregateAndSelect: expected equal lengths, received ${n}, ${stage2.length}, ${costs.length}, ${mask.length}${local ? `, ${local.length}` : ''}`,
    );
  }
  if (!(localWeight >= 0 && localWeight <= 1))
    throw new RangeError(`aggregateAndSelect: expected localWeight in [0, 1], received ${localWeight}`);
  if (!(alpha >= 0 && alpha <= 1))
    throw new RangeError(`aggregateAndSelect: expected alpha in [0, 1], received ${alpha}`);
  if (!(tolerance >= 0 && tolerance <= 1))
    throw new RangeError(`aggregateAndSelect: expected tolerance in [0, 1], received ${tolerance}`);
  const s1 = minMaxNormalize(stage1, mask, new Float64Array(n));
  const s2 = minMaxNormalize(stage2, mask, new Float64Array(n));
  const sl =
    local !== undefined ? minMaxNormalize(local, mask, new Float64Array(n)) : new Float64Array(n).fill(Number.NaN);
  const omega = local !== undefined ? localWeight : 0;
  const final = new Float64Array(n);
  let bestScore = -Infinity;
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) {
      final[i] = Number.NaN;
      continue;
    }
    const prior = omega > 0 ? (1 - omega) * s1[i]! + omega * sl[i]! : s1[i]!;
    const f = alpha * s2[i]! + (1 - alpha) * prior;
    final[i] = f;
    if (f > bestScore) bestScore = f;
  }
  const eligible = new Uint8Array(n);
  const threshold = bestScore - tolerance - TOLERANCE_EPSILON;
  const bestThreshold = bestScore - TOLERANCE_EPSILON;
  let selected = -1;
  let best = -1;
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) continue;
    const f = final[i]!;
    if (f >= bestThreshold && (best < 0 || cheaper(costs, final, i, best))) best = i;
    if (f >= threshold) {
      eligible[i] = 1;
      if (selected < 0 || cheaper(costs, final, i, selected)) selected = i;
    }
  }
  return { selected, best, stage1Normalized: s1, stage2Normalized: s2, localNormalized: sl, final, eligible };
}

/**
 * Expected quality per model on the score scale: α · Q̃ + (1 − α) · [(1 − ω) · Q̄ + ω · L], without
 * normalization (each component estimates the expected score, so the blend does too).
 *
 * @param stage1 - Q̄ per model.
 * @param stage2 - Q̃ per model.
 * @param alpha - α in [0, 1].
 * @param local - optional local prior per model.
 * @param localWeight - ω in [0, 1]. @defaultValue 0
 * @returns one value per model.
 * @throws RangeError on mismatched lengths or weights outside [0, 1]; TypeError on a non-finite value.
 * @example
 * expectedQuality([0.5, 0.7], [0.6, 0.6], 0.5); // [0.55, 0.65]
 */
export function expectedQuality(
  stage1: ArrayLike<number>,
  stage2: ArrayLike<number>,
  alpha: number,
  local?: ArrayLike<number>,
  localWeight = 0,
): Float64Array {
  const n = stage1.length;
  if (stage2.length !== n || (local !== undefined && local.length !== n))
    throw new RangeError(
      `expectedQuality: expected equal lengths, received ${n}, ${stage2.length}${local ? `, ${local.length}` : ''}`,
    );
  if (!(alpha >= 0 && alpha <= 1) || !(localWeight >= 0 && localWeight <= 1))
    throw new RangeError(
      `expectedQuality: expected alpha and localWeight in [0, 1], received ${alpha}, ${localWeight}`,
    );
  const omega = local !== undefined ? localWeight : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const prior = omega > 0 ? (1 - omega) * stage1[i]! + omega * local![i]! : stage1[i]!;
    const v = alpha * stage2[i]! + (1 - alpha) * prior;
    if (!Number.isFinite(v))
      throw new TypeError(`expectedQuality: expected finite components, received ${v} at index ${i}`);
    out[i] = v;
  }
  return out;
}

/**
 * Willingness-to-pay selection: argmax over considered models of expected[i] − λ · cost[i]. A model with unknown
 * cost (NaN) is considered only when no considered model has a known cost (λ is then irrelevant). Ties: lower
 * cost, then manifest order.
 *
 * @param expected - expected quality per model (e.g. {@link expectedQuality}).
 * @param costs - USD per query, NaN when unknown.
 * @param mask - 1 for a considered model.
 * @param lambda - λ ≥ 0, quality points one would give up per USD saved.
 * @returns the chosen index.
 * @throws RangeError on mismatched lengths, an empty mask or λ < 0.
 * @example
 * selectByPrice([0.8, 0.75], [0.01, 0.001], Uint8Array.of(1, 1), 10); // 1 (0.75 − 0.01 > 0.8 − 0.1)
 */
export function selectByPrice(
  expected: ArrayLike<number>,
  costs: ArrayLike<number>,
  mask: ArrayLike<number>,
  lambda: number,
): number {
  const n = expected.length;
  if (costs.length !== n || mask.length !== n)
    throw new RangeError(`selectByPrice: expected equal lengths, received ${n}, ${costs.length}, ${mask.length}`);
  if (!(lambda >= 0 && Number.isFinite(lambda)))
    throw new RangeError(`selectByPrice: expected lambda ≥ 0, received ${lambda}`);
  let anyKnown = false;
  for (let i = 0; i < n; i++) if (mask[i] !== 0 && !Number.isNaN(costs[i]!)) anyKnown = true;
  let pick = -1;
  let pickValue = -Infinity;
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) continue;
    const c = costs[i]!;
    if (anyKnown && Number.isNaN(c)) continue;
    const v = expected[i]! - (anyKnown ? lambda * c : 0);
    if (pick < 0 || v > pickValue + 1e-12 || (Math.abs(v - pickValue) <= 1e-12 && anyKnown && c < costs[pick]!)) {
      pick = i;
      pickValue = v;
    }
  }
  if (pick < 0) throw new RangeError('selectByPrice: expected at least one considered model');
  return pick;
}

/** True when model `a` beats the current pick `b`: lower cost (NaN = +∞), then higher final; equal → keep `b` (lower index). */
function cheaper(costs: ArrayLike<number>, final: Float64Array, a: number, b: number): boolean {
  const ca = Number.isNaN(costs[a]!) ? Infinity : costs[a]!;
  const cb = Number.isNaN(costs[b]!) ? Infinity : costs[b]!;
  if (ca !== cb) return ca < cb;
  return final[a]! > final[b]!;
}
