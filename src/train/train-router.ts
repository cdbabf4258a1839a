/**
 * End-to-end training of FineRouter's trainable parts from routing records, frozen prompt embeddings and a
 * discovery result (paper Sect. 3.1.2, 3.2.2, 3.3): classifier → relabel → MoE phase 1 → phase 2 → ONNX
 * bytes + manifest (without `files`: the writer, src/adapters/node/artifacts-write.ts, adds the sha256 digests).
 *
 * Splits: the records are split once, seeded, into train / dev / holdout (`devFraction`, `holdoutFraction`).
 * Dev drives early stopping and the ∅ threshold; holdout is touched only for the reported figures
 * (classifier macro-F1 and coverage on held-out discovery assignments, MoE MSE).
 *
 * Costs (manifest `models[].cost`, expected USD per query): the mean of the records' `costs` for the model
 * where any record has one; otherwise from `prices` ({@link ModelPrice}); otherwise null.
 */
import type { RoutingRecord } from '../data/types.js';
import type { DiscoveryResult } from '../discovery/types.js';
import type { Manifest } from '../router/manifest.js';
import { MANIFEST_SCHEMA, MANIFEST_VERSION } from '../router/manifest.js';
import { throwIfAborted } from '../errors.js';
import { assignTasks, classifierForward } from './heads.js';
import { trainClassifier, type ClassifierOptions, type ClassifierResult } from './classifier.js';
import { macroF1 } from '../numeric/f1.js';
import {
  qualityHeadMse,
  trainGeneral,
  trainTaskAdapters,
  type GeneralResult,
  type MoeData,
  type MoeOptions,
  type TaskAdapterResult,
} from './moe.js';
import { buildClassifierOnnx, buildQualityHeadOnnx } from './onnx-export.js';
import { splitIndices } from './random.js';
import {
  ALPHA_GRID,
  LOCAL_WEIGHT_GRID,
  SHRINKAGE_GRID,
  routedQuality,
  selectAggregation,
  stage1Statistics,
  type AggregationChoice,
  type RoutedQualityInput,
  type Stage1Statistic,
} from './aggregation.js';
import { qualityHeadForward, type QualityHeads } from './heads.js';
import {
  fitLocalPrior,
  localPriorForward,
  type LocalPrior,
  type LocalPriorFit,
  type LocalPriorOptions,
} from './local-prior.js';
import { LOCAL_PRIOR_OUTPUT } from './onnx-export.js';

/** A model's price: USD per query, or USD per 1M input/output tokens. */
export interface ModelPrice {
  perQuery?: number;
  inputPer1M?: number;
  outputPer1M?: number;
}

/** Options of {@link trainRouter}. */
export interface TrainRouterOptions {
  /** Encoder identity written into the manifest (the embeddings must come from it). */
  encoder: { id: string; dimension: number };
  /** Row-major [T, D] task description embeddings initializing the classifier; default: discovery centers. */
  taskEmbeddings?: Float32Array;
  /** Share of records held out for early stopping and the threshold. @defaultValue 0.1 */
  devFraction?: number;
  /** Share of records held out for the reported figures only. @defaultValue 0.1 */
  holdoutFraction?: number;
  /** Seed of the split, initialization and shuffles. @defaultValue 42 */
  seed?: number;
  /** Classifier training options (seed defaults to `seed`). @defaultValue CLASSIFIER_DEFAULTS */
  classifier?: ClassifierOptions;
  /** MoE sizes and training options (seed defaults to `seed`). @defaultValue MOE_DEFAULTS */
  moe?: MoeOptions;
  /** Prices by model id, used where records carry no costs. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Output tokens assumed per query when pricing per 1M tokens. @defaultValue 256 */
  outputTokens?: number;
  /**
   * Eq. 5 α written as the default: a number in [0, 1] (the paper fixes 0.5), or `'dev'` to choose it on the
   * dev split by routed dev quality over {@link ALPHA_GRID} (see ./aggregation.ts). @defaultValue 'dev'
   */
  alpha?: number | 'dev';
  /**
   * Stage-1 statistic Q̄ of Eq. 5 stored in the manifest: `'median'` (the paper's), `'mean'`, or `'dev'` to
   * take whichever routes better on the dev split (chosen jointly with α). @defaultValue 'dev'
   */
  stage1Statistic?: Stage1Statistic | 'dev';
  /**
   * Mean only: pseudo-count k shrinking each task's mean toward the model's overall mean,
   * (Σ + k · overall) / (count + k); a number ≥ 0, or `'dev'` to choose from {@link SHRINKAGE_GRID} jointly with
   * α and the statistic. @defaultValue 'dev'
   */
  stage1Shrinkage?: number | 'dev';
  /** IPR tolerance τ written as the default. @defaultValue 0 */
  tolerance?: number;
  /**
   * Local prior (./local-prior.ts) beside the task prior in Eq. 5: `true` fits it (k and β by leave-one-out on
   * the training split, its share ω chosen on dev with α), `false` is the paper's Eq. 5. @defaultValue true
   */
  localPrior?: boolean;
  /**
   * Max epochs of the classifier and of both MoE phases where `classifier.epochs` / `moe.epochs` /
   * `moe.taskEpochs` are not given. 5 by default (the local prior carries most of the routing, and early stopping
   * usually ends phase 1 by epoch 2–4); the paper preset uses the paper's 10. @defaultValue 5
   */
  headEpochs?: number;
  /** Options of the local prior's fit. @defaultValue LOCAL_PRIOR_DEFAULTS */
  localPriorOptions?: LocalPriorOptions;
  /**
   * Groups that smooth the local prior's targets: `'source'` (the records' `source` labels, when every record has
   * one and there are at least two), `'tasks'` (discovered tasks), or `'auto'` (source when available).
   * @defaultValue 'auto'
   */
  localPriorGroups?: 'auto' | 'source' | 'tasks';
  /**
   * Support floor: a model with fewer observed training scores is listed in `manifest.warnings`, and every model's
   * overall mean (the fallback of its stage-1 values and the local prior) is shrunk toward the pool's mean score
   * with this pseudo-count; its stage-2 estimate is blended toward that prior with weight count / (count + floor).
   * @defaultValue 30
   */
  supportFloor?: number;
  /**
   * Per (task, model) floor: a stage-1 value from fewer observed scores is blended toward the model's prior as
   * (c · value + (floor − c) · prior) / floor. @defaultValue 5
   */
  taskSupportFloor?: number;
  /** Classifier file name inside the artifact directory. @defaultValue 'classifier.onnx' */
  classifierFile?: string;
  /** Router file name inside the artifact directory. @defaultValue 'router.onnx' */
  routerFile?: string;
  /** Progress: (stage, done, total); epochs for training stages. */
  onProgress?: (
    stage: 'classifier' | 'general' | 'tasks' | 'export',
    done: number,
    total: number,
    detail?: string,
  ) => void;
  /** Checked after every epoch; aborting throws FineRouterError ABORTED. */
  signal?: AbortSignal;
}

