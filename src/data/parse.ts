/**
 * Parsing and validation of routing JSONL lines (the format of ../shared/data/*\/routing.jsonl).
 * Pure: no fs. The Node streaming reader is `readRoutingJsonl` in src/adapters/node/jsonl.ts.
 *
 * Missing models: a model absent from a line's `scores` has no result on that prompt (it is not a
 * zero). Rankings (`rankingIndices`) leave absent models out, so RBO compares only observed
 * preferences, MRR fusion (Eq. 4) gets no contribution from that prompt for that model, and
 * stage-1 medians are taken over the prompts that have a result.
 */
import { FineRouterError } from '../errors.js';
import type { RoutingRecord } from './types.js';
import { routerInputFromMessages } from '../router/messages.js';
import type { ChatMessage } from '../router/messages.js';

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `a string`;
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(lineNumber: number, what: string): never {
  throw new FineRouterError('DATA_INVALID', `line ${lineNumber}: ${what}`);
}

/**
 * Validates an already-parsed JSON value as a {@link RoutingRecord} (see {@link parseRoutingLine}).
 *
 * @param value - the parsed JSON of one line.
 * @param lineNumber - 1-based line number, used in error messages.
 * @returns a new record holding only the known fields (unknown fields such as `cluster_id` are dropped).
 * @throws FineRouterError with code 'DATA_INVALID' naming the line and the field.
 * @example
 * validateRoutingRecord({ id: 'a', prompt: 'hi', scores: { m: 1 } }, 1);
 */
export function validateRoutingRecord(value: unknown, lineNumber: number): RoutingRecord {
  if (!isPlainObject(value)) fail(lineNumber, `expected a JSON object, received ${describeValue(value)}`);
  const { id, scores, costs, source, split, description, messages } = value;
  let { prompt } = value;
  if (typeof id !== 'string' || id.length === 0) {
    fail(lineNumber, `"id" must be a non-empty string, received ${describeValue(id)}`);
  }
  // A record may hold a chat conversation instead of a prompt: the router's input text is then built by the
  // same rule FineRouter.route applies to messages at inference (src/router/messages.ts, default options).
  if (prompt === undefined && messages !== undefined) {
    if (!Array.isArray(messages))
      fail(lineNumber, `"messages" must be an array of chat messages, received ${describeValue(messages)}`);
    try {
      prompt = routerInputFromMessages(messages as ChatMessage[]);
    } catch (error) {
      fail(lineNumber, `"messages": ${(error as Error).message}`);
    }
  }
  if (typeof prompt !== 'string') fail(lineNumber, `"prompt" must be a string, received ${describeValue(prompt)}`);
  if (!isPlainObject(scores)) fail(lineNumber, `"scores" must be an object, received ${describeValue(scores)}`);
  const cleanScores: Record<string, number> = {};
  let scoreCount = 0;
  for (const [model, score] of Object.entries(scores)) {
    if (model.length === 0) fail(lineNumber, `"scores" has an empty model id`);
    if (model === '__proto__')
      fail(lineNumber, `"scores" has the model id '__proto__', which is reserved (it cannot be an object key)`);
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
      fail(lineNumber, `"scores.${model}" must be a finite number in [0, 1], received ${describeValue(score)}`);
    }
    cleanScores[model] = score;
    scoreCount++;
  }
  if (scoreCount === 0) fail(lineNumber, `"scores" is empty (a routing record needs at least one model result)`);
  const record: RoutingRecord = { id, prompt, scores: cleanScores };
  if (costs !== undefined && costs !== null) {
    if (!isPlainObject(costs)) fail(lineNumber, `"costs" must be an object, received ${describeValue(costs)}`);
    const cleanCosts: Record<string, number> = {};
    for (const [model, cost] of Object.entries(costs)) {
      if (model === '__proto__')
        fail(lineNumber, `"costs" has the model id '__proto__', which is reserved (it cannot be an object key)`);
      if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
        fail(lineNumber, `"costs.${model}" must be a finite number ≥ 0, received ${describeValue(cost)}`);
      }
      cleanCosts[model] = cost;
    }
    record.costs = cleanCosts;
  }
  for (const [name, field] of [
    ['source', source],
    ['split', split],
    ['description', description],
  ] as const) {
    if (field === undefined || field === null) continue;
    if (typeof field !== 'string') fail(lineNumber, `"${name}" must be a string, received ${describeValue(field)}`);
    record[name] = field;
  }
  return record;
}

