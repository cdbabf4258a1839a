/**
 * On-disk embedding cache shared by `train`, `discover`, `add-model` and `eval`: one append-only file per
 * encoder and dimension. See docs/reliability.md ("Embedding cache integrity").
 *
 * Format 2 (`<encoder id>-<dimension>.v2.frcache`), written by this build. Every record is self-delimiting
 * and checksummed, so a torn or corrupted record is detected and only that record is dropped:
 *
 *   offset  size    field
 *   0       4       magic 'FRE2' (0x46 0x52 0x45 0x32)
 *   4       4       uint32 LE payload length = 32 + 4·D (checked against the file's D)
 *   8       32      sha256(text, UTF-8)
 *   40      4·D     float32 LE vector
 *   40+4D   8       first 8 bytes of sha256(bytes 4 … 40+4D), i.e. of length, key and vector
 *
 * Reading scans the file; a record whose magic, length or checksum is wrong, or that runs past the end of the
 * file, is skipped and the scan resumes at the next magic (re-synchronisation), so bytes appended after a
 * torn record are still read. A record also has to hold finite values. Each batch of records is appended with
 * one write, after the file's torn tail (if any) is left behind: the next record starts with its own magic.
 *
 * Format 1 (`<encoder id>-<dimension>.bin`, records `[sha256 (32 bytes)][D float32]`, no framing), written by
 * earlier builds, is read but never written. It carries no checksum, so a record is accepted only when its
 * vector is finite and has unit L2 norm (|‖v‖ − 1| ≤ 1e-3; the Encoder contract is L2-normalized rows) and
 * the scan stops at the first record that fails: a tear followed by appends misaligns everything after it.
 * The record before the first failure is dropped too (it may hold the torn bytes). New vectors go to the
 * format-2 file; the format-1 file is left untouched (delete it to reclaim space).
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { Encoder } from '../../encoder/types.js';
import { cachePaths } from './cache-dir.js';
import { FineRouterError, throwIfAborted } from '../../errors.js';

const KEY_BYTES = 32;
const MAGIC = Buffer.from('FRE2', 'latin1');
const HEADER_BYTES = 8;
const CHECK_BYTES = 8;
const LEGACY_NORM_TOLERANCE = 1e-3;
const LITTLE_ENDIAN = endianness() === 'LE';

/** Options of {@link embedTextsCached}. */
export interface EmbedCachedOptions {
  /** Cache directory; null disables the cache. @defaultValue cachePaths().embeddings (see ./cache-dir.ts) */
  cacheDir?: string | null;
  /** Most texts per padded batch (the encoder's `batchSize`). @defaultValue the encoder's default (32) */
  batchSize?: number;
  /** (done, total) over the texts that needed embedding. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** What {@link readEmbeddingCache} found in a cache directory. */
export interface EmbeddingCacheContents {
  /** sha256 hex of the text → vector. */
  rows: Map<string, Float32Array>;
  /** Format-2 records accepted. */
  records: number;
  /** Format-2 byte ranges skipped (bad magic, length, checksum, non-finite values or a torn tail). */
  corruptRanges: number;
  /** Format-1 records accepted from the legacy file (0 when there is none). */
  legacyRecords: number;
  /** Format-1 records dropped (not validated, or after a failed record). */
  legacyDropped: number;
  /** Byte length of the format-2 file (0 when absent). */
  bytes: number;
}

function fileStem(encoderId: string, dimension: number): string {
  return `${encoderId.replace(/[^A-Za-z0-9._-]+/g, '_')}-${dimension}`;
}

/** Paths of the format-2 file and the legacy format-1 file for an encoder. @internal */
export function embeddingCacheFiles(
  dir: string,
  encoderId: string,
  dimension: number,
): { current: string; legacy: string } {
  const stem = fileStem(encoderId, dimension);
  return { current: join(dir, `${stem}.v2.frcache`), legacy: join(dir, `${stem}.bin`) };
}

function checksum(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, CHECK_BYTES);
}

/**
 * Encodes one format-2 record.
 * @internal
 */
export function encodeEmbeddingRecord(keyHex: string, row: Float32Array): Buffer {
  const d = row.length;
  const payload = KEY_BYTES + 4 * d;
  const out = Buffer.alloc(HEADER_BYTES + payload + CHECK_BYTES);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(payload, 4);
  Buffer.from(keyHex, 'hex').copy(out, HEADER_BYTES);
  if (LITTLE_ENDIAN) out.set(new Uint8Array(row.buffer, row.byteOffset, row.byteLength), HEADER_BYTES + KEY_BYTES);
  else for (let j = 0; j < d; j++) out.writeFloatLE(row[j]!, HEADER_BYTES + KEY_BYTES + 4 * j);
  checksum(out.subarray(4, HEADER_BYTES + payload)).copy(out, HEADER_BYTES + payload);
  return out;
}

