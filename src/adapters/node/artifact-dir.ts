/**
 * Atomic replacement of an artifact directory, and the checks on an output path made before any work.
 * See docs/reliability.md ("Artifact atomicity").
 *
 * Layout while `DIR` (= `<parent>/<name>`) is replaced, all in `<parent>`:
 *   `.<name>.finerouter-lock`  the writer's lock (pid and host), created exclusively, removed at the end;
 *   `.<name>.finerouter-new`   the new set, built and fsynced here, `manifest.json` renamed into place last;
 *   `.<name>.finerouter-old`   the previous `DIR`, for the instant between the two renames below.
 * The switch is: rename `DIR` → `-old`, rename `-new` → `DIR`, remove `-old`. POSIX rename cannot swap two
 * directories, so between the two renames `DIR` does not exist; {@link resolveArtifactDir} (used by
 * `loadFineRouter` and by the next writer) then finds the complete set in `-new` (if its manifest is in place)
 * or else in `-old`. At no instant does `DIR` hold a partial set.
 *
 * Dot entries of the old `DIR` (`.gitkeep`, `.git`, …) are moved into the new set before the switch.
 */
import { hostname, homedir } from 'node:os';
import {
  access,
  constants,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, parse as parsePath, relative, resolve } from 'node:path';
import { FineRouterError } from '../../errors.js';

const MANIFEST = 'manifest.json';
const SCHEMA = 'finerouter/artifacts';

/** Sibling paths used while replacing `dir`. @internal */
export function artifactSiblings(dir: string): { staging: string; previous: string; lock: string } {
  const abs = resolve(dir);
  const parent = dirname(abs);
  const name = basename(abs);
  return {
    staging: join(parent, `.${name}.finerouter-new`),
    previous: join(parent, `.${name}.finerouter-old`),
    lock: join(parent, `.${name}.finerouter-lock`),
  };
}

/** Options of {@link checkArtifactOutput}. */
export interface CheckArtifactOutputOptions {
  /**
   * Accept a non-empty directory that holds no artifact set; its contents are replaced by the new set.
   * @defaultValue false
   */
  force?: boolean;
}

/** What {@link checkArtifactOutput} found. */
export interface ArtifactOutputState {
  /** The path that will be written (symlinks resolved when `dir` exists). */
  path: string;
  /** 'absent' (will be created), 'empty', 'artifacts' (an artifact set to replace), 'forced' (other contents, --force). */
  state: 'absent' | 'empty' | 'artifacts' | 'forced';
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Whether `entries` of `dir` are exactly an artifact set (manifest of our schema + the files it lists). */
async function holdsArtifactSet(dir: string, entries: readonly string[]): Promise<boolean> {
  if (!entries.includes(MANIFEST)) return false;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'));
  } catch {
    return false;
  }
  if (typeof json !== 'object' || json === null || (json as { schema?: unknown }).schema !== SCHEMA) return false;
  const files = (json as { files?: unknown }).files;
  const listed = new Set(
    typeof files === 'object' && files !== null ? Object.keys(files).map((f) => f.split('/')[0]!) : [],
  );
  return entries.every((e) => e === MANIFEST || listed.has(e) || e === 'classifier.onnx' || e === 'router.onnx');
}

/**
 * Checks an artifact output path before any work: the path must be a directory or creatable as one, its parent
 * writable, and an existing directory must be empty (dot entries aside) or hold an artifact set, unless `force`.
 * Even with `force`, the filesystem root, the home directory and the current directory (or an ancestor of it)
 * are refused.
 *
 * @param dir - the output directory (e.g. `finerouter train --out DIR`).
 * @param options - see {@link CheckArtifactOutputOptions}.
 * @returns the resolved path and what is there now.
 * @throws FineRouterError OUTPUT_INVALID (not a directory, below a file, not writable, a protected directory),
 *   OUTPUT_NOT_EMPTY (other contents without `force`).
 * @example
 * await checkArtifactOutput('artifacts'); // before training for minutes
 */
