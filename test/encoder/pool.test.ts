// createEncoderPool: real worker threads, each running onnxruntime-node on the real MiniLM (or a small real ONNX
// graph built here for the error cases). Needs the built worker script (dist/encoder-worker.js; `npm test` builds).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncoderPool } from '../../src/adapters/node/encoder-pool.js';
import type { EncoderPool } from '../../src/adapters/node/encoder-pool.js';
import { defaultMiniLmModelDir, loadMiniLmEncoder } from '../../src/adapters/node/minilm.js';
import { loadTokenizerJson } from '../../src/adapters/tokenizer.js';
import { balancedBatchRows } from '../../src/encoder/batch-plan.js';
import { asTokenEncoder } from '../../src/encoder/sentence-encoder.js';
import type { Encoder } from '../../src/encoder/types.js';
import { FineRouterError } from '../../src/errors.js';
import { OnnxGraphBuilder } from '../../src/onnx/builder.js';
import { readFileSync } from 'node:fs';

const D = 384;
const TEXTS = [
  'What is the capital of Australia?',
  'Write a Python function that returns the n-th Fibonacci number, with memoization and a docstring.',
  'Solve for x: 3x + 7 = 22.',
  'Translate "the weather is nice today" into German.',
  'Who painted the ceiling of the Sistine Chapel?',
  'Explain the difference between a list and a tuple in Python, with an example of when each is the better choice.',
  'hi',
  'If a shirt costs $25 after a 20% discount, what was the original price?',
  'Summarize the causes of the French Revolution in three bullet points.',
  'Which gas do plants absorb from the atmosphere during photosynthesis?',
  '',
  'Prove that the square root of two is irrational.',
];

let cache: string;
let single: Encoder;
let pool: EncoderPool;
let expected: Float32Array;

const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * D, (i + 1) * D);
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'finerouter-pool-'));
  single = await loadMiniLmEncoder({ intraOpNumThreads: 1, cacheDir: cache });
  // One text at a time: the reference vectors, independent of any batching.
  expected = new Float32Array(TEXTS.length * D);
  for (let i = 0; i < TEXTS.length; i++) expected.set(await single.embed([TEXTS[i]!]), i * D);
  pool = await createEncoderPool({ workers: 2, encoder: { kind: 'minilm', cacheDir: cache } });
});

afterAll(async () => {
  await pool?.dispose();
  await single?.dispose();
  await rm(cache, { recursive: true, force: true });
});

describe('createEncoderPool (2 workers, fp32 MiniLM)', () => {
  it('reports the encoder id, dimension and live workers', () => {
    expect(pool.id).toBe(single.id);
    expect(pool.dimension).toBe(D);
    expect(pool.workers).toBe(2);
  });

  it('returns every row in input order, equal to one-at-a-time embeddings, across many chunks', async () => {
    const progress: number[] = [];
    const out = await pool.embed(TEXTS, { batchSize: 2, onProgress: (done) => progress.push(done) });
    expect(out.length).toBe(TEXTS.length * D);
    for (let i = 0; i < TEXTS.length; i++) {
      expect(dot(row(out, i), row(expected, i))).toBeGreaterThan(0.99999);
      // A permuted row would match another text instead: every other text is clearly different.
      for (let j = 0; j < TEXTS.length; j++) if (j !== i) expect(dot(row(out, i), row(expected, j))).toBeLessThan(0.99);
    }
    expect(progress.at(-1)).toBe(TEXTS.length);
    expect(progress.length).toBe(Math.ceil(TEXTS.length / 2));
  });

  it('keeps concurrent calls apart and deterministic', async () => {
    const a = TEXTS.slice(0, 7);
    const b = [...TEXTS].reverse();
    const [ra, rb, ra2] = await Promise.all([
      pool.embed(a, { batchSize: 1 }),
      pool.embed(b, { batchSize: 3 }),
      pool.embed(a, { batchSize: 1 }),
    ]);
    expect(ra2).toEqual(ra);
    for (let i = 0; i < a.length; i++) expect(dot(row(ra, i), row(expected, i))).toBeGreaterThan(0.99999);
    for (let i = 0; i < b.length; i++)
      expect(dot(row(rb, i), row(expected, TEXTS.length - 1 - i))).toBeGreaterThan(0.99999);
  });

  it('a throwing onProgress rejects its own call only', async () => {
    const boom = new Error('progress failed');
    const error = await rejection(
      pool.embed(TEXTS, {
        batchSize: 2,
        onProgress: () => {
          throw boom;
        },
      }),
    );
    expect(error).toBe(boom);
    expect(pool.workers).toBe(2);
    const again = await pool.embed(TEXTS.slice(0, 3));
    expect(dot(row(again, 2), row(expected, 2))).toBeGreaterThan(0.99999);
  });

  it('validates input before any work and handles the empty list', async () => {
    expect(await rejection(pool.embed(['ok', 3 as unknown as string]))).toBeInstanceOf(TypeError);
    expect(await rejection(pool.embed(['ok'], { batchSize: 0 }))).toBeInstanceOf(RangeError);
    expect((await pool.embed([])).length).toBe(0);
  });

  it('rejects an aborted call with ABORTED (before and during), drops its queued chunks and stays usable', async () => {
    const before = new AbortController();
    before.abort();
    expect(await rejection(pool.embed(TEXTS, { signal: before.signal }))).toMatchObject({ code: 'ABORTED' });
    const during = new AbortController();
    let chunks = 0;
    const many = Array.from({ length: 40 }, (_, i) => `${TEXTS[i % TEXTS.length]} (${i})`);
    const call = pool.embed(many, {
      batchSize: 1,
      signal: during.signal,
      onProgress: () => {
        if (++chunks === 2) during.abort();
      },
    });
    expect(await rejection(call)).toMatchObject({ code: 'ABORTED' });
    expect(chunks).toBeLessThan(many.length);
    const after = await pool.embed(TEXTS.slice(0, 2));
    expect(dot(row(after, 1), row(expected, 1))).toBeGreaterThan(0.99999);
  });
});

