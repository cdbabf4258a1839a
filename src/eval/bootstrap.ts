/**
 * Paired bootstrap over prompts (Efron & Tibshirani 1993, ch. 13 percentile intervals; Koehn 2004's paired
 * bootstrap for comparing two systems on the same test items) and the cross-validation summary built on it.
 *
 * Every resample draws N prompt indices with replacement (seeded mulberry32) and recomputes every statistic of
 * the summary on that same draw: mean quality of each method, each single model, the train-fold best single
 * model and the oracle; mean cost where costs exist; the zero router at a method's cost; RouteLLM's APGR and
 * CPT on two-model data. Differences and ratios are taken within a draw (paired), and the 95% interval is the
 * 2.5th–97.5th percentile over the draws. A difference is marked significant when its interval excludes 0.
 *
 * Deviations/choices: (1) the best single model is the one with the highest mean on each training fold (never
 * chosen on test prompts), so its pooled outcome may mix models across folds; (2) quality means skip prompts
 * where the chosen model is unscored (only single models can hit those; routers choose among scored models);
 * (3) intervals come from one pooled CV run, so they reflect prompt sampling, not fold-to-fold training
 * variance (Bengio & Grandvalet 2004: no unbiased estimator of the latter exists).
 */
import { mulberry32 } from '../random.js';
import {
  aiq,
  evaluateSelection,
  nonDecreasingHull,
  hullQualityAt,
  selectByScores,
  type CostQuality,
  type CurvePoint,
} from './metrics.js';
import { costToReach, pgrCurve, strongOrder, type PgrResult } from './costs.js';
import { subTable, type CrossValResult, type MethodOutcome } from './crossval.js';

/** A point estimate with its 95% percentile interval. */
export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

/** A paired difference with its interval and whether the interval excludes zero. */
export interface Difference extends Interval {
  significant: boolean;
}

/** Options of {@link summarizeCrossVal}. */
export interface SummaryOptions {
  /** Bootstrap resamples. @defaultValue 2000 */
  resamples?: number;
  /** Bootstrap seed. @defaultValue 0 */
  seed?: number;
  /** Name of the method every other is compared with (besides the best single model). @defaultValue 'finerouter' */
  reference?: string;
  /** τ steps of the cost–quality curves. @defaultValue 50 */
  curveSteps?: number;
  /** Interval level. @defaultValue 0.95 */
  level?: number;
}

/** One row of the summary. */
export interface SummaryRow {
  name: string;
  kind: 'single' | 'best-single' | 'oracle' | 'router' | 'reference' | 'baseline';
  quality: Interval;
  /** Mean over sources of the per-source means. */
  macroQuality: number;
  prompts: number;
  /** Prompts whose chosen model had a score (the quality denominator). */
  scored: number;
  vsBestSingle: Difference | null;
  vsReference: Difference | null;
  /** (quality − best single) / (oracle − best single), paired. */
  headroom: Interval | null;
  cost: Interval | null;
  /** quality − zero-router quality at this row's mean cost (paired; null without costs or below the cheapest model). */
  vsZeroRouter: Difference | null;
  /** τ sweep, AIQ, cheapest curve cost reaching the best single model's quality (point estimates). */
  curve?: CurvePoint[];
  aiq?: number;
  costToMatchBestSingle?: number | null;
  costRatioToMatchBestSingle?: number | null;
  /** Two-model pools: RouteLLM figures with intervals (CPT as a share of strong-model calls). */
  apgr?: Interval;
  cpt50?: Interval | null;
  cpt80?: Interval | null;
  /** Share of prompts routed to each model at τ = 0. */
  distribution: Record<string, number>;
  /**
   * Method rows other than the reference: share of prompts where this method chose the same model as the
   * reference at τ = 0 (identical routing decisions), with its interval from the same paired draws.
   */
  agreement?: Interval;
  fitMs?: number;
}