function readVector(bytes: Buffer, at: number, d: number): Float32Array | null {
  const row = new Float32Array(d);
  if (LITTLE_ENDIAN) new Uint8Array(row.buffer).set(bytes.subarray(at, at + 4 * d));
  else for (let j = 0; j < d; j++) row[j] = bytes.readFloatLE(at + 4 * j);
  for (let j = 0; j < d; j++) if (!Number.isFinite(row[j]!)) return null;
  return row;
}

/** Parses a format-2 file; returns accepted records and the number of skipped byte ranges. */
function parseCurrent(
  bytes: Buffer,
  d: number,
  rows: Map<string, Float32Array>,
): { records: number; corruptRanges: number } {
  const payload = KEY_BYTES + 4 * d;
  const size = HEADER_BYTES + payload + CHECK_BYTES;
  let records = 0;
  let corruptRanges = 0;
  let inBadRange = false;
  let o = 0;
  while (o < bytes.length) {
    let ok = false;
    if (
      o + size <= bytes.length &&
      bytes[o] === MAGIC[0] &&
      bytes.subarray(o, o + 4).equals(MAGIC) &&
      bytes.readUInt32LE(o + 4) === payload
    ) {
      const body = bytes.subarray(o + 4, o + HEADER_BYTES + payload);
      if (checksum(body).equals(bytes.subarray(o + HEADER_BYTES + payload, o + size))) {
        const row = readVector(bytes, o + HEADER_BYTES + KEY_BYTES, d);
        if (row) {
          rows.set(bytes.subarray(o + HEADER_BYTES, o + HEADER_BYTES + KEY_BYTES).toString('hex'), row);
          records++;
          ok = true;
        }
      }
    }
    if (ok) {
      inBadRange = false;
      o += size;
      continue;
    }
    if (!inBadRange) corruptRanges++;
    inBadRange = true;
    // Re-synchronise at the next magic after this position.
    const next = bytes.indexOf(MAGIC, o + 1);
    if (next < 0) break;
    o = next;
  }
  return { records, corruptRanges };
}

/** Parses a format-1 file conservatively (see the file header). Keys already in `rows` win. */
function parseLegacy(bytes: Buffer, d: number, rows: Map<string, Float32Array>): { accepted: number; dropped: number } {
  const size = KEY_BYTES + 4 * d;
  const total = Math.floor(bytes.length / size);
  const accepted: { key: string; row: Float32Array }[] = [];
  let failed = false;
  for (let r = 0; r < total; r++) {
    const o = r * size;
    const row = readVector(bytes, o + KEY_BYTES, d);
    let norm = 0;
    if (row) for (let j = 0; j < d; j++) norm += row[j]! * row[j]!;
    if (!row || Math.abs(Math.sqrt(norm) - 1) > LEGACY_NORM_TOLERANCE) {
      failed = true;
      break;
    }
    accepted.push({ key: bytes.subarray(o, o + KEY_BYTES).toString('hex'), row });
  }
  // The record before the first failure may hold the start of a torn record's successor: drop it too.
  if (failed) accepted.pop();
  for (const { key, row } of accepted) if (!rows.has(key)) rows.set(key, row);
  return { accepted: accepted.length, dropped: total - accepted.length };
}

/**
 * Reads every valid record of an encoder's cache files in `dir` (format 2, then format 1 for keys not found
 * there). Never throws for damaged contents: damaged records are counted and left out.
 *
 * @param dir - the cache directory (e.g. `.cache/embeddings`).
 * @param encoderId - the encoder's id.
 * @param dimension - the encoder's dimension.
 * @returns the rows and counts of accepted and skipped records.
 * @throws FineRouterError INVALID_ARGUMENT for a bad dimension; DATA_INVALID when a cache file exists but
 *   cannot be read (permissions, a directory in its place).
 * @example
 * const { rows, corruptRanges } = await readEmbeddingCache('.cache/embeddings', encoder.id, encoder.dimension);
 */
