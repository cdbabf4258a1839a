/**
 * K-fold cross-validation of routing methods: every method is fitted on the same training folds of the same
 * frozen prompt embeddings, predicts a quality score per (prompt, model) on its test fold, and the harness turns
 * predictions into choices with one selection rule for every method ({@link selectByScores}: the highest score
 * among the models scored on the prompt, cheapest within tolerance τ). Per-prompt outcomes are pooled over the
 * folds, so every prompt of the dataset is scored exactly once per method, by a model that never saw it.
 *
 * Folds ({@link stratifiedFolds}): the prompts are grouped by `source` (one group when no record has one), each
 * group is shuffled with the seeded mulberry32 generator, the groups are concatenated in sorted source order and
 * prompt r of that sequence goes to fold r mod K. Every fold thus holds ⌊n_s/K⌋ or ⌈n_s/K⌉ prompts of each
 * source and the fold sizes differ by at most one. Data with its own `split` field is folded the same way over
 * all its records (the given split is ignored in cross-validation; `finerouter eval` without `--folds` still
 * evaluates it, see docs/EVALUATION.md).
 *
 * Sources: Kohavi 1995 (stratified K-fold); the per-prompt pooling follows Bengio & Grandvalet 2004's advice to
 * treat the pooled CV estimate as one sample for resampling (intervals are computed by ./bootstrap.ts).
 *
 * Pure: no fs, no runtime. Methods that need a runtime receive it through their own factory.
 */
import { throwIfAborted } from '../errors.js';
import type { RoutingRecord } from '../data/types.js';
import { mulberry32 } from '../random.js';
import { buildEvalTable, meanModelCost, type EvalTable, type EvalTableOptions } from './table.js';
import { selectByScores } from './metrics.js';