/** The cross-validation summary (schema `finerouter/crossval-report` v1 with the run facts added by the CLI). */
export interface CrossValSummary {
  prompts: number;
  models: string[];
  folds: number;
  seed: number;
  resamples: number;
  bootstrapSeed: number;
  level: number;
  reference: string | null;
  bestSingleByFold: string[];
  costAvailable: boolean;
  /** Zero router: hull of the single models (pooled means), and its AIQ. */
  zeroRouter: { hull: CostQuality[]; aiq: number | null } | null;
  aiqRange: { costMin: number; costMax: number } | null;
  twoModel: { strong: string; weak: string } | null;
  rows: SummaryRow[];
  strata: Record<string, number[]>;
  failures: CrossValResult['failures'];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const x = p * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
}

function interval(value: number, draws: Float64Array, level: number): Interval {
  const finite = draws.filter((v) => Number.isFinite(v)).sort();
  return { value, lo: percentile(finite, (1 - level) / 2), hi: percentile(finite, 1 - (1 - level) / 2) };
}

function difference(value: number, draws: Float64Array, level: number): Difference {
  const i = interval(value, draws, level);
  return { ...i, significant: i.lo > 0 || i.hi < 0 };
}

/** One resampled outcome: per-prompt quality and, where known, cost. */
interface Column {
  q: Float64Array;
  c: Float64Array | null;
}

/** Mean quality over the prompts with a score, each weighted by its count in the draw `w` (1 without a draw). */
function meanQuality(col: Column, w?: Int32Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < col.q.length; i++) {
    const v = col.q[i]!;
    if (Number.isNaN(v)) continue;
    const k = w ? w[i]! : 1;
    s += k * v;
    n += k;
  }
  return n > 0 ? s / n : Number.NaN;
}

/** Mean cost under the same weights; NaN when any prompt's cost is unknown or costs are unavailable. */
function meanCost(col: Column, costAvailable: boolean, w?: Int32Array): number {
  if (!col.c || !costAvailable) return Number.NaN;
  let s = 0;
  let n = 0;
  for (let i = 0; i < col.c.length; i++) {
    const v = col.c[i]!;
    if (Number.isNaN(v)) return Number.NaN;
    const k = w ? w[i]! : 1;
    s += k * v;
    n += k;
  }
  return n > 0 ? s / n : Number.NaN;
}

/** The best scored model per prompt (ties → cheaper), its quality and cost. */
function oracleColumn(table: CrossValResult['table'], M: number): Column {
  const N = table.ids.length;
  const q = new Float64Array(N);
  const c = table.cost ? new Float64Array(N) : null;
  for (let i = 0; i < N; i++) {
    let best = -1;
    for (let j = 0; j < M; j++) {
      const v = table.quality[i * M + j]!;
      if (Number.isNaN(v)) continue;
      const cj = table.cost ? table.cost[i * M + j]! : 0;
      const bc = best >= 0 && table.cost ? table.cost[i * M + best]! : 0;
      if (best < 0 || v > table.quality[i * M + best]! || (v === table.quality[i * M + best]! && cj < bc)) best = j;
    }
    q[i] = table.quality[i * M + best]!;
    if (c) c[i] = table.cost![i * M + best]!;
  }
  return { q, c };
}

/** Two-model pools: the prompts scored for both models and each method's strong-first order over them. */
interface PgrInputs {
  strong: Float64Array;
  weak: Float64Array;
  rows: Int32Array;
  orders: Int32Array[];
}

/** Strong = the model with the higher pooled mean; null unless the pool has exactly two models. */
function twoModelInputs(
  cv: CrossValResult,
  singles: readonly Column[],
  seed: number,
): { twoModel: { strong: string; weak: string }; inputs: PgrInputs } | null {
  const { table, models } = cv;
  const M = models.length;
  if (M !== 2) return null;
  const s = meanQuality(singles[1]!) > meanQuality(singles[0]!) ? 1 : 0;
  const w = 1 - s;
  const rows: number[] = [];
  for (let i = 0; i < table.ids.length; i++)
    if (!Number.isNaN(table.quality[i * M + s]!) && !Number.isNaN(table.quality[i * M + w]!)) rows.push(i);
  const r = Int32Array.from(rows);
  const folds = Int32Array.from(r, (i) => cv.foldOf[i]!);
  const orders = cv.methods.map((m) =>
    strongOrder(
      Float64Array.from(r, (i) => m.expected[i * M + s]! - m.expected[i * M + w]!),
      folds,
      seed,
    ),
  );
  return {
    twoModel: { strong: models[s]!, weak: models[w]! },
    inputs: {
      strong: Float64Array.from(r, (i) => table.quality[i * M + s]!),
      weak: Float64Array.from(r, (i) => table.quality[i * M + w]!),
      rows: r,
      orders,
    },
  };
}

