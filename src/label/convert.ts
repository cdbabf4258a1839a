/**
 * Converters from published routing-data layouts to routing JSONL records (src/data/types.ts). Pure:
 * they take rows already read (CSV via parseCsv, JSONL or JSON parsed) and return records plus a
 * report of every row dropped and every conflicting value.
 *
 * Layouts
 * - long: one row per prompt × model with prompt, model, score and optional id, cost, source, split
 *   columns (names given by the caller). Most logs and benchmark dumps look like this.
 * - routerbench: RouterBench (Hu et al. 2024, withmartian/routerbench) wide table, exported to CSV or
 *   JSONL from its pickle: `sample_id, prompt, eval_name`, and per model `M` (score),
 *   `M|model_response`, `M|total_cost` (USD). Models are the columns that have a `|total_cost` twin.
 * - routellm: RouteLLM (Ong et al. 2024) evaluation tables, e.g. `mmlu_<subject>.csv`:
 *   `prompt` and one correctness column per model (True/False or numbers); `*_response` columns are
 *   ignored. No costs.
 * - llmrouter: LLMRouter (ulab-uiuc) routing JSONL, long: `task_name, query, model_name, performance`
 *   and, where present, `cost`.
 * - scores: the DC-Router / RouterDC arrays `[{question, scores: {model: score}}]` (LLMRouter's
 *   `dcrouter_preprocessed/*.json`, RouterDC `datasets/*.json`), where `scores` may be a Python dict
 *   literal in a string.
 *
 * Rules: a prompt's id is the id column when there is one, else `h` + the first 16 hex characters of
 * sha256(prompt) (stable across files, so rows of one prompt in several files merge). Scores must be
 * finite numbers in [0, 1] after the optional linear rescale from `scoreRange`; `true`/`false`
 * (any case) count as 1/0; empty, `NA`, `nan`, `None` count as missing (row dropped, reported).
 * Two rows for the same (prompt, model) with different scores are a conflict: kept per `onConflict`
 * (mean by default) and reported. The same id with a different prompt text is a conflict too (the
 * first text is kept).
 */
import { FineRouterError } from '../errors.js';
import type { RoutingRecord } from '../data/types.js';
import { sha256Digest } from '../router/router.js';

/** One input row with the line (or array index + 1) it came from. */
export interface SourceRow {
  line: number;
  row: Readonly<Record<string, unknown>>;
}

/** Column names of the long layout. */
export interface LongColumns {
  prompt: string;
  model: string;
  score: string;
  /** @defaultValue none (ids from sha256 of the prompt) */
  id?: string;
  /** USD per row. @defaultValue none */
  cost?: string;
  /** @defaultValue none */
  source?: string;
  /** @defaultValue none */
  split?: string;
}

/** Options shared by the converters. */
export interface ConvertOptions {
  /** What to keep when one (prompt, model) has different scores. @defaultValue 'mean' */
  onConflict?: 'mean' | 'first' | 'last' | 'error';
  /** Raw score range mapped linearly onto [0, 1] (e.g. [1, 10] for MT-Bench ratings). @defaultValue [0, 1] */
  scoreRange?: readonly [number, number];
  /** `source` for records whose rows carry none. @defaultValue none */
  source?: string;
  /** `split` for records whose rows carry none. @defaultValue none */
  split?: string;
  /** Keep only these models (others are ignored, not reported). @defaultValue all */
  models?: readonly string[];
}

/** What a conversion dropped or merged. */
export interface ConvertReport {
  /** Input rows seen. */
  rows: number;
  /** Records written. */
  records: number;
  /** Model ids found, sorted. */
  models: string[];
  /** Rows (or cells) left out, with the reason. */
  dropped: { line: number; reason: string }[];
  /** Conflicting values: what was kept. */
  conflicts: { line: number; id: string; model?: string; reason: string }[];
}

/** Result of a conversion. */
export interface ConvertResult {
  records: RoutingRecord[];
  report: ConvertReport;
}

/**
 * Defaults of {@link ConvertOptions}.
 *
 * @example
 * CONVERT_DEFAULTS.onConflict; // 'mean': repeated (prompt, model) labels are averaged
 */