export async function readEmbeddingCache(
  dir: string,
  encoderId: string,
  dimension: number,
): Promise<EmbeddingCacheContents> {
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `readEmbeddingCache: expected an integer dimension ≥ 1, received ${String(dimension)}`,
    );
  }
  const files = embeddingCacheFiles(dir, encoderId, dimension);
  const read = async (path: string): Promise<Buffer | null> => {
    try {
      return await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new FineRouterError('DATA_INVALID', `embedding cache: cannot read ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  const rows = new Map<string, Float32Array>();
  const current = await read(files.current);
  const parsed = current ? parseCurrent(current, dimension, rows) : { records: 0, corruptRanges: 0 };
  const legacyBytes = await read(files.legacy);
  const legacy = legacyBytes ? parseLegacy(legacyBytes, dimension, rows) : { accepted: 0, dropped: 0 };
  return {
    rows,
    records: parsed.records,
    corruptRanges: parsed.corruptRanges,
    legacyRecords: legacy.accepted,
    legacyDropped: legacy.dropped,
    bytes: current?.length ?? 0,
  };
}

/**
 * Embeds texts through `encoder`, reading and filling the on-disk cache; duplicate texts are embedded once.
 * Texts are sent in length order so padding stays small. Damaged cache records are never served: they are
 * dropped and the texts re-embedded (see the file header).
 *
 * @param encoder - the sentence encoder.
 * @param texts - texts to embed.
 * @param options - see {@link EmbedCachedOptions}.
 * @returns row-major [texts.length, D] embeddings and how many texts were newly embedded.
 * @throws FineRouterError ABORTED when the signal fires; DATA_INVALID when the cache file cannot be read or
 *   written; DIMENSION_MISMATCH when the encoder returns the wrong number of values; encoder errors pass through.
 * @example
 * const { embeddings } = await embedTextsCached(encoder, records.map((r) => r.prompt));
 */
export async function embedTextsCached(
  encoder: Encoder,
  texts: readonly string[],
  options: EmbedCachedOptions = {},
): Promise<{ embeddings: Float32Array; embedded: number }> {
  const d = encoder.dimension;
  const dir = options.cacheDir === undefined ? cachePaths().embeddings : options.cacheDir;
  let rows = new Map<string, Float32Array>();
  let file: string | null = null;
  if (dir !== null) {
    // A torn tail is left in place: every record starts with its magic, so the reader re-synchronises.
    rows = (await readEmbeddingCache(dir, encoder.id, d)).rows;
    file = embeddingCacheFiles(dir, encoder.id, d).current;
  }
  const keys = texts.map((t) => createHash('sha256').update(t, 'utf8').digest('hex'));
  const missing: number[] = [];
  const queued = new Set<string>();
  keys.forEach((k, i) => {
    if (!rows.has(k) && !queued.has(k)) {
      queued.add(k);
      missing.push(i);
    }
  });
  missing.sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
  // Big calls let the encoder plan padding-free batches over many lengths, and two calls are in flight: the next
  // one is queued while this one runs, so a worker pool never drains between calls.
  const chunk = 2048;
  let madeDir = false;
  const start = (s: number): Promise<Float32Array> => {
    const call = encoder.embed(
      missing.slice(s, s + chunk).map((i) => texts[i]!),
      {
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    // A call left in flight when an earlier chunk fails is abandoned: its rejection must not go unhandled.
    call.catch(() => undefined);
    return call;
  };
  const inFlight = [0, chunk].filter((s) => s < missing.length).map(start);
  for (let s = 0; s < missing.length; s += chunk) {
    throwIfAborted(options.signal, 'embedTextsCached');
    const emb = await inFlight.shift()!;
    if (s + 2 * chunk < missing.length) inFlight.push(start(s + 2 * chunk));
    const part = missing.slice(s, s + chunk);
    if (emb.length !== part.length * d) {
      throw new FineRouterError(
        'DIMENSION_MISMATCH',
        `embedTextsCached: encoder ${encoder.id} returned ${emb.length} values for ${part.length} texts of dimension ${d}`,
      );
    }
    const out: Buffer[] = [];
    part.forEach((i, r) => {
      const row = emb.slice(r * d, r * d + d);
      rows.set(keys[i]!, row);
      out.push(encodeEmbeddingRecord(keys[i]!, row));
    });
    if (file && dir !== null) {
      try {
        if (!madeDir) await mkdir(dir, { recursive: true });
        madeDir = true;
        await appendFile(file, Buffer.concat(out));
      } catch (error) {
        throw new FineRouterError(
          'DATA_INVALID',
          `embedTextsCached: cannot append to ${file}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    options.onProgress?.(Math.min(missing.length, s + chunk), missing.length);
  }
  const embeddings = new Float32Array(texts.length * d);
  keys.forEach((k, i) => embeddings.set(rows.get(k)!, i * d));
  return { embeddings, embedded: missing.length };
}
