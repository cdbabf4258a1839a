/**
 * Artifact manifest, schema `finerouter/artifacts` version 1: the contract between training (src/train,
 * which writes it) and the router (src/router, which reads it). See docs/router.md.
 *
 * An artifact directory (or a set of URLs in the browser) holds `manifest.json`, `classifier.onnx` and
 * `router.onnx`:
 *   - classifier.onnx: input `embedding` float32 [N, D] → output `task_probs` float32 [N, T] (sigmoid),
 *     column j belongs to `manifest.tasks[j]` (paper Sect. 3.1.2).
 *   - router.onnx: inputs `embedding` float32 [N, D] and `task` int64 [N] → output `quality` float32 [N, M],
 *     column k belongs to `manifest.models[k]` (paper Sect. 3.2). The `task` value is the POSITION of the task
 *     in `manifest.tasks` (0..T-1), and T means Others (∅); it is not `tasks[j].id`.
 *   - `stage1` vectors are the medians Q̄_t(M) of paper Eq. 5, one per model in manifest order; `others.stage1`
 *     is Q̄_∅(M).
 *
 * Choices made here (the paper has no artifact format):
 *   - `validateManifest` ignores unknown top-level and nested keys (forward compatibility inside version 1) and
 *     returns a deep, frozen copy holding only the known fields (plus `training`, passed through as given).
 *   - `files` maps every artifact file except `manifest.json` itself to its lowercase sha256 hex digest; listing
 *     `manifest.json` there is an error (a file cannot hold its own digest).
 *   - File paths are relative POSIX paths made of plain segments; absolute paths, drive letters, URL schemes
 *     (any ':'), backslashes, '.', '..' and empty segments are rejected with ARTIFACT_PATH, so a path can never
 *     escape the artifact directory or base URL.
 */
import { FineRouterError } from '../errors.js';

/**
 * The schema identifier every manifest carries.
 *
 * @example
 * if (json.schema !== MANIFEST_SCHEMA) throw new Error('not a FineRouter manifest');
 */
export const MANIFEST_SCHEMA = 'finerouter/artifacts';
/**
 * The manifest version this build reads and writes.
 *
 * @example
 * if (manifest.version !== MANIFEST_VERSION) console.warn('artifacts from another finerouter version');
 */
export const MANIFEST_VERSION = 1;

/** One LLM in the pool. */
export interface ManifestModel {
  /** Model id as in the routing data, e.g. 'gpt-4o'. Unique. */
  readonly id: string;
  /** Expected USD per query (mean over training prompts with costs, or from prices); null when unknown. */
  readonly cost: number | null;
}

/** One discovered task (paper Sect. 3.1). */
export interface ManifestTask {
  /** Task id from discovery (a non-negative integer, unique; not necessarily the position). */
  readonly id: number;
  /** Human-readable description of the task. */
  readonly description: string;
  /** Training prompts in the task cluster. */
  readonly size: number;
  /** Candidate model ids ℒ_i (each in `models`), best first. */
  readonly candidates: readonly string[];
  /** Stage-1 medians Q̄_t(M), one per model in manifest order. */
  readonly stage1: readonly number[];
}

/** The Others (∅) cluster: training prompts assigned to no task. */
export interface ManifestOthers {
  readonly size: number;
  /** Stage-1 medians Q̄_∅(M), one per model in manifest order. */
  readonly stage1: readonly number[];
}