export async function checkArtifactOutput(
  dir: string,
  options: CheckArtifactOutputOptions = {},
): Promise<ArtifactOutputState> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new FineRouterError(
      'OUTPUT_INVALID',
      `checkArtifactOutput: expected an output directory path, received ${typeof dir === 'string' ? 'an empty string' : typeof dir}`,
    );
  }
  let path = resolve(dir);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOTDIR')
      throw new FineRouterError('OUTPUT_INVALID', `output ${dir}: a part of the path is a file, not a directory`, {
        cause: error,
      });
    if (code !== 'ENOENT')
      throw new FineRouterError('OUTPUT_INVALID', `output ${dir}: cannot inspect (${code ?? String(error)})`, {
        cause: error,
      });
  }
  if (info === undefined) {
    // Walk up to the first existing ancestor: it must be a writable directory.
    let ancestor = dirname(path);
    for (;;) {
      const up = await stat(ancestor).catch((error: unknown) => {
        if (errnoCode(error) === 'ENOENT') return null;
        throw new FineRouterError(
          'OUTPUT_INVALID',
          `output ${dir}: ${ancestor} cannot be used (${errnoCode(error) ?? String(error)})`,
          { cause: error },
        );
      });
      if (up === null) {
        ancestor = dirname(ancestor);
        continue;
      }
      if (!up.isDirectory())
        throw new FineRouterError('OUTPUT_INVALID', `output ${dir}: ${ancestor} is a file, not a directory`);
      await access(ancestor, constants.W_OK).catch((error: unknown) => {
        throw new FineRouterError('OUTPUT_INVALID', `output ${dir}: ${ancestor} is not writable`, { cause: error });
      });
      return { path, state: 'absent' };
    }
  }
  if (!info.isDirectory()) throw new FineRouterError('OUTPUT_INVALID', `output ${dir}: exists and is not a directory`);
  path = await realpath(path);
  await access(dirname(path), constants.W_OK).catch((error: unknown) => {
    throw new FineRouterError(
      'OUTPUT_INVALID',
      `output ${dir}: its parent ${dirname(path)} is not writable (the new set is built beside it)`,
      { cause: error },
    );
  });
  const cwd = resolve(process.cwd());
  const rel = relative(path, cwd);
  if (path === parsePath(path).root || path === resolve(homedir()) || rel === '' || !rel.startsWith('..')) {
    throw new FineRouterError(
      'OUTPUT_INVALID',
      `output ${dir}: refusing to replace ${path} (the filesystem root, the home directory, or the current directory or one above it); name a directory below it`,
    );
  }
  const entries = (await readdir(path)).filter((e) => !e.startsWith('.'));
  if (entries.length === 0) return { path, state: 'empty' };
  if (await holdsArtifactSet(path, entries)) return { path, state: 'artifacts' };
  if (!options.force) {
    const shown = entries.sort().slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} entries)` : '');
    throw new FineRouterError(
      'OUTPUT_NOT_EMPTY',
      `output ${dir}: not empty and holds no artifact set (${shown}); choose an empty or new directory, or pass --force (force: true) to replace its contents`,
    );
  }
  return { path, state: 'forced' };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

async function acquireLock(lock: string, dir: string): Promise<void> {
  const body = JSON.stringify({ pid: process.pid, host: hostname() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, body, { flag: 'wx' });
      return;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST')
        throw new FineRouterError('OUTPUT_INVALID', `output ${dir}: cannot create ${lock}`, { cause: error });
    }
    let holder: { pid?: unknown; host?: unknown } = {};
    try {
      holder = JSON.parse(await readFile(lock, 'utf8')) as typeof holder;
    } catch {
      // An empty or torn lock file (killed while writing it) is stale.
    }
    const alive = typeof holder.pid === 'number' && (holder.host !== hostname() || pidAlive(holder.pid));
    if (alive)
      throw new FineRouterError(
        'ARTIFACT_LOCKED',
        `output ${dir}: another process (pid ${String(holder.pid)} on ${String(holder.host)}) is writing it; remove ${lock} if it is gone`,
      );
    await unlink(lock).catch(() => undefined);
  }
  throw new FineRouterError('ARTIFACT_LOCKED', `output ${dir}: could not take the lock ${lock}`);
}

async function fsyncPath(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Directories cannot be opened for fsync on every platform (Windows); the rename order still holds.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** `dir` as an absolute path, following a symlink at `dir` itself (even a dangling one: mid-switch target). */
async function targetOf(dir: string): Promise<string> {
  const abs = resolve(dir);
  const info = await lstat(abs).catch(() => null);
  if (info?.isSymbolicLink()) return resolve(dirname(abs), await readlink(abs));
  return abs;
}

/** Which set a reader should use for `dir` (see the file header). */
export interface ResolvedArtifactDir {
  /** Directory to read. */
  path: string;
  /** 'dir' normally; 'new' or 'old' when an interrupted switch left `dir` absent. */
  source: 'dir' | 'new' | 'old';
}

/**
 * Where the current artifact set of `dir` is: `dir` itself, or, when a switch was interrupted between its two
 * renames, the complete new set (manifest in place) or else the previous set. Read-only.
 *
 * @param dir - the artifact directory.
 * @returns the directory to read and which one it is; `dir` itself when nothing better exists.
 * @example
 * const { path } = await resolveArtifactDir('artifacts');
 */
export async function resolveArtifactDir(dir: string): Promise<ResolvedArtifactDir> {
  if (
    await stat(dir).then(
      () => true,
      () => false,
    )
  )
    return { path: dir, source: 'dir' };
  const { staging, previous } = artifactSiblings(await targetOf(dir));
  if (await exists(join(staging, MANIFEST))) return { path: staging, source: 'new' };
  if (await exists(previous)) return { path: previous, source: 'old' };
  return { path: dir, source: 'dir' };
}

/** Completes or rolls back an interrupted switch and removes leftovers; needs the lock held. */
async function recover(dir: string): Promise<void> {
  const { staging, previous } = artifactSiblings(dir);
  if (!(await exists(dir))) {
    if (await exists(join(staging, MANIFEST))) await rename(staging, dir);
    else if (await exists(previous)) await rename(previous, dir);
  }
  if (await exists(staging)) {
    // Rolled back: dot entries moved into the new set before the switch go back to the directory.
    for (const entry of await readdir(staging)) {
      if (entry.startsWith('.') && entry !== `.${MANIFEST}.tmp` && !(await exists(join(dir, entry))))
        await rename(join(staging, entry), join(dir, entry));
    }
  }
  await rm(staging, { recursive: true, force: true });
  await rm(previous, { recursive: true, force: true });
}

/**
 * Finishes (or rolls back) a replacement of `dir` that was interrupted and removes what it left beside `dir`
 * (`.<name>.finerouter-new`, `-old`, a stale `-lock`). Every write does this first; call it to tidy up without
 * writing. Never touches a set that another live process is writing (ARTIFACT_LOCKED).
 *
 * @param dir - the artifact directory.
 * @returns where the current set now is (`dir`, unless nothing was ever written).
 * @throws FineRouterError ARTIFACT_LOCKED when another live process holds the lock.
 * @example
 * await recoverArtifactDir('artifacts');
 */
export async function recoverArtifactDir(dir: string): Promise<string> {
  const target = await targetOf(dir);
  const { lock } = artifactSiblings(target);
  if (!(await exists(dirname(target)))) return target;
  await acquireLock(lock, dir);
  try {
    await recover(target);
  } finally {
    await unlink(lock).catch(() => undefined);
  }
  return target;
}

/** Test hook: `FINEROUTER_CRASH_AT=<step>` kills the process with SIGKILL at that step of a write. @internal */
function crashPoint(step: string): void {
  if (process.env.FINEROUTER_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}

/** Steps of {@link replaceArtifactDir} at which the crash-safety test kills the writer. @internal */
export const ARTIFACT_WRITE_STEPS = Object.freeze([
  'locked',
  'file-written',
  'files-synced',
  'manifest-written',
  'dotfiles-moved',
  'old-moved-aside',
  'new-in-place',
]);

/**
 * Replaces the artifact directory `dir` atomically with the files given (see the file header): readers see the
 * complete old set or the complete new set, never a mix, even when the writer is killed at any point.
 *
 * @param dir - target directory.
 * @param files - relative path → bytes, written in order; `manifest.json` (required) is written last.
 * @param options - `force` as in {@link checkArtifactOutput}.
 * @returns the resolved directory written.
 * @throws FineRouterError OUTPUT_INVALID, OUTPUT_NOT_EMPTY (see checkArtifactOutput), ARTIFACT_LOCKED (another
 *   live writer), OUTPUT_INVALID for I/O failures while writing (the old set is then left in place).
 * @example
 * await replaceArtifactDir('artifacts', { 'classifier.onnx': c, 'router.onnx': r, 'manifest.json': m });
 */
export async function replaceArtifactDir(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
  options: CheckArtifactOutputOptions = {},
): Promise<string> {
  if (!files.has(MANIFEST))
    throw new FineRouterError('INVALID_ARGUMENT', `replaceArtifactDir: files must include ${MANIFEST}`);
  await checkArtifactOutput(dir, options);
  const target = await targetOf(dir);
  const { lock } = artifactSiblings(target);
  await mkdir(dirname(target), { recursive: true }).catch((error: unknown) => {
    throw new FineRouterError('OUTPUT_INVALID', `output ${dir}: cannot create its parent directory`, { cause: error });
  });
  await acquireLock(lock, dir);
  try {
    crashPoint('locked');
    await recover(target);
    const { path } = await checkArtifactOutput(target, options);
    const { staging, previous } = artifactSiblings(path);
    try {
      await mkdir(staging, { recursive: true });
      for (const [name, bytes] of files) {
        if (name === MANIFEST) continue;
        const target = join(staging, name);
        await mkdir(dirname(target), { recursive: true });
        const handle = await open(target, 'w');
        try {
          await handle.writeFile(bytes);
          crashPoint('file-written');
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      crashPoint('files-synced');
      const temporary = join(staging, `.${MANIFEST}.tmp`);
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(files.get(MANIFEST)!);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, join(staging, MANIFEST));
      await fsyncPath(staging);
      crashPoint('manifest-written');
    } catch (error) {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      if (error instanceof FineRouterError) throw error;
      throw new FineRouterError(
        'OUTPUT_INVALID',
        `output ${dir}: writing the new artifact set failed (${errnoCode(error) ?? String(error)}); the previous set is unchanged`,
        { cause: error },
      );
    }
    const hadOld = await exists(path);
    if (hadOld) {
      for (const entry of await readdir(path)) {
        if (entry.startsWith('.') && !(await exists(join(staging, entry))))
          await rename(join(path, entry), join(staging, entry));
      }
      crashPoint('dotfiles-moved');
      await rename(path, previous);
      crashPoint('old-moved-aside');
    }
    await rename(staging, path);
    crashPoint('new-in-place');
    await fsyncPath(dirname(path));
    if (hadOld) await rm(previous, { recursive: true, force: true });
    return path;
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}
