/**
 * Node writer/reader of training artifacts for `finerouter train` and `finerouter add-model`.
 * Writing goes through H6's `writeFineRouterArtifacts` (sha256 of every file into `manifest.files`,
 * manifest written last); reading for an update verifies the manifest and the checksums before any byte is
 * used, so add-model never extends a corrupted artifact set.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FineRouterError } from '../../errors.js';
import { validateManifest, assertSafeArtifactPath, type Manifest } from '../../router/manifest.js';
import { sha256Digest } from '../../router/router.js';
import type { ManifestDraft } from '../../train/train-router.js';
import { writeFineRouterArtifacts, type WriteArtifactsOptions } from './artifacts.js';
import { resolveArtifactDir } from './artifact-dir.js';

/** What {@link writeArtifacts} writes. */
export interface TrainedArtifacts {
  manifest: ManifestDraft;
  classifierBytes: Uint8Array;
  routerBytes: Uint8Array;
}

/**
 * Writes manifest.json, classifier.onnx and router.onnx into `dir` with sha256 checksums.
 *
 * Atomic: `dir` holds the complete old set or the complete new set at every instant (see writeFineRouterArtifacts).
 *
 * @param dir - target directory: absent, empty, or holding an artifact set (other contents need `force`).
 * @param artifacts - output of `trainRouter` or `addModel` (with the classifier bytes).
 * @param options - `force` to replace a non-empty directory that holds no artifacts.
 * @returns the validated manifest as written.
 * @throws FineRouterError ARTIFACT_SCHEMA / ARTIFACT_PATH when the manifest is invalid; OUTPUT_INVALID,
 *   OUTPUT_NOT_EMPTY, ARTIFACT_LOCKED (see writeFineRouterArtifacts).
 * @example
 * const result = await trainRouter(records, embeddings, discovery, { encoder });
 * await writeArtifacts('artifacts', result);
 */
export async function writeArtifacts(
  dir: string,
  artifacts: TrainedArtifacts,
  options: WriteArtifactsOptions = {},
): Promise<Manifest> {
  const { manifest } = artifacts;
  return writeFineRouterArtifacts(
    dir,
    {
      manifest,
      files: { [manifest.classifier.file]: artifacts.classifierBytes, [manifest.router.file]: artifacts.routerBytes },
    },
    options,
  );
}

/**
 * Reads and verifies an artifact directory (schema, safe paths, sha256) and returns the manifest and bytes.
 *
 * @param dir - artifact directory.
 * @returns manifest, classifier and router bytes.
 * @throws FineRouterError ARTIFACT_MISSING, ARTIFACT_SCHEMA, ARTIFACT_PATH or ARTIFACT_CHECKSUM.
 * @example
 * const { manifest, classifierBytes, routerBytes } = await readArtifacts('artifacts');
 */
export async function readArtifacts(dir: string): Promise<TrainedArtifacts & { manifest: Manifest }> {
  dir = (await resolveArtifactDir(dir)).path;
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await readFile(join(dir, assertSafeArtifactPath(name, name))));
    } catch (error) {
      if (error instanceof FineRouterError) throw error;
      throw new FineRouterError('ARTIFACT_MISSING', `readArtifacts: cannot read ${join(dir, name)}`, { cause: error });
    }
  };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await read('manifest.json')));
  } catch (error) {
    if (error instanceof FineRouterError) throw error;
    throw new FineRouterError('ARTIFACT_SCHEMA', `readArtifacts: ${join(dir, 'manifest.json')} is not JSON`, {
      cause: error,
    });
  }
  const manifest = validateManifest(json);
  const classifierBytes = await read(manifest.classifier.file);
  const routerBytes = await read(manifest.router.file);
  for (const [name, bytes] of [
    [manifest.classifier.file, classifierBytes],
    [manifest.router.file, routerBytes],
  ] as const) {
    const digest = await sha256Digest(bytes);
    if (digest !== manifest.files[name])
      throw new FineRouterError(
        'ARTIFACT_CHECKSUM',
        `readArtifacts: ${name} has sha256 ${digest}, manifest says ${manifest.files[name]}`,
      );
  }
  return { manifest, classifierBytes, routerBytes };
}