/** What a method sees when it is fitted on one fold. */
export interface FoldData {
  /** Every record of the dataset (the same array for every fold and method). */
  readonly records: readonly RoutingRecord[];
  /** records.length × dimension prompt embeddings, row i = record i (L2-normalized). */
  readonly embeddings: Float32Array;
  readonly dimension: number;
  /** The model pool, in the column order of every prediction. */
  readonly models: readonly string[];
  /** Record indices of the training fold (ascending). Only these may be used for fitting. */
  readonly train: Int32Array;
  /** Record indices of the test fold (ascending); given so a method can size its work, never to fit on. */
  readonly test: Int32Array;
  /** Fold number, 0..K−1. */
  readonly fold: number;
  /** Seed of this run (methods derive their own streams from it). */
  readonly seed: number;
  /** Expected USD per query per model over the training fold (NaN = unknown). */
  readonly modelCost: Float64Array;
  readonly signal?: AbortSignal;
  /** Progress inside the fit: (stage, done, total). */
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

/** A method fitted on one training fold. */
export interface FittedMethod {
  /**
   * Predicted quality (or any score where higher is better) of every model on the given records:
   * indices.length × models.length, row-major, finite.
   */
  predict(indices: Int32Array): Float64Array | Promise<Float64Array>;
  /**
   * Optional predicted quality on the score scale, same shape as `predict`, where `predict` returns a score
   * that is only meaningful per prompt (e.g. FineRouter's min-max normalized Eq. 5 score, which takes only a few
   * values on a two-model pool). Used to rank prompts across the pool (APGR/CPT); default: `predict`'s output.
   */
  expected?(indices: Int32Array): Float64Array | Promise<Float64Array>;
  /** Optional task id per record (−1 = Others), for the per-task oracle. */
  tasks?(indices: Int32Array): Int32Array | Promise<Int32Array>;
  /** Optional facts about the fit (chosen hyper-parameters, timings), copied into the report per fold. */
  readonly info?: Readonly<Record<string, unknown>>;
}

/** A routing method under cross-validation. */
export interface CrossValMethod {
  /** Unique name in reports (e.g. `knn`, `finerouter`). */
  readonly name: string;
  /** `reference` rows (oracle, per-source oracle) are upper bounds, not routers; `router` otherwise. */
  readonly kind?: 'router' | 'reference' | 'baseline';
  fit(fold: FoldData): Promise<FittedMethod>;
}

/** Options of {@link crossValidate}. */
export interface CrossValOptions {
  records: readonly RoutingRecord[];
  embeddings: Float32Array;
  dimension: number;
  methods: readonly CrossValMethod[];
  /** Number of folds K ≥ 2. @defaultValue 5 */
  folds?: number;
  /** Seed of the fold assignment; passed to every method. @defaultValue 0 */
  seed?: number;
  /** Model pool; default every model scored on some record, sorted. */
  models?: readonly string[];
  /** Per-model USD per query where records carry no per-prompt costs. */
  modelCosts?: Readonly<Record<string, number>>;
  /** Tolerance τ of the reported (τ = 0 by default) choice. @defaultValue 0 */
  tolerance?: number;
  /** Methods (by name) whose `tasks` feed a per-task oracle row `task-oracle:<name>`. @defaultValue ['finerouter'] */
  taskOracles?: readonly string[];
  /**
   * Runs the given folds and returns their outputs in the same order, e.g. in worker processes that each call
   * {@link crossValidateFold} with the same options. @defaultValue one after another in this process
   */
  runFolds?: (folds: readonly number[]) => Promise<FoldOutput[]>;
  signal?: AbortSignal;
  /** Progress: (method, fold, stage). */
  onProgress?: (event: {
    method: string;
    fold: number;
    folds: number;
    stage: string;
    done?: number;
    total?: number;
  }) => void;
}

/** Pooled out-of-fold results of one method. */
export interface MethodOutcome {
  name: string;
  kind: 'router' | 'reference' | 'baseline';
  /** N×M scores (table rows), each row from the fold where that prompt was tested. */
  scores: Float64Array;
  /** N×M predicted quality on the score scale (`FittedMethod.expected`), or `scores` when the method has none. */
  expected: Float64Array;
  /** Chosen column per table row at the run's τ. */
  choice: Int32Array;
  /** Observed quality of the choice per row (never NaN: selection only picks scored models). */
  quality: Float64Array;
  /** Cost of the choice per row (NaN = unknown), null when the data has no costs. */
  cost: Float64Array | null;
  /** Fit and predict milliseconds per fold. */
  fitMs: number[];
  predictMs: number[];
  /** `info` of each fold's fit. */
  info: (Readonly<Record<string, unknown>> | null)[];
}

/** Result of {@link crossValidate}. */
export interface CrossValResult {
  /** The pooled table: every kept prompt (some model scored) × the pool. */
  table: EvalTable;
  models: string[];
  folds: number;
  seed: number;
  /** Fold of each table row. */
  foldOf: Int32Array;
  /** Train-fold expected cost per model, one Float64Array (M) per fold. */
  foldModelCost: Float64Array[];
  /** Column of the best single model chosen on each training fold (highest training mean). */
  foldBestSingle: Int32Array;
  /** Single models and the train-fold best single as per-row outcomes (quality NaN where unscored). */
  singles: { quality: Float64Array[]; cost: (Float64Array | null)[] };
  /** The train-fold-chosen best single model's per-row quality/cost (NaN quality where that model is unscored). */
  bestSingle: { quality: Float64Array; cost: Float64Array | null; names: string[] };
  methods: MethodOutcome[];
  /** Per-source counts of table rows per fold (stratification check). */
  strata: Record<string, number[]>;
  /** Methods skipped because they threw, with the message. */
  failures: { method: string; fold: number; message: string }[];
  timings: { totalMs: number };
}

/**
 * Seeded stratified K-fold assignment (see the file header).
 * @param strata - stratum label per item (e.g. record sources; use one constant label for plain K-fold)
 * @param folds - K ≥ 2, at most the number of items
 * @param seed - shuffle seed
 * @returns fold per item, 0..K−1
 * @throws RangeError when K < 2, K is not an integer or exceeds the item count
 * @example stratifiedFolds(['a', 'a', 'b', 'b'], 2, 0) // each fold gets one 'a' and one 'b'
 */
export function stratifiedFolds(strata: readonly string[], folds: number, seed: number): Int32Array {
  if (!Number.isInteger(folds) || folds < 2)
    throw new RangeError(`stratifiedFolds: expected an integer number of folds ≥ 2, received ${folds}`);
  if (folds > strata.length)
    throw new RangeError(
      `stratifiedFolds: expected at most ${strata.length} folds (one prompt each), received ${folds}`,
    );
  if (!Number.isFinite(seed)) throw new RangeError(`stratifiedFolds: expected a finite seed, received ${seed}`);
  const groups = new Map<string, number[]>();
  strata.forEach((s, i) => {
    const g = groups.get(s);
    if (g) g.push(i);
    else groups.set(s, [i]);
  });
  const rand = mulberry32(seed);
  const out = new Int32Array(strata.length);
  let r = 0;
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    for (let k = g.length - 1; k > 0; k--) {
      const j = Math.floor(rand() * (k + 1));
      const t = g[k]!;
      g[k] = g[j]!;
      g[j] = t;
    }
    for (const i of g) out[i] = r++ % folds;
  }
  return out;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** A table restricted to some rows (used for per-fold selection with the shared selection rule). */
export function subTable(table: EvalTable, rows: ArrayLike<number>): EvalTable {
  const M = table.models.length;
  const quality = new Float64Array(rows.length * M);
  const cost = table.cost ? new Float64Array(rows.length * M) : null;
  const ids: string[] = [];
  const sources: string[] = [];
  const recordIndex = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    quality.set(table.quality.subarray(r * M, (r + 1) * M), k * M);
    if (cost) cost.set(table.cost!.subarray(r * M, (r + 1) * M), k * M);
    ids.push(table.ids[r]!);
    sources.push(table.sources[r]!);
    recordIndex[k] = table.recordIndex[r]!;
  }
  return { models: table.models, recordIndex, ids, sources, quality, cost, issues: table.issues };
}

