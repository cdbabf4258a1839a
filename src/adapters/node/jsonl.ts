/**
 * Streaming reader for routing JSONL files (Node only: fs + readline). Each line is validated by
 * the pure `parseRoutingLine`; bad lines either throw (default) or are skipped and reported with
 * their line number and reason — never skipped silently.
 */
import { createReadStream } from 'node:fs';
import { FineRouterError, throwIfAborted } from '../../errors.js';
import { parseRoutingLine } from '../../data/parse.js';
import type { RoutingRecord } from '../../data/types.js';

/** Options of {@link readRoutingJsonl}. */
export interface ReadRoutingJsonlOptions {
  /** Keep only records whose `split` equals this (records without a split are dropped too). @defaultValue undefined (all records) */
  split?: string;
  /** What to do with an invalid line: throw a FineRouterError 'DATA_INVALID', or skip it and report it. @defaultValue 'throw' */
  onBadLine?: 'throw' | 'skip';
  /** Called every 1000 lines with the number of lines read. */
  onProgress?: (linesRead: number) => void;
  signal?: AbortSignal;
}

/** Result of {@link readRoutingJsonl}: the records and the lines skipped. */
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

/**
 * Defaults of {@link ReadRoutingJsonlOptions}.
 *
 * @example
 * await readRoutingJsonl('data.jsonl', { onBadLine: READ_ROUTING_JSONL_DEFAULTS.onBadLine }); // 'throw'
 */
export const READ_ROUTING_JSONL_DEFAULTS = Object.freeze({ onBadLine: 'throw' as 'throw' | 'skip' });

/** A line that is not valid UTF-8: the offset of the first bad byte. */
interface InvalidLine {
  offset: number;
}

/**
 * Splits a byte stream on '\n' (a trailing '\r' is dropped) and decodes each line as strict UTF-8, so an
 * invalid byte is reported with its line instead of being replaced by U+FFFD.
 */
async function* splitLines(stream: AsyncIterable<Buffer>): AsyncGenerator<string | InvalidLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const decode = (bytes: Buffer): string | InvalidLine => {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    try {
      return decoder.decode(bytes.subarray(0, end));
    } catch {
      for (let i = 0; i < end; i++) {
        try {
          new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, i + 1), { stream: true });
        } catch {
          return { offset: i };
        }
      }
      return { offset: 0 };
    }
  };
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    let data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
      yield decode(data.subarray(start, nl));
      start = nl + 1;
    }
    carry = Buffer.from(data.subarray(start));
    data = carry;
  }
  if (carry.length > 0) yield decode(carry);
}

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
export async function readRoutingJsonl(
  path: string,
  options: ReadRoutingJsonlOptions = {},
): Promise<ReadRoutingJsonlResult> {
  const onBadLine = options.onBadLine ?? READ_ROUTING_JSONL_DEFAULTS.onBadLine;
  if (onBadLine !== 'throw' && onBadLine !== 'skip') {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `readRoutingJsonl: onBadLine must be 'throw' or 'skip', received ${String(onBadLine)}`,
    );
  }
  if (typeof path !== 'string' || path.length === 0) {
    throw new FineRouterError('INVALID_ARGUMENT', `readRoutingJsonl: expected a file path, received ${String(path)}`);
  }
  throwIfAborted(options.signal, 'readRoutingJsonl');
  const stream = createReadStream(path);
  const openError = new Promise<never>((_, reject) => {
    stream.once('error', (error) =>
      reject(
        new FineRouterError('DATA_INVALID', `readRoutingJsonl: cannot read ${path}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
  });
  openError.catch(() => undefined);
  const lines = splitLines(stream);
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
      let record: RoutingRecord;
      try {
        if (typeof line !== 'string')
          throw new FineRouterError(
            'DATA_INVALID',
            `line ${lineNumber}: invalid UTF-8 (byte ${line.offset + 1} of the line); re-save the file as UTF-8`,
          );
        if (line.trim().length === 0) {
          result.blank++;
          continue;
        }
        record = parseRoutingLine(line, lineNumber);
        const first = firstLineOfId.get(record.id);
        if (first !== undefined) {
          throw new FineRouterError(
            'DATA_INVALID',
            `line ${lineNumber}: duplicate id '${record.id}' (first on line ${first})`,
          );
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
    stream.destroy();
  }
  options.onProgress?.(lineNumber);
  return result;
}
