/**
 * Choosing Eq. 5's aggregation on the dev split (FineRouter arXiv 2603.19415, Sect. 3.3, Eq. 5; App. B).
 *
 *   Q_final(p, M) = α · norm(Q̃_t(p, M)) + (1 − α) · norm(Q̄_t(p)(M))
 *
 * The paper fixes α = 0.5 and takes Q̄ as the median quality of M over the task's training prompts.
 * Deliberate deviations, both measured (docs/training.md, "Quality tuning (measured on dev)"):
 *   - α is chosen on the dev split by routed dev quality (mean observed score of the model Eq. 5 + Eq. 6
 *     would pick, through the router's own `aggregateAndSelect`), over a grid on [0, 1]. A fixed α (the
 *     paper's 0.5) stays available through `TrainRouterOptions.alpha`.
 *   - The stage-1 statistic may be the mean instead of the median. On mostly 0/1 scores the median is a
 *     majority vote: many models tie at 1 (or 0) and the min-max normalization then hides real differences
 *     in their success rates. `'dev'` picks whichever routes better on dev.
 *   - The mean may be shrunk toward the model's overall mean with a pseudo-count k (empirical-Bayes smoothing
 *     of small tasks: (Σ scores + k · overall) / (count + k)); k = 0 is the plain mean. Also chosen on dev.
 * Stage-1 values used for the dev choice come from the training split only (a dev prompt never votes for
 * its own task's prior); the manifest then stores the chosen statistic over all members, as discovery does.
 * Ties in dev quality prefer α nearer 0.5, then the median (the paper's settings).
 */
import { aggregateAndSelect } from '../router/score.js';

/** Stage-1 statistic Q̄_t(M) over a task's prompts. `median` is the paper's. */
export type Stage1Statistic = 'median' | 'mean';

/**
 * Pseudo-counts k tried on dev for the shrunk mean (0 = plain mean).
 *
 * @example
 * SHRINKAGE_GRID.includes(30); // true: the shrunk mean with pseudo-count 30 is one of the variants tried
 */
export const SHRINKAGE_GRID: readonly number[] = Object.freeze([0, 10, 30, 100]);

/**
 * α values tried on dev.
 *
 * @example
 * trainRouter(records, embeddings, discovery, { encoder, alpha: 'dev' }); // tries every ALPHA_GRID value
 */
export const ALPHA_GRID: readonly number[] = Object.freeze([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);

/**
 * Stage-1 score of every model for each group of rows: median or mean of the observed scores of the rows
 * that have one; a model with no observed score in the group takes `fallback[j]`.
 *
 * @param scores - row-major [n, M] scores.
 * @param mask - [n, M], 1 where observed.
 * @param modelCount - M.
 * @param groups - row indices per group (task, or Others).
 * @param statistic - `median` (even count: mean of the middle two) or `mean`.
 * @param fallback - value per model for a group without observations; default: the statistic over all rows.
 * @param shrinkage - mean only: pseudo-count k pulling each group's mean toward `fallback`,
 *   (Σ + k · fallback) / (count + k). @defaultValue 0
 * @returns one Float64Array of M values per group.
 * @throws RangeError when sizes disagree or a row index is out of range.
 * @example
 * stage1Statistics(Float32Array.of(1, 0, 1, 1, 0, 1), Uint8Array.of(1, 1, 1, 1, 1, 1), 2, [[0, 1, 2]], 'mean'); // [[0.667, 0.667]]
 */
export function stage1Statistics(
  scores: Float32Array,
  mask: Uint8Array,
  modelCount: number,
  groups: readonly ArrayLike<number>[],
  statistic: Stage1Statistic,
  fallback?: ArrayLike<number>,
  shrinkage = 0,
): Float64Array[] {
  const m = modelCount;
  if (!(Number.isInteger(m) && m > 0) || scores.length % m !== 0 || mask.length !== scores.length) {
    throw new RangeError(
      `stage1Statistics: expected [n, ${m}] scores and mask of equal length, received ${scores.length} and ${mask.length}`,
    );
  }
  if (statistic !== 'median' && statistic !== 'mean')
    throw new RangeError(`stage1Statistics: expected 'median' or 'mean', received ${String(statistic)}`);
  if (!(shrinkage >= 0 && Number.isFinite(shrinkage)))
    throw new RangeError(`stage1Statistics: expected shrinkage ≥ 0, received ${shrinkage}`);
  const n = scores.length / m;
  let fb: ArrayLike<number>;
  if (fallback !== undefined) {
    if (fallback.length !== m)
      throw new RangeError(`stage1Statistics: expected ${m} fallback values, received ${fallback.length}`);
    fb = fallback;
  } else {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    fb = stage1Statistics(scores, mask, m, [all], statistic, new Float64Array(m))[0]!;
  }
  const scratch = new Float64Array(n);
  return groups.map((rows) => {
    const out = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let c = 0;
      for (let k = 0; k < rows.length; k++) {
        const r = rows[k]!;
        if (!(Number.isInteger(r) && r >= 0 && r < n))
          throw new RangeError(`stage1Statistics: expected row indices in [0, ${n}), received ${r}`);
        if (mask[r * m + j]) scratch[c++] = scores[r * m + j]!;
      }
      if (c === 0) {
        out[j] = fb[j]!;
      } else if (statistic === 'mean') {
        let s = 0;
        for (let k = 0; k < c; k++) s += scratch[k]!;
        out[j] = (s + shrinkage * fb[j]!) / (c + shrinkage);
      } else {
        const v = scratch.subarray(0, c).sort();
        const h = c >> 1;
        out[j] = c % 2 === 1 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
      }
    }
    return out;
  });
}

