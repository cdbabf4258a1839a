/**
 * The evaluation harness: every method of the paper's comparison (FineRouter arXiv 2603.19415, Tables 1–2,
 * Fig. 2) trained on the same training split and the same frozen prompt embeddings, scored on the same
 * prompts with the same selection rule, and summarized in one report (schema `finerouter/eval-report` v1).
 *
 * Pure: the caller passes records, embeddings and (optionally) the trained artifacts' manifest plus a callback
 * that runs the artifact heads; `finerouter eval` (src/cli/commands/eval.ts) wires the Node pieces.
 */
import { throwIfAborted } from '../errors.js';
import type { RoutingRecord } from '../data/types.js';
import type { Manifest } from '../router/manifest.js';
import type { RecordSplit } from './split.js';
import { buildEvalTable, meanModelCost, type DataIssues, type EvalTable } from './table.js';
import {
  aiq,
  costQualityCurve,
  evaluateSelection,
  expectedCalibrationError,
  headroomCaptured,
  macroF1,
  selectByScores,
  type Calibration,
  type CurvePoint,
  type RoutingSelection,
} from './metrics.js';
import {
  fitKnnBaseline,
  fitMlpBaseline,
  oracleScores,
  randomScores,
  singleModelScores,
  type MlpOptions,
} from './baselines.js';
import {
  fineRouterSelect,
  gatherRows,
  medianCenters,
  nearestCenter,
  stage1Scores,
  type ArtifactHeads,
} from './twostage.js';

/** The trained FineRouter artifacts, as the harness needs them. */
export interface TwoStageInput {
  manifest: Manifest;
  /** Runs both heads on N×D embeddings (e.g. `runArtifactHeads` bound to a runtime). */
  heads: (embeddings: Float32Array) => Promise<ArtifactHeads>;
  /**
   * Task centers in manifest task order (T × D), e.g. from `alignDiscovery`. When absent, centers are the
   * median of the training prompts the classifier assigns to each task.
   */
  centers?: Float32Array;
  /** Discovery labels of the training records (manifest task position, −1 = Others), by record index. */
  trainLabels?: ReadonlyMap<number, number>;
  /**
   * Optional cross-check: the model ids `FineRouter.routeEmbeddings` picks at τ = 0 with every model allowed,
   * compared with the harness's own unmasked choices.
   */
  routeCheck?: (embeddings: Float32Array) => Promise<readonly string[]>;
}

/** Options of {@link evaluateRouters}. */
export interface EvaluateOptions {
  records: readonly RoutingRecord[];
  /** records.length × dimension prompt embeddings (row i = record i), L2-normalized. */
  embeddings: Float32Array;
  dimension: number;
  split: RecordSplit;
  /** Which split to evaluate: 'test', 'dev' or an extra split name. @defaultValue 'test' */
  evaluate?: string;
  /** Also evaluate these extra splits (e.g. ['ood']) and report them separately. @defaultValue every extra split */
  alsoEvaluate?: readonly string[];
  /** USD per query per model where records have no per-prompt costs (a price proxy). */
  modelCosts?: Readonly<Record<string, number>>;
  /** How costs were obtained, for the report. @defaultValue derived from the data */
  costNote?: string;
  /** Seed of the random baseline and the MLP. @defaultValue 0 */
  seed?: number;
  /** Tolerance steps of the cost–quality curves. @defaultValue 50 */
  curveSteps?: number;
  /** Eq. 5 α for the FineRouter rows. @defaultValue manifest.defaults.alpha */
  alpha?: number;
  /** kNN k candidates. */
  kCandidates?: readonly number[];
  mlp?: MlpOptions;
  twoStage?: TwoStageInput;
  /** Dataset name for the report. */
  dataset?: string;
  onProgress?: (stage: string) => void;
  signal?: AbortSignal;
}