/**
 * Defaults of {@link TrainRouterOptions}.
 *
 * @example
 * TRAIN_ROUTER_DEFAULTS.seed; // 42, the seed of the split, initialization and shuffles
 */
export const TRAIN_ROUTER_DEFAULTS = Object.freeze({
  devFraction: 0.1,
  holdoutFraction: 0.1,
  seed: 42,
  outputTokens: 256,
  alpha: 'dev' as number | 'dev',
  stage1Statistic: 'dev' as Stage1Statistic | 'dev',
  stage1Shrinkage: 'dev' as number | 'dev',
  tolerance: 0,
  localPrior: true,
  headEpochs: 5,
  localPriorGroups: 'auto' as 'auto' | 'source' | 'tasks',
  supportFloor: 30,
  taskSupportFloor: 5,
  classifierFile: 'classifier.onnx',
  routerFile: 'router.onnx',
});

/**
 * Named settings: `default` (what `finerouter train` uses: the cross-validated winners, docs/training.md) and
 * `paper` (the paper's Eq. 5: no local prior, α = 0.5, stage-1 medians without shrinkage).
 */
export const TRAIN_PRESETS = Object.freeze({
  default: Object.freeze({}) as Partial<TrainRouterOptions>,
  paper: Object.freeze({
    localPrior: false,
    alpha: 0.5,
    stage1Statistic: 'median',
    stage1Shrinkage: 0,
    headEpochs: 10,
  }) as Partial<TrainRouterOptions>,
});

/** The manifest before checksums. */
export type ManifestDraft = Omit<Manifest, 'files'>;

/** Figures of one training run. */
export interface TrainMetrics {
  records: number;
  split: { train: number; dev: number; holdout: number };
  tasks: number;
  models: number;
  classifier: {
    threshold: number;
    epochs: number;
    bestEpoch: number;
    devMacroF1: number;
    /** Macro-F1 over T + 1 classes on held-out discovery assignments (paper App. C: 0.643 on 332 classes). */
    holdoutMacroF1: number | null;
    /** Share of held-out prompts assigned to a task (paper: 71% of its test set). */
    holdoutCoverage: number | null;
    /** Share of all records the classifier assigns to a task (the relabelled training set). */
    coverage: number;
  };
  moe: {
    phase1Epochs: number;
    phase2Epochs: number;
    devMseGeneral: number;
    devMseTask: number;
    holdoutMseGeneral: number | null;
    holdoutMseFull: number | null;
    /** MSE of predicting each model's mean training score (a baseline for the figures above). */
    holdoutMseMean: number | null;
  };
  /** Eq. 5 aggregation: the α and stage-1 statistic written to the manifest, and the dev figures behind them. */
  aggregation: {
    alpha: number;
    stage1Statistic: Stage1Statistic;
    /** Pseudo-count of the shrunk mean (0 for the median or the plain mean). */
    stage1Shrinkage: number;
    /** `dev` when chosen on the dev split, `fixed` when given. */
    alphaSource: 'dev' | 'fixed';
    statisticSource: 'dev' | 'fixed';
    /** Routed dev quality (mean observed score of the picks) at the choice; null without dev prompts. */
    devQuality: number | null;
    /** Routed dev quality per statistic, one per `alphas` entry (α = 1 is stage 2 only, α = 0 stage 1 only). */
    devGrid: Record<string, number[]>;
    alphas: number[];
    /** Dev quality of the best single model (chosen by training-split mean) and of the per-prompt oracle. */
    devBestSingle: number | null;
    devOracle: number | null;
    /** Local-prior share ω of Eq. 5's prior chosen on dev (0 without a local prior). */
    localWeight: number;
  };
  /** The local prior: k and β chosen by leave-one-out on the training split; null when disabled. */
  localPrior: {
    k: number;
    beta: number;
    groups: 'source' | 'tasks';
    rows: number;
    looQuality: number;
    grid: Record<string, number>;
    /** How P(group | prompt) is estimated (chosen by held-out routed quality under the default 'auto'). */
    estimator: 'neighbours' | 'classifier';
    /** Best held-out routed quality of each estimator tried. */
    estimatorQuality: { neighbours?: number; classifier?: number };
  } | null;
  /** Observed training scores per model id, and the models below the support floor. */
  support: { counts: Record<string, number>; belowFloor: string[]; floor: number };
  /**
   * Wall-clock milliseconds per phase. Returned for progress reports and benchmarks only: the manifest's
   * `training.metrics` leaves them out, so the same seed gives byte-identical artifacts (manifest included).
   */
  ms: { classifier: number; general: number; tasks: number; export: number };
}

/** Result of {@link trainRouter}. */
export interface TrainRouterResult {
  classifierBytes: Uint8Array;
  routerBytes: Uint8Array;
  manifest: ManifestDraft;
  metrics: TrainMetrics;
}

/**
 * Expected USD per query of each model: mean of records' `costs`, else from `prices`, else null.
 * Per-1M-token prices use ⌈prompt characters / 4⌉ input tokens (mean over the records) and `outputTokens`.
 *
 * @param records - routing records.
 * @param models - model ids.
 * @param prices - optional price table.
 * @param outputTokens - assumed output tokens per query.
 * @returns cost per model, in `models` order.
 * @throws RangeError on a negative or non-finite price.
 * @example
 * modelCosts(records, ['a'], { a: { perQuery: 0.001 } }); // [0.001] unless records carry costs for 'a'
 */
export function modelCosts(
  records: readonly RoutingRecord[],
  models: readonly string[],
  prices?: Readonly<Record<string, ModelPrice>>,
  outputTokens = 256,
): (number | null)[] {
  let chars = 0;
  for (const r of records) chars += Math.ceil(r.prompt.length / 4);
  const meanInput = records.length > 0 ? chars / records.length : 0;
  return models.map((id) => {
    let sum = 0;
    let count = 0;
    for (const r of records) {
      const c = r.costs?.[id];
      if (typeof c === 'number' && Number.isFinite(c)) {
        sum += c;
        count += 1;
      }
    }
    if (count > 0) return sum / count;
    const p = prices?.[id];
    if (!p) return null;
    for (const [k, v] of Object.entries(p)) {
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0))
        throw new RangeError(`modelCosts: expected ${id}.${k} to be a finite number ≥ 0, received ${String(v)}`);
    }
    if (p.perQuery !== undefined) return p.perQuery;
    if (p.inputPer1M !== undefined || p.outputPer1M !== undefined) {
      return ((p.inputPer1M ?? 0) * meanInput + (p.outputPer1M ?? 0) * outputTokens) / 1e6;
    }
    return null;
  });
}

