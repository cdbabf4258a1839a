/**
 * Integration: real onnxruntime-node, real MiniLM encoder, tiny classifier.onnx / router.onnx written with
 * OnnxGraphBuilder into a temporary artifact directory, loaded with loadFineRouter. Outputs are checked
 * against the same computation done here in plain TypeScript.
 */
import { UsageError } from '../../src/cli/options.js';
import { mkdtemp, readdir, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFineRouter, writeFineRouterArtifacts } from '../../src/adapters/node/artifacts.js';
import { loadMiniLmEncoder } from '../../src/adapters/node/minilm.js';
import { createNodeRuntime } from '../../src/adapters/node/runtime.js';
import { routeCommand } from '../../src/cli/commands/route.js';
import type { Encoder } from '../../src/encoder/types.js';
import { FineRouterError } from '../../src/errors.js';
import { OnnxGraphBuilder } from '../../src/onnx/builder.js';
import { sha256Digest } from '../../src/router/router.js';
import { aggregateAndSelect } from '../../src/router/score.js';

const DESCRIPTIONS = ['arithmetic: multiply or add numbers', 'translate a phrase into Spanish or French'];
const MODELS = [
  { id: 'small', cost: 0.1 },
  { id: 'medium', cost: 0.4 },
  { id: 'large', cost: 2 },
];
const PROMPTS = ['What is 12 times 7?', 'Translate "good morning" into Spanish.', 'Write a poem about the sea.'];
const T = DESCRIPTIONS.length;
const M = MODELS.length;
const SCALE = 12;
// cosine (MiniLM) to the descriptions: math prompt 0.40 / translation 0.59 / poem ≤ 0.25, so 0.32 separates them
const SHIFT = 0.32;

let encoder: Encoder;
let D: number;
let dir: string;
let W: Float32Array; // [D, T]
let b: Float32Array; // [T]
let Wq: Float32Array; // [D, M]
let bonus: Float32Array; // [T + 1, M]

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function classifierBytes(): Uint8Array {
  const g = new OnnxGraphBuilder('classifier');
  g.input('embedding', 'float32', ['N', D]);
  g.initializer('W', 'float32', W, [D, T]);
  g.initializer('b', 'float32', b, [T]);
  g.node('MatMul', ['embedding', 'W'], ['logits0']);
  g.node('Add', ['logits0', 'b'], ['logits']);
  g.node('Sigmoid', ['logits'], ['task_probs']);
  g.output('task_probs', 'float32', ['N', T]);
  return g.toBytes();
}

function routerBytes(): Uint8Array {
  const g = new OnnxGraphBuilder('router');
  g.input('embedding', 'float32', ['N', D]);
  g.input('task', 'int64', ['N']);
  g.initializer('Wq', 'float32', Wq, [D, M]);
  g.initializer('bonus', 'float32', bonus, [T + 1, M]);
  g.node('MatMul', ['embedding', 'Wq'], ['general']);
  g.node('Gather', ['bonus', 'task'], ['adapter'], { axis: { int: 0 } });
  g.node('Add', ['general', 'adapter'], ['quality']);
  g.output('quality', 'float32', ['N', M]);
  return g.toBytes();
}

