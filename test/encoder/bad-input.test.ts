import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMiniLmModelDir, loadMiniLmEncoder, loadOnnxSentenceEncoder } from '../../src/adapters/node/minilm.js';
import { loadTokenizerJson } from '../../src/adapters/tokenizer.js';
import { buildBertOnnx, readBertConfig } from '../../src/encoder/bert-onnx.js';
import { parseSafetensors } from '../../src/encoder/safetensors.js';
import { createTruncatingTokenizer } from '../../src/encoder/tokenize.js';
import type { Encoder } from '../../src/encoder/types.js';
import { FineRouterError } from '../../src/errors.js';

const modelDir = defaultMiniLmModelDir();
const D = 384;
let encoder: Encoder;
let scratch: string;

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot; // unit vectors
}
const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * D, (i + 1) * D);

/** A model dir sharing the real weights/config/tokenizer except the overrides. */
async function modelDirWith(name: string, overrides: Record<string, string | Uint8Array>): Promise<string> {
  const dir = join(scratch, name);
  await rm(dir, { recursive: true, force: true });
  await (await import('node:fs/promises')).mkdir(dir);
  for (const f of ['model.fp16.safetensors', 'config.json', 'tokenizer.json']) {
    if (f in overrides) await writeFile(join(dir, f), overrides[f]!);
    else await symlink(join(modelDir, f), join(dir, f));
  }
  return dir;
}

beforeAll(async () => {
  encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1 });
  scratch = await mkdtemp(join(tmpdir(), 'finerouter-bad-'));
});
afterAll(async () => {
  await encoder?.dispose();
  await rm(scratch, { recursive: true, force: true });
});