export const CONVERT_DEFAULTS = Object.freeze({
  onConflict: 'mean' as const,
  scoreRange: Object.freeze([0, 1] as const),
});

const MISSING = new Set(['', 'na', 'nan', 'none', 'null', 'n/a']);

interface Cell {
  id?: string;
  prompt: string;
  model: string;
  score: unknown;
  cost?: unknown;
  source?: unknown;
  split?: unknown;
  line: number;
}

/**
 * Wide layouts (one row per prompt in column `prompt`, one column per model) → one cell per (row, model), with the
 * id from `idColumn` and the other fields from `fields`; rows without prompt text are dropped.
 */
function wideCells(
  rows: readonly SourceRow[],
  models: readonly string[],
  idColumn: string,
  fields: (row: SourceRow['row'], model: string) => Pick<Cell, 'score' | 'cost' | 'source' | 'split'>,
): { cells: Cell[]; dropped: ConvertReport['dropped'] } {
  const cells: Cell[] = [];
  const dropped: ConvertReport['dropped'] = [];
  for (const { line, row } of rows) {
    const prompt = text(row.prompt);
    if (prompt === undefined) {
      dropped.push({ line, reason: "no text in 'prompt'" });
      continue;
    }
    const id = text(row[idColumn]);
    for (const model of models) {
      const cell: Cell = { prompt, model, ...fields(row, model), line };
      if (id !== undefined) cell.id = id;
      cells.push(cell);
    }
  }
  return { cells, dropped };
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function parseValue(value: unknown): number | 'missing' | 'invalid' {
  if (value === undefined || value === null) return 'missing';
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value : 'missing';
  if (typeof value !== 'string') return 'invalid';
  const t = value.trim();
  if (MISSING.has(t.toLowerCase())) return 'missing';
  if (/^true$/i.test(t)) return 1;
  if (/^false$/i.test(t)) return 0;
  const x = Number(t);
  return Number.isFinite(x) ? x : 'invalid';
}

function checkOptions(
  options: ConvertOptions,
  fn: string,
): Required<Pick<ConvertOptions, 'onConflict'>> & { lo: number; hi: number } {
  const onConflict = options.onConflict ?? CONVERT_DEFAULTS.onConflict;
  if (!['mean', 'first', 'last', 'error'].includes(onConflict))
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `${fn}: onConflict must be mean, first, last or error, received ${String(onConflict)}`,
    );
  const [lo, hi] = options.scoreRange ?? CONVERT_DEFAULTS.scoreRange;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo))
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `${fn}: scoreRange must be [min, max] with min < max, received [${lo}, ${hi}]`,
    );
  return { onConflict, lo, hi };
}

const textEncoder = new TextEncoder();

async function promptId(prompt: string): Promise<string> {
  return `h${(await sha256Digest(textEncoder.encode(prompt))).slice(0, 16)}`;
}

