// The sequence-major encoder graph (bert-onnx builder v5, src/encoder/bert-onnx.ts `layout`) against the
// batch-major plain-ONNX graph (builder v4): same vectors one prompt at a time (bit for bit here, int8 included),
// in padded batches, with per-token outputs and CLS pooling; the v4 golden vectors of
// test/fixtures/encoder/minilm-v4-golden.json (written by the v4 build before the change); what onnxruntime
// runs after optimization; bad options. Real weights, real onnxruntime-node.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import { buildMiniLmOnnx, defaultMiniLmModelDir, loadMiniLmEncoder } from '../../src/adapters/node/minilm.js';
import { BERT_ONNX_BUILDER_VERSION, buildBertOnnx, readBertConfig } from '../../src/encoder/bert-onnx.js';
import type { BertLayout } from '../../src/encoder/bert-onnx.js';
import { parseSafetensors } from '../../src/encoder/safetensors.js';

const D = 384;
const modelDir = defaultMiniLmModelDir();
const OPTS = { intraOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 } as const;

function cosine(a: Float32Array, b: Float32Array, i: number, d = D): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let j = i * d; j < (i + 1) * d; j++) {
    dot += a[j]! * b[j]!;
    na += a[j]! * a[j]!;
    nb += b[j]! * b[j]!;
  }
  return dot / Math.sqrt(na * nb);
}
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs(a[j]! - b[j]!));
  return m;
}

