import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMiniLmModelDir, loadMiniLmEncoder, miniLmGraphBytes } from '../../src/adapters/node/minilm.js';
import type { Encoder } from '../../src/encoder/types.js';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
const row = (m: Float32Array, i: number, d: number): Float32Array => m.subarray(i * d, (i + 1) * d);

let encoder: Encoder;
beforeAll(async () => {
  encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1 });
});
afterAll(async () => {
  await encoder?.dispose();
});

describe('loadMiniLmEncoder (real weights, real onnxruntime-node)', () => {
  it('matches sentence-transformers on "This is an example sentence"', async () => {
    expect(encoder.id).toBe('sentence-transformers/all-MiniLM-L6-v2');
    expect(encoder.dimension).toBe(384);
    const v = await encoder.embed(['This is an example sentence']);
    expect(v.length).toBe(384);
    const want = [0.06766, 0.06356, 0.04873, 0.07941];
    want.forEach((w, i) => expect(v[i]).toBeCloseTo(w, 4));
    let norm = 0;
    for (const x of v) norm += x * x;
    expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
  });

  it('a padded, length-sorted batch equals one-at-a-time runs (cosine ≥ 0.99999) and keeps input order', async () => {
    const texts = [
      'short',
      'A considerably longer sentence that needs many more word pieces than the others in this batch, to force padding.',
      'Write a Python function that reverses a linked list.',
      '',
      'What is the capital of France?',
    ];
    const batched = await encoder.embed(texts, { batchSize: 3 });
    for (let i = 0; i < texts.length; i++) {
      const single = await encoder.embed([texts[i]!]);
      expect(cosine(row(batched, i, 384), single)).toBeGreaterThanOrEqual(0.99999);
    }
  });

  it('paraphrases score far above unrelated pairs', async () => {
    const v = await encoder.embed([
      'How do I reverse a list in Python?',
      'What is the way to invert the order of a Python list?',
      'The weather in Paris is lovely in spring.',
      'Solve the integral of x squared from 0 to 1.',
      'Compute the definite integral of x^2 between zero and one.',
    ]);
    const para1 = cosine(row(v, 0, 384), row(v, 1, 384));
    const para2 = cosine(row(v, 3, 384), row(v, 4, 384));
    const unrelated = Math.max(
      cosine(row(v, 0, 384), row(v, 2, 384)),
      cosine(row(v, 2, 384), row(v, 3, 384)),
      cosine(row(v, 0, 384), row(v, 4, 384)),
    );
    expect(para1).toBeGreaterThan(0.7);
    expect(para2).toBeGreaterThan(0.7);
    expect(unrelated).toBeLessThan(0.3);
  });

  it('reports progress per batch, honours abort, and returns an empty matrix for no texts', async () => {
    const seen: [number, number][] = [];
    await encoder.embed(['a', 'b', 'c'], { batchSize: 2, onProgress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([
      [2, 3],
      [3, 3],
    ]);
    const ac = new AbortController();
    ac.abort();
    await expect(encoder.embed(['a'], { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await encoder.embed([])).length).toBe(0);
  });
});

describe('disk cache', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'finerouter-cache-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the built .onnx once and reloads it with identical vectors', async () => {
    const first = await loadMiniLmEncoder({ cacheDir: dir, intraOpNumThreads: 1 });
    const files = await readdir(dir);
    expect(files.filter((f) => f.endsWith('.onnx'))).toHaveLength(1);
    const second = await loadMiniLmEncoder({ cacheDir: dir, intraOpNumThreads: 1 });
    expect(await readdir(dir)).toEqual(files);
    const a = await first.embed(['cache me']);
    const b = await second.embed(['cache me']);
    expect(Array.from(b)).toEqual(Array.from(a));
    await first.dispose();
    await second.dispose();
  });

  it('miniLmGraphBytes returns the cached graph, and a given graph loads without the weights', async () => {
    const graph = await miniLmGraphBytes({ cacheDir: dir });
    const files = (await readdir(dir)).filter((f) => f.endsWith('.onnx'));
    expect(files).toHaveLength(1);
    expect(Buffer.from(graph).equals(await readFile(join(dir, files[0]!)))).toBe(true);
    // A model directory with config.json and tokenizer.json only: the weights are neither read nor needed.
    const bare = await mkdtemp(join(tmpdir(), 'finerouter-bare-'));
    try {
      for (const f of ['config.json', 'tokenizer.json'])
        await copyFile(join(defaultMiniLmModelDir(), f), join(bare, f));
      const given = await loadMiniLmEncoder({ modelDir: bare, graph, intraOpNumThreads: 1 });
      const built = await loadMiniLmEncoder({ cacheDir: dir, intraOpNumThreads: 1 });
      expect(given.id).toBe(built.id);
      expect(Array.from(await given.embed(['cache me']))).toEqual(Array.from(await built.embed(['cache me'])));
      await given.dispose();
      await built.dispose();
      await expect(loadMiniLmEncoder({ modelDir: bare })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });
});