/** Training mean quality per model over some table rows (NaN cells skipped; 0 for a model never scored). */
export function rowMeans(table: EvalTable, rows: ArrayLike<number>): Float64Array {
  const M = table.models.length;
  const s = new Float64Array(M);
  const n = new Float64Array(M);
  for (let k = 0; k < rows.length; k++) {
    const o = rows[k]! * M;
    for (let j = 0; j < M; j++) {
      const v = table.quality[o + j]!;
      if (!Number.isNaN(v)) {
        s[j]! += v;
        n[j]!++;
      }
    }
  }
  for (let j = 0; j < M; j++) s[j] = n[j]! > 0 ? s[j]! / n[j]! : 0;
  return s;
}

/** Index of the largest value (ties → lower index). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < values.length; j++) if (values[j]! > values[best]!) best = j;
  return best;
}

/** What one fold produced for one method (serializable: typed arrays and plain objects only). */
export interface FoldMethodOutput {
  name: string;
  /** The message when the method threw on this fold (the method is then left out of the result). */
  failure: string | null;
  /** test.length × M predictions, in the order of the fold's test rows. */
  scores: Float64Array;
  /** test.length × M predicted quality on the score scale, when the method has `expected`. */
  expected: Float64Array | null;
  /** Chosen column per test row at the run's τ. */
  choice: Int32Array;
  /** Per-task oracle choice per test row, when the method feeds one. */
  taskChoice: Int32Array | null;
  fitMs: number;
  predictMs: number;
  info: Readonly<Record<string, unknown>> | null;
}

/** What one fold produced ({@link crossValidateFold}); the same on every machine and in every process. */
export interface FoldOutput {
  fold: number;
  methods: FoldMethodOutput[];
}

/** The folds and tables shared by every fold of one run (computed once per options object). */
interface Plan {
  table: EvalTable;
  models: string[];
  N: number;
  M: number;
  K: number;
  seed: number;
  tau: number;
  foldOf: Int32Array;
  foldRows: { train: Int32Array; test: Int32Array }[];
  foldModelCost: Float64Array[];
  foldBestSingle: Int32Array;
  strata: Record<string, number[]>;
}

const plans = new WeakMap<CrossValOptions, Plan>();