/** 40 real prompts of the routing sample (code, math, QA, multiple choice), 10–256 tokens. */
const PROMPTS = readFileSync(new URL('../../examples/data/routing-sample.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .filter((_, i) => i % 23 === 5)
  .slice(0, 40)
  .map((l) => (JSON.parse(l) as { prompt: string }).prompt);

const tokenizer = new Tokenizer(JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8')) as object, {});
function feeds(texts: readonly string[]): Record<string, ort.Tensor> {
  const rows = texts.map((t) => (tokenizer.encode(t, { add_special_tokens: true }).ids as number[]).slice(0, 256));
  const S = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * S);
  const mask = new BigInt64Array(rows.length * S);
  rows.forEach((r, i) =>
    r.forEach((t, j) => {
      ids[i * S + j] = BigInt(t);
      mask[i * S + j] = 1n;
    }),
  );
  return {
    input_ids: new ort.Tensor('int64', ids, [rows.length, S]),
    attention_mask: new ort.Tensor('int64', mask, [rows.length, S]),
  };
}

describe.each(['fp32', 'int8'] as const)('%s: sequence-major (v5) vs batch-major (v4) graph', (precision) => {
  const sessions = {} as Record<BertLayout, ort.InferenceSession>;
  beforeAll(async () => {
    for (const layout of ['sequence-major', 'batch-major'] as const)
      sessions[layout] = await ort.InferenceSession.create(await buildMiniLmOnnx({ precision, layout }), OPTS);
  });
  afterAll(async () => {
    for (const s of Object.values(sessions)) await s?.release();
  });
  const embed = async (layout: BertLayout, texts: readonly string[]): Promise<Float32Array> =>
    (await sessions[layout].run(feeds(texts)))['sentence_embedding']!.data as Float32Array;

  it('one prompt at a time: the same vectors (max |Δ| ≤ 1e-6, cosine ≥ 0.99999) on 40 real prompts', async () => {
    expect(PROMPTS.length).toBe(40);
    for (const text of PROMPTS) {
      const a = await embed('sequence-major', [text]);
      const b = await embed('batch-major', [text]);
      // Bit for bit on the machine this was written on; the bound leaves room for a kernel choosing another
      // accumulation order for a strided operand.
      expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-6);
      expect(cosine(a, b, 0)).toBeGreaterThanOrEqual(0.99999);
    }
  });

  it('a padded batch of 12 mixed lengths: the same vectors row by row', async () => {
    const texts = PROMPTS.slice(0, 12);
    const a = await embed('sequence-major', texts);
    const b = await embed('batch-major', texts);
    for (let i = 0; i < texts.length; i++) expect(cosine(a, b, i)).toBeGreaterThanOrEqual(0.99999);
  });
});

describe('sequence-major graph: other outputs, golden v4 vectors, optimized form, bad options', () => {
  it("pooling 'none' returns [batch, sequence, hidden] like the batch-major graph, and 'cls' pools the same row", async () => {
    const { tensors } = parseSafetensors(new Uint8Array(await readFile(join(modelDir, 'model.fp16.safetensors'))));
    const config = readBertConfig(JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')));
    const f = feeds(PROMPTS.slice(0, 3));
    const [B, S] = f['input_ids']!.dims as [number, number];
    for (const pooling of ['none', 'cls'] as const) {
      const out: Float32Array[] = [];
      for (const layout of ['sequence-major', 'batch-major'] as const) {
        const session = await ort.InferenceSession.create(buildBertOnnx(config, tensors, { pooling, layout }), OPTS);
        const result = await session.run(f);
        const y = result[pooling === 'none' ? 'last_hidden_state' : 'sentence_embedding']!;
        expect(y.dims).toEqual(pooling === 'none' ? [B, S, D] : [B, D]);
        out.push(y.data as Float32Array);
        await session.release();
      }
      expect(maxAbsDiff(out[0]!, out[1]!)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('matches the golden vectors the v4 build wrote (fp32 cosine ≥ 0.99999; int8 ≥ 0.99 across CPUs)', async () => {
    const golden = JSON.parse(
      readFileSync(new URL('../fixtures/encoder/minilm-v4-golden.json', import.meta.url), 'utf8'),
    ) as { builderVersion: number; prompts: string[]; fp32: string; int8: string };
    expect(golden.builderVersion).toBe(4);
    expect(BERT_ONNX_BUILDER_VERSION).toBe(5);
    for (const precision of ['fp32', 'int8'] as const) {
      const bytes = Buffer.from(golden[precision], 'base64');
      const want = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      expect(want.length).toBe(golden.prompts.length * D);
      const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1, precision });
      try {
        const got = await encoder.embed(golden.prompts, { batchSize: 1 });
        for (let i = 0; i < golden.prompts.length; i++)
          // int8 vectors move with the CPU's integer kernel (VNNI or not), so only fp32 is held tight here; the
          // same-machine int8 check is the layout comparison above.
          expect(cosine(got, want, i)).toBeGreaterThanOrEqual(precision === 'fp32' ? 0.99999 : 0.99);
      } finally {
        await encoder.dispose();
      }
    }
  });

  it('after optimization: 24 DynamicQuantizeMatMul, 12 FusedMatMul and 8 Transposes (the v4 graph keeps 24)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'finerouter-layout-'));
    try {
      const count = async (layout: BertLayout): Promise<(op: string) => number> => {
        const path = join(dir, `${layout}.onnx`);
        const session = await ort.InferenceSession.create(await buildMiniLmOnnx({ precision: 'int8', layout }), {
          ...OPTS,
          optimizedModelFilePath: path,
        });
        await session.release();
        const text = readFileSync(path).toString('latin1');
        // NodeProto.op_type is field 4 (tag 0x22) followed by its length.
        return (op) => text.split(`\x22${String.fromCharCode(op.length)}${op}`).length - 1;
      };
      const seq = await count('sequence-major');
      expect(seq('DynamicQuantizeMatMul')).toBe(24);
      expect(seq('FusedMatMul')).toBe(12);
      // One per layer (the context) + the ids + the pooling mask.
      expect(seq('Transpose')).toBe(8);
      const batch = await count('batch-major');
      expect(batch('DynamicQuantizeMatMul')).toBe(24);
      expect(batch('Transpose')).toBe(24);
      expect(batch('FusedMatMul')).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown layout with a TypeError naming it', async () => {
    const { tensors } = parseSafetensors(new Uint8Array(await readFile(join(modelDir, 'model.fp16.safetensors'))));
    const config = readBertConfig(JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')));
    expect(() => buildBertOnnx(config, tensors, { layout: 'heads-first' as never })).toThrow(TypeError);
    expect(() => buildBertOnnx(config, tensors, { layout: 'heads-first' as never })).toThrow(/layout.*heads-first/);
    await expect(buildMiniLmOnnx({ layout: 3 as never })).rejects.toThrow(TypeError);
  });
});