/** Groups cells into records with the conflict and drop rules of the file header. */
async function assemble(
  cells: Iterable<Cell>,
  rows: number,
  options: ConvertOptions,
  fn: string,
  preDropped: ConvertReport['dropped'] = [],
): Promise<ConvertResult> {
  const { onConflict, lo, hi } = checkOptions(options, fn);
  const keep = options.models ? new Set(options.models) : undefined;
  const report: ConvertReport = { rows, records: 0, models: [], dropped: [...preDropped], conflicts: [] };
  interface Merged {
    first: number;
    last: number;
    sum: number;
    n: number;
    values: Set<number>;
  }
  interface Acc {
    id: string;
    prompt: string;
    source?: string;
    split?: string;
    scores: Map<string, Merged>;
    costs: Map<string, Merged>;
  }
  const byId = new Map<string, Acc>();
  const models = new Set<string>();
  const merge = (map: Acc['scores'], model: string, value: number, line: number, id: string, what: string): void => {
    const prior = map.get(model);
    if (!prior) {
      map.set(model, { first: value, last: value, sum: value, n: 1, values: new Set([value]) });
      return;
    }
    if (!prior.values.has(value)) {
      if (onConflict === 'error')
        throw new FineRouterError(
          'DATA_INVALID',
          `${fn}: line ${line}: ${what} of '${model}' on prompt '${id}' is ${value}, an earlier row says ${prior.last}`,
        );
      report.conflicts.push({
        line,
        id,
        model,
        reason: `${what} ${value} differs from an earlier row (${[...prior.values].join(', ')}): keeping the ${onConflict}`,
      });
      prior.values.add(value);
    }
    prior.sum += value;
    prior.n++;
    prior.last = value;
  };
  const kept = (v: Merged): number =>
    onConflict === 'first' || onConflict === 'error'
      ? v.first
      : onConflict === 'last'
        ? v.last
        : v.values.size === 1
          ? v.first
          : v.sum / v.n;
  for (const cell of cells) {
    if (keep && !keep.has(cell.model)) continue;
    if (cell.prompt.trim().length === 0) {
      report.dropped.push({ line: cell.line, reason: 'empty prompt' });
      continue;
    }
    if (cell.model.trim().length === 0) {
      report.dropped.push({ line: cell.line, reason: 'empty model' });
      continue;
    }
    const raw = parseValue(cell.score);
    if (raw === 'missing') {
      report.dropped.push({ line: cell.line, reason: `no score for '${cell.model}'` });
      continue;
    }
    if (raw === 'invalid') {
      report.dropped.push({
        line: cell.line,
        reason: `score of '${cell.model}' is not a number: ${JSON.stringify(String(cell.score).slice(0, 40))}`,
      });
      continue;
    }
    const score = (raw - lo) / (hi - lo);
    if (!(score >= 0 && score <= 1)) {
      report.dropped.push({ line: cell.line, reason: `score ${raw} of '${cell.model}' is outside [${lo}, ${hi}]` });
      continue;
    }
    let cost: number | undefined;
    if (cell.cost !== undefined) {
      const c = parseValue(cell.cost);
      if (c === 'invalid' || (typeof c === 'number' && c < 0)) {
        report.dropped.push({
          line: cell.line,
          reason: `cost of '${cell.model}' is not a number ≥ 0: ${JSON.stringify(String(cell.cost).slice(0, 40))}`,
        });
        continue;
      }
      if (typeof c === 'number') cost = c;
    }
    const id = cell.id !== undefined && cell.id.trim() !== '' ? cell.id : await promptId(cell.prompt);
    let acc = byId.get(id);
    if (!acc) {
      acc = { id, prompt: cell.prompt, scores: new Map(), costs: new Map() };
      byId.set(id, acc);
    } else if (acc.prompt !== cell.prompt) {
      report.conflicts.push({
        line: cell.line,
        id,
        reason: 'same id with a different prompt text: kept the first text',
      });
    }
    const source = text(cell.source) ?? options.source;
    if (source !== undefined && source !== '') acc.source ??= source;
    const split = text(cell.split) ?? options.split;
    if (split !== undefined && split !== '') acc.split ??= split;
    models.add(cell.model);
    merge(acc.scores, cell.model, score, cell.line, id, 'score');
    if (cost !== undefined) merge(acc.costs, cell.model, cost, cell.line, id, 'cost');
  }
  const records: RoutingRecord[] = [];
  for (const acc of byId.values()) {
    const record: RoutingRecord = {
      id: acc.id,
      prompt: acc.prompt,
      scores: Object.fromEntries([...acc.scores].map(([m, v]) => [m, kept(v)])),
    };
    if (acc.costs.size > 0) record.costs = Object.fromEntries([...acc.costs].map(([m, v]) => [m, kept(v)]));
    if (acc.source !== undefined) record.source = acc.source;
    if (acc.split !== undefined) record.split = acc.split;
    records.push(record);
  }
  report.records = records.length;
  report.models = [...models].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { records, report };
}

function requireColumn(rows: readonly SourceRow[], column: string, fn: string): void {
  if (rows.length > 0 && !(column in rows[0]!.row)) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `${fn}: no column '${column}' (columns: ${Object.keys(rows[0]!.row).slice(0, 20).join(', ')})`,
    );
  }
}