function planOf(options: CrossValOptions): Plan {
  const hit = plans.get(options);
  if (hit) return hit;
  const { records, embeddings, dimension: D, methods } = options;
  if (!Array.isArray(records))
    throw new TypeError(`crossValidate: expected an array of records, received ${typeof records}`);
  if (
    !(embeddings instanceof Float32Array) ||
    !Number.isInteger(D) ||
    D < 1 ||
    embeddings.length !== records.length * D
  ) {
    throw new TypeError(
      `crossValidate: expected ${records.length}×${D} Float32Array embeddings, received ${embeddings instanceof Float32Array ? embeddings.length : typeof embeddings}`,
    );
  }
  const names = new Set<string>();
  for (const m of methods) {
    if (names.has(m.name))
      throw new TypeError(`crossValidate: expected unique method names, received '${m.name}' twice`);
    names.add(m.name);
  }
  const K = options.folds ?? 5;
  const seed = options.seed ?? 0;
  const tau = options.tolerance ?? 0;
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`crossValidate: expected tolerance in [0, 1], received ${tau}`);
  let models: string[];
  if (options.models) models = [...options.models];
  else {
    const set = new Set<string>();
    for (const r of records) for (const m of Object.keys(r.scores ?? {})) set.add(m);
    models = [...set].sort();
  }
  const tableOpts: EvalTableOptions = options.modelCosts ? { modelCosts: options.modelCosts } : {};
  const all = Int32Array.from(records.keys());
  const table = buildEvalTable(records, all, models, tableOpts);
  const N = table.ids.length;
  const M = models.length;
  if (N < K) throw new RangeError(`crossValidate: expected at least ${K} prompts with a score, received ${N}`);
  const foldOf = stratifiedFolds(table.sources, K, seed);
  const strata: Record<string, number[]> = {};
  for (let i = 0; i < N; i++) (strata[table.sources[i]!] ??= new Array<number>(K).fill(0))[foldOf[i]!]!++;
  const foldRows: { train: Int32Array; test: Int32Array }[] = [];
  for (let f = 0; f < K; f++) {
    const tr: number[] = [];
    const te: number[] = [];
    for (let i = 0; i < N; i++) (foldOf[i] === f ? te : tr).push(i);
    foldRows.push({ train: Int32Array.from(tr), test: Int32Array.from(te) });
  }
  const foldModelCost: Float64Array[] = [];
  const foldBestSingle = new Int32Array(K);
  for (let f = 0; f < K; f++) {
    foldModelCost.push(meanModelCost(subTable(table, foldRows[f]!.train)));
    foldBestSingle[f] = argmax(rowMeans(table, foldRows[f]!.train));
  }
  const plan: Plan = { table, models, N, M, K, seed, tau, foldOf, foldRows, foldModelCost, foldBestSingle, strata };
  plans.set(options, plan);
  return plan;
}

/**
 * Fits and scores every method on one fold of {@link crossValidate}'s plan. The folds of a run are independent
 * (every method derives its randomness from the run's seed and the fold number), so they may run in any order,
 * in other processes: `finerouter eval --jobs N` hands folds to worker processes that call this function with
 * the same options and returns their outputs to {@link crossValidate} (`runFolds`). A method that throws is
 * recorded as failed on this fold; ABORTED is re-thrown.
 * @param options - the run's {@link CrossValOptions} (`runFolds` is ignored here)
 * @param fold - 0..K−1
 * @returns the fold's per-method outputs
 * @throws RangeError on a fold outside 0..K−1 (and whatever {@link crossValidate} throws on bad options)
 * @example const out = await crossValidateFold(options, 0);
 */