/** One method's row of the report. */
export interface MethodReport {
  /** `finerouter`, `oracle`, `random`, `knn`, `mlp`, `stage1-embedding`, `stage1-cls`, `stage2-only`, `general-only`, `model:<id>`. */
  name: string;
  kind: 'single' | 'oracle' | 'random' | 'router';
  quality: number;
  macroQuality: number;
  perSource: Record<string, number>;
  cost: number | null;
  prompts: number;
  scored: number;
  unscored: number;
  maskedChoices: number;
  unknownCost: number;
  distribution: Record<string, number>;
  headroom: number | null;
  /** τ sweep (routers with scores, when costs exist). */
  curve?: CurvePoint[];
  aiq?: number;
  /** Best curve quality at a cost ≤ the best single model's cost. */
  qualityAtBestSingleCost?: number | null;
  /** Cheapest curve cost whose quality ≥ the best single model's quality; null when never reached. */
  costToMatchBestSingle?: number | null;
  /** costToMatchBestSingle / best single model's cost. */
  costRatioToMatchBestSingle?: number | null;
}

/** Results of the methods on one split. */
export interface SplitReport {
  split: string;
  prompts: number;
  sources: string[];
  issues: DataIssues;
  bestSingle: { name: string; quality: number; cost: number | null };
  oracleQuality: number;
  methods: MethodReport[];
}

/** The whole report (schema `finerouter/eval-report`, version 1). */
export interface EvalReport extends SplitReport {
  schema: 'finerouter/eval-report';
  version: 1;
  dataset: string | null;
  seed: number;
  models: string[];
  splitInfo: {
    scheme: 'field' | 'hash';
    description: string;
    train: number;
    dev: number;
    test: number;
    extra: Record<string, number>;
    unlabelled: number;
  };
  trainIssues: DataIssues;
  cost: { available: boolean; note: string; modelCost: Record<string, number | null> };
  aiqRange: { costMin: number; costMax: number } | null;
  knn: { k: number; devQuality: Record<string, number> };
  mlp: { epochs: number; bestEpoch: number; skipped: number; tiedLabels: number; devQuality: number };
  fineRouter: null | {
    tasks: number;
    alpha: number;
    threshold: number;
    /** Share of evaluated prompts assigned to a task (not Others). */
    coverage: number;
    /** Classifier vs discovery labels on the training prompts (in-sample), when labels were given. */
    trainMacroF1: number | null;
    trainAgreement: number | null;
    centers: 'discovery' | 'classifier';
    calibration: { stage2: Calibration; general: Calibration };
    /** Harness τ=0 unmasked choice vs FineRouter.routeEmbeddings, when checked. */
    routeCheck: { checked: number; agreed: number } | null;
    /** Mean quality of evaluated prompts with a task vs in Others (paper Appendix C). */
    qualityWithTask: number | null;
    qualityOthers: number | null;
  };
  extraSplits: SplitReport[];
  timings: Record<string, number>;
}

interface Scorer {
  name: string;
  kind: MethodReport['kind'];
  /** Scores on the table's rows; null for a method expressed only as a selection. */
  scores: Float64Array | null;
  /** Selection at τ (the default selection rule over `scores` when absent). */
  select?: (tolerance: number) => RoutingSelection;
  curve: boolean;
}

const ROUTER_ORDER = [
  'random',
  'knn',
  'mlp',
  'stage1-embedding',
  'stage1-cls',
  'stage2-only',
  'general-only',
  'finerouter',
  'oracle',
];