describe('bad texts', () => {
  it("'' and whitespace embed like any text: both are [CLS] [SEP], unit length, finite", async () => {
    const v = await encoder.embed(['', '   \n\t ', 'hello']);
    expect(cosine(row(v, 0), row(v, 1))).toBeCloseTo(1, 6);
    for (let i = 0; i < 3; i++) expect(cosine(row(v, i), row(v, i))).toBeCloseTo(1, 5);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  it('a 100,000-character prompt is truncated to 256 pieces ([SEP] last), never an error, and does not disturb its batch', async () => {
    const words = ['routing', 'prompt', 'model', 'quality', 'cost', 'graph', 'latent', 'task'];
    let long = '';
    for (let i = 0; long.length < 100_000; i++) long += words[(i * 7) % words.length] + (i % 13 === 0 ? '. ' : ' ');
    long = long.slice(0, 100_000);
    const tok = loadTokenizerJson(await readFile(join(modelDir, 'tokenizer.json')));
    const truncated = createTruncatingTokenizer(tok, { maxTokens: 256 }).encode(long);
    const full = tok.encodeIds(long, false);
    expect(truncated.length).toBe(256);
    expect(truncated[0]).toBe(101);
    expect(truncated[255]).toBe(102);
    expect(Array.from(truncated.subarray(1, 255))).toEqual(full.slice(0, 254));

    const both = await encoder.embed([long, 'What is the capital of France?']);
    const alone = await encoder.embed(['What is the capital of France?']);
    expect(cosine(row(both, 1), alone)).toBeGreaterThanOrEqual(0.99999);
    expect(row(both, 0).every(Number.isFinite)).toBe(true);
  });

  it('a whitespace-free 100,000-character prompt is tokenized whole and truncated', async () => {
    const v = await encoder.embed(['x'.repeat(100_000), 'abc'.repeat(33_334)]);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  it('non-strings throw a TypeError naming the index, before any work, and the encoder keeps working', async () => {
    const bad = ['fine', 'also fine', 42, 'x'] as unknown as string[];
    await expect(encoder.embed(bad)).rejects.toThrow(TypeError);
    await expect(encoder.embed(bad)).rejects.toThrow(/index 2/);
    await expect(encoder.embed([null] as unknown as string[])).rejects.toThrow(/index 0/);
    await expect(encoder.embed('text' as unknown as string[])).rejects.toThrow(TypeError);
    await expect(encoder.embed(['a'], { batchSize: 0 })).rejects.toThrow(RangeError);
    const v = await encoder.embed(['fine']);
    expect(v.length).toBe(D);
  });
});

describe('bad model files', () => {
  it('a missing model directory or file is MODEL_INVALID', async () => {
    await expect(loadMiniLmEncoder({ modelDir: join(scratch, 'nope') })).rejects.toMatchObject({
      code: 'MODEL_INVALID',
    });
  });

  it('truncated or garbage weights are MODEL_INVALID', async () => {
    const weights = await readFile(join(modelDir, 'model.fp16.safetensors'));
    const cut = await modelDirWith('cut', { 'model.fp16.safetensors': weights.subarray(0, 1_000_000) });
    await expect(loadMiniLmEncoder({ modelDir: cut })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    const garbage = await modelDirWith('garbage', { 'model.fp16.safetensors': new Uint8Array(4096).fill(0xff) });
    await expect(loadMiniLmEncoder({ modelDir: garbage })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    expect(() => parseSafetensors(new Uint8Array(3))).toThrow(FineRouterError);
  });

  it('a config.json disagreeing with the weights is MODEL_INVALID', async () => {
    const config = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8'));
    const wrong = await modelDirWith('wrongcfg', {
      'config.json': JSON.stringify({ ...config, intermediate_size: 1024 }),
    });
    await expect(loadMiniLmEncoder({ modelDir: wrong })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    const broken = await modelDirWith('brokencfg', { 'config.json': '{ not json' });
    await expect(loadMiniLmEncoder({ modelDir: broken })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });

  it('a tokenizer from another vocabulary is TOKENIZER_INVALID; a corrupt one too', async () => {
    const tj = JSON.parse(await readFile(join(modelDir, 'tokenizer.json'), 'utf8'));
    const vocab = Object.fromEntries(
      Object.entries(tj.model.vocab as Record<string, number>).filter(([, id]) => id < 28_996),
    );
    const other = await modelDirWith('othertok', {
      'tokenizer.json': JSON.stringify({ ...tj, model: { ...tj.model, vocab } }),
    });
    await expect(loadMiniLmEncoder({ modelDir: other })).rejects.toMatchObject({ code: 'TOKENIZER_INVALID' });
    const corrupt = await modelDirWith('corrupttok', { 'tokenizer.json': '{"model": 3' });
    await expect(loadMiniLmEncoder({ modelDir: corrupt })).rejects.toMatchObject({ code: 'TOKENIZER_INVALID' });
  });
});

describe('loadOnnxSentenceEncoder (bring your own ONNX export)', () => {
  it('a per-token export with mean pooling from a sentence-transformers pooling config equals the embedded encoder', async () => {
    const { tensors } = parseSafetensors(new Uint8Array(await readFile(join(modelDir, 'model.fp16.safetensors'))));
    const config = readBertConfig(JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')));
    const onnxPath = join(scratch, 'tokens.onnx');
    await writeFile(onnxPath, buildBertOnnx(config, tensors, { pooling: 'none', weightType: 'float32' }));
    const poolingPath = join(scratch, 'pooling.json');
    await writeFile(
      poolingPath,
      JSON.stringify({ word_embedding_dimension: 384, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true }),
    );
    const own = await loadOnnxSentenceEncoder({
      model: onnxPath,
      tokenizer: join(modelDir, 'tokenizer.json'),
      pooling: { configPath: poolingPath },
      id: 'my-minilm',
      intraOpNumThreads: 1,
    });
    expect(own.id).toBe('my-minilm');
    expect(own.dimension).toBe(384);
    const texts = ['This is an example sentence', 'Each sentence is converted', ''];
    const a = await own.embed(texts);
    const b = await encoder.embed(texts);
    for (let i = 0; i < texts.length; i++) expect(cosine(row(a, i), row(b, i))).toBeGreaterThanOrEqual(0.99999);
    // CLS pooling gives a different, still unit-length vector
    const cls = await loadOnnxSentenceEncoder({
      model: onnxPath,
      tokenizer: join(modelDir, 'tokenizer.json'),
      pooling: 'cls',
    });
    const c = await cls.embed(texts.slice(0, 1));
    expect(cosine(c, c)).toBeCloseTo(1, 5);
    expect(cosine(c, row(b, 0))).toBeLessThan(0.99);
    await own.dispose();
    await cls.dispose();
  });

  it('a model without input_ids/attention_mask is MODEL_INVALID', async () => {
    const { OnnxGraphBuilder } = await import('../../src/onnx/builder.js');
    const g = new OnnxGraphBuilder('wrong');
    g.input('x', 'float32', ['n', 4]);
    g.node('Relu', ['x'], ['y']);
    g.output('y', 'float32', ['n', 4]);
    await expect(
      loadOnnxSentenceEncoder({ model: g.toBytes(), tokenizer: join(modelDir, 'tokenizer.json') }),
    ).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });
});
