/**
 * Streaming reader for routing JSONL files (Node only: fs + readline). Each line is validated by
 * the pure `parseRoutingLine`; bad lines either throw (default) or are skipped and reported with
 * their line number and reason — never skipped silently.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FineRouterError, throwIfAborted } from '../../errors.js';
import { parseRoutingLine } from '../../data/parse.js';
import type { RoutingRecord } from '../../data/types.js';

export interface ReadRoutingJsonlOptions {
  /** Keep only records whose `split` equals this (records without a split are dropped too). @defaultValue undefined (all records) */
  split?: string;
  /** What to do with an invalid line: throw a FineRouterError 'DATA_INVALID', or skip it and report it. @defaultValue 'throw' */
  onBadLine?: 'throw' | 'skip';
  /** Called every 1000 lines with the number of lines read. */
  onProgress?: (linesRead: number) => void;
  signal?: AbortSignal;
}

export interface ReadRoutingJsonlResult {
  /** Valid records (of the requested split), in file order. */
  records: RoutingRecord[];
  /** Invalid lines (only with onBadLine 'skip'): 1-based line number and reason. */
  skipped: { line: number; reason: string }[];
  /** Valid records left out because their split differs from `split`. */
  filtered: number;
  /** Lines that were empty or whitespace only (not records). */
  blank: number;
}

/** Defaults of {@link ReadRoutingJsonlOptions}. */
export const READ_ROUTING_JSONL_DEFAULTS = Object.freeze({ onBadLine: 'throw' as 'throw' | 'skip' });

/**
 * Reads a routing JSONL file line by line (streaming), validating every line.
 *
 * Duplicate ids are invalid lines too (reason names the first line with that id). Blank lines are
 * counted in `blank`, not treated as records.
 *
 * @param path - path of the .jsonl file.
 * @param options - see {@link ReadRoutingJsonlOptions}.
 * @returns records, skipped lines, counts.
 * @throws FineRouterError 'DATA_INVALID' when the file cannot be read, or on the first bad line with onBadLine 'throw';
 *   'ABORTED' when the signal fires; 'INVALID_ARGUMENT' for bad options.
 * @example
 * const { records, skipped } = await readRoutingJsonl('routing.jsonl', { split: 'train', onBadLine: 'skip' });
 */
export async function readRoutingJsonl(path: string, options: ReadRoutingJsonlOptions = {}): Promise<ReadRoutingJsonlResult> {
  const onBadLine = options.onBadLine ?? READ_ROUTING_JSONL_DEFAULTS.onBadLine;
  if (onBadLine !== 'throw' && onBadLine !== 'skip') {
    throw new FineRouterError('INVALID_ARGUMENT', `readRoutingJsonl: onBadLine must be 'throw' or 'skip', received ${String(onBadLine)}`);
  }
  if (typeof path !== 'string' || path.length === 0) {
    throw new FineRouterError('INVALID_ARGUMENT', `readRoutingJsonl: expected a file path, received ${String(path)}`);
  }
  throwIfAborted(options.signal, 'readRoutingJsonl');
  const stream = createReadStream(path, { encoding: 'utf8' });
  const openError = new Promise<never>((_, reject) => {
    stream.once('error', (error) =>
      reject(new FineRouterError('DATA_INVALID', `readRoutingJsonl: cannot read ${path}: ${error.message}`, { cause: error })),
    );
  });
  openError.catch(() => undefined);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const result: ReadRoutingJsonlResult = { records: [], skipped: [], filtered: 0, blank: 0 };
  const firstLineOfId = new Map<string, number>();
  let lineNumber = 0;
  const consume = async (): Promise<void> => {
    for await (const line of lines) {
      lineNumber++;
      if (lineNumber % 1000 === 0) {
        throwIfAborted(options.signal, 'readRoutingJsonl');
        options.onProgress?.(lineNumber);
      }
      if (line.trim().length === 0) {
        result.blank++;
        continue;
      }
      let record: RoutingRecord;
      try {
        record = parseRoutingLine(line, lineNumber);
        const first = firstLineOfId.get(record.id);
        if (first !== undefined) {
          throw new FineRouterError('DATA_INVALID', `line ${lineNumber}: duplicate id '${record.id}' (first on line ${first})`);
        }
        firstLineOfId.set(record.id, lineNumber);
      } catch (error) {
        if (onBadLine === 'throw' || !(error instanceof FineRouterError)) throw error;
        result.skipped.push({ line: lineNumber, reason: error.message });
        continue;
      }
      if (options.split !== undefined && record.split !== options.split) {
        result.filtered++;
        continue;
      }
      result.records.push(record);
    }
  };
  try {
    await Promise.race([consume(), openError]);
  } finally {
    lines.close();
    stream.destroy();
  }
  options.onProgress?.(lineNumber);
  return result;
}