function rowsOf(split: RecordSplit, name: string): Int32Array {
  if (name === 'train' || name === 'dev' || name === 'test') return split[name];
  const r = split.extra[name];
  if (!r)
    throw new RangeError(
      `evaluateRouters: expected a split among train, dev, test${Object.keys(split.extra)
        .map((k) => `, ${k}`)
        .join('')}, received '${name}'`,
    );
  return r;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * Trains every baseline on the train split, scores every method on the evaluated split(s), and returns the
 * report. See docs/EVALUATION.md for the policies (splits, missing scores, costs, metrics).
 *
 * The steps (each a function below): {@link evaluationContext} (checks, the model pool, train and dev tables) →
 * {@link fitBaselines} (kNN and MLP baselines) → {@link prepareTwoStage} (the artifact heads on the training
 * prompts: task centers, in-sample macro-F1) → {@link evaluateSplit} per split (every method's scores or
 * selection → {@link methodReports}) → {@link assembleReport}. Between steps it yields to the event loop and
 * checks `signal`, so an abort fired from a timer stops it at the next step.
 *
 * @param options - {@link EvaluateOptions}
 * @returns the {@link EvalReport}
 * @throws TypeError on mismatched embeddings or a manifest whose models are not in the data;
 *   RangeError on an empty train/eval split or an unknown split name; FineRouterError ABORTED
 * @example
 * const report = await evaluateRouters({ records, embeddings, dimension: 384, split: splitRecords(records) });
 */
export async function evaluateRouters(options: EvaluateOptions): Promise<EvalReport> {
  const ctx = evaluationContext(options);
  const baselines = await fitBaselines(ctx);
  const twoStage = await prepareTwoStage(ctx);
  const t0 = now();
  const main = await evaluateSplit(ctx, baselines, twoStage, ctx.evalName, true);
  ctx.timings.evaluateMs = now() - t0;
  const extras: SplitReport[] = [];
  const extraNames = options.alsoEvaluate ?? Object.keys(ctx.split.extra).filter((k) => k !== ctx.evalName);
  for (const name of extraNames) extras.push((await evaluateSplit(ctx, baselines, twoStage, name, false)).report);
  return assembleReport(ctx, baselines, main, extras);
}

/** What every evaluation step reads: the checked options, the model pool, the train and dev tables. */
interface EvaluationContext {
  options: EvaluateOptions;
  records: readonly RoutingRecord[];
  embeddings: Float32Array;
  D: number;
  split: RecordSplit;
  seed: number;
  evalName: string;
  /** The pool: the manifest's models (its order) when artifacts are given, else every model scored in train. */
  models: string[];
  tableOpts: { modelCosts?: Readonly<Record<string, number>> };
  train: EvalTable;
  dev: EvalTable;
  trainEmb: Float32Array;
  devEmb: Float32Array;
  /** Mean cost per model over the training table (NaN where unknown). */
  modelCost: Float64Array;
  costAvailable: boolean;
  timings: Record<string, number>;
  progress: (stage: string) => void;
  two: TwoStageInput | undefined;
}

/** Step 1: checks, the model pool, the train and dev tables and their embeddings. */
function evaluationContext(options: EvaluateOptions): EvaluationContext {
  const { records, embeddings, dimension: D, split } = options;
  if (!(embeddings instanceof Float32Array) || embeddings.length !== records.length * D) {
    throw new TypeError(
      `evaluateRouters: expected ${records.length}×${D} embeddings, received ${embeddings instanceof Float32Array ? embeddings.length : typeof embeddings}`,
    );
  }
  const two = options.twoStage;
  const evalName = options.evaluate ?? 'test';
  rowsOf(split, evalName);
  for (const name of options.alsoEvaluate ?? []) rowsOf(split, name);
  let models: string[];
  if (two) models = two.manifest.models.map((m) => m.id);
  else {
    const set = new Set<string>();
    for (const i of split.train) for (const m of Object.keys(records[i]!.scores)) set.add(m);
    models = [...set].sort();
  }
  const tableOpts = options.modelCosts ? { modelCosts: options.modelCosts } : {};
  const train = buildEvalTable(records, split.train, models, tableOpts);
  const dev = buildEvalTable(records, split.dev, models, tableOpts);
  if (train.ids.length === 0)
    throw new RangeError('evaluateRouters: expected a non-empty training split, received 0 usable prompts');
  const modelCost = meanModelCost(train);
  return {
    options,
    records,
    embeddings,
    D,
    split,
    seed: options.seed ?? 0,
    evalName,
    models,
    tableOpts,
    train,
    dev,
    trainEmb: gatherRows(embeddings, D, train.recordIndex),
    devEmb: gatherRows(embeddings, D, dev.recordIndex),
    modelCost,
    costAvailable: train.cost !== null && Array.from(modelCost).every((c) => !Number.isNaN(c)),
    timings: {},
    progress: options.onProgress ?? (() => undefined),
    two,
  };
}

/** Lets timers run (an abort fired from setTimeout), then checks the signal. */
async function checkpoint(ctx: EvaluationContext): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  throwIfAborted(ctx.options.signal, 'evaluateRouters');
}

/** The fitted baselines. */
interface FittedBaselines {
  knn: ReturnType<typeof fitKnnBaseline>;
  mlp: ReturnType<typeof fitMlpBaseline>;
}