/** Every statistic recomputed on each of R paired resamples of the prompts. */
interface Draws {
  q: Float64Array[];
  c: Float64Array[];
  /** Zero-router quality at each method's resampled cost, and at the best single model's. */
  zero: Float64Array[];
  zeroBest: Float64Array;
  pgr: { apgr: Float64Array; cpt50: Float64Array; cpt80: Float64Array }[] | null;
}

/** Column indices of the resampled columns (see {@link summarizeCrossVal}). */
interface Layout {
  singleCol: number[];
  bestCol: number;
  oracleCol: number;
  methodCol: number[];
  /** Per method: the column of its identical-choice indicator against the reference (−1: none). */
  agreeCol: number[];
}

const singlePoints = (layout: Layout, cs: ArrayLike<number>, qs: ArrayLike<number>): CostQuality[] =>
  layout.singleCol.map((c) => ({ cost: cs[c]!, quality: qs[c]! }));

const zeroAt = (hull: CostQuality[] | null, cost: number): number => {
  if (!hull || !Number.isFinite(cost)) return Number.NaN;
  return hullQualityAt(hull, cost) ?? Number.NaN;
};

function resample(
  columns: readonly Column[],
  layout: Layout,
  methods: number,
  costAvailable: boolean,
  pgr: PgrInputs | null,
  R: number,
  seed: number,
): Draws {
  const C = columns.length;
  const N = columns[0]!.q.length;
  const draws: Draws = {
    q: Array.from({ length: C }, () => new Float64Array(R)),
    c: Array.from({ length: C }, () => new Float64Array(R)),
    zero: Array.from({ length: methods }, () => new Float64Array(R)),
    zeroBest: new Float64Array(R),
    pgr: pgr
      ? Array.from({ length: methods }, () => ({
          apgr: new Float64Array(R),
          cpt50: new Float64Array(R),
          cpt80: new Float64Array(R),
        }))
      : null,
  };
  const rand = mulberry32(seed);
  const w = new Int32Array(N);
  const pgrW = pgr ? new Int32Array(pgr.rows.length) : null;
  for (let r = 0; r < R; r++) {
    w.fill(0);
    for (let k = 0; k < N; k++) w[Math.floor(rand() * N)]!++;
    for (let c = 0; c < C; c++) {
      draws.q[c]![r] = meanQuality(columns[c]!, w);
      draws.c[c]![r] = meanCost(columns[c]!, costAvailable, w);
    }
    if (costAvailable) {
      const hull = nonDecreasingHull(
        singlePoints(
          layout,
          Array.from(draws.c, (d) => d[r]!),
          Array.from(draws.q, (d) => d[r]!),
        ),
      );
      for (let k = 0; k < methods; k++) draws.zero[k]![r] = zeroAt(hull, draws.c[layout.methodCol[k]!]![r]!);
      draws.zeroBest[r] = zeroAt(hull, draws.c[layout.bestCol]![r]!);
    }
    if (pgr && pgrW && draws.pgr) {
      for (let k = 0; k < pgr.rows.length; k++) pgrW[k] = w[pgr.rows[k]!]!;
      pgr.orders.forEach((o, k) => {
        const res = pgrCurve(pgr.strong, pgr.weak, o, pgrW);
        draws.pgr![k]!.apgr[r] = res.apgr;
        draws.pgr![k]!.cpt50[r] = res.cpt50 ?? Number.NaN;
        draws.pgr![k]!.cpt80[r] = res.cpt80 ?? Number.NaN;
      });
    }
  }
  return draws;
}

/** What every row of the summary is computed from. */
interface RowContext {
  /** Prompts in the run. */
  N: number;
  sources: readonly string[];
  pq: number[];
  pc: number[];
  draws: Draws;
  layout: Layout;
  refCol: number;
  level: number;
  costAvailable: boolean;
  R: number;
}