/** The parsed, validated `manifest.json`. */
export interface Manifest {
  readonly schema: 'finerouter/artifacts';
  readonly version: 1;
  /** Sentence encoder the heads were trained on. */
  readonly encoder: { readonly id: string; readonly dimension: number };
  readonly models: readonly ManifestModel[];
  readonly tasks: readonly ManifestTask[];
  readonly others: ManifestOthers;
  /** Classifier graph file and the probability threshold below which a prompt goes to Others. */
  readonly classifier: { readonly file: string; readonly threshold: number };
  /** MoE quality-estimator graph file. */
  readonly router: { readonly file: string };
  /**
   * Local prior (src/train/local-prior.ts), computed by router.onnx's second output `local_prior`: k nearest
   * of `rows` training prompts, smoothing β, groups (`source` labels or discovered `tasks`), and its share ω of
   * Eq. 5's prior (`weight`). Absent: the paper's Eq. 5.
   */
  readonly localPrior?: {
    readonly output: string;
    readonly rows: number;
    readonly k: number;
    readonly beta: number;
    readonly groups: 'source' | 'tasks';
    readonly weight: number;
    /**
     * How P(group | prompt) is estimated: the neighbours' vote (absent or `'neighbours'`), or a softmax group
     * classifier in router.onnx (`'classifier'`, then `rows` and `k` are 0 when β = 0: no index ships).
     */
    readonly estimator?: 'neighbours' | 'classifier';
  };
  /**
   * Models whose training support is below the floor (observed scores < `training.supportFloor`): their
   * stage-1 values are shrunk toward a prior and their estimates clipped; listed so a user sees it.
   */
  readonly warnings?: readonly string[];
  /** Eq. 5 weight α and the IPR tolerance τ used when a call gives none. */
  readonly defaults: { readonly alpha: number; readonly tolerance: number };
  /** sha256 (lowercase hex) of every artifact file, keyed by relative path. */
  readonly files: Readonly<Record<string, string>>;
  /** Free-form training metadata (settings, figures); not interpreted by the router. */
  readonly training?: Readonly<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

function schemaError(message: string): FineRouterError {
  return new FineRouterError('ARTIFACT_SCHEMA', `manifest: ${message}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
}

function object(value: unknown, where: string): Json {
  if (!isObject(value)) throw schemaError(`${where}: expected an object, received ${describe(value)}`);
  return value;
}

function string(value: unknown, where: string, nonEmpty = true): string {
  if (typeof value !== 'string' || (nonEmpty && value.length === 0)) {
    throw schemaError(`${where}: expected a non-empty string, received ${describe(value)}`);
  }
  return value;
}

function finite(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw schemaError(`${where}: expected a finite number, received ${describe(value)}`);
  }
  return value;
}

function unit(value: unknown, where: string): number {
  const x = finite(value, where);
  if (x < 0 || x > 1) throw schemaError(`${where}: expected a number in [0, 1], received ${x}`);
  return x;
}

function count(value: unknown, where: string, min = 0): number {
  const x = finite(value, where);
  if (!Number.isInteger(x) || x < min) throw schemaError(`${where}: expected an integer ≥ ${min}, received ${x}`);
  return x;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw schemaError(`${where}: expected an array, received ${describe(value)}`);
  return value;
}

function vector(value: unknown, length: number, where: string): readonly number[] {
  const list = array(value, where);
  if (list.length !== length) {
    throw schemaError(`${where}: expected ${length} numbers (one per model), received ${list.length}`);
  }
  return Object.freeze(list.map((x, i) => finite(x, `${where}[${i}]`)));
}

/**
 * Checks that `path` is a safe relative artifact path (see the file header) and returns it unchanged.
 *
 * @param path - the path as written in the manifest.
 * @param where - context for the error message.
 * @returns `path`.
 * @throws FineRouterError `ARTIFACT_PATH` when the path is absolute, contains '..', '.', empty segments,
 *   a backslash, a ':' or a control character, or is not a non-empty string.
 * @example
 * assertSafeArtifactPath('router.onnx', 'router.file'); // 'router.onnx'
 * assertSafeArtifactPath('../etc/passwd', 'router.file'); // throws ARTIFACT_PATH
 */
export function assertSafeArtifactPath(path: unknown, where: string): string {
  const fail = (why: string): never => {
    throw new FineRouterError(
      'ARTIFACT_PATH',
      `manifest: ${where}: unsafe artifact path ${JSON.stringify(path)} (${why}); paths must be relative, '/'-separated, inside the artifact directory`,
    );
  };
  if (typeof path !== 'string' || path.length === 0) return fail('not a non-empty string');
  if (path.includes('\\')) return fail('backslash');
  if (path.startsWith('/')) return fail('absolute');
  if (path.includes(':')) return fail("':' (drive letter or URL scheme)");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return fail('control character');
  for (const segment of path.split('/')) {
    if (segment === '..') return fail("'..' segment");
    if (segment === '.') return fail("'.' segment");
    if (segment === '') return fail('empty segment');
  }
  return path;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Validates a parsed `manifest.json` against schema `finerouter/artifacts` version 1 and returns a deep,
 * frozen copy. Pure: never mutates `json`, touches no file. Loading (src/adapters/.../artifacts.ts) then
 * checks that the files exist and match `files`.
 *
 * @param json - the value of `JSON.parse(manifestText)`.
 * @returns the validated manifest.
 * @throws FineRouterError `ARTIFACT_SCHEMA` for an unknown schema or version or any malformed field
 *   (wrong type, wrong vector length, unknown candidate model, duplicate ids, classifier/router file not
 *   listed in `files`, a bad digest); `ARTIFACT_PATH` for an unsafe file path.
 * @example
 * const manifest = validateManifest(JSON.parse(await readFile('artifacts/manifest.json', 'utf8')));
 * manifest.models.map((m) => m.id);
 */
export function validateManifest(json: unknown): Manifest {
  const root = object(json, 'manifest');
  if (root.schema !== MANIFEST_SCHEMA) {
    throw schemaError(`schema: expected '${MANIFEST_SCHEMA}', received ${describe(root.schema)}`);
  }
  if (root.version !== MANIFEST_VERSION) {
    throw schemaError(
      `version: this build reads version ${MANIFEST_VERSION}, received ${describe(root.version)}; upgrade finerouter or retrain`,
    );
  }

  const encoderJson = object(root.encoder, 'encoder');
  const encoder = Object.freeze({
    id: string(encoderJson.id, 'encoder.id'),
    dimension: count(encoderJson.dimension, 'encoder.dimension', 1),
  });

  const modelsJson = array(root.models, 'models');
  if (modelsJson.length === 0) throw schemaError('models: expected at least one model');
  const modelIds = new Set<string>();
  const models = Object.freeze(
    modelsJson.map((value, i) => {
      const m = object(value, `models[${i}]`);
      const id = string(m.id, `models[${i}].id`);
      if (id === '__proto__')
        throw schemaError(`models[${i}].id: '__proto__' is reserved (it cannot be an object key)`);
      if (modelIds.has(id)) throw schemaError(`models[${i}].id: duplicate model id ${JSON.stringify(id)}`);
      modelIds.add(id);
      let cost: number | null = null;
      if (m.cost !== null && m.cost !== undefined) {
        cost = finite(m.cost, `models[${i}].cost`);
        if (cost < 0) throw schemaError(`models[${i}].cost: expected a cost ≥ 0 or null, received ${cost}`);
      }
      return Object.freeze({ id, cost });
    }),
  );
  const M = models.length;

  const taskIds = new Set<number>();
  const tasks = Object.freeze(
    array(root.tasks, 'tasks').map((value, i) => {
      const t = object(value, `tasks[${i}]`);
      const id = count(t.id, `tasks[${i}].id`);
      if (taskIds.has(id)) throw schemaError(`tasks[${i}].id: duplicate task id ${id}`);
      taskIds.add(id);
      const description = string(t.description, `tasks[${i}].description`, false);
      const size = count(t.size, `tasks[${i}].size`);
      const seen = new Set<string>();
      const candidates = Object.freeze(
        array(t.candidates, `tasks[${i}].candidates`).map((c, j) => {
          const name = string(c, `tasks[${i}].candidates[${j}]`);
          if (!modelIds.has(name))
            throw schemaError(`tasks[${i}].candidates[${j}]: unknown model ${JSON.stringify(name)}`);
          if (seen.has(name))
            throw schemaError(`tasks[${i}].candidates[${j}]: duplicate candidate ${JSON.stringify(name)}`);
          seen.add(name);
          return name;
        }),
      );
      const stage1 = vector(t.stage1, M, `tasks[${i}].stage1`);
      return Object.freeze({ id, description, size, candidates, stage1 });
    }),
  );

  const othersJson = object(root.others, 'others');
  const others = Object.freeze({
    size: count(othersJson.size, 'others.size'),
    stage1: vector(othersJson.stage1, M, 'others.stage1'),
  });

  const filesJson = object(root.files, 'files');
  const files: Record<string, string> = {};
  for (const [name, digest] of Object.entries(filesJson)) {
    assertSafeArtifactPath(name, `files[${JSON.stringify(name)}]`);
    if (name === '__proto__') throw schemaError("files: '__proto__' is reserved (it cannot be an object key)");
    if (name === 'manifest.json')
      throw schemaError("files: must not list 'manifest.json' (a file cannot hold its own digest)");
    if (typeof digest !== 'string' || !SHA256_HEX.test(digest)) {
      throw schemaError(
        `files[${JSON.stringify(name)}]: expected a lowercase sha256 hex digest, received ${describe(digest)}`,
      );
    }
    files[name] = digest;
  }

  const classifierJson = object(root.classifier, 'classifier');
  const classifierFile = assertSafeArtifactPath(classifierJson.file, 'classifier.file');
  const classifier = Object.freeze({
    file: classifierFile,
    threshold: unit(classifierJson.threshold, 'classifier.threshold'),
  });
  const routerJson = object(root.router, 'router');
  const router = Object.freeze({ file: assertSafeArtifactPath(routerJson.file, 'router.file') });
  if (classifier.file === router.file) throw schemaError('classifier.file and router.file must differ');
  for (const [where, file] of [
    ['classifier.file', classifier.file],
    ['router.file', router.file],
  ] as const) {
    if (!Object.hasOwn(files, file)) throw schemaError(`${where}: ${JSON.stringify(file)} has no digest in files`);
  }

  const defaultsJson = object(root.defaults, 'defaults');
  const defaults = Object.freeze({
    alpha: unit(defaultsJson.alpha, 'defaults.alpha'),
    tolerance: unit(defaultsJson.tolerance, 'defaults.tolerance'),
  });

  let localPrior: Manifest['localPrior'];
  if (root.localPrior !== undefined) {
    const lp = object(root.localPrior, 'localPrior');
    const count = (v: unknown, where: string): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
        throw schemaError(`${where}: expected an integer ≥ 1, received ${describe(v)}`);
      return v;
    };
    if (typeof lp.output !== 'string' || lp.output.length === 0)
      throw schemaError(`localPrior.output: expected a graph output name, received ${describe(lp.output)}`);
    if (lp.groups !== 'source' && lp.groups !== 'tasks')
      throw schemaError(`localPrior.groups: expected 'source' or 'tasks', received ${describe(lp.groups)}`);
    if (lp.estimator !== undefined && lp.estimator !== 'neighbours' && lp.estimator !== 'classifier')
      throw schemaError(
        `localPrior.estimator: expected 'neighbours' or 'classifier', received ${describe(lp.estimator)}`,
      );
    const classifier = lp.estimator === 'classifier';
    // A classifier estimator without a neighbour term has no index: rows = k = 0.
    const rows = classifier && lp.rows === 0 ? 0 : count(lp.rows, 'localPrior.rows');
    const k = classifier && lp.k === 0 && rows === 0 ? 0 : count(lp.k, 'localPrior.k');
    if (k > rows) throw schemaError(`localPrior.k: expected ≤ rows (${rows}), received ${k}`);
    localPrior = Object.freeze({
      output: lp.output,
      rows,
      k,
      beta: unit(lp.beta, 'localPrior.beta'),
      groups: lp.groups,
      weight: unit(lp.weight, 'localPrior.weight'),
      ...(lp.estimator !== undefined ? { estimator: lp.estimator } : {}),
    });
  }
  let warnings: string[] | undefined;
  if (root.warnings !== undefined) {
    if (!Array.isArray(root.warnings) || !root.warnings.every((w) => typeof w === 'string'))
      throw schemaError(`warnings: expected an array of strings, received ${describe(root.warnings)}`);
    warnings = [...(root.warnings as string[])];
  }

  const manifest: {
    -readonly [K in keyof Manifest]: Manifest[K];
  } = {
    schema: MANIFEST_SCHEMA,
    version: MANIFEST_VERSION,
    encoder,
    models,
    tasks,
    others,
    classifier,
    router,
    defaults,
    files: Object.freeze(files),
  };
  if (localPrior) manifest.localPrior = localPrior;
  if (warnings) manifest.warnings = Object.freeze(warnings);
  if (root.training !== undefined) {
    let training: Json;
    try {
      training = structuredClone(object(root.training, 'training'));
    } catch (cause) {
      if (cause instanceof FineRouterError) throw cause;
      throw new FineRouterError(
        'ARTIFACT_SCHEMA',
        `manifest: training: cannot be copied (${cause instanceof Error ? cause.message : String(cause)}; nested too deeply?)`,
        { cause },
      );
    }
    manifest.training = Object.freeze(training);
  }
  return Object.freeze(manifest);
}