/** Step 2: the kNN and MLP baselines, fitted on the training split (dev for k and early stopping). */
async function fitBaselines(ctx: EvaluationContext): Promise<FittedBaselines> {
  const { train, trainEmb, dev, devEmb, D, options, timings } = ctx;
  ctx.progress('knn');
  await checkpoint(ctx);
  let t0 = now();
  const knn = fitKnnBaseline(
    train,
    trainEmb,
    dev,
    devEmb,
    D,
    options.kCandidates ? { kCandidates: options.kCandidates } : {},
  );
  timings.knnFitMs = now() - t0;
  ctx.progress('mlp');
  await checkpoint(ctx);
  t0 = now();
  const mlp = fitMlpBaseline(train, trainEmb, dev, devEmb, D, { seed: ctx.seed, ...options.mlp });
  timings.mlpFitMs = now() - t0;
  return { knn, mlp };
}

/** What the FineRouter rows need beyond the manifest, from the training prompts. */
interface TwoStageTraining {
  /** Stage-1-embedding centers (T × D), or null without artifacts. */
  centers: Float32Array | null;
  centerSource: 'discovery' | 'classifier';
  trainMacroF1: number | null;
  trainAgreement: number | null;
  alpha: number;
}

/**
 * Step 3: the artifact heads on the training prompts: task centers for the stage-1-embedding row (given, or the
 * median of the prompts the classifier assigns to each task) and the classifier's in-sample agreement with
 * discovery.
 */
async function prepareTwoStage(ctx: EvaluationContext): Promise<TwoStageTraining> {
  const { two, train, trainEmb, D, timings } = ctx;
  const out: TwoStageTraining = {
    centers: null,
    centerSource: 'discovery',
    trainMacroF1: null,
    trainAgreement: null,
    alpha: ctx.options.alpha ?? two?.manifest.defaults.alpha ?? 0.5,
  };
  if (!two) return out;
  ctx.progress('artifacts (train)');
  const t0 = now();
  const trainHeads = await two.heads(trainEmb);
  timings.trainHeadsMs = now() - t0;
  const T = two.manifest.tasks.length;
  if (two.centers && two.centers.length === T * D) out.centers = two.centers;
  else {
    out.centerSource = 'classifier';
    const groups: number[][] = Array.from({ length: T }, () => []);
    for (let i = 0; i < train.ids.length; i++) if (trainHeads.task[i]! < T) groups[trainHeads.task[i]!]!.push(i);
    out.centers = medianCenters(trainEmb, D, groups);
  }
  if (two.trainLabels) {
    const truth: number[] = [];
    const pred: number[] = [];
    for (let i = 0; i < train.ids.length; i++) {
      const label = two.trainLabels.get(train.recordIndex[i]!);
      if (label === undefined) continue;
      truth.push(label);
      pred.push(trainHeads.task[i]! >= T ? -1 : trainHeads.task[i]!);
    }
    if (truth.length > 0) {
      out.trainMacroF1 = macroF1(truth, pred);
      let same = 0;
      for (let k = 0; k < truth.length; k++) if (truth[k] === pred[k]) same++;
      out.trainAgreement = same / truth.length;
    }
  }
  return out;
}

/**
 * Step 4, one split: every method's scores (or selection) on the split's prompts, then one report row each. The
 * primary split also times the scorers and gives the FineRouter summary.
 */
async function evaluateSplit(
  ctx: EvaluationContext,
  baselines: FittedBaselines,
  twoStage: TwoStageTraining,
  name: string,
  primary: boolean,
): Promise<{ report: SplitReport; fineRouter: EvalReport['fineRouter'] }> {
  ctx.progress(`evaluate ${name}`);
  await checkpoint(ctx);
  const table = buildEvalTable(ctx.records, rowsOf(ctx.split, name), ctx.models, ctx.tableOpts);
  if (table.ids.length === 0)
    throw new RangeError(`evaluateRouters: expected a non-empty '${name}' split, received 0 usable prompts`);
  const emb = gatherRows(ctx.embeddings, ctx.D, table.recordIndex);
  const scorers = baselineScorers(ctx, baselines, table, emb, primary);
  let fineRouter: EvalReport['fineRouter'] = null;
  const { two } = ctx;
  if (two && twoStage.centers) {
    const t1 = now();
    const heads = await two.heads(emb);
    if (primary) ctx.timings.evalHeadsMs = now() - t1;
    scorers.push(...twoStageScorers(ctx, two.manifest, twoStage, table, emb, heads));
    if (primary) fineRouter = await fineRouterSummary(ctx, two, twoStage, table, emb, heads);
  }
  return { report: splitReport(ctx, name, table, scorers), fineRouter };
}