export async function crossValidateFold(options: CrossValOptions, fold: number): Promise<FoldOutput> {
  const plan = planOf(options);
  const { table, models, M, K, seed, tau, foldRows, foldModelCost, foldBestSingle } = plan;
  if (!(Number.isInteger(fold) && fold >= 0 && fold < K))
    throw new RangeError(`crossValidateFold: expected a fold in 0..${K - 1}, received ${fold}`);
  const { records, embeddings, dimension: D, methods } = options;
  const taskOracles = options.taskOracles ?? ['finerouter'];
  const f = fold;
  const { train, test } = foldRows[f]!;
  const trainRec = Int32Array.from(train, (r) => table.recordIndex[r]!);
  const testRec = Int32Array.from(test, (r) => table.recordIndex[r]!);
  const sub = subTable(table, test);
  const outputs: FoldMethodOutput[] = [];
  for (const method of methods) {
    throwIfAborted(options.signal, 'crossValidate');
    const emit = (stage: string, done?: number, total?: number): void =>
      options.onProgress?.({
        method: method.name,
        fold: f,
        folds: K,
        stage,
        ...(done !== undefined ? { done } : {}),
        ...(total !== undefined ? { total } : {}),
      });
    const out: FoldMethodOutput = {
      name: method.name,
      failure: null,
      scores: new Float64Array(0),
      expected: null,
      choice: new Int32Array(0),
      taskChoice: null,
      fitMs: 0,
      predictMs: 0,
      info: null,
    };
    outputs.push(out);
    emit('fit');
    try {
      let t = now();
      const fitted = await method.fit({
        records,
        embeddings,
        dimension: D,
        models,
        train: trainRec,
        test: testRec,
        fold: f,
        seed,
        modelCost: foldModelCost[f]!,
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (stage, done, total) => emit(stage, done, total),
      });
      out.fitMs = now() - t;
      t = now();
      emit('predict');
      const pred = await fitted.predict(testRec);
      out.predictMs = now() - t;
      if (!(pred instanceof Float64Array) || pred.length !== test.length * M) {
        throw new TypeError(
          `crossValidate: method '${method.name}' predicted ${pred instanceof Float64Array ? pred.length : typeof pred} values, expected ${test.length}×${M}`,
        );
      }
      for (let k = 0; k < pred.length; k++) {
        if (!Number.isFinite(pred[k]!))
          throw new RangeError(
            `crossValidate: method '${method.name}' predicted a non-finite score ${pred[k]} (fold ${f}, row ${Math.floor(k / M)})`,
          );
      }
      out.scores = pred;
      out.choice = selectByScores(sub, pred, { tolerance: tau, modelCost: foldModelCost[f]! }).choice;
      out.info = fitted.info ?? null;
      if (fitted.expected) {
        const ex = await fitted.expected(testRec);
        if (!(ex instanceof Float64Array) || ex.length !== test.length * M || !ex.every(Number.isFinite)) {
          throw new TypeError(
            `crossValidate: method '${method.name}' returned ${ex instanceof Float64Array ? ex.length : typeof ex} expected values, expected ${test.length}×${M} finite values`,
          );
        }
        out.expected = ex;
      }
      if (taskOracles.includes(method.name) && fitted.tasks) {
        const trTasks = await fitted.tasks(trainRec);
        const teTasks = await fitted.tasks(testRec);
        const byTask = new Map<number, number[]>();
        for (let k = 0; k < train.length; k++) {
          const key = trTasks[k]!;
          const g = byTask.get(key);
          if (g) g.push(train[k]!);
          else byTask.set(key, [train[k]!]);
        }
        const bestOf = new Map<number, number>();
        for (const [key, rows] of byTask) bestOf.set(key, argmax(rowMeans(table, rows)));
        const fallback = foldBestSingle[f]!;
        out.taskChoice = Int32Array.from(teTasks, (task) => bestOf.get(task) ?? fallback);
      }
    } catch (error) {
      if (error instanceof Error && (error as { code?: string }).code === 'ABORTED') throw error;
      out.failure = error instanceof Error ? error.message : String(error);
    }
  }
  return { fold: f, methods: outputs };
}

/**
 * Runs K-fold cross-validation of every method (see the file header) and pools the out-of-fold outcomes.
 * A method that throws on a fold is recorded in `failures` and left out of the result (all its folds), so one
 * broken method never hides the others; ABORTED is re-thrown. Folds run one after another unless
 * `options.runFolds` runs them elsewhere; the result is the same either way.
 * @param options - {@link CrossValOptions}
 * @returns pooled outcomes per method plus the single models and the train-fold best single
 * @throws TypeError on mismatched embeddings or duplicate method names; RangeError on bad folds/τ or no usable
 *   prompt; FineRouterError ABORTED
 * @example
 * const cv = await crossValidate({ records, embeddings, dimension: 384, methods: [knnMethod()], folds: 5 });
 */