/**
 * Parses and validates one routing JSONL line.
 *
 * Rules: a JSON object; `id` a non-empty string; `prompt` a string; `scores` a non-empty object of
 * finite numbers in [0, 1]; optional `costs` an object of finite numbers ≥ 0; optional `source`,
 * `split`, `description` strings (`null` counts as absent). Unknown fields are dropped.
 *
 * @param line - the text of the line (without its newline).
 * @param lineNumber - 1-based line number for error messages.
 * @returns the validated record.
 * @throws FineRouterError with code 'DATA_INVALID' (message starts with `line N:`) on malformed JSON or any rule above.
 * @example
 * const r = parseRoutingLine('{"id":"1","prompt":"2+2?","scores":{"a":1,"b":0}}', 1);
 * r.scores.a; // 1
 */
export function parseRoutingLine(line: string, lineNumber: number): RoutingRecord {
  if (typeof line !== 'string') {
    throw new TypeError(`parseRoutingLine: expected line to be a string, received ${describeValue(line)}`);
  }
  if (!Number.isInteger(lineNumber) || lineNumber < 1) {
    throw new RangeError(`parseRoutingLine: expected a 1-based integer line number, received ${String(lineNumber)}`);
  }
  let value: unknown;
  try {
    // A UTF-8 byte order mark at the start of a file is not part of the first line's JSON.
    value = JSON.parse(lineNumber === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line);
  } catch (error) {
    throw new FineRouterError('DATA_INVALID', `line ${lineNumber}: malformed JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  return validateRoutingRecord(value, lineNumber);
}

/**
 * All model ids that have a score on at least one record, sorted (code-unit order).
 *
 * @param records - routing records.
 * @returns sorted, de-duplicated model ids.
 * @throws TypeError when `records` is not an array.
 * @example
 * modelsOf([{ id: '1', prompt: '', scores: { b: 1 } }, { id: '2', prompt: '', scores: { a: 0 } }]); // ['a', 'b']
 */
export function modelsOf(records: readonly RoutingRecord[]): string[] {
  if (!Array.isArray(records))
    throw new TypeError(`modelsOf: expected an array of records, received ${describeValue(records)}`);
  const seen = new Set<string>();
  for (const record of records) for (const model of Object.keys(record.scores)) seen.add(model);
  return [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A prompt's ranking π_p as tie groups of model indices (into `models`), best first. Equal scores
 * tie; inside a group indices ascend. Models without a result on this record are left out (see the
 * file header), so the groups may cover fewer than `models.length` models.
 *
 * @param record - the record.
 * @param modelIndex - model id → index (e.g. from `models.map((m, i) => [m, i])`).
 * @returns tie groups of model indices.
 * @throws RangeError when a scored model is missing from `modelIndex`.
 * @example
 * rankingIndices({ id: '1', prompt: '', scores: { a: 1, b: 0, c: 1 } }, new Map([['a', 0], ['b', 1], ['c', 2]]));
 * // [[0, 2], [1]]
 */
export function rankingIndices(record: RoutingRecord, modelIndex: ReadonlyMap<string, number>): number[][] {
  const entries: { index: number; score: number }[] = [];
  for (const [model, score] of Object.entries(record.scores)) {
    const index = modelIndex.get(model);
    if (index === undefined)
      throw new RangeError(`rankingIndices: model '${model}' of record '${record.id}' is not in the model index`);
    entries.push({ index, score });
  }
  entries.sort((x, y) => y.score - x.score || x.index - y.index);
  const groups: number[][] = [];
  let previous = Number.NaN;
  for (const { index, score } of entries) {
    if (score === previous) groups[groups.length - 1]!.push(index);
    else groups.push([index]);
    previous = score;
  }
  return groups;
}