/**
 * Long layout (one row per prompt × model) → routing records.
 *
 * @param rows - input rows.
 * @param columns - which columns hold what (see {@link LongColumns}).
 * @param options - see {@link ConvertOptions}.
 * @returns records (first-seen order) and the report.
 * @throws FineRouterError 'INVALID_ARGUMENT' when a named column is absent from the first row or options are bad;
 *   'DATA_INVALID' on a conflict with onConflict 'error'.
 * @example
 * await convertLong([{ line: 2, row: { prompt: 'hi', model: 'a', score: '1' } }], { prompt: 'prompt', model: 'model', score: 'score' });
 */
export async function convertLong(
  rows: readonly SourceRow[],
  columns: LongColumns,
  options: ConvertOptions = {},
): Promise<ConvertResult> {
  for (const c of [
    columns.prompt,
    columns.model,
    columns.score,
    columns.id,
    columns.cost,
    columns.source,
    columns.split,
  ])
    if (c !== undefined) requireColumn(rows, c, 'convertLong');
  const dropped: ConvertReport['dropped'] = [];
  const cells: Cell[] = [];
  for (const { line, row } of rows) {
    const prompt = text(row[columns.prompt]);
    const model = text(row[columns.model]);
    if (prompt === undefined || model === undefined) {
      dropped.push({
        line,
        reason: prompt === undefined ? `no text in '${columns.prompt}'` : `no text in '${columns.model}'`,
      });
      continue;
    }
    const cell: Cell = { prompt, model, score: row[columns.score], line };
    const id = columns.id !== undefined ? text(row[columns.id]) : undefined;
    if (id !== undefined) cell.id = id;
    if (columns.cost !== undefined) cell.cost = row[columns.cost];
    if (columns.source !== undefined) cell.source = row[columns.source];
    if (columns.split !== undefined) cell.split = row[columns.split];
    cells.push(cell);
  }
  return assemble(cells, rows.length, options, 'convertLong', dropped);
}

/**
 * RouterBench wide layout → routing records (scores from the model columns, costs from `M|total_cost`,
 * source from `eval_name`, id from `sample_id`).
 *
 * @param rows - input rows (CSV or JSONL export of the RouterBench dataframe).
 * @param options - see {@link ConvertOptions}.
 * @returns records and report.
 * @throws FineRouterError 'INVALID_ARGUMENT' when there is no `prompt` column or no `M|total_cost` column.
 * @example
 * await convertRouterBench([{ line: 2, row: { sample_id: 's1', prompt: 'hi', eval_name: 'mmlu', a: 1, 'a|total_cost': 0.001 } }]);
 */
export async function convertRouterBench(
  rows: readonly SourceRow[],
  options: ConvertOptions = {},
): Promise<ConvertResult> {
  requireColumn(rows, 'prompt', 'convertRouterBench');
  const columns = rows.length > 0 ? Object.keys(rows[0]!.row) : [];
  const models = columns.filter((c) => columns.includes(`${c}|total_cost`));
  if (rows.length > 0 && models.length === 0)
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      'convertRouterBench: no model columns (a model M needs columns M and M|total_cost)',
    );
  const { cells, dropped } = wideCells(rows, models, 'sample_id', (row, model) => ({
    score: row[model],
    cost: row[`${model}|total_cost`],
    source: row.eval_name,
  }));
  return assemble(cells, rows.length, options, 'convertRouterBench', dropped);
}

/**
 * RouteLLM evaluation table → routing records: `prompt` plus one correctness column per model
 * (columns ending in `_response` and an optional `id`/`source` are not models).
 *
 * @param rows - input rows (e.g. parseCsv of `mmlu_<subject>.csv`).
 * @param options - see {@link ConvertOptions} (`source` sets e.g. 'mmlu/anatomy').
 * @returns records and report.
 * @throws FineRouterError 'INVALID_ARGUMENT' when there is no `prompt` column or no model column.
 * @example
 * await convertRouteLlm([{ line: 2, row: { prompt: 'q', 'gpt-4': 'True', mixtral: 'False' } }], { source: 'mmlu/anatomy' });
 */
