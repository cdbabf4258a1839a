/**
 * The evaluation table: the observed quality (and cost) of every model on every evaluated prompt, as flat
 * row-major Float64Arrays, with every data problem counted rather than averaged away.
 *
 * Missing-score policy (see docs/EVALUATION.md): a model absent from a record's `scores` has no observation for
 * that prompt; its cell is NaN. Routers only ever choose among the models scored on a prompt (the same mask for
 * every method, so all methods are averaged over the same prompts); how often that mask changed a method's
 * unmasked choice is reported per method as `maskedChoices`. Single-model rows are averaged over the prompts
 * where that model is scored and report their `scored` count. Prompts where no model of the pool is scored are
 * dropped and counted. Scores that are not finite numbers in [0, 1] and models that the training split never
 * saw are counted in {@link DataIssues} and treated as missing.
 */
import type { RoutingRecord } from '../data/types.js';

/** Counts of data problems met while building a table. Nothing here is silently averaged. */
export interface DataIssues {
  /** Records given. */
  records: number;
  /** Records kept (at least one pool model scored). */
  kept: number;
  /** Records dropped because no pool model has a score on them. */
  noScoredModel: number;
  /** (prompt, pool model) pairs without a score. */
  missingScores: number;
  /** Scores that were not finite numbers (NaN, Infinity, non-numbers): treated as missing. */
  nonFiniteScores: number;
  /** Finite scores outside [0, 1]: treated as missing. */
  outOfRangeScores: number;
  /** Models scored in these records but absent from the pool (never seen in training), with counts. */
  unknownModels: Record<string, number>;
  /** (prompt, pool model) pairs whose cost is unknown while other costs are known. */
  missingCosts: number;
}

/** Flat evaluation table over N kept prompts and M pool models. */
export interface EvalTable {
  models: readonly string[];
  /** Indices (into the records given) of the kept prompts. */
  recordIndex: Int32Array;
  ids: readonly string[];
  sources: readonly string[];
  /** N×M observed quality, NaN = not scored. */
  quality: Float64Array;
  /** N×M USD per prompt, NaN = unknown; null when no cost is known at all. */
  cost: Float64Array | null;
  issues: DataIssues;
}

/** Options of {@link buildEvalTable}. */
export interface EvalTableOptions {
  /**
   * Per-model USD per query used where a record has no per-prompt `costs` entry (a price proxy, e.g. list price
   * × an assumed token count). @defaultValue undefined (no proxy)
   */
  modelCosts?: Readonly<Record<string, number>>;
  /** Source label for records without one. @defaultValue '(none)' */
  missingSource?: string;
}

/**
 * Builds the evaluation table of the given records over a fixed model pool.
 * @param records - all records of the dataset
 * @param indices - which records to evaluate (e.g. the test split)
 * @param models - the pool, in the order the routers use
 * @param options - {@link EvalTableOptions}
 * @returns the table, with every problem counted in `issues`
 * @throws TypeError when models is empty or holds duplicates, or an index is out of range
 * @example
 * const t = buildEvalTable(records, split.test, ['a', 'b']);
 */
export function buildEvalTable(
  records: readonly RoutingRecord[],
  indices: ArrayLike<number>,
  models: readonly string[],
  options: EvalTableOptions = {},
): EvalTable {
  if (!Array.isArray(models) || models.length === 0)
    throw new TypeError('buildEvalTable: expected a non-empty model list, received none');
  const col = new Map<string, number>();
  models.forEach((m, j) => {
    if (col.has(m)) throw new TypeError(`buildEvalTable: expected unique model ids, received '${m}' twice`);
    col.set(m, j);
  });
  const M = models.length;
  const missingSource = options.missingSource ?? '(none)';
  const proxy = options.modelCosts;
  const issues: DataIssues = {
    records: indices.length,
    kept: 0,
    noScoredModel: 0,
    missingScores: 0,
    nonFiniteScores: 0,
    outOfRangeScores: 0,
    unknownModels: {},
    missingCosts: 0,
  };
  const keep: number[] = [];
  const rowsQ: Float64Array[] = [];
  const rowsC: Float64Array[] = [];
  let anyCost = false;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= records.length)
      throw new TypeError(`buildEvalTable: expected record indices in [0, ${records.length}), received ${i}`);
    const r = records[i]!;
    const q = new Float64Array(M).fill(Number.NaN);
    const c = new Float64Array(M).fill(Number.NaN);
    let scored = 0;
    for (const [model, value] of Object.entries(r.scores ?? {})) {
      const j = col.get(model);
      if (j === undefined) {
        issues.unknownModels[model] = (issues.unknownModels[model] ?? 0) + 1;
        continue;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) issues.nonFiniteScores++;
      else if (value < 0 || value > 1) issues.outOfRangeScores++;
      else {
        q[j] = value;
        scored++;
      }
    }
    for (let j = 0; j < M; j++) {
      const perPrompt = r.costs?.[models[j]!];
      if (typeof perPrompt === 'number' && Number.isFinite(perPrompt) && perPrompt >= 0) c[j] = perPrompt;
      else if (proxy && typeof proxy[models[j]!] === 'number' && Number.isFinite(proxy[models[j]!]))
        c[j] = proxy[models[j]!]!;
      if (!Number.isNaN(c[j]!)) anyCost = true;
    }
    if (scored === 0) {
      issues.noScoredModel++;
      continue;
    }
    issues.missingScores += M - scored;
    keep.push(i);
    rowsQ.push(q);
    rowsC.push(c);
  }
  const N = keep.length;
  issues.kept = N;
  const quality = new Float64Array(N * M);
  const cost = anyCost ? new Float64Array(N * M) : null;
  for (let n = 0; n < N; n++) {
    quality.set(rowsQ[n]!, n * M);
    if (cost) {
      cost.set(rowsC[n]!, n * M);
      for (let j = 0; j < M; j++) if (Number.isNaN(rowsC[n]![j]!)) issues.missingCosts++;
    }
  }
  return {
    models: [...models],
    recordIndex: Int32Array.from(keep),
    ids: keep.map((i) => records[i]!.id),
    sources: keep.map((i) => records[i]!.source ?? missingSource),
    quality,
    cost,
    issues,
  };
}

/**
 * The model pool of a training split: every model scored on at least one training record, sorted by id.
 * @param records - all records
 * @param indices - training record indices
 * @returns sorted model ids
 * @example poolOf(records, split.train) // ['gpt-4', 'mixtral']
 */
export function poolOf(records: readonly RoutingRecord[], indices: ArrayLike<number>): string[] {
  const set = new Set<string>();
  for (let k = 0; k < indices.length; k++) for (const m of Object.keys(records[indices[k]!]!.scores ?? {})) set.add(m);
  return [...set].sort();
}

/**
 * Expected cost per query of each model (mean over the prompts where its cost is known), used by routers to
 * pick the cheapest model within tolerance. NaN where no cost is known.
 * @param table - an evaluation table (normally of the training split)
 * @returns Float64Array of length M
 * @example meanModelCost(trainTable)[0]
 */
export function meanModelCost(table: EvalTable): Float64Array {
  const M = table.models.length;
  const out = new Float64Array(M).fill(Number.NaN);
  if (!table.cost) return out;
  const N = table.ids.length;
  for (let j = 0; j < M; j++) {
    let s = 0;
    let n = 0;
    for (let i = 0; i < N; i++) {
      const v = table.cost[i * M + j]!;
      if (!Number.isNaN(v)) {
        s += v;
        n++;
      }
    }
    if (n > 0) out[j] = s / n;
  }
  return out;
}