describe('createEncoderPool batches exactly like the in-thread encoder (int8: vectors depend on the batch)', () => {
  it('returns bit-identical rows to an in-thread encoder planning the same batches', async () => {
    const int8 = await loadMiniLmEncoder({ intraOpNumThreads: 1, cacheDir: cache, precision: 'int8' });
    const pool8 = await createEncoderPool({
      workers: 2,
      encoder: { kind: 'minilm', cacheDir: cache, precision: 'int8' },
    });
    try {
      // Mixed lengths, repeated lengths and one long text: several batches, some padded, some not.
      const texts = Array.from({ length: 70 }, (_, i) => `${TEXTS[i % TEXTS.length]} ${'and more '.repeat(i % 9)}`);
      texts.push('word '.repeat(400));
      const lengths = asTokenEncoder(int8)!
        .tokenize(texts)
        .map((ids) => ids.length);
      for (const options of [{}, { batchSize: 4 }, { batchSize: 64, maxBatchTokens: 128 }]) {
        const pooled = await pool8.embed(texts, options);
        const rows = balancedBatchRows(lengths, {
          maxRows: options.batchSize ?? 32,
          maxTokens: options.maxBatchTokens ?? 512,
          workers: 2,
        });
        const inThread = await int8.embed(texts, { ...options, batchSize: rows });
        expect(Buffer.from(pooled.buffer).equals(Buffer.from(inThread.buffer))).toBe(true);
      }
      // One text takes the single-request path: equal to the in-thread vector as well.
      expect(await pool8.embed([texts[3]!])).toEqual(await int8.embed([texts[3]!]));
    } finally {
      await pool8.dispose();
      await int8.dispose();
    }
  });

  it('rejects a bad token budget before any work, in the pool and in-thread alike', async () => {
    for (const bad of [0, 1.5, -3]) {
      expect(await rejection(pool.embed(TEXTS, { maxBatchTokens: bad }))).toBeInstanceOf(RangeError);
      expect(await rejection(single.embed(TEXTS, { maxBatchTokens: bad }))).toBeInstanceOf(RangeError);
    }
  });

  it('an abort while the workers tokenize rejects with ABORTED and runs none of the call', async () => {
    const controller = new AbortController();
    let progress = 0;
    const call = pool.embed(TEXTS, { signal: controller.signal, onProgress: () => progress++ });
    controller.abort(); // the tokenize requests are in the workers now
    expect(await rejection(call)).toMatchObject({ code: 'ABORTED' });
    await pool.embed(['settle']); // the tokenize answers arrive before this call's
    expect(progress).toBe(0);
  });
});

