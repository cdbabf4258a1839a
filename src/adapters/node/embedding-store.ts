/**
 * On-disk embedding cache for training: one append-only file per encoder (`<encoder id>-<dimension>.bin`) of
 * records `[sha256(text) (32 bytes)][dimension float32]`. The same layout as the cache of `finerouter eval`,
 * so the two commands share `.cache/embeddings`. A torn last record (interrupted write) is ignored.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Encoder } from '../../encoder/types.js';
import { cachePaths } from './cache-dir.js';
import { throwIfAborted } from '../../errors.js';

const KEY_BYTES = 32;

/** Options of {@link embedTextsCached}. */
export interface EmbedCachedOptions {
  /** Cache directory; null disables the cache. @defaultValue cachePaths().embeddings (see ./cache-dir.ts) */
  cacheDir?: string | null;
  /** Texts per encoder call. @defaultValue 16 */
  batchSize?: number;
  /** (done, total) over the texts that needed embedding. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Embeds texts through `encoder`, reading and filling the on-disk cache; duplicate texts are embedded once.
 * Texts are sent in length order so padding stays small.
 *
 * @param encoder - the sentence encoder.
 * @param texts - texts to embed.
 * @param options - see {@link EmbedCachedOptions}.
 * @returns row-major [texts.length, D] embeddings and how many texts were newly embedded.
 * @throws FineRouterError ABORTED when the signal fires; encoder errors pass through.
 * @example
 * const { embeddings } = await embedTextsCached(encoder, records.map((r) => r.prompt));
 */
export async function embedTextsCached(encoder: Encoder, texts: readonly string[], options: EmbedCachedOptions = {}): Promise<{ embeddings: Float32Array; embedded: number }> {
  const d = encoder.dimension;
  const dir = options.cacheDir === undefined ? cachePaths().embeddings : options.cacheDir;
  const rows = new Map<string, Float32Array>();
  let file: string | null = null;
  if (dir !== null) {
    await mkdir(dir, { recursive: true });
    file = join(dir, `${encoder.id.replace(/[^A-Za-z0-9._-]+/g, '_')}-${d}.bin`);
    const bytes = await readFile(file).catch(() => null);
    if (bytes) {
      const size = KEY_BYTES + 4 * d;
      for (let o = 0; o + size <= bytes.length; o += size) {
        const row = new Float32Array(d);
        new Uint8Array(row.buffer).set(bytes.subarray(o + KEY_BYTES, o + size));
        rows.set(bytes.subarray(o, o + KEY_BYTES).toString('hex'), row);
      }
    }
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
  missing.sort((a, b) => texts[a].length - texts[b].length || a - b);
  const chunk = 256;
  for (let s = 0; s < missing.length; s += chunk) {
    throwIfAborted(options.signal, 'embedTextsCached');
    const part = missing.slice(s, s + chunk);
    const emb = await encoder.embed(part.map((i) => texts[i]), { batchSize: options.batchSize ?? 16, ...(options.signal ? { signal: options.signal } : {}) });
    const out = Buffer.alloc(part.length * (KEY_BYTES + 4 * d));
    part.forEach((i, r) => {
      const row = emb.slice(r * d, r * d + d);
      rows.set(keys[i], row);
      Buffer.from(keys[i], 'hex').copy(out, r * (KEY_BYTES + 4 * d));
      Buffer.from(row.buffer).copy(out, r * (KEY_BYTES + 4 * d) + KEY_BYTES);
    });
    if (file) await appendFile(file, out);
    options.onProgress?.(Math.min(missing.length, s + chunk), missing.length);
  }
  const embeddings = new Float32Array(texts.length * d);
  keys.forEach((k, i) => embeddings.set(rows.get(k)!, i * d));
  return { embeddings, embedded: missing.length };
}