/** Inputs of {@link routedQuality}: dev prompts with their assigned task, stage-2 rows and observed scores. */
export interface RoutedQualityInput {
  /** [k, M] stage-2 predictions Q̃ of the k evaluated prompts. */
  stage2: Float32Array;
  /** [k] task position per prompt, T = Others (index into `stage1`). */
  task: ArrayLike<number>;
  /** [k, M] observed scores. */
  scores: Float32Array;
  /** [k, M] 1 where observed; only observed models are considered for a prompt. */
  mask: Uint8Array;
  /** Q̄ per task position (T + 1 rows, the last for Others), M values each. */
  stage1: readonly ArrayLike<number>[];
  /** Cost per model (NaN unknown), used only to break ties as the router does. */
  costs: ArrayLike<number>;
  /** Optional [k, M] local prior of the evaluated prompts (./local-prior.ts). */
  local?: Float32Array;
}

/** Local-prior shares ω tried on dev when a local prior is present (0 = Eq. 5 as in the paper). */
export const LOCAL_WEIGHT_GRID: readonly number[] = Object.freeze([0, 0.25, 0.5, 0.75, 1]);

/**
 * Mean observed score of the model Eq. 5 (weight α) and Eq. 6 (τ = 0) pick per prompt, through the router's
 * `aggregateAndSelect`. Prompts with no observed score are skipped (they carry no quality signal).
 *
 * @param input - see {@link RoutedQualityInput}.
 * @param alpha - Eq. 5 weight in [0, 1].
 * @param localWeight - ω, the local prior's share of the prior (needs `input.local`). @defaultValue 0
 * @returns mean quality of the picks (NaN when no prompt has an observed score).
 * @throws RangeError when sizes disagree or α is outside [0, 1].
 * @example
 * routedQuality({ stage2, task, scores, mask, stage1, costs }, 0.5);
 */