async function writeArtifacts(target: string, extra: Record<string, unknown> = {}): Promise<void> {
  const classifier = classifierBytes();
  const router = routerBytes();
  await mkdir(target, { recursive: true });
  await writeFile(join(target, 'classifier.onnx'), classifier);
  await writeFile(join(target, 'router.onnx'), router);
  const manifest = {
    schema: 'finerouter/artifacts',
    version: 1,
    encoder: { id: encoder.id, dimension: D },
    models: MODELS,
    tasks: [
      { id: 3, description: DESCRIPTIONS[0], size: 10, candidates: ['medium', 'large'], stage1: [0.4, 0.7, 0.8] },
      { id: 5, description: DESCRIPTIONS[1], size: 10, candidates: ['small'], stage1: [0.9, 0.6, 0.7] },
    ],
    others: { size: 5, stage1: [0.5, 0.6, 0.9] },
    classifier: { file: 'classifier.onnx', threshold: 0.5 },
    router: { file: 'router.onnx' },
    defaults: { alpha: 0.5, tolerance: 0 },
    files: { 'classifier.onnx': await sha256Digest(classifier), 'router.onnx': await sha256Digest(router) },
    ...extra,
  };
  await writeFile(join(target, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

beforeAll(async () => {
  encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1 });
  D = encoder.dimension;
  const desc = await encoder.embed(DESCRIPTIONS);
  W = new Float32Array(D * T);
  b = new Float32Array(T).fill(-SCALE * SHIFT);
  for (let t = 0; t < T; t++) for (let i = 0; i < D; i++) W[i * T + t] = SCALE * desc[t * D + i]!;
  const random = lcg(11);
  Wq = Float32Array.from({ length: D * M }, () => (random() - 0.5) * 0.2);
  bonus = new Float32Array((T + 1) * M);
  bonus[0 * M + 2] = 0.3; // task 0 adapter favours 'large'
  bonus[1 * M + 0] = 0.3; // task 1 adapter favours 'small'
  dir = await mkdtemp(join(tmpdir(), 'finerouter-it-'));
  await writeArtifacts(join(dir, 'ok'));
}, 120_000);

afterAll(async () => {
  await encoder?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function reference(e: Float32Array, row: number, tolerance: number) {
  const probs = Array.from({ length: T }, (_, t) => {
    let z = b[t]!;
    for (let i = 0; i < D; i++) z += e[row * D + i]! * W[i * T + t]!;
    return 1 / (1 + Math.exp(-z));
  });
  const top = probs.indexOf(Math.max(...probs));
  const task = probs[top]! >= 0.5 ? top : T;
  const stage2 = Array.from({ length: M }, (_, k) => {
    let q = bonus[task * M + k]!;
    for (let i = 0; i < D; i++) q += e[row * D + i]! * Wq[i * M + k]!;
    return q;
  });
  const stage1 =
    task < T
      ? [
          [0.4, 0.7, 0.8],
          [0.9, 0.6, 0.7],
        ][task]!
      : [0.5, 0.6, 0.9];
  const sel = aggregateAndSelect(
    stage1,
    stage2,
    MODELS.map((m) => m.cost),
    Uint8Array.of(1, 1, 1),
    0.5,
    tolerance,
  );
  return { probs, task, stage2, model: MODELS[sel.selected]!.id };
}

describe('FineRouter end to end (onnxruntime-node + MiniLM)', () => {
  it('routes real prompts and matches a plain TypeScript computation of the same heads', async () => {
    const router = await loadFineRouter(join(dir, 'ok'), { encoder, intraOpNumThreads: 1 });
    const e = await encoder.embed(PROMPTS);
    for (const tolerance of [0, 0.3]) {
      const results = await router.routeBatch(PROMPTS, { tolerance });
      results.forEach((r, row) => {
        const ref = reference(e, row, tolerance);
        expect(r.model).toBe(ref.model);
        expect(r.task === null ? T : [3, 5].indexOf(r.task.id)).toBe(ref.task);
        expect(r.topTaskProbability).toBeCloseTo(Math.max(...ref.probs), 5);
        for (const s of r.scores)
          expect(s.stage2).toBeCloseTo(ref.stage2[MODELS.findIndex((m) => m.id === s.model)]!, 5);
      });
    }
    const [math, translate, poem] = await router.routeBatch(PROMPTS);
    expect(poem!.task).toBeNull();
    expect(poem!.explanation).toContain('no task (Others');
    expect(math!.task?.description).toBe(DESCRIPTIONS[0]);
    expect(translate!.task?.description).toBe(DESCRIPTIONS[1]);
    // concurrent calls on the real runtime equal sequential ones
    const sequential = [];
    for (const p of PROMPTS) sequential.push(await router.route(p, { tolerance: 0.2 }));
    const concurrent = await Promise.all([...PROMPTS, ...PROMPTS].map((p) => router.route(p, { tolerance: 0.2 })));
    expect(concurrent).toEqual([...sequential, ...sequential]);
    await router.dispose();
    expect(encoder.dimension).toBe(D); // caller's encoder is not disposed
    expect((await encoder.embed(['still alive'])).length).toBe(D);
  }, 60_000);

  it('rejects broken artifact directories before the first route', async () => {
    const code = async (path: string, options = {}) => {
      const error = await loadFineRouter(path, { encoder, ...options }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FineRouterError);
      return (error as FineRouterError).code;
    };
    expect(await code(join(dir, 'nope'))).toBe('ARTIFACT_MISSING');

    const extra = join(dir, 'extra');
    await writeArtifacts(extra);
    await writeFile(join(extra, 'old-router.onnx'), 'x');
    expect(await code(extra)).toBe('ARTIFACT_UNEXPECTED');

    const dotfile = join(dir, 'dotfile');
    await writeArtifacts(dotfile);
    await writeFile(join(dotfile, '.DS_Store'), 'x');
    await mkdir(join(dotfile, '.cache'));
    await writeFile(join(dotfile, '.cache', 'x'), 'x');
    const ok = await loadFineRouter(dotfile, { encoder });
    await ok.dispose();

    const missing = join(dir, 'missing');
    await writeArtifacts(missing);
    await rm(join(missing, 'router.onnx'));
    expect(await code(missing)).toBe('ARTIFACT_MISSING');

    const corrupt = join(dir, 'corrupt');
    await writeArtifacts(corrupt);
    await writeFile(join(corrupt, 'router.onnx'), classifierBytes());
    expect(await code(corrupt)).toBe('ARTIFACT_CHECKSUM');

    const schema = join(dir, 'schema');
    await writeArtifacts(schema, { version: 2 });
    expect(await code(schema)).toBe('ARTIFACT_SCHEMA');

    const dims = join(dir, 'dims');
    await writeArtifacts(dims, { encoder: { id: encoder.id, dimension: 768 } });
    expect(await code(dims)).toBe('DIMENSION_MISMATCH');

    const other = join(dir, 'other-encoder');
    await writeArtifacts(other, { encoder: { id: 'intfloat/e5-small', dimension: D } });
    expect(await code(other)).toBe('ENCODER_MISMATCH');

    // a symlinked file pointing outside the directory
    const outside = join(dir, 'outside');
    await writeArtifacts(outside);
    await rm(join(outside, 'router.onnx'));
    await writeFile(join(dir, 'stolen.onnx'), routerBytes());
    await symlink(join(dir, 'stolen.onnx'), join(outside, 'router.onnx'));
    expect(await code(outside)).toBe('ARTIFACT_PATH');

    // a runtime that cannot load the graph bytes
    const invalid = join(dir, 'invalid');
    await writeArtifacts(invalid);
    const garbage = new Uint8Array([8, 1, 0xff, 0xff]);
    await writeFile(join(invalid, 'router.onnx'), garbage);
    const text = JSON.parse(await (await import('node:fs/promises')).readFile(join(invalid, 'manifest.json'), 'utf8'));
    text.files['router.onnx'] = await sha256Digest(garbage);
    await writeFile(join(invalid, 'manifest.json'), JSON.stringify(text));
    expect(await code(invalid, { runtime: createNodeRuntime() })).toBe('MODEL_INVALID');
  }, 60_000);

  it('writeFineRouterArtifacts writes a directory loadFineRouter accepts, and validates before writing', async () => {
    const draft = {
      schema: 'finerouter/artifacts' as const,
      version: 1 as const,
      encoder: { id: encoder.id, dimension: D },
      models: MODELS,
      tasks: [],
      others: { size: 5, stage1: [0.5, 0.6, 0.9] },
      classifier: { file: 'heads/classifier.onnx', threshold: 0.5 },
      router: { file: 'heads/router.onnx' },
      defaults: { alpha: 0.5, tolerance: 0.1 },
    };
    // zero tasks: a classifier with T = 0 columns is still a valid graph for the contract
    const g = new OnnxGraphBuilder('classifier0');
    g.input('embedding', 'float32', ['N', D]);
    g.initializer('W0', 'float32', new Float32Array(0), [D, 0]);
    g.node('MatMul', ['embedding', 'W0'], ['task_probs']);
    g.output('task_probs', 'float32', ['N', 0]);
    const r = new OnnxGraphBuilder('router0');
    r.input('embedding', 'float32', ['N', D]);
    r.input('task', 'int64', ['N']);
    r.initializer('Wq', 'float32', Wq, [D, M]);
    r.initializer('bonus', 'float32', new Float32Array(M), [1, M]);
    r.node('MatMul', ['embedding', 'Wq'], ['general']);
    r.node('Gather', ['bonus', 'task'], ['adapter'], { axis: { int: 0 } });
    r.node('Add', ['general', 'adapter'], ['quality']);
    r.output('quality', 'float32', ['N', M]);
    const target = join(dir, 'written');
    const written = await writeFineRouterArtifacts(target, {
      manifest: draft,
      files: { 'heads/classifier.onnx': g.toBytes(), 'heads/router.onnx': r.toBytes() },
    });
    expect(Object.keys(written.files).sort()).toEqual(['heads/classifier.onnx', 'heads/router.onnx']);
    expect((await readdir(target)).sort()).toEqual(['heads', 'manifest.json']);
    const router = await loadFineRouter(target, { encoder });
    const result = await router.route(PROMPTS[0]!);
    expect(result.task).toBeNull();
    expect(result.tolerance).toBe(0.1);
    await router.dispose();

    const refused = join(dir, 'refused');
    const error = await writeFineRouterArtifacts(refused, {
      manifest: { ...draft, router: { file: '../evil.onnx' } },
      files: { 'heads/classifier.onnx': g.toBytes(), '../evil.onnx': r.toBytes() },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as FineRouterError).code).toBe('ARTIFACT_PATH');
    expect(await readdir(refused).catch(() => 'absent')).toBe('absent');
  }, 60_000);

  it('finerouter route prints one JSON line per prompt (default MiniLM encoder and runtime)', async () => {
    const chunks: string[] = [];
    const errors: string[] = [];
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = ((c: string) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
    process.stderr.write = ((c: string) => (errors.push(String(c)), true)) as typeof process.stderr.write;
    let code: number;
    let missing: unknown;
    try {
      code = await routeCommand.run([
        '--artifacts',
        join(dir, 'ok'),
        '--tolerance',
        '0.3',
        '--exclude',
        'large',
        '--threads',
        '1',
        PROMPTS[0]!,
        PROMPTS[1]!,
      ]);
      missing = await routeCommand.run([PROMPTS[0]!]).catch((error: unknown) => error);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    expect(code).toBe(0);
    expect(missing).toBeInstanceOf(UsageError); // `finerouter` exits 2 on usage errors
    const lines = chunks
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].prompt).toBe(PROMPTS[0]);
    expect(lines[0].task.description).toBe(DESCRIPTIONS[0]);
    expect(lines[1].task.description).toBe(DESCRIPTIONS[1]);
    for (const line of lines) {
      expect(['small', 'medium']).toContain(line.model);
      expect(line.scores.map((s: { model: string }) => s.model).sort()).toEqual(['medium', 'small']);
      expect(typeof line.explanation).toBe('string');
    }
    await expect(routeCommand.run(['--artifacts', join(dir, 'ok'), '--tolerance', '2', 'x'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  }, 60_000);

  it('artifacts record the encoder precision: an fp32-trained router refuses the int8 encoder, and the default encoder follows the manifest', async () => {
    const int8 = await loadMiniLmEncoder({ intraOpNumThreads: 1, precision: 'int8' });
    try {
      const refused = await loadFineRouter(join(dir, 'ok'), { encoder: int8 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(FineRouterError);
      expect((refused as FineRouterError).code).toBe('ENCODER_MISMATCH');
      expect(int8.dimension).toBe(D); // the caller's encoder survives the refusal
    } finally {
      await int8.dispose();
    }
    const int8Trained = join(dir, 'int8-trained');
    await writeArtifacts(int8Trained, { encoder: { id: `${encoder.id}#int8`, dimension: D } });
    const fp32Refused = await loadFineRouter(int8Trained, { encoder }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((fp32Refused as FineRouterError).code).toBe('ENCODER_MISMATCH');
    const router = await loadFineRouter(int8Trained, { intraOpNumThreads: 1 });
    try {
      expect(router.encoder.id).toBe('sentence-transformers/all-MiniLM-L6-v2#int8');
      expect((await router.route(PROMPTS[0]!)).task?.description ?? null).toBe(DESCRIPTIONS[0]);
    } finally {
      await router.dispose();
    }
  }, 60_000);
});