export async function convertRouteLlm(
  rows: readonly SourceRow[],
  options: ConvertOptions = {},
): Promise<ConvertResult> {
  requireColumn(rows, 'prompt', 'convertRouteLlm');
  const reserved = new Set(['prompt', 'id', 'source', 'split', 'Unnamed: 0', '']);
  const columns = rows.length > 0 ? Object.keys(rows[0]!.row) : [];
  const models = columns.filter((c) => !reserved.has(c) && !c.endsWith('_response'));
  if (rows.length > 0 && models.length === 0)
    throw new FineRouterError('INVALID_ARGUMENT', 'convertRouteLlm: no model columns besides prompt');
  const { cells, dropped } = wideCells(rows, models, 'id', (row, model) => ({
    score: row[model],
    source: row.source,
    split: row.split,
  }));
  return assemble(cells, rows.length, options, 'convertRouteLlm', dropped);
}

/**
 * LLMRouter routing JSONL (long: `query`, `model_name`, `performance`, `task_name`, optional `cost`) → routing records.
 *
 * @param rows - parsed JSONL rows.
 * @param options - see {@link ConvertOptions}.
 * @returns records and report.
 * @throws FineRouterError 'INVALID_ARGUMENT' when `query`, `model_name` or `performance` is absent.
 * @example
 * await convertLlmRouter([{ line: 1, row: { task_name: 'gsm8k', query: 'q', model_name: 'a', performance: 1 } }]);
 */
export function convertLlmRouter(rows: readonly SourceRow[], options: ConvertOptions = {}): Promise<ConvertResult> {
  const hasCost = rows.some((r) => 'cost' in r.row);
  return convertLong(
    rows,
    {
      prompt: 'query',
      model: 'model_name',
      score: 'performance',
      source: 'task_name',
      ...(hasCost ? { cost: 'cost' } : {}),
    },
    options,
  );
}

/** Parses a Python dict literal of str → number (RouterDC's stringified scores). */
function parsePythonScores(value: string): Record<string, unknown> | undefined {
  const json = value
    .replace(/'((?:[^'\\]|\\.)*)'/g, (_m, inner: string) => JSON.stringify(inner.replace(/\\'/g, "'")))
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\b(?:None|nan|NaN)\b/g, 'null');
  try {
    const parsed = JSON.parse(json) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Score arrays `[{question, scores}]` (DC-Router preprocessed, RouterDC) → routing records.
 *
 * @param items - the parsed JSON array.
 * @param options - see {@link ConvertOptions}.
 * @returns records and report.
 * @throws FineRouterError 'DATA_INVALID' when `items` is not an array.
 * @example
 * await convertScoreArray([{ question: 'q', scores: { a: 1, b: 0 } }], { source: 'gsm8k' });
 */
export async function convertScoreArray(items: unknown, options: ConvertOptions = {}): Promise<ConvertResult> {
  if (!Array.isArray(items))
    throw new FineRouterError('DATA_INVALID', 'convertScoreArray: expected a JSON array of {question, scores}');
  const cells: Cell[] = [];
  const dropped: ConvertReport['dropped'] = [];
  items.forEach((item: unknown, i) => {
    const line = i + 1;
    const row = item as Record<string, unknown> | null;
    const prompt = typeof row === 'object' && row !== null ? text(row.question ?? row.prompt ?? row.query) : undefined;
    if (prompt === undefined) {
      dropped.push({ line, reason: 'no question text' });
      return;
    }
    let scores = row!.scores;
    if (typeof scores === 'string') scores = parsePythonScores(scores);
    if (typeof scores !== 'object' || scores === null || Array.isArray(scores)) {
      dropped.push({ line, reason: 'scores is not an object (or a dict literal)' });
      return;
    }
    for (const [model, score] of Object.entries(scores as Record<string, unknown>)) {
      const cell: Cell = { prompt, model, score, source: row!.source ?? row!.task_name, split: row!.split, line };
      const id = text(row!.id);
      if (id !== undefined) cell.id = id;
      cells.push(cell);
    }
  });
  return assemble(cells, items.length, options, 'convertScoreArray', dropped);
}
