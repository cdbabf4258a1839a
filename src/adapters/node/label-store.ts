/**
 * The file-backed labelling store (Node only): one append-only JSONL file of store entries
 * (src/label/store.ts).
 *
 * Crash safety: each entry is one `write` of one line ending in '\n' on a file opened for append, so a
 * killed process leaves every entry whose append resolved, and at most one torn last line. On open a
 * torn tail (no final newline) is cut off (`repairedBytes`), and an undecodable line in the middle
 * (a disk-level corruption; never written by this code) is skipped and reported in `badLines` rather
 * than stopping the resume. A lock file (`<path>.lock`, holding the owner's pid) keeps two runs from
 * appending to the same store at once; a lock whose process is gone is taken over.
 */
import { open, readFile, rm, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { FineRouterError } from '../../errors.js';
import { parseStoreEntry, type LabelStore, type StoreEntry } from '../../label/store.js';

/** A store on disk; close it when done (releases the lock). */
export interface FileLabelStore extends LabelStore {
  readonly path: string;
  /** Bytes of a torn last line removed on open (0 when the file ended cleanly). */
  readonly repairedBytes: number;
  /** Lines that could not be decoded (1-based), skipped. */
  readonly badLines: number[];
  /** Entries read back on open. */
  readonly loaded: number;
  /** Flushes to disk and releases the lock. */
  close(): Promise<void>;
}

/** Options of {@link openLabelStore}. */
export interface OpenLabelStoreOptions {
  /** fsync after every append (slower; survives power loss, not just a killed process). @defaultValue false */
  fsync?: boolean;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLock(lockPath: string, storePath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new FineRouterError(
          'DATA_INVALID',
          `openLabelStore: cannot create the lock ${lockPath}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const owner = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
        throw new FineRouterError(
          'INVALID_ARGUMENT',
          `openLabelStore: ${storePath} is in use by process ${owner} (lock ${lockPath}); wait for it or stop it`,
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new FineRouterError('INVALID_ARGUMENT', `openLabelStore: could not take the lock ${lockPath}`);
}

/**
 * Opens (or creates) a labelling store file, reading back its entries and repairing a torn tail.
 *
 * @param path - the .jsonl store file.
 * @param options - see {@link OpenLabelStoreOptions}.
 * @returns the store.
 * @throws FineRouterError 'INVALID_ARGUMENT' when another live process holds the store's lock;
 *   'DATA_INVALID' when the file cannot be read or written.
 * @example
 * const store = await openLabelStore('label-store.jsonl');
 * try { await labelPrompts({ prompts, clients, judge, store }); } finally { await store.close(); }
 */
export async function openLabelStore(path: string, options: OpenLabelStoreOptions = {}): Promise<FileLabelStore> {
  if (typeof path !== 'string' || path.length === 0)
    throw new FineRouterError('INVALID_ARGUMENT', `openLabelStore: expected a file path, received ${String(path)}`);
  const lockPath = `${path}.lock`;
  await acquireLock(lockPath, path);
  let handle: FileHandle | undefined;
  try {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new FineRouterError('DATA_INVALID', `openLabelStore: cannot read ${path}: ${(error as Error).message}`, {
          cause: error,
        });
    }
    let repairedBytes = 0;
    if (text.length > 0 && !text.endsWith('\n')) {
      const keep = text.lastIndexOf('\n') + 1;
      repairedBytes = Buffer.byteLength(text.slice(keep));
      text = text.slice(0, keep);
      await truncate(path, Buffer.byteLength(text));
    }
    const list: StoreEntry[] = [];
    const byKey = new Map<string, StoreEntry>();
    const badLines: number[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      let entry: StoreEntry | undefined;
      try {
        entry = parseStoreEntry(JSON.parse(line));
      } catch {
        entry = undefined;
      }
      if (!entry) {
        badLines.push(i + 1);
        continue;
      }
      list.push(entry);
      if (!byKey.has(entry.key)) byKey.set(entry.key, entry);
    }
    handle = await open(path, 'a');
    const h = handle;
    let chain: Promise<void> = Promise.resolve();
    let closed = false;
    const loaded = list.length;
    return {
      path,
      repairedBytes,
      badLines,
      loaded,
      get size() {
        return list.length;
      },
      get: (key) => byKey.get(key),
      append(entry) {
        if (closed) return Promise.reject(new FineRouterError('DISPOSED', `label store ${path} is closed`));
        const line = `${JSON.stringify(entry)}\n`;
        const run = chain.then(async () => {
          await h.write(line);
          if (options.fsync) await h.datasync();
          list.push(entry);
          if (!byKey.has(entry.key)) byKey.set(entry.key, entry);
        });
        chain = run.catch(() => undefined);
        return run.catch((error: unknown) => {
          throw new FineRouterError('DATA_INVALID', `label store ${path}: append failed: ${(error as Error).message}`, {
            cause: error,
          });
        });
      },
      async close() {
        if (closed) return;
        closed = true;
        await chain;
        try {
          await h.datasync();
        } finally {
          await h.close();
          await rm(lockPath, { force: true });
        }
      },
    };
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(lockPath, { force: true });
    throw error;
  }
}
