/**
 * Shared helpers of the reliability tests: a deterministic encoder over the real Encoder interface (the cache
 * tests check storage, not embedding quality; the MiniLM path is covered by test/encoder and the CLI crash test),
 * temporary directories, and the built CLI path.
 */
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Encoder } from '../../src/encoder/types.js';

/** L2-normalized vector derived from sha256(text): the same text always gives the same bits. */
export function hashVector(text: string, d: number): Float32Array {
  const row = new Float32Array(d);
  let seed = createHash('sha256').update(text).digest();
  for (let j = 0; j < d; j++) {
    if (j % 8 === 0 && j > 0) seed = createHash('sha256').update(seed).digest();
    row[j] = seed.readInt32LE((j % 8) * 4) / 2 ** 31;
  }
  let norm = 0;
  for (const x of row) norm += x * x;
  norm = Math.sqrt(norm);
  for (let j = 0; j < d; j++) row[j] = row[j]! / norm;
  return row;
}

/** An Encoder whose vectors are {@link hashVector}; `calls` records every text it embedded. */
export function hashEncoder(d = 384, id = 'test/hash-encoder'): Encoder & { calls: string[] } {
  const calls: string[] = [];
  return {
    id,
    dimension: d,
    calls,
    async embed(texts) {
      const out = new Float32Array(texts.length * d);
      texts.forEach((t, i) => {
        calls.push(t);
        out.set(hashVector(t, d), i * d);
      });
      return out;
    },
    async dispose() {},
  };
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `finerouter-${prefix}-`));
}

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const SAMPLE = join(ROOT, 'examples', 'data', 'routing-sample.jsonl');

/**
 * Writes a format-2 embedding cache under `<root>/embeddings` from the shipped MiniLM vectors of the sample
 * (examples/data/routing-sample.minilm.f32, file order), so CLI runs in tests embed nothing.
 */
export async function sampleCacheRoot(root: string): Promise<string> {
  const { readFile, mkdir, writeFile } = await import('node:fs/promises');
  const { encodeEmbeddingRecord } = await import('../../src/adapters/node/embedding-store.js');
  const lines = (await readFile(SAMPLE, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const bytes = await readFile(join(ROOT, 'examples', 'data', 'routing-sample.minilm.f32'));
  const vectors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const records = lines.map((line, i) => {
    const prompt = (JSON.parse(line) as { prompt: string }).prompt;
    return encodeEmbeddingRecord(
      createHash('sha256').update(prompt, 'utf8').digest('hex'),
      vectors.slice(i * 384, i * 384 + 384),
    );
  });
  await mkdir(join(root, 'embeddings'), { recursive: true });
  await writeFile(
    join(root, 'embeddings', 'sentence-transformers_all-MiniLM-L6-v2-384.v2.frcache'),
    Buffer.concat(records),
  );
  return root;
}
