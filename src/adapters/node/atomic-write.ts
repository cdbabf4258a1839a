/**
 * The one way finerouter replaces a file (STYLE.md: files are replaced atomically): write a uniquely named
 * temporary sibling, then rename it over the destination, so a reader sees the old file or the new one, never
 * half of one. Reports, label outputs, the description cache and the built-encoder cache all write through it;
 * artifact directories have their own staged, fsynced swap (./artifact-dir.ts).
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { FineRouterError } from '../../errors.js';

/**
 * Writes `data` to `path` atomically (temporary sibling + rename); the temporary file is removed on failure.
 *
 * @param path - destination (its directory must exist).
 * @param data - text (UTF-8) or bytes.
 * @returns when the file is in place.
 * @throws FineRouterError 'OUTPUT_INVALID' naming the path when the file cannot be written.
 * @example
 * await writeFileAtomic('report.json', `${JSON.stringify(report, null, 2)}\n`);
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new FineRouterError('OUTPUT_INVALID', `cannot write ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
