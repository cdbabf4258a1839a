/**
 * `loadFineRouter(dir)` for Node: reads an artifact directory (manifest.json, classifier.onnx, router.onnx),
 * runs every check of src/router/load.ts before the first route, and builds a {@link FineRouter} over
 * onnxruntime-node and the default MiniLM encoder.
 *
 * Directory rules: every file listed in manifest.json must exist (ARTIFACT_MISSING); any other regular file
 * or subdirectory entry is an error (ARTIFACT_UNEXPECTED), except entries whose name starts with '.'
 * (`.DS_Store`, `.gitkeep`, dot-directories are not descended). A listed file whose real path (after
 * symlinks) lies outside the directory is rejected with ARTIFACT_PATH.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { FineRouterError } from '../../errors.js';
import type { Encoder } from '../../encoder/types.js';
import {
  checkArtifactListing,
  createFromVerified,
  MANIFEST_FILE,
  parseManifest,
  verifyArtifactChecksums,
} from '../../router/load.js';
import type { LoadFineRouterCommonOptions } from '../../router/load.js';
import type { Manifest } from '../../router/manifest.js';
import { validateManifest } from '../../router/manifest.js';
import { sha256Digest } from '../../router/router.js';
import type { FineRouter } from '../../router/router.js';
import { precisionOfEncoderId } from '../bert-loader.js';
import { loadMiniLmEncoder } from './minilm.js';
import { createEncoderPool } from './encoder-pool.js';
import { createNodeRuntime } from './runtime.js';
import { checkArtifactOutput, replaceArtifactDir, resolveArtifactDir } from './artifact-dir.js';

/** Options of {@link loadFineRouter} (Node). */
export interface LoadFineRouterOptions extends LoadFineRouterCommonOptions {
  /**
   * Where the default MiniLM encoder caches its built .onnx (see loadMiniLmEncoder `cacheDir`); ignored when
   * `encoder` is given. @defaultValue undefined (built in memory on every load)
   */
  encoderCacheDir?: string;
  /**
   * Run the default MiniLM encoder on this many worker threads, each a 1-thread session
   * ({@link createEncoderPool}): `routeBatch` and the routing server's micro-batches then use every core. 0
   * embeds in the calling thread with `intraOpNumThreads`. Ignored when `encoder` is given. @defaultValue 0
   */
  encoderWorkers?: number;
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(root, prefix), { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(path);
  }
  return out;
}

