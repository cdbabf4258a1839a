/**
 * On-disk cache for describer results (Node only). One small JSON file per description under
 * `dir/<first two hex chars>/<sha256>.json`, written to a temporary name and renamed, so concurrent
 * writers and interrupted runs never leave a half-written entry.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { join } from 'node:path';
import { FineRouterError } from '../../errors.js';
import type { DescriptionCache } from '../describer-openai.js';

/**
 * Creates a {@link DescriptionCache} in `dir` (created on first write).
 *
 * @param dir - cache directory.
 * @returns the cache.
 * @throws FineRouterError 'INVALID_ARGUMENT' for an empty dir; `get`/`set` reject with 'INVALID_ARGUMENT' for a key
 *   that is not 64 hex characters.
 * @example
 * const describer = createOpenAiDescriber({ baseUrl, model, cache: createFileDescriptionCache('.finerouter/descriptions') });
 */
export function createFileDescriptionCache(dir: string): DescriptionCache {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createFileDescriptionCache: expected a directory path, received ${String(dir)}`,
    );
  }
  const pathOf = (key: string): string => {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new FineRouterError('INVALID_ARGUMENT', `description cache: bad key ${key}`);
    return join(dir, key.slice(0, 2), `${key}.json`);
  };
  return {
    async get(key: string): Promise<string | undefined> {
      try {
        const value = JSON.parse(await readFile(pathOf(key), 'utf8')) as { description?: unknown };
        return typeof value.description === 'string' ? value.description : undefined;
      } catch (error) {
        if (error instanceof FineRouterError) throw error;
        return undefined; // missing or unreadable entry: described again
      }
    },
    async set(key: string, description: string): Promise<void> {
      const path = pathOf(key);
      await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
      await writeFileAtomic(path, JSON.stringify({ description }));
    },
  };
}