/**
 * Normalizes a prices JSON object: `{ model: number }` (USD per query), `{ model: { perQuery } }`,
 * `{ model: { inputPer1M, outputPer1M } }`, or LLMRouter's `default_llm.json` form
 * `{ model: { input_price, output_price } }` (USD per 1M tokens).
 *
 * @param json - parsed JSON.
 * @returns a price table.
 * @throws TypeError when the shape is not one of the above.
 * @example
 * parsePrices({ 'gpt-4o': 0.01, 'gemma': { input_price: 0.1, output_price: 0.1 } });
 */
export function parsePrices(json: unknown): Record<string, ModelPrice> {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new TypeError(
      `parsePrices: expected an object keyed by model id, received ${Array.isArray(json) ? 'an array' : typeof json}`,
    );
  const out: Record<string, ModelPrice> = {};
  const num = (v: unknown, where: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new TypeError(`parsePrices: expected ${where} to be a number ≥ 0, received ${String(v)}`);
    return v;
  };
  for (const [id, value] of Object.entries(json as Record<string, unknown>)) {
    if (typeof value === 'number') {
      out[id] = { perQuery: num(value, id) };
      continue;
    }
    if (typeof value !== 'object' || value === null)
      throw new TypeError(`parsePrices: expected a number or object for ${id}, received ${String(value)}`);
    const v = value as Record<string, unknown>;
    const price: ModelPrice = {};
    if (v.perQuery !== undefined) price.perQuery = num(v.perQuery, `${id}.perQuery`);
    const input = v.inputPer1M ?? v.input_price;
    const output = v.outputPer1M ?? v.output_price;
    if (input !== undefined) price.inputPer1M = num(input, `${id}.inputPer1M`);
    if (output !== undefined) price.outputPer1M = num(output, `${id}.outputPer1M`);
    if (Object.keys(price).length === 0)
      throw new TypeError(`parsePrices: ${id} has none of perQuery, inputPer1M/input_price, outputPer1M/output_price`);
    out[id] = price;
  }
  return out;
}

/**
 * Builds the score matrix and mask [n, M] from records (missing score ⇒ mask 0).
 *
 * @param records - routing records.
 * @param models - model ids (column order).
 * @returns scores and mask.
 * @throws RangeError on a non-finite score.
 * @example
 * scoreMatrix([{ id: 'a', prompt: 'p', scores: { x: 1 } }], ['x', 'y']); // scores [1, 0], mask [1, 0]
 */
export function scoreMatrix(
  records: readonly RoutingRecord[],
  models: readonly string[],
): { scores: Float32Array; mask: Uint8Array } {
  const m = models.length;
  const scores = new Float32Array(records.length * m);
  const mask = new Uint8Array(records.length * m);
  records.forEach((r, i) => {
    models.forEach((id, j) => {
      const s = r.scores[id];
      if (s === undefined) return;
      if (typeof s !== 'number' || !Number.isFinite(s))
        throw new RangeError(`scoreMatrix: record ${r.id} has a non-finite score for ${id}: ${String(s)}`);
      scores[i * m + j] = s;
      mask[i * m + j] = 1;
    });
  });
  return { scores, mask };
}

/**
 * Between training phases: lets timers run (an abort fired from setTimeout, progress rendering), then checks the
 * signal. The epoch loops inside a phase are synchronous; their onEpoch checks catch an abort already fired.
 */
async function phaseBoundary(signal: AbortSignal | undefined): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  throwIfAborted(signal, 'trainRouter');
}

function normalizeRows(matrix: Float32Array, width: number): Float32Array {
  const out = matrix.slice();
  for (let r = 0; r < out.length / width; r++) {
    let s = 0;
    for (let c = 0; c < width; c++) s += out[r * width + c] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let c = 0; c < width; c++) out[r * width + c] *= inv;
  }
  return out;
}

/**
 * Trains the classifier and the MoE quality estimator and exports both as ONNX with a manifest draft.
 * Pure (no fs, no runtime); deterministic for a seed.
 *
 * The steps, in order (each a function below): {@link resolveTrainOptions} → {@link trainingContext} (sizes,
 * labels, the seeded split, the score matrix) → {@link trainTaskClassifierStep} (Stage 1, Sect. 3.1.2) →
 * {@link trainQualityHeadStep} (Stage 2, Sect. 3.2.2: general phase, then task adapters) →
 * {@link holdoutQualityFigures} → {@link applySupportFloor} → {@link fitTrainingLocalPrior} →
 * {@link chooseAggregation} (Eq. 5 settings on dev) → {@link finalStage1} → {@link exportedLocalPrior} →
 * {@link exportGraphs} → {@link trainMetrics} and {@link manifestDraft}. An abort is checked after every epoch and
 * at each phase boundary, after yielding to the event loop (so a timer can fire it).
 *
 * @param records - routing records (the discovery input, same order).
 * @param embeddings - row-major [n, D] frozen prompt embeddings of `records`.
 * @param discovery - task discovery over the same records.
 * @param options - see {@link TrainRouterOptions}.
 * @returns ONNX bytes, manifest draft (no `files`) and figures.
 * @throws RangeError when sizes disagree, discovery found no task, or a candidate is unknown;
 *   FineRouterError ABORTED when `signal` fires.
 * @example
 * const { classifierBytes, routerBytes, manifest, metrics } = await trainRouter(records, embeddings, discovery, { encoder: { id, dimension: 384 } });
 */
export async function trainRouter(
  records: readonly RoutingRecord[],
  embeddings: Float32Array,
  discovery: DiscoveryResult,
  options: TrainRouterOptions,
): Promise<TrainRouterResult> {
  const ctx = trainingContext(records, embeddings, discovery, resolveTrainOptions(options));
  const classifier = trainTaskClassifierStep(ctx);
  await phaseBoundary(ctx.signal);
  const head = await trainQualityHeadStep(ctx, classifier.assigned);
  await phaseBoundary(ctx.signal);
  const holdoutFigures = holdoutQualityFigures(ctx, head.phase2.heads, classifier.assigned);
  const floored = applySupportFloor(ctx, head.phase2.heads);
  const local = ctx.o.localPrior ? fitTrainingLocalPrior(ctx, floored.support) : null;
  const aggregation = chooseAggregation(ctx, classifier.assigned, floored, local);
  const stage1Rows = finalStage1(ctx, aggregation.chosen, floored.support);
  const exportedLocal = exportedLocalPrior(ctx, local, aggregation.choice, floored.support);
  await phaseBoundary(ctx.signal);
  const graphs = exportGraphs(ctx, classifier.cls.heads, floored.heads, exportedLocal);
  const metrics = trainMetrics(
    ctx,
    { classifier, head, holdoutFigures, floored, local, aggregation, exportedLocal },
    {
      classifier: classifier.ms,
      general: head.msGeneral,
      tasks: head.msTasks,
      export: graphs.ms,
    },
  );
  const manifest = manifestDraft(ctx, {
    threshold: classifier.cls.threshold,
    heads: head.phase2.heads,
    floored,
    local,
    aggregation,
    stage1Rows,
    exportedLocal,
    metrics,
  });
  return { classifierBytes: graphs.classifierBytes, routerBytes: graphs.routerBytes, manifest, metrics };
}