export function routedQuality(input: RoutedQualityInput, alpha: number, localWeight = 0): number {
  const m = input.costs.length;
  const k = input.task.length;
  if (input.stage2.length !== k * m || input.scores.length !== k * m || input.mask.length !== k * m) {
    throw new RangeError(
      `routedQuality: expected [${k}, ${m}] stage2, scores and mask, received ${input.stage2.length}, ${input.scores.length}, ${input.mask.length}`,
    );
  }
  if (input.local !== undefined && input.local.length !== k * m)
    throw new RangeError(`routedQuality: expected [${k}, ${m}] local prior, received ${input.local.length}`);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < k; i++) {
    const rowMask = input.mask.subarray(i * m, (i + 1) * m);
    let any = false;
    for (let j = 0; j < m; j++) if (rowMask[j]) any = true;
    if (!any) continue;
    const t = input.task[i]!;
    const s1 = input.stage1[t];
    if (!s1 || s1.length !== m)
      throw new RangeError(`routedQuality: expected stage-1 row for task position ${t} with ${m} values`);
    const local = input.local?.subarray(i * m, (i + 1) * m);
    const pick = aggregateAndSelect(
      s1,
      input.stage2.subarray(i * m, (i + 1) * m),
      input.costs,
      rowMask,
      alpha,
      0,
      local,
      local ? localWeight : 0,
    ).selected;
    sum += input.scores[i * m + pick]!;
    count += 1;
  }
  return count > 0 ? sum / count : Number.NaN;
}

/** Result of {@link selectAggregation}. */
export interface AggregationChoice {
  alpha: number;
  /** Local-prior share ω (0 without a local prior). */
  localWeight: number;
  /** Key of the chosen input (a stage-1 variant such as 'median', 'mean', 'mean+30'). */
  statistic: string;
  /** Dev quality at the choice. */
  quality: number;
  /** Dev quality per statistic tried (key `statistic` at ω = 0, `statistic@ω` otherwise), one per `alphas` entry. */
  grid: Record<string, number[]>;
  alphas: number[];
}

/**
 * Picks α (from `alphas`), ω (from `localWeights`, when the inputs carry a local prior) and the stage-1 variant
 * (a key of `inputs`) with the highest routed quality. Ties prefer larger ω (the smoother prior), then α nearer
 * 0.5, then earlier keys of `inputs`.
 *
 * @param inputs - one {@link RoutedQualityInput} per statistic (same prompts, different `stage1`).
 * @param alphas - α values to try, each in [0, 1]. @defaultValue ALPHA_GRID
 * @param localWeights - ω values to try when `local` is present. @defaultValue LOCAL_WEIGHT_GRID
 * @returns the choice and the whole grid.
 * @throws RangeError when no input is given or α is outside [0, 1].
 * @example
 * selectAggregation({ median: inputMedian, mean: inputMean }).alpha;
 */
export function selectAggregation(
  inputs: Readonly<Record<string, RoutedQualityInput | undefined>>,
  alphas: readonly number[] = ALPHA_GRID,
  localWeights: readonly number[] = LOCAL_WEIGHT_GRID,
): AggregationChoice {
  const stats = Object.keys(inputs).filter((s) => inputs[s] !== undefined);
  if (stats.length === 0 || alphas.length === 0)
    throw new RangeError('selectAggregation: expected at least one statistic and one α');
  const grid: Record<string, number[]> = {};
  let best: AggregationChoice | null = null;
  for (const s of stats) {
    const omegas = inputs[s]!.local !== undefined && localWeights.length > 0 ? localWeights : [0];
    for (const w of omegas) {
      const row = alphas.map((a) => routedQuality(inputs[s]!, a, w));
      grid[w === 0 ? s : `${s}@${w}`] = row;
      for (let i = 0; i < alphas.length; i++) {
        const q = row[i]!;
        const a = alphas[i]!;
        if (Number.isNaN(q)) continue;
        const tie = best !== null && Math.abs(q - best.quality) <= 1e-12;
        const better =
          best === null ||
          q > best.quality + 1e-12 ||
          (tie &&
            (w > best.localWeight + 1e-12 ||
              (Math.abs(w - best.localWeight) <= 1e-12 && Math.abs(a - 0.5) < Math.abs(best.alpha - 0.5) - 1e-12)));
        if (better) best = { alpha: a, localWeight: w, statistic: s, quality: q, grid, alphas: [...alphas] };
      }
    }
  }
  if (best === null)
    return { alpha: 0.5, localWeight: 0, statistic: stats[0]!, quality: Number.NaN, grid, alphas: [...alphas] };
  return best;
}