describe('createEncoderPool errors and dispose', () => {
  it('fails to load with the worker error code and leaves no worker running', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'finerouter-pool-empty-'));
    try {
      const error = await rejection(createEncoderPool({ workers: 2, encoder: { kind: 'minilm', modelDir: empty } }));
      expect(error).toBeInstanceOf(FineRouterError);
      expect((error as FineRouterError).code).toBe('MODEL_INVALID');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('rejects options it cannot use', async () => {
    expect(await rejection(createEncoderPool({ workers: 0 }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(
      await rejection(createEncoderPool({ encoder: { kind: 'other' } as unknown as { kind: 'minilm' } })),
    ).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('passes a failing chunk’s error to its call only; the pool keeps serving', async () => {
    // A real ONNX graph whose output is 1 / (token id − id of "boom"): infinite exactly for texts containing "boom",
    // which the worker's encoder reports as MODEL_INVALID (a non-finite value is never passed along).
    const tokenizerPath = join(defaultMiniLmModelDir(), 'tokenizer.json');
    const boom = loadTokenizerJson(readFileSync(tokenizerPath)).encodeIds('boom', false)[0]!;
    const g = new OnnxGraphBuilder('boom');
    g.input('input_ids', 'int64', ['batch', 'sequence']);
    g.input('attention_mask', 'int64', ['batch', 'sequence']);
    g.initializer('boom', 'float32', Float32Array.of(boom), []);
    g.initializer('one', 'float32', Float32Array.of(1), []);
    g.initializer('axes', 'int64', BigInt64Array.of(2n), [1]);
    g.initializer('spread', 'float32', Float32Array.of(1, 2, 3, 4), [4]);
    g.node('Cast', ['input_ids'], ['ids_f'], { to: { int: 1 } });
    g.node('Sub', ['ids_f', 'boom'], ['shifted']);
    g.node('Div', ['one', 'shifted'], ['inv']);
    g.node('Unsqueeze', ['inv', 'axes'], ['inv3']);
    g.node('Mul', ['inv3', 'spread'], ['last_hidden_state']);
    g.output('last_hidden_state', 'float32', ['batch', 'sequence', 4]);
    const failing = await createEncoderPool({
      workers: 2,
      encoder: { kind: 'onnx', model: g.toBytes(), tokenizer: tokenizerPath, id: 'boom-test' },
    });
    try {
      expect(failing.dimension).toBe(4);
      const good = ['alpha', 'beta gamma', 'delta'];
      const [bad, fine] = await Promise.allSettled([
        failing.embed(['one', 'two', 'the boom here', 'three'], { batchSize: 1 }),
        failing.embed(good, { batchSize: 1 }),
      ]);
      expect(bad.status).toBe('rejected');
      expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(FineRouterError);
      expect((bad as PromiseRejectedResult).reason.code).toBe('MODEL_INVALID');
      expect(fine.status).toBe('fulfilled');
      expect((fine as PromiseFulfilledResult<Float32Array>).value.length).toBe(12);
      expect(failing.workers).toBe(2);
      expect((await failing.embed(['after'])).every(Number.isFinite)).toBe(true);
    } finally {
      await failing.dispose();
    }
  });

  it('dispose rejects queued work with DISPOSED, finishes running chunks, then refuses new calls', async () => {
    const own = await createEncoderPool({ workers: 1, encoder: { kind: 'minilm', cacheDir: cache } });
    expect(own.workers).toBe(1);
    const many = Array.from({ length: 30 }, (_, i) => `${TEXTS[i % TEXTS.length]} (${i})`);
    const outcome = rejection(own.embed(many, { batchSize: 1 }));
    await own.dispose();
    expect(await outcome).toMatchObject({ code: 'DISPOSED' });
    expect(await rejection(own.embed(['x']))).toMatchObject({ code: 'DISPOSED' });
    await own.dispose(); // a second dispose is a no-op
    expect(own.workers).toBe(0);
  });
});

describe('the pool under a router (routeBatch and the server micro-batching)', () => {
  it('loadFineRouter({ encoderWorkers: 2 }) routes exactly like the in-thread encoder; batchingRoute runs batches on both workers', async () => {
    const { createRouterFixture, MATH, TRANSLATE, POEM } = await import('../integrations/router-fixture.js');
    const { loadFineRouter } = await import('../../src/adapters/node/artifacts.js');
    const { batchingRoute } = await import('../../src/server/batching.js');
    const fx = await createRouterFixture();
    const pooled = await loadFineRouter(fx.dir, { encoderWorkers: 2, encoderCacheDir: cache });
    try {
      expect((pooled.encoder as EncoderPool).workers).toBe(2);
      const prompts = Array.from({ length: 24 }, (_, i) => [MATH, TRANSLATE, POEM][i % 3]! + ` #${i}`);
      const [a, b] = [await fx.router.routeBatch(prompts), await pooled.routeBatch(prompts)];
      expect(b.map((r) => r.model)).toEqual(a.map((r) => r.model));
      expect(b.map((r) => r.task?.id ?? null)).toEqual(a.map((r) => r.task?.id ?? null));
      a.forEach((r, i) => r.scores.forEach((s, k) => expect(b[i]!.scores[k]!.final).toBeCloseTo(s.final, 5)));
      expect(new Set(a.map((r) => r.model)).size).toBe(3);
      // …and like routing each prompt alone (batching, length buckets and the pool change no decision).
      for (const [i, p] of prompts.entries()) {
        const alone = await fx.router.route(p);
        expect(b[i]!.model).toBe(alone.model);
        expect(b[i]!.task?.id ?? null).toBe(alone.task?.id ?? null);
      }

      let inFlight = 0;
      let most = 0;
      const encoder = {
        id: pooled.encoder.id,
        dimension: pooled.encoder.dimension,
        workers: 2,
        dispose: async () => undefined,
        embed: async (texts: readonly string[], o?: { batchSize?: number }) => {
          most = Math.max(most, ++inFlight);
          try {
            return await pooled.encoder.embed(texts, o);
          } finally {
            inFlight--;
          }
        },
      };
      const route = batchingRoute({ encoder, routeEmbeddings: pooled.routeEmbeddings.bind(pooled) }, 4);
      const served = await Promise.all(prompts.map((p) => route(p)));
      expect(served.map((r) => r.model)).toEqual(a.map((r) => r.model));
      expect(most).toBe(2);
    } finally {
      await pooled.dispose();
      await fx.close();
    }
    expect((pooled.encoder as EncoderPool).workers).toBe(0); // the router owned the pool and disposed it
  });
});