export async function crossValidate(options: CrossValOptions): Promise<CrossValResult> {
  const t0 = now();
  const plan = planOf(options);
  const { table, models, N, M, K, seed, foldOf, foldRows, foldModelCost, foldBestSingle, strata } = plan;
  const { methods } = options;

  // Single models and the train-fold best single, as per-row outcomes.
  const singlesQ: Float64Array[] = [];
  const singlesC: (Float64Array | null)[] = [];
  for (let j = 0; j < M; j++) {
    const q = new Float64Array(N);
    const c = table.cost ? new Float64Array(N) : null;
    for (let i = 0; i < N; i++) {
      q[i] = table.quality[i * M + j]!;
      if (c) c[i] = table.cost![i * M + j]!;
    }
    singlesQ.push(q);
    singlesC.push(c);
  }
  const bestQ = new Float64Array(N);
  const bestC = table.cost ? new Float64Array(N) : null;
  for (let i = 0; i < N; i++) {
    const j = foldBestSingle[foldOf[i]!]!;
    bestQ[i] = table.quality[i * M + j]!;
    if (bestC) bestC[i] = table.cost![i * M + j]!;
  }

  const folds = Array.from({ length: K }, (_, f) => f);
  let byFold: FoldOutput[];
  if (options.runFolds) {
    byFold = await options.runFolds(folds);
    if (
      byFold.length !== K ||
      byFold.some((o, f) => o.fold !== f || o.methods.length !== methods.length) ||
      byFold.some((o) => o.methods.some((m, mi) => m.name !== methods[mi]!.name))
    ) {
      throw new TypeError(
        `crossValidate: runFolds returned ${byFold.length} fold outputs that do not match the ${K} folds × ${methods.length} methods asked for`,
      );
    }
  } else {
    byFold = [];
    // Folds outer, methods inner: methods that share one training per fold (FineRouter and its ablations) fit
    // back to back on the same fold.
    for (const f of folds) byFold.push(await crossValidateFold(options, f));
  }

  const outcomes: MethodOutcome[] = [];
  const failures: CrossValResult['failures'] = [];
  methods.forEach((method, mi) => {
    const scores = new Float64Array(N * M);
    const choice = new Int32Array(N);
    const taskChoice = new Int32Array(N).fill(-1);
    let expected: Float64Array | null = null;
    let hasTasks = true;
    let failed = false;
    const fitMs: number[] = [];
    const predictMs: number[] = [];
    const info: MethodOutcome['info'] = [];
    for (let f = 0; f < K && !failed; f++) {
      const o = byFold[f]!.methods[mi]!;
      if (o.failure !== null) {
        failures.push({ method: method.name, fold: f, message: o.failure });
        failed = true;
        break;
      }
      const test = foldRows[f]!.test;
      fitMs.push(o.fitMs);
      predictMs.push(o.predictMs);
      info.push(o.info);
      for (let k = 0; k < test.length; k++) {
        scores.set(o.scores.subarray(k * M, (k + 1) * M), test[k]! * M);
        choice[test[k]!] = o.choice[k]!;
      }
      if (o.expected) {
        expected ??= new Float64Array(N * M);
        for (let k = 0; k < test.length; k++) expected.set(o.expected.subarray(k * M, (k + 1) * M), test[k]! * M);
      }
      if (o.taskChoice) for (let k = 0; k < test.length; k++) taskChoice[test[k]!] = o.taskChoice[k]!;
      else hasTasks = false;
    }
    if (failed) return;
    outcomes.push(outcomeOf(method.name, method.kind ?? 'router', scores, choice, fitMs, predictMs, info, expected));
    if (!hasTasks) return;
    // Per-task oracle: each test prompt gets the best training-fold model of its predicted task; the score row
    // is one-hot over half the training means, so the shared selection rule falls back to the best-mean model
    // only where the pick is unscored.
    const tScores = new Float64Array(N * M);
    for (let f = 0; f < K; f++) {
      const means = rowMeans(table, foldRows[f]!.train);
      for (const i of foldRows[f]!.test) for (let j = 0; j < M; j++) tScores[i * M + j] = means[j]! / 2;
    }
    for (let i = 0; i < N; i++) tScores[i * M + taskChoice[i]!] = 1;
    const tChoice = new Int32Array(N);
    for (let f = 0; f < K; f++) {
      const test = foldRows[f]!.test;
      const sel = selectByScores(subTable(table, test), gatherScoreRows(tScores, M, test), {
        tolerance: 0,
        modelCost: foldModelCost[f]!,
      });
      for (let k = 0; k < test.length; k++) tChoice[test[k]!] = sel.choice[k]!;
    }
    outcomes.push(outcomeOf(`task-oracle:${method.name}`, 'reference', tScores, tChoice, [], [], []));
  });
  return {
    table,
    models,
    folds: K,
    seed,
    foldOf,
    foldModelCost,
    foldBestSingle,
    singles: { quality: singlesQ, cost: singlesC },
    bestSingle: { quality: bestQ, cost: bestC, names: Array.from(foldBestSingle, (j) => models[j]!) },
    methods: outcomes,
    strata,
    failures,
    timings: { totalMs: now() - t0 },
  };

  function outcomeOf(
    name: string,
    kind: MethodOutcome['kind'],
    scores: Float64Array,
    choice: Int32Array,
    fitMs: number[],
    predictMs: number[],
    info: MethodOutcome['info'],
    expected: Float64Array | null = null,
  ): MethodOutcome {
    const quality = new Float64Array(N);
    const cost = table.cost ? new Float64Array(N) : null;
    for (let i = 0; i < N; i++) {
      quality[i] = table.quality[i * M + choice[i]!]!;
      if (cost) cost[i] = table.cost![i * M + choice[i]!]!;
    }
    return { name, kind, scores, expected: expected ?? scores, choice, quality, cost, fitMs, predictMs, info };
  }
}

function gatherScoreRows(scores: Float64Array, M: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * M);
  for (let k = 0; k < rows.length; k++) out.set(scores.subarray(rows[k]! * M, (rows[k]! + 1) * M), k * M);
  return out;
}
