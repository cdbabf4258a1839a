/**
 * Loading checks shared by `finerouter/node` and `finerouter/web` (pure: they receive names and bytes, never
 * touch fs or the network). Every check runs before the first route:
 *   1. parse + {@link validateManifest} (ARTIFACT_SCHEMA, ARTIFACT_PATH),
 *   2. the listing: every file named in `manifest.files` is present (ARTIFACT_MISSING) and nothing else is
 *      (ARTIFACT_UNEXPECTED; dotfiles such as `.DS_Store`, `.gitkeep` are ignored, see {@link isIgnoredArtifactEntry}),
 *   3. sha256 of every listed file (ARTIFACT_CHECKSUM),
 *   4. then FineRouter.create checks the encoder and the graphs.
 */
import { FineRouterError } from '../errors.js';
import type { Encoder } from '../encoder/types.js';
import type { OnnxRuntime, SessionOptions } from '../runtime/types.js';
import { validateManifest } from './manifest.js';
import type { Manifest } from './manifest.js';
import { FineRouter, sha256Digest } from './router.js';
import type { EncoderCheck } from './router.js';

/** The manifest's file name inside an artifact directory. */
export const MANIFEST_FILE = 'manifest.json';

/**
 * Whether a directory entry is ignored by the listing check: any path segment starting with '.'
 * (`.DS_Store`, `.gitkeep`, `.cache/x`).
 *
 * @param path - '/'-separated path relative to the artifact directory.
 * @returns true when ignored.
 * @example
 * isIgnoredArtifactEntry('.DS_Store'); // true
 */
export function isIgnoredArtifactEntry(path: string): boolean {
  return path.split('/').some((segment) => segment.startsWith('.'));
}

/**
 * Parses manifest text (ARTIFACT_SCHEMA on invalid JSON) and validates it.
 *
 * @param text - contents of manifest.json.
 * @param where - file or URL, for messages.
 * @returns the validated manifest.
 * @throws FineRouterError ARTIFACT_SCHEMA, ARTIFACT_PATH.
 * @example
 * const manifest = parseManifest(await readFile(path, 'utf8'), path);
 */
export function parseManifest(text: string, where: string): Manifest {
  let json: unknown;
  try {
    // A UTF-8 byte order mark (some editors write one) is not part of the JSON.
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new FineRouterError(
      'ARTIFACT_SCHEMA',
      `${where}: not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
  try {
    return validateManifest(json);
  } catch (cause) {
    if (cause instanceof FineRouterError) throw cause;
    throw new FineRouterError(
      'ARTIFACT_SCHEMA',
      `${where}: cannot be validated (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
}

/**
 * Compares the files present with the files the manifest lists.
 *
 * @param manifest - validated manifest.
 * @param present - '/'-separated relative paths present in the directory or URL map (manifest.json may be included).
 * @param where - directory or base URL, for messages.
 * @throws FineRouterError ARTIFACT_MISSING (a listed file is absent), ARTIFACT_UNEXPECTED (an unlisted,
 *   non-dot file is present).
 * @example
 * checkArtifactListing(manifest, ['manifest.json', 'classifier.onnx', 'router.onnx'], 'artifacts/');
 */
export function checkArtifactListing(manifest: Manifest, present: readonly string[], where: string): void {
  const have = new Set(present);
  const missing = Object.keys(manifest.files).filter((f) => !have.has(f));
  if (missing.length > 0) {
    throw new FineRouterError(
      'ARTIFACT_MISSING',
      `${where}: missing artifact file(s) ${missing.join(', ')} listed in manifest.json`,
    );
  }
  const extra = present.filter(
    (f) => f !== MANIFEST_FILE && !Object.hasOwn(manifest.files, f) && !isIgnoredArtifactEntry(f),
  );
  if (extra.length > 0) {
    throw new FineRouterError(
      'ARTIFACT_UNEXPECTED',
      `${where}: unexpected file(s) ${extra.sort().join(', ')} not listed in manifest.json; remove them or retrain (a mixed directory may hold a stale model)`,
    );
  }
}

/**
 * Checks the sha256 of each file against `manifest.files`.
 *
 * @param manifest - validated manifest.
 * @param bytes - file path → contents, for every file in `manifest.files`.
 * @param where - directory or base URL, for messages.
 * @throws FineRouterError ARTIFACT_MISSING (no bytes for a listed file), ARTIFACT_CHECKSUM.
 * @example
 * await verifyArtifactChecksums(manifest, { 'classifier.onnx': c, 'router.onnx': r }, dir);
 */
export async function verifyArtifactChecksums(
  manifest: Manifest,
  bytes: Readonly<Record<string, Uint8Array>>,
  where: string,
): Promise<void> {
  for (const [file, expected] of Object.entries(manifest.files)) {
    const data = Object.hasOwn(bytes, file) ? bytes[file] : undefined;
    if (!data) throw new FineRouterError('ARTIFACT_MISSING', `${where}: no contents for ${file}`);
    const actual = await sha256Digest(data);
    if (actual !== expected) {
      throw new FineRouterError(
        'ARTIFACT_CHECKSUM',
        `${where}: ${file} has sha256 ${actual}, manifest.json says ${expected}; the artifacts are corrupted or mixed from different training runs`,
      );
    }
  }
}

/** Options shared by the Node and web `loadFineRouter`. */
export interface LoadFineRouterCommonOptions {
  /** Execution providers for the heads (and the default encoder). @defaultValue ['cpu'] on Node, the web runtime's default in browsers */
  executionProviders?: readonly string[];
  /** Intra-op threads (onnxruntime-node). @defaultValue onnxruntime's choice */
  intraOpNumThreads?: number;
  /** Runtime for the heads. @defaultValue the platform runtime (createNodeRuntime / createWebRuntime) */
  runtime?: OnnxRuntime;
  /** Sentence encoder. @defaultValue Node: loadMiniLmEncoder(); the router then disposes it */
  encoder?: Encoder;
  /** See FineRouterCreateOptions.encoderCheck. @defaultValue 'error' */
  encoderCheck?: EncoderCheck;
  /** See FineRouterCreateOptions.onWarning. @defaultValue console.warn */
  onWarning?: (message: string) => void;
  /** See FineRouterCreateOptions.costs. @defaultValue {} */
  costs?: Readonly<Record<string, number | null>>;
}

/**
 * Final step of both loaders: build the router from verified bytes.
 * @internal
 */
export async function createFromVerified(
  manifest: Manifest,
  bytes: Readonly<Record<string, Uint8Array>>,
  runtime: OnnxRuntime,
  encoder: Encoder,
  ownsEncoder: boolean,
  options: LoadFineRouterCommonOptions,
): Promise<FineRouter> {
  const sessionOptions: SessionOptions = {};
  if (options.executionProviders !== undefined) sessionOptions.executionProviders = options.executionProviders;
  if (options.intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
  try {
    return await FineRouter.create({
      manifest,
      classifierModel: bytes[manifest.classifier.file]!,
      routerModel: bytes[manifest.router.file]!,
      runtime,
      encoder,
      sessionOptions,
      disposeEncoder: ownsEncoder,
      skipChecksums: true,
      ...(options.encoderCheck !== undefined ? { encoderCheck: options.encoderCheck } : {}),
      ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
      ...(options.costs !== undefined ? { costs: options.costs } : {}),
    });
  } catch (error) {
    if (ownsEncoder) await encoder.dispose().catch(() => undefined);
    throw error;
  }
}