/** The single models, oracle, random, kNN and MLP rows. */
function baselineScorers(
  ctx: EvaluationContext,
  baselines: FittedBaselines,
  table: EvalTable,
  emb: Float32Array,
  primary: boolean,
): Scorer[] {
  const { models } = ctx;
  const scorers: Scorer[] = [];
  // Single models are not masked: each is averaged over the prompts where it is scored (`scored` says how many).
  for (let j = 0; j < models.length; j++) {
    const fixed: RoutingSelection = { choice: new Int32Array(table.ids.length).fill(j), maskedChoices: 0 };
    scorers.push({
      name: `model:${models[j]}`,
      kind: 'single',
      scores: singleModelScores(table, j),
      select: () => fixed,
      curve: false,
    });
  }
  scorers.push({ name: 'oracle', kind: 'oracle', scores: oracleScores(table), curve: true });
  scorers.push({ name: 'random', kind: 'random', scores: randomScores(table, ctx.seed), curve: false });
  const t1 = now();
  scorers.push({ name: 'knn', kind: 'router', scores: baselines.knn.score(table, emb), curve: true });
  if (primary) ctx.timings.knnScoreMs = now() - t1;
  scorers.push({ name: 'mlp', kind: 'router', scores: baselines.mlp.score(table, emb), curve: true });
  return scorers;
}

/** The rows from the trained artifacts: each stage alone, the general adapters alone, and FineRouter (Eq. 5). */
function twoStageScorers(
  ctx: EvaluationContext,
  manifest: Manifest,
  twoStage: TwoStageTraining,
  table: EvalTable,
  emb: Float32Array,
  heads: ArtifactHeads,
): Scorer[] {
  const nearest = nearestCenter(emb, twoStage.centers!, ctx.D);
  const { alpha } = twoStage;
  const { modelCost } = ctx;
  return [
    { name: 'stage1-embedding', kind: 'router', scores: stage1Scores(table, manifest, nearest), curve: false },
    { name: 'stage1-cls', kind: 'router', scores: stage1Scores(table, manifest, heads.task), curve: false },
    { name: 'stage2-only', kind: 'router', scores: Float64Array.from(heads.stage2), curve: true },
    { name: 'general-only', kind: 'router', scores: Float64Array.from(heads.general), curve: true },
    {
      name: 'finerouter',
      kind: 'router',
      scores: null,
      select: (tolerance) => fineRouterSelect(table, manifest, heads, { alpha, tolerance, modelCost }),
      curve: true,
    },
  ];
}

/**
 * The report's `fineRouter` block (primary split): coverage, calibration, quality with a task vs in Others
 * (paper App. C), and the optional cross-check against `FineRouter.routeEmbeddings`.
 */
