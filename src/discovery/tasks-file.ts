/**
 * The versioned JSON form of a discovery result (`tasks.json`, schema 'finerouter/tasks' v1;
 * field reference in docs/discovery.md) and a validator for reading it back. Pure: the caller
 * reads and writes the file.
 */
import { FineRouterError } from '../errors.js';
import type { DiscoveryResult, TasksFile } from './types.js';
import { TASKS_SCHEMA, TASKS_VERSION } from './types.js';

/** Options of {@link toTasksFile}. */
export interface ToTasksFileOptions {
  /** Record ids in the order discovery saw the records (length = assignment length). */
  ids: readonly string[];
  /** Encoder that produced the embeddings. @defaultValue null */
  encoder?: { id: string; dimension: number } | null;
  /** Data path and split, for the record. @defaultValue {} */
  data?: { path?: string; split?: string };
  /** Time stamp. @defaultValue new Date().toISOString() */
  createdAt?: string;
}

/**
 * Converts a {@link DiscoveryResult} to the plain, JSON-serializable {@link TasksFile}.
 *
 * @param result - output of `discoverTasks`.
 * @param options - record ids and provenance (see {@link ToTasksFileOptions}).
 * @returns the tasks.json object (write it with JSON.stringify).
 * @throws RangeError when `ids` does not match the result's record count.
 * @example
 * const file = toTasksFile(result, { ids: records.map((r) => r.id), encoder: { id: encoder.id, dimension: encoder.dimension } });
 */
export function toTasksFile(result: DiscoveryResult, options: ToTasksFileOptions): TasksFile {
  if (!Array.isArray(options?.ids) || options.ids.length !== result.assignment.length) {
    throw new RangeError(
      `toTasksFile: expected ${result.assignment.length} record ids, received ${String(options?.ids?.length)}`,
    );
  }
  return {
    schema: TASKS_SCHEMA,
    version: TASKS_VERSION,
    createdAt: options.createdAt ?? new Date().toISOString(),
    encoder: options.encoder ?? null,
    data: { ...(options.data ?? {}), records: result.assignment.length },
    models: [...result.models],
    options: { ...result.options },
    tasks: result.tasks.map((task) => ({ ...task })),
    others: { ...result.others },
    ids: [...options.ids],
    assignment: Array.from(result.assignment),
    stats: result.stats,
  };
}

function fail(path: string, what: string): never {
  throw new FineRouterError('ARTIFACT_SCHEMA', `tasks.json: ${path} ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkStage1(path: string, value: unknown, models: readonly string[]): void {
  if (!isObject(value)) fail(path, 'must be an object');
  for (const model of models) {
    const v = value[model];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${path}.${model}`, 'must be a finite number');
  }
}

function checkIndices(path: string, value: unknown, n: number): number[] {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  for (const v of value)
    if (!Number.isInteger(v) || v < 0 || v >= n) fail(path, `holds ${String(v)}, not a record index < ${n}`);
  return value as number[];
}

/**
 * Validates a parsed tasks.json (schema, version, shapes, and that every record is in exactly one
 * task or Others, consistent with `assignment`).
 *
 * @param value - the parsed JSON.
 * @returns the same object, typed.
 * @throws FineRouterError 'ARTIFACT_SCHEMA' naming the first offending field.
 * @example
 * const tasks = validateTasksFile(JSON.parse(await readFile('out/tasks.json', 'utf8')));
 */
export function validateTasksFile(value: unknown): TasksFile {
  if (!isObject(value)) fail('root', 'must be an object');
  if (value.schema !== TASKS_SCHEMA) fail('schema', `must be '${TASKS_SCHEMA}', received ${String(value.schema)}`);
  if (value.version !== TASKS_VERSION) fail('version', `must be ${TASKS_VERSION}, received ${String(value.version)}`);
  const models = value.models;
  if (!Array.isArray(models) || models.some((m) => typeof m !== 'string'))
    fail('models', 'must be an array of strings');
  const ids = value.ids;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) fail('ids', 'must be an array of strings');
  const n = ids.length;
  const assignment = value.assignment;
  if (!Array.isArray(assignment) || assignment.length !== n) fail('assignment', `must be an array of ${n} task ids`);
  if (!isObject(value.options)) fail('options', 'must be an object');
  const tasks = value.tasks;
  if (!Array.isArray(tasks)) fail('tasks', 'must be an array');
  const seen = new Int32Array(n);
  tasks.forEach((task: unknown, t: number) => {
    const path = `tasks[${t}]`;
    if (!isObject(task)) fail(path, 'must be an object');
    if (task.id !== t) fail(`${path}.id`, `must be ${t}`);
    if (typeof task.description !== 'string') fail(`${path}.description`, 'must be a string');
    if (
      !Array.isArray(task.candidates) ||
      task.candidates.length === 0 ||
      task.candidates.some((c) => !models.includes(c))
    ) {
      fail(`${path}.candidates`, 'must be a non-empty array of known models');
    }
    if (!Array.isArray(task.fused)) fail(`${path}.fused`, 'must be an array');
    checkStage1(`${path}.stage1`, task.stage1, models as string[]);
    if (!Array.isArray(task.center) || task.center.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      fail(`${path}.center`, 'must be an array of finite numbers');
    }
    const members = checkIndices(`${path}.members`, task.members, n);
    if (task.size !== members.length) fail(`${path}.size`, `must equal members.length (${members.length})`);
    for (const p of members) {
      seen[p]!++;
      if (assignment[p] !== t) fail(`assignment[${p}]`, `must be ${t} (member of task ${t})`);
    }
  });
  const others = value.others;
  if (!isObject(others)) fail('others', 'must be an object');
  checkStage1('others.stage1', others.stage1, models as string[]);
  const othersMembers = checkIndices('others.members', others.members, n);
  if (others.size !== othersMembers.length) fail('others.size', 'must equal others.members.length');
  for (const p of othersMembers) {
    seen[p]!++;
    if (assignment[p] !== -1) fail(`assignment[${p}]`, 'must be -1 (member of Others)');
  }
  for (let i = 0; i < n; i++)
    if (seen[i] !== 1) fail(`record ${i}`, `is in ${seen[i]} groups; expected exactly one task or Others`);
  return value as unknown as TasksFile;
}

/**
 * Turns a tasks.json back into a {@link DiscoveryResult} aligned with `ids` (the records to train on, in order):
 * record i gets the assignment the file gives its id.
 *
 * @param file - a validated tasks file (see {@link validateTasksFile}).
 * @param ids - record ids in training order.
 * @param source - where the file came from, for the message.
 * @returns a discovery result over `ids`.
 * @throws FineRouterError DATA_INVALID when an id is not in the file.
 * @example
 * const discovery = discoveryFromTasksFile(validateTasksFile(json), records.map((r) => r.id));
 */
export function discoveryFromTasksFile(
  file: TasksFile,
  ids: readonly string[],
  source = 'tasks file',
): DiscoveryResult {
  const position = new Map(file.ids.map((id, i) => [id, i]));
  const assignment = new Int32Array(ids.length);
  ids.forEach((id, i) => {
    const at = position.get(id);
    if (at === undefined) {
      throw new FineRouterError(
        'DATA_INVALID',
        `discoveryFromTasksFile: record ${id} is not in ${source}; run discovery on the same data and split`,
      );
    }
    assignment[i] = file.assignment[at]!;
  });
  return {
    models: file.models,
    tasks: file.tasks,
    others: file.others,
    assignment,
    options: file.options,
    stats: file.stats,
  };
}