/** {@link TrainRouterOptions} over {@link TRAIN_ROUTER_DEFAULTS}. */
const withDefaults = (options: TrainRouterOptions) => ({ ...TRAIN_ROUTER_DEFAULTS, ...options });
type ResolvedTrainOptions = ReturnType<typeof withDefaults>;

/** Step 0: options over the defaults; every value checked before any training starts. */
function resolveTrainOptions(options: TrainRouterOptions): ResolvedTrainOptions {
  const o = withDefaults(options);
  if (o.alpha !== 'dev' && !(typeof o.alpha === 'number' && o.alpha >= 0 && o.alpha <= 1))
    throw new RangeError(`trainRouter: expected alpha in [0, 1] or 'dev', received ${String(o.alpha)}`);
  if (o.stage1Statistic !== 'dev' && o.stage1Statistic !== 'median' && o.stage1Statistic !== 'mean') {
    throw new RangeError(
      `trainRouter: expected stage1Statistic 'median', 'mean' or 'dev', received ${String(o.stage1Statistic)}`,
    );
  }
  if (
    o.stage1Shrinkage !== 'dev' &&
    !(typeof o.stage1Shrinkage === 'number' && o.stage1Shrinkage >= 0 && Number.isFinite(o.stage1Shrinkage))
  ) {
    throw new RangeError(`trainRouter: expected stage1Shrinkage ≥ 0 or 'dev', received ${String(o.stage1Shrinkage)}`);
  }
  if (!(Number.isInteger(o.headEpochs) && o.headEpochs >= 1))
    throw new RangeError(`trainRouter: expected headEpochs an integer ≥ 1, received ${String(o.headEpochs)}`);
  const floor = o.supportFloor;
  if (!(Number.isFinite(floor) && floor >= 0) || !(Number.isFinite(o.taskSupportFloor) && o.taskSupportFloor >= 0)) {
    throw new RangeError(
      `trainRouter: expected supportFloor and taskSupportFloor ≥ 0, received ${floor}, ${o.taskSupportFloor}`,
    );
  }
  return o;
}

/** What every training step reads: the checked inputs, their sizes, discovery labels, the split, the scores. */
interface TrainingContext {
  o: ResolvedTrainOptions;
  records: readonly RoutingRecord[];
  embeddings: Float32Array;
  discovery: DiscoveryResult;
  /** Records, embedding width, tasks, models. */
  n: number;
  d: number;
  tc: number;
  m: number;
  tasks: DiscoveryResult['tasks'];
  models: readonly string[];
  /** Task id → position in `tasks`. */
  position: ReadonlyMap<number, number>;
  /** Discovery label per record: task position, −1 for Others. */
  labels: Int32Array;
  /** Candidate model columns per task. */
  candidates: number[][];
  /** Row-normalized [T, D] classifier initialization. */
  taskInit: Float32Array;
  train: Int32Array;
  dev: Int32Array;
  holdout: Int32Array;
  /** Score matrix and mask [n, M] (missing score ⇒ mask 0). */
  scores: Float32Array;
  mask: Uint8Array;
  signal: AbortSignal | undefined;
}

/** Step 1: sizes checked against each other, discovery labels and candidates by position, the seeded split. */
function trainingContext(
  records: readonly RoutingRecord[],
  embeddings: Float32Array,
  discovery: DiscoveryResult,
  o: ResolvedTrainOptions,
): TrainingContext {
  const n = records.length;
  const d = o.encoder.dimension;
  if (!(embeddings instanceof Float32Array) || embeddings.length !== n * d) {
    throw new RangeError(`trainRouter: expected ${n} × ${d} embeddings, received ${embeddings?.length}`);
  }
  if (discovery.assignment.length !== n)
    throw new RangeError(`trainRouter: discovery covers ${discovery.assignment.length} records, received ${n}`);
  const tasks = discovery.tasks;
  const tc = tasks.length;
  if (tc === 0)
    throw new RangeError('trainRouter: discovery found no task; lower minTaskSize or the RBO threshold, or add data');
  const models = discovery.models;
  const m = models.length;
  const modelIndex = new Map(models.map((id, j) => [id, j]));
  const position = new Map(tasks.map((t, i) => [t.id, i]));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = discovery.assignment[i];
    labels[i] = a < 0 ? -1 : (position.get(a) ?? -1);
  }
  const candidates = tasks.map((t) =>
    t.candidates.map((c) => {
      const j = modelIndex.get(c);
      if (j === undefined) throw new RangeError(`trainRouter: task ${t.id} candidate ${c} is not in discovery.models`);
      return j;
    }),
  );
  let taskInit: Float32Array;
  if (o.taskEmbeddings) {
    if (o.taskEmbeddings.length !== tc * d)
      throw new RangeError(`trainRouter: expected ${tc} × ${d} task embeddings, received ${o.taskEmbeddings.length}`);
    taskInit = normalizeRows(o.taskEmbeddings, d);
  } else {
    taskInit = new Float32Array(tc * d);
    tasks.forEach((t, i) => {
      if (t.center.length !== d)
        throw new RangeError(`trainRouter: task ${t.id} center has ${t.center.length} values, expected ${d}`);
      taskInit.set(t.center, i * d);
    });
    taskInit = normalizeRows(taskInit, d);
  }
  const [train, dev, holdout] = splitIndices(n, [o.devFraction, o.holdoutFraction], o.seed);
  const { scores, mask } = scoreMatrix(records, models);
  return {
    o,
    records,
    embeddings,
    discovery,
    n,
    d,
    tc,
    m,
    tasks,
    models,
    position,
    labels,
    candidates,
    taskInit,
    train: train!,
    dev: dev!,
    holdout: holdout!,
    scores,
    mask,
    signal: o.signal,
  };
}

const tick = (): number => performance.now();

/** Output of {@link trainTaskClassifierStep}. */
interface ClassifierStep {
  cls: ClassifierResult;
  /** Task (0..T−1) or Others (T) per record, by the trained classifier and its threshold. */
  assigned: Int32Array;
  /** Share of all records assigned to a task. */
  coverage: number;
  holdoutMacroF1: number | null;
  holdoutCoverage: number | null;
  ms: number;
}