/** Prompts with a score and the mean over sources of the per-source means. */
function sourceMacro(quality: Float64Array, sources: readonly string[]): { scored: number; macro: number } {
  let scored = 0;
  const bySource = new Map<string, { s: number; n: number }>();
  for (let i = 0; i < quality.length; i++) {
    const v = quality[i]!;
    if (Number.isNaN(v)) continue;
    scored++;
    const a = bySource.get(sources[i]!) ?? { s: 0, n: 0 };
    a.s += v;
    a.n++;
    bySource.set(sources[i]!, a);
  }
  let macro = 0;
  for (const a of bySource.values()) macro += a.s / a.n;
  return { scored, macro: bySource.size > 0 ? macro / bySource.size : Number.NaN };
}

/** A row's quality, paired differences to the best single model and the reference, headroom and cost. */
function baseRow(
  x: RowContext,
  name: string,
  kind: SummaryRow['kind'],
  col: number,
  quality: Float64Array,
): SummaryRow {
  const { pq, pc, draws, level, R } = x;
  const { bestCol, oracleCol } = x.layout;
  const diffDraws = (a: number, b: number): Float64Array =>
    Float64Array.from({ length: R }, (_, r) => draws.q[a]![r]! - draws.q[b]![r]!);
  const headroomDraws = (a: number): Float64Array =>
    Float64Array.from({ length: R }, (_, r) => {
      const gap = draws.q[oracleCol]![r]! - draws.q[bestCol]![r]!;
      return gap > 0 ? (draws.q[a]![r]! - draws.q[bestCol]![r]!) / gap : Number.NaN;
    });
  const { scored, macro } = sourceMacro(quality, x.sources);
  const gap = pq[oracleCol]! - pq[bestCol]!;
  return {
    name,
    kind,
    quality: interval(pq[col]!, draws.q[col]!, level),
    macroQuality: macro,
    prompts: x.N,
    scored,
    vsBestSingle: col === bestCol ? null : difference(pq[col]! - pq[bestCol]!, diffDraws(col, bestCol), level),
    vsReference:
      x.refCol < 0 || col === x.refCol ? null : difference(pq[col]! - pq[x.refCol]!, diffDraws(col, x.refCol), level),
    headroom: gap > 0 ? interval((pq[col]! - pq[bestCol]!) / gap, headroomDraws(col), level) : null,
    cost: x.costAvailable ? interval(pc[col]!, draws.c[col]!, level) : null,
    vsZeroRouter: null,
    distribution: {},
  };
}

/** The best single row: the share of folds each model was chosen in, and its distance to the zero router. */
function bestSingleRow(x: RowContext, cv: CrossValResult, zeroHull: CostQuality[] | null): SummaryRow {
  const { bestCol } = x.layout;
  const row = baseRow(x, 'best single (train folds)', 'best-single', bestCol, cv.bestSingle.quality);
  row.distribution = Object.fromEntries(
    cv.models
      .map((m) => [m, cv.bestSingle.names.filter((n) => n === m).length / cv.folds])
      .filter(([, v]) => (v as number) > 0),
  );
  if (x.costAvailable) {
    const z = zeroAt(zeroHull, x.pc[bestCol]!);
    row.vsZeroRouter = difference(
      x.pq[bestCol]! - z,
      Float64Array.from({ length: x.R }, (_, r) => x.draws.q[bestCol]![r]! - x.draws.zeroBest[r]!),
      x.level,
    );
  }
  return row;
}