async function fineRouterSummary(
  ctx: EvaluationContext,
  two: TwoStageInput,
  twoStage: TwoStageTraining,
  table: EvalTable,
  emb: Float32Array,
  heads: ArtifactHeads,
): Promise<NonNullable<EvalReport['fineRouter']>> {
  const { models, modelCost } = ctx;
  const { alpha } = twoStage;
  const M = models.length;
  const T = two.manifest.tasks.length;
  let routeCheck: { checked: number; agreed: number } | null = null;
  if (two.routeCheck) {
    const picked = await two.routeCheck(emb);
    const full: EvalTable = { ...table, quality: new Float64Array(table.quality.length) };
    const ours = fineRouterSelect(full, two.manifest, heads, {
      alpha,
      tolerance: 0,
      modelCost: Float64Array.from(two.manifest.models, (m) => m.cost ?? Number.NaN),
    });
    let agreed = 0;
    for (let i = 0; i < picked.length; i++) if (picked[i] === models[ours.choice[i]!]) agreed++;
    routeCheck = { checked: picked.length, agreed };
  }
  const fin = fineRouterSelect(table, two.manifest, heads, { alpha, tolerance: 0, modelCost }).choice;
  let withTask = 0;
  let withTaskN = 0;
  let others = 0;
  let othersN = 0;
  let assigned = 0;
  for (let i = 0; i < table.ids.length; i++) {
    const q = table.quality[i * M + fin[i]!]!;
    if (heads.task[i]! < T) {
      assigned++;
      if (!Number.isNaN(q)) {
        withTask += q;
        withTaskN++;
      }
    } else if (!Number.isNaN(q)) {
      others += q;
      othersN++;
    }
  }
  return {
    tasks: T,
    alpha,
    threshold: two.manifest.classifier.threshold,
    coverage: assigned / table.ids.length,
    trainMacroF1: twoStage.trainMacroF1,
    trainAgreement: twoStage.trainAgreement,
    centers: twoStage.centerSource,
    calibration: {
      stage2: expectedCalibrationError(heads.stage2, table.quality),
      general: expectedCalibrationError(heads.general, table.quality),
    },
    routeCheck,
    qualityWithTask: withTaskN > 0 ? withTask / withTaskN : null,
    qualityOthers: othersN > 0 ? others / othersN : null,
  };
}

/** One split's report: each scorer's selection at τ = 0 evaluated, rows in the report order. */
function splitReport(ctx: EvaluationContext, name: string, table: EvalTable, scorers: Scorer[]): SplitReport {
  const { modelCost } = ctx;
  const results = scorers.map((s) => {
    const sel = s.select ? s.select(0) : selectByScores(table, s.scores!, { modelCost });
    return { s, sel, r: evaluateSelection(table, sel.choice) };
  });
  const singles = results.filter((x) => x.s.kind === 'single');
  const best = singles.reduce((a, b) => (b.r.quality > a.r.quality ? b : a));
  const oracle = results.find((x) => x.s.name === 'oracle')!;
  const methods = methodReports(ctx, table, results, best, oracle);
  return {
    split: name,
    prompts: table.ids.length,
    sources: [...new Set(table.sources)].sort(),
    issues: table.issues,
    bestSingle: { name: best.s.name, quality: best.r.quality, cost: best.r.cost },
    oracleQuality: oracle.r.quality,
    methods,
  };
}

/** A scorer with its selection at τ = 0 and that selection's evaluation. */
interface ScoredMethod {
  s: Scorer;
  sel: RoutingSelection;
  r: ReturnType<typeof evaluateSelection>;
}

/**
 * The report rows: quality, cost, headroom; for routers with costs the τ sweep, AIQ and the cost to match the
 * best single model. Sorted singles first (best first), then {@link ROUTER_ORDER}.
 */