/** Step 2, Stage 1 (Sect. 3.1.2): the task classifier, every record relabelled by it, held-out macro-F1. */
function trainTaskClassifierStep(ctx: TrainingContext): ClassifierStep {
  const { o, n, d, tc, embeddings, labels, train, dev, holdout, signal } = ctx;
  const t0 = tick();
  const cOpts: ClassifierOptions = { seed: o.seed, epochs: o.headEpochs, ...o.classifier };
  const cls = trainClassifier(
    { embeddings, dimension: d, labels, taskCount: tc, taskInit: ctx.taskInit, train, dev },
    {
      ...cOpts,
      onEpoch: (epoch, trainLoss, devLoss) => {
        throwIfAborted(signal, 'trainRouter');
        o.onProgress?.(
          'classifier',
          epoch + 1,
          cOpts.epochs ?? 10,
          `bce ${trainLoss.toFixed(4)} / dev ${devLoss.toFixed(4)}`,
        );
        cOpts.onEpoch?.(epoch, trainLoss, devLoss);
      },
    },
  );
  const probs = classifierForward(cls.heads, embeddings, n);
  const assigned = assignTasks(probs, n, tc, cls.threshold);
  let covered = 0;
  for (let i = 0; i < n; i++) if (assigned[i] < tc) covered += 1;
  let holdoutMacroF1: number | null = null;
  let holdoutCoverage: number | null = null;
  if (holdout.length > 0) {
    const truth = new Int32Array(holdout.length);
    const pred = new Int32Array(holdout.length);
    let c = 0;
    holdout.forEach((idx, r) => {
      truth[r] = labels[idx] < 0 ? tc : labels[idx];
      pred[r] = assigned[idx];
      if (pred[r] < tc) c += 1;
    });
    holdoutMacroF1 = macroF1(truth, pred);
    holdoutCoverage = c / holdout.length;
  }
  return { cls, assigned, coverage: covered / n, holdoutMacroF1, holdoutCoverage, ms: tick() - t0 };
}

/** Output of {@link trainQualityHeadStep}. */
interface QualityHeadStep {
  phase1: GeneralResult;
  phase2: TaskAdapterResult;
  msGeneral: number;
  msTasks: number;
}

/**
 * Step 3, Stage 2 (Sect. 3.2.2): the quality head (the paper's MoE quality estimator), phase 1 (general
 * adapters on every prompt) then phase 2 (task adapters on the prompts the classifier assigns to a task).
 */
async function trainQualityHeadStep(ctx: TrainingContext, assigned: Int32Array): Promise<QualityHeadStep> {
  const { o, signal } = ctx;
  let t0 = tick();
  const data = moeData(ctx);
  const mOpts: MoeOptions = { seed: o.seed, epochs: o.headEpochs, taskEpochs: o.headEpochs, ...o.moe };
  const onEpoch = (phase: 1 | 2, epoch: number, trainLoss: number, devLoss: number): void => {
    throwIfAborted(signal, 'trainRouter');
    o.onProgress?.(
      phase === 1 ? 'general' : 'tasks',
      epoch + 1,
      (phase === 1 ? mOpts.epochs : mOpts.taskEpochs) ?? 10,
      `mse ${trainLoss.toFixed(4)} / dev ${devLoss.toFixed(4)}`,
    );
    mOpts.onEpoch?.(phase, epoch, trainLoss, devLoss);
  };
  const phase1 = trainGeneral(data, { ...mOpts, onEpoch });
  const msGeneral = tick() - t0;
  await phaseBoundary(signal);
  t0 = tick();
  const phase2 = trainTaskAdapters(phase1.heads, data, assigned, ctx.candidates, { ...mOpts, onEpoch });
  return { phase1, phase2, msGeneral, msTasks: tick() - t0 };
}

function moeData(ctx: TrainingContext): MoeData {
  const { embeddings, d, scores, mask, m, train, dev } = ctx;
  return { embeddings, dimension: d, scores, mask, modelCount: m, train, dev };
}

/** Step 4: held-out MSE of the quality head (general adapters only, full) and of each model's training mean. */
function holdoutQualityFigures(
  ctx: TrainingContext,
  heads: QualityHeads,
  assigned: Int32Array,
): { general: number | null; full: number | null; mean: number | null } {
  const { n, m, tc, scores, mask, train, holdout } = ctx;
  if (holdout.length === 0) return { general: null, full: null, mean: null };
  const data = moeData(ctx);
  const others = new Int32Array(n).fill(tc);
  const general = qualityHeadMse(heads, data, others, holdout);
  const full = qualityHeadMse(heads, data, assigned, holdout);
  const mean = new Float64Array(m);
  const cnt = new Float64Array(m);
  for (const i of train)
    for (let j = 0; j < m; j++)
      if (mask[i * m + j]) {
        mean[j] += scores[i * m + j];
        cnt[j] += 1;
      }
  let sse = 0;
  let c = 0;
  for (const i of holdout)
    for (let j = 0; j < m; j++)
      if (mask[i * m + j]) {
        const dl = scores[i * m + j] - (cnt[j] > 0 ? mean[j] / cnt[j] : 0);
        sse += dl * dl;
        c += 1;
      }
  return { general, full, mean: c > 0 ? sse / c : null };
}

/** Output of {@link applySupportFloor}. */
interface FlooredHead {
  support: ReturnType<typeof supportPriors>;
  belowFloor: string[];
  /** The quality head with low-support models blended toward their prior and the observed score range. */
  heads: QualityHeads;
}

/** Step 5 (reliability): shrunk per-model priors, the stage-2 score range and low-support blending. */
function applySupportFloor(ctx: TrainingContext, heads: QualityHeads): FlooredHead {
  const { scores, mask, m, models } = ctx;
  const floor = ctx.o.supportFloor;
  const support = supportPriors(scores, mask, m, floor);
  const belowFloor = models.filter((_, j) => support.counts[j]! < floor);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (!mask[i]) continue;
    if (scores[i]! < lo) lo = scores[i]!;
    if (scores[i]! > hi) hi = scores[i]!;
  }
  return {
    support,
    belowFloor,
    heads: {
      ...shrinkStage2(heads, support, floor),
      ...(lo <= hi ? { scoreRange: [lo, hi] as const } : {}),
    },
  };
}

/** Output of {@link fitTrainingLocalPrior}. */
interface LocalPriorStep {
  fit: LocalPriorFit;
  groups: 'source' | 'tasks';
  groupOf: Int32Array;
}

/** Step 6: the local prior's groups, and its fit on the training split (k, β by leave-one-out). */
function fitTrainingLocalPrior(ctx: TrainingContext, support: FlooredHead['support']): LocalPriorStep {
  const { o, records, discovery, position, tc, embeddings, d, scores, mask, m, train } = ctx;
  const g = localPriorGroupIds(records, discovery.assignment, position, tc, o.localPriorGroups);
  const fit = fitLocalPrior(
    { embeddings, dimension: d, scores, mask, modelCount: m, groups: g.ids, rows: train },
    { ...o.localPriorOptions, modelPrior: support.prior },
  );
  return { fit, groups: g.kind, groupOf: g.ids };
}

/** Output of {@link chooseAggregation}. */
interface AggregationStep {
  choice: AggregationChoice;
  /** The chosen stage-1 variant. */
  chosen: { statistic: Stage1Statistic; shrinkage: number };
  costs: (number | null)[];
  devBestSingle: number | null;
  devOracle: number | null;
}