/** Reads every file the manifest lists (inside `dir` only) and checks its sha256. */
async function readVerifiedFiles(dir: string, manifest: Manifest): Promise<Record<string, Uint8Array>> {
  const root = await realpath(dir);
  const bytes: Record<string, Uint8Array> = {};
  for (const file of Object.keys(manifest.files)) {
    let full: string;
    try {
      full = await realpath(join(dir, file));
    } catch (cause) {
      throw new FineRouterError(
        'ARTIFACT_MISSING',
        `loadFineRouter: ${file} cannot be resolved in ${dir} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}; a dangling symlink?)`,
        { cause },
      );
    }
    const rel = relative(root, full);
    if (rel.startsWith('..') || rel.split(sep).includes('..') || rel === '') {
      throw new FineRouterError('ARTIFACT_PATH', `loadFineRouter: ${file} resolves outside ${dir} (to ${full})`);
    }
    try {
      bytes[file] = new Uint8Array(await readFile(full));
    } catch (cause) {
      throw new FineRouterError(
        'ARTIFACT_MISSING',
        `loadFineRouter: cannot read ${full} (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
        { cause },
      );
    }
  }
  await verifyArtifactChecksums(manifest, bytes, dir);
  return bytes;
}

/**
 * Loads a trained FineRouter from an artifact directory.
 *
 * @param dir - the artifact directory (as written by `finerouter train --out DIR`).
 * @param options - see {@link LoadFineRouterOptions}.
 * @returns a ready router; call `dispose()` when done.
 * @throws FineRouterError ARTIFACT_MISSING, ARTIFACT_UNEXPECTED, ARTIFACT_SCHEMA, ARTIFACT_PATH,
 *   ARTIFACT_CHECKSUM, DIMENSION_MISMATCH, ENCODER_MISMATCH, MODEL_INVALID, RUNTIME_MISSING.
 * @example
 * import { loadFineRouter } from 'finerouter/node';
 * const router = await loadFineRouter('./artifacts');
 * console.log((await router.route('Prove that √2 is irrational')).model);
 * await router.dispose();
 */
export async function loadFineRouter(dir: string, options: LoadFineRouterOptions = {}): Promise<FineRouter> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `loadFineRouter: expected an artifact directory path, received ${typeof dir}`,
    );
  }
  const resolved = await resolveArtifactDir(dir);
  if (resolved.source !== 'dir') {
    (options.onWarning ?? console.warn)(
      `loadFineRouter: an update of ${dir} was interrupted between its two renames; loading the ${resolved.source} set from ${resolved.path} (the next write completes the switch)`,
    );
    dir = resolved.path;
  }
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new FineRouterError(
      'ARTIFACT_MISSING',
      `loadFineRouter: ${dir} is not a directory; train one with 'finerouter train --data FILE --out ${dir}'`,
    );
  }
  const manifestPath = join(dir, MANIFEST_FILE);
  let present: string[];
  try {
    present = await listFiles(dir);
  } catch (cause) {
    throw new FineRouterError(
      'ARTIFACT_MISSING',
      `loadFineRouter: cannot list ${dir} (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      { cause },
    );
  }
  const text = await readFile(manifestPath, 'utf8').catch(async (cause: unknown) => {
    const hidden = await readdir(dir).catch(() => [] as string[]);
    if (present.length > 0 || hidden.includes(`.${MANIFEST_FILE}.tmp`)) {
      throw new FineRouterError(
        'ARTIFACT_INCOMPLETE',
        `loadFineRouter: ${dir} holds ${present.length > 0 ? present.slice(0, 5).join(', ') : 'a temporary manifest'} but no ${MANIFEST_FILE}: a write was interrupted (written by a finerouter older than 0.1 or by hand); train again into it`,
        { cause },
      );
    }
    throw new FineRouterError('ARTIFACT_MISSING', `loadFineRouter: cannot read ${manifestPath}`, { cause });
  });
  const manifest = parseManifest(text, manifestPath);
  checkArtifactListing(manifest, present, dir);

  const runtimeOptions = {
    ...(options.executionProviders !== undefined ? { executionProviders: options.executionProviders } : {}),
    ...(options.intraOpNumThreads !== undefined ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
  };
  const runtime = options.runtime ?? createNodeRuntime(runtimeOptions);
  // The default encoder (a worker pool: its threads start now) loads while the artifact files are read and verified.
  let started: Promise<Encoder> | undefined;
  if (!options.encoder) {
    // The default encoder runs in the precision the artifacts were trained with ('…#int8' ids → int8).
    const workers = options.encoderWorkers ?? 0;
    if (!Number.isInteger(workers) || workers < 0)
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        `loadFineRouter: encoderWorkers: expected an integer ≥ 0, received ${String(workers)}`,
      );
    const precision = precisionOfEncoderId(manifest.encoder.id);
    const cacheDir = options.encoderCacheDir !== undefined ? { cacheDir: options.encoderCacheDir } : {};
    started =
      workers > 0
        ? createEncoderPool({ workers, encoder: { kind: 'minilm', precision, ...cacheDir } })
        : loadMiniLmEncoder({ runtime, ...runtimeOptions, precision, ...cacheDir });
    started.catch(() => undefined); // awaited below; an early rejection is not unhandled
  }
  let bytes: Record<string, Uint8Array>;
  try {
    bytes = await readVerifiedFiles(dir, manifest);
  } catch (error) {
    await started?.then((e) => e.dispose()).catch(() => undefined);
    throw error;
  }
  const encoder = options.encoder ?? (await started!);
  const ownsEncoder = options.encoder === undefined;
  return createFromVerified(manifest, bytes, runtime, encoder, ownsEncoder, options);
}

/** Input of {@link writeFineRouterArtifacts}. */
export interface FineRouterArtifacts {
  /** The manifest without `files` (its digests are computed here). */
  manifest: Omit<Manifest, 'files'>;
  /** Relative path → bytes; must include `manifest.classifier.file` and `manifest.router.file`. */
  files: Readonly<Record<string, Uint8Array>>;
}

/** Options of {@link writeFineRouterArtifacts} and `writeArtifacts`. */
export interface WriteArtifactsOptions {
  /** Replace a non-empty directory that holds no artifact set (see checkArtifactOutput). @defaultValue false */
  force?: boolean;
}

/**
 * Writes an artifact directory that {@link loadFineRouter} accepts, atomically: the new set (each file, then
 * manifest.json with the sha256 of every file) is built and fsynced beside `dir` and switched in with renames,
 * so `dir` always holds the complete old set or the complete new set, even if the process is killed
 * (see replaceArtifactDir and docs/reliability.md). The output path is checked and the manifest validated
 * before anything is written.
 *
 * @param dir - target directory (created if needed): absent, empty, or holding an artifact set.
 * @param artifacts - manifest draft and file bytes.
 * @param options - see {@link WriteArtifactsOptions}.
 * @returns the validated manifest as written.
 * @throws FineRouterError ARTIFACT_SCHEMA / ARTIFACT_PATH when the manifest or a path is invalid;
 *   OUTPUT_INVALID / OUTPUT_NOT_EMPTY for an unusable output path; ARTIFACT_LOCKED when another process writes it.
 * @example
 * await writeFineRouterArtifacts('out', { manifest: draft, files: { 'classifier.onnx': c, 'router.onnx': r } });
 */
export async function writeFineRouterArtifacts(
  dir: string,
  artifacts: FineRouterArtifacts,
  options: WriteArtifactsOptions = {},
): Promise<Manifest> {
  await checkArtifactOutput(dir, options);
  const files: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(artifacts.files)) files[name] = await sha256Digest(bytes);
  const manifest = validateManifest({ ...artifacts.manifest, files });
  const contents = new Map<string, Uint8Array>(Object.entries(artifacts.files));
  contents.set(MANIFEST_FILE, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  await replaceArtifactDir(dir, contents, options);
  return manifest;
}
