// The int8 MiniLM (src/encoder/bert-onnx.ts `precision: 'int8'`): exact weight quantization, onnxruntime's
// fusion into DynamicQuantizeMatMul, agreement with the fp32 encoder on real prompts, and the encoder id
// that keeps artifacts of one precision from loading with the other.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encoderIdFor, precisionOfEncoderId, MINILM_ID } from '../../src/adapters/bert-loader.js';
import { buildMiniLmOnnx, loadMiniLmEncoder } from '../../src/adapters/node/minilm.js';
import { quantizeWeightsPerChannel } from '../../src/encoder/bert-onnx.js';
import type { Encoder } from '../../src/encoder/types.js';

const D = 384;
function cosineRows(a: Float32Array, b: Float32Array, i: number): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let j = i * D; j < (i + 1) * D; j++) {
    dot += a[j]! * b[j]!;
    na += a[j]! * a[j]!;
    nb += b[j]! * b[j]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** 64 real prompts (every 15th line of the example routing sample: code, math, QA, multiple choice). */
const PROMPTS = readFileSync(new URL('../../examples/data/routing-sample.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .filter((_, i) => i % 15 === 0)
  .slice(0, 64)
  .map((l) => (JSON.parse(l) as { prompt: string }).prompt);

describe('quantizeWeightsPerChannel', () => {
  it('hand-computed: scale = max|row|/127, round to nearest, transposed to [in, out]', () => {
    // Two output rows of three inputs: [[1.27, -0.635, 0], [0, 0, 0]].
    const { q, scales } = quantizeWeightsPerChannel(Float32Array.of(1.27, -0.635, 0, 0, 0, 0), 2, 3);
    expect(scales[0]).toBeCloseTo(0.01, 7);
    expect(scales[1]).toBe(1); // all-zero row
    // Layout [in, out]: q[i*2 + o].
    expect(Array.from(q)).toEqual([127, 0, -64, 0, 0, 0]);
  });
  it('rejects a size mismatch and non-finite weights', () => {
    expect(() => quantizeWeightsPerChannel(new Float32Array(5), 2, 3)).toThrow(RangeError);
    expect(() => quantizeWeightsPerChannel(Float32Array.of(1, Number.NaN, 0), 1, 3)).toThrow(RangeError);
    expect(() => quantizeWeightsPerChannel(Float32Array.of(1, Infinity, 0), 1, 3)).toThrow(RangeError);
  });
  it('dequantized weights are within half a step of the originals', () => {
    const out = 7,
      inDim = 11;
    const w = Float32Array.from({ length: out * inDim }, (_, k) => Math.sin(k * 1.7) * (1 + (k % 5)));
    const { q, scales } = quantizeWeightsPerChannel(w, out, inDim);
    for (let o = 0; o < out; o++) {
      for (let i = 0; i < inDim; i++)
        expect(Math.abs(q[i * out + o]! * scales[o]! - w[o * inDim + i]!)).toBeLessThanOrEqual(scales[o]! / 2 + 1e-6);
    }
  });
});

describe('encoder ids record the precision', () => {
  it('fp32 keeps the base id; int8 appends #int8; the inverse reads it back', () => {
    expect(encoderIdFor(MINILM_ID, 'fp32')).toBe(MINILM_ID);
    expect(encoderIdFor(MINILM_ID, 'int8')).toBe(`${MINILM_ID}#int8`);
    expect(precisionOfEncoderId(`${MINILM_ID}#int8`)).toBe('int8');
    expect(precisionOfEncoderId(MINILM_ID)).toBe('fp32');
  });
});

describe('int8 MiniLM (real weights, real onnxruntime-node)', () => {
  let fp32: Encoder;
  let int8: Encoder;
  beforeAll(async () => {
    [fp32, int8] = await Promise.all([
      loadMiniLmEncoder({ intraOpNumThreads: 1, maxTokens: 128 }),
      loadMiniLmEncoder({ intraOpNumThreads: 1, maxTokens: 128, precision: 'int8' }),
    ]);
  });
  afterAll(async () => {
    await fp32?.dispose();
    await int8?.dispose();
  });

  it('has the int8 id, 384 unit-norm dimensions, and rejects an unknown precision', async () => {
    expect(int8.id).toBe('sentence-transformers/all-MiniLM-L6-v2#int8');
    expect(int8.dimension).toBe(D);
    const v = await int8.embed(['This is an example sentence']);
    let norm = 0;
    for (const x of v) norm += x * x;
    expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
    await expect(loadMiniLmEncoder({ precision: 'int4' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('agrees with fp32 on 64 real prompts: mean cosine ≥ 0.99, min ≥ 0.975', async () => {
    expect(PROMPTS.length).toBe(64);
    // One prompt per run, as route() embeds.
    const a = await fp32.embed(PROMPTS, { batchSize: 1 });
    const b = await int8.embed(PROMPTS, { batchSize: 1 });
    let sum = 0,
      min = 1;
    for (let i = 0; i < PROMPTS.length; i++) {
      const c = cosineRows(a, b, i);
      sum += c;
      min = Math.min(min, c);
    }
    expect(sum / PROMPTS.length).toBeGreaterThanOrEqual(0.99);
    expect(min).toBeGreaterThanOrEqual(0.975);
  });

  it('a padded batch stays close to one-at-a-time runs (the activation scale is per batch tensor)', async () => {
    const texts = PROMPTS.slice(0, 8);
    const batched = await int8.embed(texts, { batchSize: 8 });
    const single = await int8.embed(texts, { batchSize: 1 });
    for (let i = 0; i < texts.length; i++) expect(cosineRows(batched, single, i)).toBeGreaterThanOrEqual(0.98);
  });

  it('onnxruntime fuses every linear layer into DynamicQuantizeMatMul (6 layers × 4)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'finerouter-int8-'));
    try {
      const path = join(dir, 'optimized.onnx');
      const bytes = await buildMiniLmOnnx({ precision: 'int8' });
      await writeFile(join(dir, 'model.onnx'), bytes);
      const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), {
        intraOpNumThreads: 1,
        optimizedModelFilePath: path,
        logSeverityLevel: 3,
      });
      await session.release();
      const text = readFileSync(path).toString('latin1');
      const opTypes = (pattern: RegExp): number => text.match(pattern)?.length ?? 0;
      // op_type strings are written once per node; names are prefixed differently.
      expect(opTypes(/\x22\x15DynamicQuantizeMatMul/g)).toBe(24);
      expect(opTypes(/\x22\x0dMatMulInteger(?!T)/g)).toBe(0);
      expect(opTypes(/\x22\x15DynamicQuantizeLinear/g)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