function methodReports(
  ctx: EvaluationContext,
  table: EvalTable,
  results: ScoredMethod[],
  best: ScoredMethod,
  oracle: ScoredMethod,
): MethodReport[] {
  const { modelCost, options } = ctx;
  const M = ctx.models.length;
  const singles = results.filter((x) => x.s.kind === 'single');
  const withCost = ctx.costAvailable && table.cost !== null && table.issues.missingCosts === 0;
  const singleCosts = singles.map((x) => x.r.cost).filter((c): c is number => c !== null);
  const costMin = Math.min(...singleCosts);
  const costMax = Math.max(...singleCosts);
  const aiqOk = withCost && singleCosts.length === M && costMax > costMin;
  const methods: MethodReport[] = results.map(({ s, sel, r }) => {
    const m: MethodReport = {
      name: s.name,
      kind: s.kind,
      quality: r.quality,
      macroQuality: r.macroQuality,
      perSource: r.perSource,
      cost: r.cost,
      prompts: r.prompts,
      scored: r.scored,
      unscored: r.unscored,
      maskedChoices: sel.maskedChoices,
      unknownCost: r.unknownCost,
      distribution: r.distribution,
      headroom: Number.isFinite(r.quality) ? headroomCaptured(r.quality, best.r.quality, oracle.r.quality) : null,
    };
    if (withCost && s.curve) {
      const curve = s.select
        ? sweep(table, s.select, options.curveSteps ?? 50)
        : costQualityCurve(table, s.scores!, modelCost, options.curveSteps ?? 50);
      m.curve = curve;
      if (aiqOk) m.aiq = aiq(curve, costMin, costMax);
      const bc = best.r.cost!;
      const within = curve.filter((p) => p.cost <= bc * (1 + 1e-9));
      m.qualityAtBestSingleCost = within.length > 0 ? Math.max(...within.map((p) => p.quality)) : null;
      const match = curve.filter((p) => p.quality >= best.r.quality - 1e-12);
      m.costToMatchBestSingle = match.length > 0 ? Math.min(...match.map((p) => p.cost)) : null;
      m.costRatioToMatchBestSingle = m.costToMatchBestSingle !== null && bc > 0 ? m.costToMatchBestSingle / bc : null;
    } else if (aiqOk && s.kind === 'single') {
      m.aiq = aiq([{ cost: r.cost!, quality: r.quality }], costMin, costMax);
    }
    return m;
  });
  const order = (m: MethodReport): number => (m.kind === 'single' ? -1 : ROUTER_ORDER.indexOf(m.name));
  methods.sort(
    (a, b) => order(a) - order(b) || (a.kind === 'single' ? b.quality - a.quality : 0) || a.name.localeCompare(b.name),
  );
  return methods;
}

/** The cost–quality curve of a selection rule over τ = 0, 1/steps, …, 1. */
function sweep(t: EvalTable, select: (tau: number) => RoutingSelection, steps: number): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (let k = 0; k <= steps; k++) {
    const r = evaluateSelection(t, select(k / steps).choice);
    if (r.cost !== null && Number.isFinite(r.quality))
      out.push({ tolerance: k / steps, quality: r.quality, cost: r.cost });
  }
  return out;
}

/** Step 5: the whole report from the primary split, the extra splits and the fitted baselines. */
function assembleReport(
  ctx: EvaluationContext,
  baselines: FittedBaselines,
  main: { report: SplitReport; fineRouter: EvalReport['fineRouter'] },
  extras: SplitReport[],
): EvalReport {
  const { options, split, records, models, modelCost, costAvailable, train, seed } = ctx;
  const { knn, mlp } = baselines;
  const singleCosts = main.report.methods.filter((m) => m.kind === 'single').map((m) => m.cost);
  const mc: Record<string, number | null> = {};
  models.forEach((m, j) => {
    mc[m] = Number.isNaN(modelCost[j]!) ? null : modelCost[j]!;
  });
  const hasPerPrompt = split.train.length > 0 && records.some((r) => r.costs && Object.keys(r.costs).length > 0);
  return {
    schema: 'finerouter/eval-report',
    version: 1,
    dataset: options.dataset ?? null,
    seed,
    models,
    splitInfo: {
      scheme: split.scheme,
      description: split.description,
      train: split.train.length,
      dev: split.dev.length,
      test: split.test.length,
      extra: Object.fromEntries(Object.entries(split.extra).map(([k, v]) => [k, v.length])),
      unlabelled: split.unlabelled,
    },
    trainIssues: train.issues,
    cost: {
      available: costAvailable,
      note:
        options.costNote ??
        (costAvailable
          ? hasPerPrompt
            ? 'per-prompt USD costs from the data (`costs`)'
            : 'per-model USD per query from the given prices'
          : 'no cost information: cost columns and curves omitted'),
      modelCost: mc,
    },
    aiqRange:
      costAvailable && singleCosts.every((c) => c !== null)
        ? { costMin: Math.min(...(singleCosts as number[])), costMax: Math.max(...(singleCosts as number[])) }
        : null,
    knn: { k: knn.k, devQuality: knn.devQuality },
    mlp: {
      epochs: mlp.epochs,
      bestEpoch: mlp.bestEpoch,
      skipped: mlp.skipped,
      tiedLabels: mlp.tiedLabels,
      devQuality: mlp.devQuality,
    },
    fineRouter: main.fineRouter,
    ...main.report,
    extraSplits: extras,
    timings: ctx.timings,
  };
}