/** A method's row: the base figures plus zero router, τ curve, AIQ, cost to match and APGR/CPT where they apply. */
function methodRow(
  x: RowContext,
  cv: CrossValResult,
  k: number,
  zeroHull: CostQuality[] | null,
  costRange: { costMin: number; costMax: number } | null,
  pgrPoint: PgrResult[] | null,
  steps: number,
): SummaryRow {
  const m = cv.methods[k]!;
  const col = x.layout.methodCol[k]!;
  const { bestCol } = x.layout;
  const { pq, pc, draws, level, R } = x;
  const row = baseRow(x, m.name, m.kind, col, m.quality);
  row.distribution = distributionOf(m, cv.models);
  const agree = x.layout.agreeCol[k]!;
  if (agree >= 0) row.agreement = interval(pq[agree]!, draws.q[agree]!, level);
  if (m.fitMs.length > 0) row.fitMs = m.fitMs.reduce((a, b) => a + b, 0);
  if (x.costAvailable) {
    const z = zeroAt(zeroHull, pc[col]!);
    if (Number.isFinite(z))
      row.vsZeroRouter = difference(
        pq[col]! - z,
        Float64Array.from({ length: R }, (_, r) => draws.q[col]![r]! - draws.zero[k]![r]!),
        level,
      );
    if (m.kind !== 'reference' || m.name === 'oracle') {
      const curve = sweep(cv, m, steps);
      row.curve = curve;
      if (costRange && costRange.costMax > costRange.costMin)
        row.aiq = aiq(curve, costRange.costMin, costRange.costMax);
      const match = costToReach(curve, pq[bestCol]!);
      row.costToMatchBestSingle = match;
      row.costRatioToMatchBestSingle = match !== null && pc[bestCol]! > 0 ? match / pc[bestCol]! : null;
    }
  }
  if (pgrPoint && draws.pgr) {
    const p = pgrPoint[k]!;
    row.apgr = interval(p.apgr, draws.pgr[k]!.apgr, level);
    row.cpt50 = p.cpt50 === null ? null : interval(p.cpt50, draws.pgr[k]!.cpt50, level);
    row.cpt80 = p.cpt80 === null ? null : interval(p.cpt80, draws.pgr[k]!.cpt80, level);
  }
  return row;
}

/**
 * Summarizes a cross-validation run: pooled means, paired-bootstrap intervals of every difference, headroom,
 * zero router, curves and AIQ, APGR/CPT on two-model pools. See the file header.
 * @param cv - result of `crossValidate`
 * @param options - {@link SummaryOptions}
 * @returns the {@link CrossValSummary}
 * @throws RangeError on resamples < 1 or a level outside (0, 1)
 * @example const summary = summarizeCrossVal(await crossValidate({ ... }), { resamples: 2000 });
 */