/** The stage-1 variants tried: key → (statistic, shrinkage); 'mean+k' is the mean shrunk with pseudo-count k. */
function stage1Variants(o: ResolvedTrainOptions): Map<string, { statistic: Stage1Statistic; shrinkage: number }> {
  const variants = new Map<string, { statistic: Stage1Statistic; shrinkage: number }>();
  const shrinks = o.stage1Shrinkage === 'dev' ? [...SHRINKAGE_GRID] : [o.stage1Shrinkage];
  if (o.stage1Statistic !== 'mean') variants.set('median', { statistic: 'median', shrinkage: 0 });
  if (o.stage1Statistic !== 'median')
    for (const k of shrinks) variants.set(k === 0 ? 'mean' : `mean+${k}`, { statistic: 'mean', shrinkage: k });
  return variants;
}

/** Task groups (members by task position, Others last) over all records. */
function taskGroups(ctx: TrainingContext): number[][] {
  return [...ctx.tasks.map((t) => t.members), ctx.discovery.others.members];
}

/** The dev rows, gathered: embeddings, assigned task, scores and mask. */
function devRows(
  ctx: TrainingContext,
  assigned: Int32Array,
): { k: number; devEmb: Float32Array; devTask: Int32Array; devScores: Float32Array; devMask: Uint8Array } {
  const { dev, d, m, embeddings, scores, mask } = ctx;
  const k = dev.length;
  const devEmb = new Float32Array(k * d);
  const devTask = new Int32Array(k);
  const devScores = new Float32Array(k * m);
  const devMask = new Uint8Array(k * m);
  dev.forEach((idx, r) => {
    devEmb.set(embeddings.subarray(idx * d, (idx + 1) * d), r * d);
    devTask[r] = assigned[idx]!;
    devScores.set(scores.subarray(idx * m, (idx + 1) * m), r * m);
    devMask.set(mask.subarray(idx * m, (idx + 1) * m), r * m);
  });
  return { k, devEmb, devTask, devScores, devMask };
}

/**
 * Step 7, Eq. 5 settings chosen on dev (α, ω, stage-1 statistic) over stage-1 values from training-split
 * members only; with a local prior and α on dev, the local prior alone stays unless a blend beats it clearly.
 */
function chooseAggregation(
  ctx: TrainingContext,
  assigned: Int32Array,
  floored: FlooredHead,
  local: LocalPriorStep | null,
): AggregationStep {
  const { o, n, m, scores, mask, train, dev, models, records } = ctx;
  const localFit = local?.fit ?? null;
  const costs = modelCosts(records, models, o.prices, o.outputTokens);
  const costArray = Float64Array.from(costs, (c) => c ?? Number.NaN);
  const variants = stage1Variants(o);
  const alphas = o.alpha === 'dev' ? [...ALPHA_GRID] : [o.alpha];
  const inTrain = new Uint8Array(n);
  for (const i of train) inTrain[i] = 1;
  const trainGroups = taskGroups(ctx).map((g) => g.filter((i) => inTrain[i] === 1));
  let choice: AggregationChoice = {
    alpha: alphas.length === 1 ? alphas[0]! : 0.5,
    localWeight: localFit ? 1 : 0,
    statistic: [...variants.keys()][0]!,
    quality: Number.NaN,
    grid: {} as Record<string, number[]>,
    alphas,
  };
  let devBestSingle: number | null = null;
  let devOracle: number | null = null;
  if (dev.length > 0) {
    const { k, devEmb, devTask, devScores, devMask } = devRows(ctx, assigned);
    const devStage2 = qualityHeadForward(floored.heads, devEmb, devTask, k);
    const devLocal = localFit ? localPriorForward(localFit.prior, devEmb, k) : undefined;
    const trainRows = Int32Array.from(train);
    const trainSupport = supportPriors(scores, mask, m, o.supportFloor, trainRows);
    const inputs: Record<string, RoutedQualityInput> = {};
    for (const [key, v] of variants) {
      const stage1 = floorStage1(
        stage1Statistics(scores, mask, m, trainGroups, v.statistic, trainSupport.prior, v.shrinkage),
        trainGroups,
        scores,
        mask,
        m,
        trainSupport.prior,
        o.taskSupportFloor,
      );
      inputs[key] = {
        stage2: devStage2,
        task: devTask,
        scores: devScores,
        mask: devMask,
        stage1,
        costs: costArray,
        ...(devLocal ? { local: devLocal } : {}),
      };
    }
    choice = selectAggregation(inputs, alphas, localFit ? LOCAL_WEIGHT_GRID : [0]);
    if (localFit && o.alpha === 'dev')
      choice = keepLocalPriorUnlessBeaten(choice, inputs[[...variants.keys()][0]!]!, devScores, devMask, k);
    const reference = devReferenceQualities(scores, mask, m, trainRows, devScores, devMask, k);
    devBestSingle = reference.bestSingle;
    devOracle = reference.oracle;
  }
  return { choice, chosen: variants.get(choice.statistic)!, costs, devBestSingle, devOracle };
}

/**
 * Guard against dev noise: the local prior alone (α = 0, ω = 1, the cross-validated winner, docs/training.md)
 * stays unless another blend beats it on dev by more than 1.5 standard errors of a mean dev score.
 */
function keepLocalPriorUnlessBeaten(
  choice: AggregationChoice,
  first: RoutedQualityInput,
  devScores: Float32Array,
  devMask: Uint8Array,
  k: number,
): AggregationChoice {
  const reference = routedQuality(first, 0, 1);
  let sum = 0,
    sq = 0,
    cnt = 0;
  for (let i = 0; i < devScores.length; i++)
    if (devMask[i]) {
      sum += devScores[i]!;
      sq += devScores[i]! * devScores[i]!;
      cnt += 1;
    }
  const sd = cnt > 1 ? Math.sqrt(Math.max(0, sq / cnt - (sum / cnt) ** 2)) : 0;
  const margin = (1.5 * sd) / Math.sqrt(Math.max(1, k));
  if (!(choice.quality > reference + margin)) return { ...choice, alpha: 0, localWeight: 1, quality: reference };
  return choice;
}

/** Dev quality of the best single model (by training-split mean) and of the per-prompt oracle. */
function devReferenceQualities(
  scores: Float32Array,
  mask: Uint8Array,
  m: number,
  trainRows: Int32Array,
  devScores: Float32Array,
  devMask: Uint8Array,
  k: number,
): { bestSingle: number | null; oracle: number | null } {
  const trainMean = stage1Statistics(scores, mask, m, [trainRows], 'mean', new Float64Array(m))[0]!;
  let single = 0;
  for (let j = 1; j < m; j++) if (trainMean[j]! > trainMean[single]!) single = j;
  let sSum = 0,
    sCnt = 0,
    oSum = 0,
    oCnt = 0;
  for (let r = 0; r < k; r++) {
    if (devMask[r * m + single]) {
      sSum += devScores[r * m + single]!;
      sCnt += 1;
    }
    let best = -Infinity;
    for (let j = 0; j < m; j++) if (devMask[r * m + j] && devScores[r * m + j]! > best) best = devScores[r * m + j]!;
    if (best > -Infinity) {
      oSum += best;
      oCnt += 1;
    }
  }
  return { bestSingle: sCnt > 0 ? sSum / sCnt : null, oracle: oCnt > 0 ? oSum / oCnt : null };
}

