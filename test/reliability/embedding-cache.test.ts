/**
 * Issue #13 item 2: a torn embedding-cache record must never be served, and records written after it must
 * still be read. The cache file is found by listing the directory, so the test runs against any format.
 */
import { readdir, readFile, stat, truncate, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedTextsCached } from '../../src/adapters/node/embedding-store.js';
import { hashEncoder, hashVector, tempDir } from './helpers.js';

const D = 384;
const textsA = Array.from({ length: 12 }, (_, i) => `prompt A number ${i}: ${'x'.repeat(i)}`);
const textsB = Array.from({ length: 6 }, (_, i) => `prompt B number ${i}`);

async function cacheFile(dir: string): Promise<string> {
  const files = await readdir(dir);
  expect(files.length).toBe(1);
  return join(dir, files[0]!);
}

function expectExact(embeddings: Float32Array, texts: readonly string[]): void {
  texts.forEach((t, i) => {
    const want = hashVector(t, D);
    const got = embeddings.subarray(i * D, i * D + D);
    expect(Array.from(got), `vector of "${t}"`).toEqual(Array.from(want));
  });
}

describe('embedding cache integrity', () => {
  it('a record torn mid-way, then appended to, never serves a wrong vector and keeps later records', async () => {
    const dir = await tempDir('cache-torn');
    await embedTextsCached(hashEncoder(D), textsA, { cacheDir: dir });
    const file = await cacheFile(dir);
    const size = (await stat(file)).size;
    await truncate(file, size - 777); // inside the last record
    await embedTextsCached(hashEncoder(D), textsB, { cacheDir: dir }); // appended after the torn bytes
    const encoder = hashEncoder(D);
    const all = [...textsA, ...textsB];
    const { embeddings } = await embedTextsCached(encoder, all, { cacheDir: dir });
    expectExact(embeddings, all);
    // Only the torn text needed embedding again; B (written after the tear) was read back.
    expect(encoder.calls.filter((t) => textsB.includes(t))).toEqual([]);
    expect(encoder.calls.length).toBeLessThanOrEqual(1);
  });

  it('a corrupted byte in a middle record drops only that record', async () => {
    const dir = await tempDir('cache-flip');
    await embedTextsCached(hashEncoder(D), textsA, { cacheDir: dir });
    const file = await cacheFile(dir);
    const bytes = await readFile(file);
    const recordBytes = bytes.length / textsA.length;
    bytes[Math.floor(5.5 * recordBytes)] ^= 0x40;
    await writeFile(file, bytes);
    const encoder = hashEncoder(D);
    const { embeddings } = await embedTextsCached(encoder, textsA, { cacheDir: dir });
    expectExact(embeddings, textsA);
    expect(encoder.calls.length).toBe(1);
  });

  it('garbage appended to the file is skipped; records after it are read', async () => {
    const dir = await tempDir('cache-garbage');
    await embedTextsCached(hashEncoder(D), textsA.slice(0, 4), { cacheDir: dir });
    const file = await cacheFile(dir);
    await writeFile(file, Buffer.concat([await readFile(file), Buffer.from('FRE2 not a record \u0000\u0001 FRE2')]));
    await embedTextsCached(hashEncoder(D), textsB, { cacheDir: dir });
    const encoder = hashEncoder(D);
    const { embeddings } = await embedTextsCached(encoder, [...textsA.slice(0, 4), ...textsB], { cacheDir: dir });
    expectExact(embeddings, [...textsA.slice(0, 4), ...textsB]);
    expect(encoder.calls).toEqual([]);
  });

  it('reads a format-1 (.bin) cache without modifying it, and never serves a torn format-1 record', async () => {
    const dir = await tempDir('cache-legacy');
    // Format 1 as written by earlier builds: [sha256][D float32] per record, no framing.
    const { createHash } = await import('node:crypto');
    const record = (t: string): Buffer =>
      Buffer.concat([createHash('sha256').update(t).digest(), Buffer.from(hashVector(t, D).buffer)]);
    const legacy = join(dir, 'test_hash-encoder-384.bin');
    // Torn after record 7, then records appended by an old build: misaligned from there on.
    const good = Buffer.concat(textsA.slice(0, 8).map(record));
    const torn = record(textsA[8]!).subarray(0, 700);
    await writeFile(legacy, Buffer.concat([good, torn, ...textsA.slice(9).map(record)]));
    const before = await readFile(legacy);
    const encoder = hashEncoder(D);
    const { embeddings } = await embedTextsCached(encoder, textsA, { cacheDir: dir });
    expectExact(embeddings, textsA);
    // Records 0..6 are trusted (record 7 precedes the first failure and is dropped with it).
    expect(encoder.calls.length).toBeLessThanOrEqual(textsA.length - 7);
    expect((await readFile(legacy)).equals(before)).toBe(true);
    // A second run reads everything back from the new file and the legacy prefix.
    const again = hashEncoder(D);
    expectExact((await embedTextsCached(again, textsA, { cacheDir: dir })).embeddings, textsA);
    expect(again.calls).toEqual([]);
  });

  it('the shared /work-style cache copy is read without writes when nothing is missing', async () => {
    const dir = await tempDir('cache-readonly');
    await embedTextsCached(hashEncoder(D), textsA, { cacheDir: dir });
    const file = await cacheFile(dir);
    const copy = join(await tempDir('cache-readonly-copy'), 'x');
    await copyFile(file, copy);
    const before = (await stat(file)).mtimeMs;
    const encoder = hashEncoder(D);
    await embedTextsCached(encoder, textsA, { cacheDir: dir });
    expect(encoder.calls).toEqual([]);
    expect((await stat(file)).mtimeMs).toBe(before);
    expect(await readdir(dir)).toHaveLength(1);
  });
});