export function summarizeCrossVal(cv: CrossValResult, options: SummaryOptions = {}): CrossValSummary {
  const R = options.resamples ?? 2000;
  const bseed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  const steps = options.curveSteps ?? 50;
  if (!(Number.isInteger(R) && R >= 1))
    throw new RangeError(`summarizeCrossVal: expected an integer number of resamples ≥ 1, received ${R}`);
  if (!(level > 0 && level < 1))
    throw new RangeError(`summarizeCrossVal: expected a level in (0, 1), received ${level}`);
  const { table, models } = cv;
  const refName = options.reference ?? 'finerouter';
  const ref = cv.methods.find((m) => m.name === refName) ?? null;
  // 1 where a method chose the reference's model, else 0: resampled with the rest, so its interval is paired.
  const sameChoice = (m: CrossValResult['methods'][number]): Column => ({
    q: Float64Array.from(m.choice, (c, i) => (c === ref!.choice[i] ? 1 : 0)),
    c: null,
  });

  // Columns resampled together (quality, cost): single models, best single, oracle, methods.
  const columns: Column[] = [];
  const add = (col: Column): number => columns.push(col) - 1;
  const layout: Layout = {
    singleCol: cv.singles.quality.map((q, j) => add({ q, c: cv.singles.cost[j] ?? null })),
    bestCol: add({ q: cv.bestSingle.quality, c: cv.bestSingle.cost }),
    oracleCol: add(oracleColumn(table, models.length)),
    methodCol: cv.methods.map((m) => add({ q: m.quality, c: m.cost })),
    agreeCol: [],
  };
  layout.agreeCol = cv.methods.map((m) => (ref && m !== ref ? add(sameChoice(m)) : -1));
  const costAvailable =
    table.cost !== null && cv.singles.cost.every((c) => c !== null && c.every((v) => !Number.isNaN(v)));
  const two = twoModelInputs(
    cv,
    layout.singleCol.map((c) => columns[c]!),
    bseed,
  );

  // Point estimates, then the paired resamples.
  const pq = columns.map((col) => meanQuality(col));
  const pc = columns.map((col) => meanCost(col, costAvailable));
  const zeroHull = costAvailable ? nonDecreasingHull(singlePoints(layout, pc, pq)) : null;
  const pgrPoint = two ? two.inputs.orders.map((o) => pgrCurve(two.inputs.strong, two.inputs.weak, o)) : null;
  const draws = resample(columns, layout, cv.methods.length, costAvailable, two?.inputs ?? null, R, bseed);
  const costRange = costAvailable
    ? {
        costMin: Math.min(...layout.singleCol.map((c) => pc[c]!)),
        costMax: Math.max(...layout.singleCol.map((c) => pc[c]!)),
      }
    : null;

  const x: RowContext = {
    N: table.ids.length,
    sources: table.sources,
    pq,
    pc,
    draws,
    layout,
    refCol: ref ? layout.methodCol[cv.methods.indexOf(ref)]! : -1,
    level,
    costAvailable,
    R,
  };
  const rows: SummaryRow[] = layout.singleCol.map((col, j) => {
    const row = baseRow(x, `model:${models[j]}`, 'single', col, columns[col]!.q);
    row.distribution = { [models[j]!]: 1 };
    return row;
  });
  rows.sort((a, b) => b.quality.value - a.quality.value);
  rows.unshift(bestSingleRow(x, cv, zeroHull));
  cv.methods.forEach((_, k) => rows.push(methodRow(x, cv, k, zeroHull, costRange, pgrPoint, steps)));
  rows.push(baseRow(x, 'oracle', 'oracle', layout.oracleCol, columns[layout.oracleCol]!.q));

  return {
    prompts: table.ids.length,
    models: [...models],
    folds: cv.folds,
    seed: cv.seed,
    resamples: R,
    bootstrapSeed: bseed,
    level,
    reference: ref ? refName : null,
    bestSingleByFold: [...cv.bestSingle.names],
    costAvailable,
    zeroRouter:
      zeroHull && costRange
        ? {
            hull: zeroHull,
            aiq: costRange.costMax > costRange.costMin ? aiq(zeroHull, costRange.costMin, costRange.costMax) : null,
          }
        : null,
    aiqRange: costRange,
    twoModel: two ? two.twoModel : null,
    rows,
    strata: cv.strata,
    failures: cv.failures,
  };
}

function distributionOf(m: MethodOutcome, models: readonly string[]): Record<string, number> {
  const counts = new Float64Array(models.length);
  for (let i = 0; i < m.choice.length; i++) counts[m.choice[i]!]!++;
  const out: Record<string, number> = {};
  models.forEach((id, j) => {
    if (counts[j]! > 0) out[id] = counts[j]! / m.choice.length;
  });
  return out;
}

/** Pooled τ sweep: each fold selects with its own training-fold costs; quality and cost pooled over folds. */
function sweep(cv: CrossValResult, m: MethodOutcome, steps: number): CurvePoint[] {
  const { table } = cv;
  const M = cv.models.length;
  const foldTests: number[][] = Array.from({ length: cv.folds }, () => []);
  for (let i = 0; i < cv.foldOf.length; i++) foldTests[cv.foldOf[i]!]!.push(i);
  const subs = foldTests.map((rows) => subTable(table, rows));
  const preds = foldTests.map((rows) => {
    const out = new Float64Array(rows.length * M);
    rows.forEach((r, k) => out.set(m.scores.subarray(r * M, (r + 1) * M), k * M));
    return out;
  });
  const out: CurvePoint[] = [];
  for (let s = 0; s <= steps; s++) {
    const tolerance = s / steps;
    let q = 0;
    let qn = 0;
    let c = 0;
    let cn = 0;
    let unknown = false;
    for (let f = 0; f < cv.folds; f++) {
      const sel = selectByScores(subs[f]!, preds[f]!, { tolerance, modelCost: cv.foldModelCost[f]! });
      const r = evaluateSelection(subs[f]!, sel.choice);
      q += r.quality * r.scored;
      qn += r.scored;
      if (r.cost === null) unknown = true;
      else {
        c += r.cost * r.prompts;
        cn += r.prompts;
      }
    }
    if (!unknown && qn > 0 && cn > 0) out.push({ tolerance, quality: q / qn, cost: c / cn });
  }
  return out;
}