/**
 * Step 8, the exported Q̄ rows (tasks, then Others): the median is discovery's own Q̄ (tasks[].stage1,
 * others.stage1), except where a model lacks support; the mean is computed here over all members. Both then go
 * through the per-(task, model) support floor.
 */
function finalStage1(
  ctx: TrainingContext,
  chosen: AggregationStep['chosen'],
  support: FlooredHead['support'],
): Float64Array[] {
  const { o, tasks, models, discovery, scores, mask, m } = ctx;
  const groups = taskGroups(ctx);
  const fromDiscovery = (record: Record<string, number>, j: number, id: string): number =>
    record[id] ?? support.prior[j]!;
  return floorStage1(
    chosen.statistic === 'median'
      ? [
          ...tasks.map((t) => Float64Array.from(models, (id, j) => fromDiscovery(t.stage1, j, id))),
          Float64Array.from(models, (id, j) => fromDiscovery(discovery.others.stage1, j, id)),
        ]
      : stage1Statistics(scores, mask, m, groups, chosen.statistic, support.prior, chosen.shrinkage),
    groups,
    scores,
    mask,
    m,
    support.prior,
    o.taskSupportFloor,
  );
}

/** Step 9: the exported local prior indexes every record (k and β as chosen on the training split). */
function exportedLocalPrior(
  ctx: TrainingContext,
  local: LocalPriorStep | null,
  choice: AggregationChoice,
  support: FlooredHead['support'],
): LocalPrior | undefined {
  if (!local || choice.localWeight <= 0) return undefined;
  const { o, n, embeddings, d, scores, mask, m } = ctx;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  return fitLocalPrior(
    { embeddings, dimension: d, scores, mask, modelCount: m, groups: local.groupOf, rows: all },
    {
      ...o.localPriorOptions,
      ks: [Math.max(1, local.fit.prior.k)],
      betas: [local.fit.prior.beta],
      estimator: local.fit.estimator,
      leaveOneOut: false,
      modelPrior: support.prior,
    },
  ).prior;
}

/** Step 10: both graphs as ONNX bytes. */
function exportGraphs(
  ctx: TrainingContext,
  classifierHeads: ClassifierStep['cls']['heads'],
  heads: QualityHeads,
  local: LocalPrior | undefined,
): { classifierBytes: Uint8Array; routerBytes: Uint8Array; ms: number } {
  const { onProgress } = ctx.o;
  const t0 = tick();
  onProgress?.('export', 0, 2);
  const classifierBytes = buildClassifierOnnx(classifierHeads);
  onProgress?.('export', 1, 2);
  const routerBytes = buildQualityHeadOnnx(heads, local);
  onProgress?.('export', 2, 2);
  return { classifierBytes, routerBytes, ms: tick() - t0 };
}

/** The step outputs the figures and the manifest are assembled from. */
interface TrainingSteps {
  classifier: ClassifierStep;
  head: QualityHeadStep;
  holdoutFigures: ReturnType<typeof holdoutQualityFigures>;
  floored: FlooredHead;
  local: LocalPriorStep | null;
  aggregation: AggregationStep;
  exportedLocal: LocalPrior | undefined;
}

/** Step 11: the figures of the run. */
function trainMetrics(ctx: TrainingContext, s: TrainingSteps, ms: TrainMetrics['ms']): TrainMetrics {
  const { o, n, tc, m, models, train, dev, holdout } = ctx;
  const { classifier, head, holdoutFigures, floored, local, aggregation, exportedLocal } = s;
  const { choice, chosen } = aggregation;
  const { cls } = classifier;
  return {
    records: n,
    split: { train: train.length, dev: dev.length, holdout: holdout.length },
    tasks: tc,
    models: m,
    classifier: {
      threshold: cls.threshold,
      epochs: cls.epochs,
      bestEpoch: cls.bestEpoch,
      devMacroF1: cls.devMacroF1,
      holdoutMacroF1: classifier.holdoutMacroF1,
      holdoutCoverage: classifier.holdoutCoverage,
      coverage: classifier.coverage,
    },
    moe: {
      phase1Epochs: head.phase1.epochs,
      phase2Epochs: head.phase2.epochs,
      devMseGeneral: head.phase2.devMseGeneral,
      devMseTask: head.phase2.devMseTask,
      holdoutMseGeneral: holdoutFigures.general,
      holdoutMseFull: holdoutFigures.full,
      holdoutMseMean: holdoutFigures.mean,
    },
    aggregation: {
      alpha: choice.alpha,
      stage1Statistic: chosen.statistic,
      stage1Shrinkage: chosen.shrinkage,
      alphaSource: o.alpha === 'dev' ? 'dev' : 'fixed',
      statisticSource: o.stage1Statistic === 'dev' ? 'dev' : 'fixed',
      devQuality: Number.isNaN(choice.quality) ? null : choice.quality,
      devGrid: choice.grid,
      alphas: [...choice.alphas],
      devBestSingle: aggregation.devBestSingle,
      devOracle: aggregation.devOracle,
      localWeight: choice.localWeight,
    },
    localPrior: local
      ? {
          k: local.fit.prior.k,
          beta: local.fit.prior.beta,
          groups: local.groups,
          rows: exportedLocal?.rows ?? 0,
          looQuality: local.fit.quality,
          grid: local.fit.grid,
          estimator: local.fit.estimator,
          estimatorQuality: local.fit.estimatorQuality,
        }
      : null,
    support: {
      counts: Object.fromEntries(models.map((id, j) => [id, floored.support.counts[j]!])),
      belowFloor: floored.belowFloor,
      floor: o.supportFloor,
    },
    ms,
  };
}

/** Step 12: the manifest before checksums (the writer adds `files`). */
function manifestDraft(
  ctx: TrainingContext,
  s: {
    threshold: number;
    /** The quality head as trained (its sizes are recorded). */
    heads: QualityHeads;
    floored: FlooredHead;
    local: LocalPriorStep | null;
    aggregation: AggregationStep;
    stage1Rows: Float64Array[];
    exportedLocal: LocalPrior | undefined;
    metrics: TrainMetrics;
  },
): ManifestDraft {
  const { o, d, tc, tasks, models, discovery } = ctx;
  const { support, belowFloor } = s.floored;
  const { choice, chosen, costs } = s.aggregation;
  const floor = o.supportFloor;
  const h = s.heads;
  return {
    schema: MANIFEST_SCHEMA,
    version: MANIFEST_VERSION,
    encoder: { id: o.encoder.id, dimension: d },
    models: models.map((id, j) => ({ id, cost: costs[j] })),
    tasks: tasks.map((t, i) => ({
      id: t.id,
      description: t.description,
      size: t.size,
      candidates: [...t.candidates],
      stage1: Array.from(s.stage1Rows[i]!),
    })),
    others: { size: discovery.others.size, stage1: Array.from(s.stage1Rows[tc]!) },
    classifier: { file: o.classifierFile, threshold: s.threshold },
    router: { file: o.routerFile },
    defaults: { alpha: choice.alpha, tolerance: o.tolerance },
    ...(s.exportedLocal
      ? {
          localPrior: {
            output: LOCAL_PRIOR_OUTPUT,
            rows: s.exportedLocal.rows,
            k: s.exportedLocal.k,
            beta: s.exportedLocal.beta,
            groups: s.local!.groups,
            weight: choice.localWeight,
            estimator: s.local!.fit.estimator,
          },
        }
      : {}),
    ...(belowFloor.length > 0
      ? { warnings: belowFloor.map((id) => supportWarning(id, support.counts[models.indexOf(id)]!, floor)) }
      : {}),
    training: {
      seed: o.seed,
      stage1Statistic: chosen.statistic,
      stage1Shrinkage: chosen.shrinkage,
      supportFloor: floor,
      poolMean: support.poolMean,
      taskSupportFloor: o.taskSupportFloor,
      heads: {
        projection: h.projection,
        hidden: h.hidden,
        taskHidden: h.taskHidden,
        slots: h.slots,
        activation: h.activation,
      },
      metrics: manifestMetrics(s.metrics),
    },
  };
}

/**
 * The figures as recorded in the manifest: everything but the wall-clock `ms`, which would make two runs with the
 * same seed differ (artifact comparison and checksums rest on the manifest being a function of data and seed).
 */
function manifestMetrics(metrics: TrainMetrics): Record<string, unknown> {
  const { ms, ...reproducible } = metrics;
  void ms;
  return JSON.parse(JSON.stringify(reproducible)) as Record<string, unknown>;
}

/** The warning written for a model below the support floor (manifest.warnings, training summary). */
export function supportWarning(id: string, count: number, floor: number): string {
  return `model ${id} has ${count} observed training score${count === 1 ? '' : 's'} (< support floor ${floor}): its estimates are shrunk toward the pool's mean; add data for it`;
}

/** Per-model observed counts and priors: each model's mean shrunk toward the pool mean with pseudo-count `floor`. */
export function supportPriors(
  scores: Float32Array,
  mask: Uint8Array,
  m: number,
  floor: number,
  rows?: ArrayLike<number>,
): { counts: Float64Array; prior: Float64Array; poolMean: number } {
  const n = scores.length / m;
  const sum = new Float64Array(m);
  const counts = new Float64Array(m);
  let all = 0;
  let allCount = 0;
  const visit = (i: number): void => {
    for (let j = 0; j < m; j++) {
      if (!mask[i * m + j]) continue;
      const s = scores[i * m + j]!;
      sum[j] += s;
      counts[j] += 1;
      all += s;
      allCount += 1;
    }
  };
  if (rows) for (let a = 0; a < rows.length; a++) visit(rows[a]!);
  else for (let i = 0; i < n; i++) visit(i);
  const poolMean = allCount > 0 ? all / allCount : 0;
  const prior = Float64Array.from(sum, (s, j) =>
    counts[j]! + floor > 0 ? (s + floor * poolMean) / (counts[j]! + floor) : poolMean,
  );
  return { counts, prior, poolMean };
}

/** Blends stage-1 values resting on fewer than `floor` observed scores toward the model's prior. */
function floorStage1(
  rows: Float64Array[],
  groups: readonly ArrayLike<number>[],
  scores: Float32Array,
  mask: Uint8Array,
  m: number,
  prior: Float64Array,
  floor: number,
): Float64Array[] {
  return rows.map((row, g) => {
    const members = groups[g] ?? [];
    const out = row.slice();
    for (let j = 0; j < m; j++) {
      let c = 0;
      for (let a = 0; a < members.length; a++) if (mask[members[a]! * m + j]) c += 1;
      out[j] = floorValue(row[j]!, c, prior[j]!, floor);
    }
    void scores;
    return out;
  });
}

/**
 * Stage 2 for low-support models: the general estimate blended toward the model's prior, w · Q̃ + (1 − w) · prior
 * with w = count / (count + floor), folded exactly into the output layer (w2 · w, b2 · w + (1 − w) · prior);
 * and every estimate clipped to the observed score range.
 */
export function shrinkStage2(
  heads: QualityHeads,
  support: { counts: ArrayLike<number>; prior: ArrayLike<number> },
  floor: number,
): QualityHeads {
  const { modelCount: m, hidden: h } = heads;
  const w2 = heads.w2.slice();
  const b2 = heads.b2.slice();
  for (let j = 0; j < m; j++) {
    const c = support.counts[j]!;
    if (!(c < floor) || Number.isNaN(c)) continue;
    const w = c + floor > 0 ? c / (c + floor) : 0;
    for (let t = 0; t < h; t++) w2[j * h + t] *= w;
    b2[j] = w * b2[j]! + (1 - w) * support.prior[j]!;
  }
  return { ...heads, w2, b2 };
}

/**
 * Blends one stage-1 value resting on `count` observed scores toward `prior` when count < floor:
 * (count · value + (floor − count) · prior) / floor.
 */
export function floorValue(value: number, count: number, prior: number, floor: number): number {
  return count < floor ? (count * value + (floor - count) * prior) / floor : value;
}

/** Group id per record for the local prior: source labels when usable (and asked for), else discovered tasks. */
function localPriorGroupIds(
  records: readonly RoutingRecord[],
  assignment: ArrayLike<number>,
  position: ReadonlyMap<number, number>,
  taskCount: number,
  mode: 'auto' | 'source' | 'tasks',
): { kind: 'source' | 'tasks'; ids: Int32Array } {
  const n = records.length;
  if (mode !== 'tasks') {
    const names = new Map<string, number>();
    let usable = true;
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const src = records[i]!.source;
      if (typeof src !== 'string' || src.length === 0) {
        usable = false;
        break;
      }
      let id = names.get(src);
      if (id === undefined) names.set(src, (id = names.size));
      ids[i] = id;
    }
    if (usable && names.size >= 2) return { kind: 'source', ids };
    if (mode === 'source')
      throw new RangeError(
        "trainRouter: localPriorGroups 'source' needs a non-empty source on every record and at least two sources",
      );
  }
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = assignment[i]!;
    ids[i] = a < 0 ? taskCount : (position.get(a) ?? taskCount);
  }
  return { kind: 'tasks', ids };
}
