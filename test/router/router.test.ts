import { describe, expect, it, vi } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { validateManifest } from '../../src/router/manifest.js';
import { FineRouter, sha256Digest } from '../../src/router/router.js';
import type { FineRouterCreateOptions } from '../../src/router/router.js';
import { FakeEncoder, FakeRuntime, fakeModelBytes, fixture } from './fakes.js';
import type { Fixture } from './fakes.js';

async function setup(extra: Partial<FineRouterCreateOptions> = {}, fx?: Fixture, runtime = new FakeRuntime()) {
  const f = fx ?? (await fixture());
  const encoder = new FakeEncoder(f.table, f.D);
  const router = await FineRouter.create({
    manifest: validateManifest(f.manifestJson),
    classifierModel: f.classifierModel,
    routerModel: f.routerModel,
    runtime,
    encoder,
    ...extra,
  });
  return { router, runtime, encoder, f };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FineRouterError);
  expect((error as FineRouterError).code).toBe(code);
}

describe('sha256Digest', () => {
  it('matches the known digest of "abc"', async () => {
    expect(await sha256Digest(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('FineRouter.route (fake runtime, hand-computed)', () => {
  it('assigns the task, computes Eq. 5 and picks the best at τ = 0', async () => {
    const { router } = await setup();
    const r = await router.route('math');
    // stage1 [0.2,0.6,0.4] → [0,1,0.5]; stage2 [0.5,0.3,0.9] (task adapters +0.5 on B, C) → [1/3,0,1]
    expect(r.task).toEqual({
      id: 7,
      description: 'symbolic math',
      confidence: expect.closeTo(0.8, 6),
      candidates: ['B', 'C'],
    });
    expect(r.model).toBe('C');
    expect(r.scores.map((s) => s.model)).toEqual(['C', 'B', 'A']);
    const byModel = Object.fromEntries(r.scores.map((s) => [s.model, s]));
    expect(byModel.A!.final).toBeCloseTo(1 / 6, 6);
    expect(byModel.B!.final).toBeCloseTo(0.5, 6);
    expect(byModel.C!.final).toBeCloseTo(0.75, 6);
    expect(byModel.B!.stage1).toBe(0.6);
    expect(byModel.B!.stage2).toBeCloseTo(0.3, 6);
    expect(byModel.A!.adapter).toBe('general');
    expect(byModel.B!.adapter).toBe('task');
    expect(byModel.C!.cost).toBeNull();
    expect(r.alpha).toBe(0.5);
    expect(r.tolerance).toBe(0);
    expect(r.explanation).toContain("task 7 'symbolic math'");
    expect(r.explanation).toContain('candidates B, C');
    expect(r.explanation).toContain('C has the best score');
  });

  it('tolerance trades quality for cost (absolute on the final score)', async () => {
    const { router } = await setup();
    // known cost beats unknown: at τ = 0.25 B (0.5, $2) is within τ of C (0.75, unknown cost)
    const r = await router.route('math', { tolerance: 0.25 });
    expect(r.model).toBe('B');
    expect(r.scores.filter((s) => s.eligible).map((s) => s.model)).toEqual(['C', 'B']);
    expect(r.explanation).toMatch(/B .* is within τ=0\.25 of the best C/);
    expect((await router.route('math', { tolerance: 0.5 })).model).toBe('B');
    expect((await router.route('math', { tolerance: 0.6 })).model).toBe('A');
    expect((await router.route('math', { tolerance: 1 })).model).toBe('A');
  });

  it('α moves weight between stage 2 and stage 1', async () => {
    const { router } = await setup();
    expect((await router.route('math', { alpha: 1 })).model).toBe('C');
    expect((await router.route('math', { alpha: 0 })).model).toBe('B');
  });

  it('uses the Others stage-1 medians and general adapters below the threshold', async () => {
    const { router, runtime } = await setup();
    const r = await router.route('other');
    expect(r.task).toBeNull();
    expect(r.topTaskProbability).toBeCloseTo(0.4, 6);
    // Others stage1 is flat → 0.5 each; stage2 [0.3,0.9,0.6] → [0,1,0.5]; final [0.25,0.75,0.5]
    expect(r.model).toBe('B');
    expect(r.scores.map((s) => [s.model, Number(s.final.toFixed(6))])).toEqual([
      ['B', 0.75],
      ['C', 0.5],
      ['A', 0.25],
    ]);
    expect(r.scores.every((s) => s.adapter === 'general')).toBe(true);
    expect(Number(runtime.lastFeeds.at(-1)!.task!.data[0])).toBe(2); // T = Others
    expect(r.explanation).toContain('no task (Others');
    expect((await router.route('other', { tolerance: 0.5 })).model).toBe('A');
  });

  it('passes the task position (not the id) to the quality-head graph; equal probabilities go to the first task', async () => {
    const { router, runtime } = await setup();
    const r = await router.route('translate');
    expect(r.task!.id).toBe(9);
    expect(Number(runtime.lastFeeds.at(-1)!.task!.data[0])).toBe(1);
    expect(r.model).toBe('A');
    const tie = await router.route('tie');
    expect(tie.task!.id).toBe(7);
    expect(tie.task!.confidence).toBe(0.5); // threshold inclusive
  });

  it('allowedModels / excludedModels restrict the choice and the normalization', async () => {
    const { router } = await setup();
    // over {A, B}: stage1 [0,1], stage2 [1,0] → finals tie at 0.5 → A is cheaper
    const r = await router.route('math', { allowedModels: ['B', 'A'] });
    expect(r.model).toBe('A');
    expect(r.scores.map((s) => s.model)).toEqual(['A', 'B']);
    expect(r.scores.map((s) => s.final)).toEqual([0.5, 0.5]);
    expect(r.explanation).toContain('2 of 3 models allowed');
    expect((await router.route('math', { excludedModels: ['C'] })).model).toBe('A');
    expect((await router.route('math', { allowedModels: ['B', 'C'], excludedModels: ['C'] })).model).toBe('B');
    const single = await router.route('math', { allowedModels: ['C'] });
    expect(single.model).toBe('C');
    expect(single.scores[0]!.final).toBe(0.5);
  });

  it('rejects bad options with INVALID_ARGUMENT', async () => {
    const { router } = await setup();
    await expectCode(router.route('math', { allowedModels: ['Z'] }), 'INVALID_ARGUMENT');
    await expectCode(router.route('math', { excludedModels: ['Z'] }), 'INVALID_ARGUMENT');
    await expectCode(router.route('math', { allowedModels: [] }), 'INVALID_ARGUMENT');
    await expectCode(router.route('math', { excludedModels: ['A', 'B', 'C'] }), 'INVALID_ARGUMENT');
    await expectCode(router.route('math', { tolerance: 1.5 }), 'INVALID_ARGUMENT');
    await expectCode(router.route('math', { alpha: -0.1 }), 'INVALID_ARGUMENT');
    await expectCode(router.route('math', { alpha: Number.NaN }), 'INVALID_ARGUMENT');
    await expectCode(router.route(42 as unknown as string), 'INVALID_ARGUMENT');
    await expectCode(router.routeBatch(['math', 1 as unknown as string]), 'INVALID_ARGUMENT');
    await expectCode(router.routeEmbeddings(new Float32Array(5)), 'INVALID_ARGUMENT');
  });

  it('uses manifest defaults for α and τ', async () => {
    const f = await fixture();
    f.manifestJson.defaults = { alpha: 0.5, tolerance: 0.6 };
    const { router } = await setup({}, f);
    const r = await router.route('math');
    expect(r.tolerance).toBe(0.6);
    expect(r.model).toBe('A');
  });

  it('aborts with ABORTED', async () => {
    const { router } = await setup();
    const controller = new AbortController();
    controller.abort();
    await expectCode(router.route('math', { signal: controller.signal }), 'ABORTED');
  });
});

describe('FineRouter batching and concurrency', () => {
  it('routeBatch runs the encoder once and each head once, and equals single routes', async () => {
    const { router, runtime, encoder } = await setup();
    const prompts = ['math', 'translate', 'other', 'tie', 'math'];
    const runsBefore = runtime.runs;
    const callsBefore = encoder.calls;
    const batch = await router.routeBatch(prompts, { tolerance: 0.25 });
    expect(runtime.runs - runsBefore).toBe(2);
    expect(encoder.calls - callsBefore).toBe(1);
    const singles = [];
    for (const p of prompts) singles.push(await router.route(p, { tolerance: 0.25 }));
    expect(batch).toEqual(singles);
    expect(await router.routeBatch([])).toEqual([]);
    const emb = await encoder.embed(prompts);
    expect(await router.routeEmbeddings(emb, { tolerance: 0.25 })).toEqual(singles);
  });

  it('concurrent route() calls equal sequential ones (runtime with random delays)', async () => {
    const { router } = await setup({}, undefined, new FakeRuntime(true, 42));
    const prompts = Array.from({ length: 40 }, (_, i) => ['math', 'translate', 'other', 'tie'][i % 4]!);
    const opts = (i: number) => ({ tolerance: (i % 5) / 5, ...(i % 3 === 0 ? { excludedModels: ['C'] } : {}) });
    const sequential = [];
    for (let i = 0; i < prompts.length; i++) sequential.push(await router.route(prompts[i]!, opts(i)));
    const concurrent = await Promise.all(prompts.map((p, i) => router.route(p, opts(i))));
    expect(concurrent).toEqual(sequential);
  });
});

describe('FineRouter.create checks', () => {
  it('ARTIFACT_CHECKSUM when bytes differ from the manifest', async () => {
    const f = await fixture();
    const tampered = f.routerModel.slice();
    tampered[tampered.length - 2] ^= 1;
    await expectCode(setup({ routerModel: tampered }, f), 'ARTIFACT_CHECKSUM');
    await expectCode(setup({ classifierModel: f.routerModel }, f), 'ARTIFACT_CHECKSUM');
  });
  it('DIMENSION_MISMATCH when the encoder dimension differs', async () => {
    const f = await fixture();
    await expectCode(setup({ encoder: new FakeEncoder(f.table, f.D + 1) }, f), 'DIMENSION_MISMATCH');
  });
  it('ENCODER_MISMATCH on a different encoder id unless told to warn or ignore', async () => {
    const f = await fixture();
    const other = new FakeEncoder(f.table, f.D, 'other-encoder');
    await expectCode(setup({ encoder: other }, f), 'ENCODER_MISMATCH');
    const onWarning = vi.fn();
    const { router } = await setup({ encoder: other, encoderCheck: 'warn', onWarning }, f);
    expect(onWarning).toHaveBeenCalledTimes(1);
    expect((await router.route('math')).model).toBe('C');
    const quiet = vi.fn();
    await setup({ encoder: other, encoderCheck: 'ignore', onWarning: quiet }, f);
    expect(quiet).not.toHaveBeenCalled();
  });
  it('MODEL_INVALID for missing names, wrong shapes and unloadable bytes; sessions are released', async () => {
    const cases = [
      { classifier: { inputs: ['input'] } },
      { classifier: { outputs: ['probs'] } },
      { router: { inputs: ['embedding'] } },
      { router: { outputs: ['q'] } },
      { classifier: { badCols: 3 } },
      { router: { badCols: 2 } },
    ];
    for (const overrides of cases) {
      const f = await fixture(overrides);
      const runtime = new FakeRuntime();
      await expectCode(setup({}, f, runtime), 'MODEL_INVALID');
      expect(runtime.released).toBe(runtime.options.length);
    }
    const f = await fixture();
    const garbage = new Uint8Array([1, 2, 3]);
    f.manifestJson.files['router.onnx'] = await sha256Digest(garbage);
    await expectCode(setup({ routerModel: garbage }, f), 'MODEL_INVALID');
  });
  it('passes session options to the runtime', async () => {
    const { runtime } = await setup({ sessionOptions: { intraOpNumThreads: 1 } });
    expect(runtime.options).toEqual([{ intraOpNumThreads: 1 }, { intraOpNumThreads: 1 }]);
  });
  it('validates the manifest again and rejects non-byte models', async () => {
    const f = await fixture();
    await expectCode(setup({ manifest: {} as never }, f), 'ARTIFACT_SCHEMA');
    await expectCode(
      setup({ manifest: { ...f.manifestJson, others: { size: 1, stage1: [1] } } as never }, f),
      'ARTIFACT_SCHEMA',
    );
    const raw = await setup({ manifest: f.manifestJson as never }, f);
    expect(Object.isFrozen(raw.router.manifest)).toBe(true);
    await expectCode(setup({ routerModel: 'x' as never }, f), 'INVALID_ARGUMENT');
  });
});

describe('FineRouter.dispose', () => {
  it('waits for calls in flight, releases sessions, then refuses new calls', async () => {
    const { router, runtime, encoder } = await setup({}, undefined, new FakeRuntime(true, 7));
    const pending = router.route('math');
    await router.dispose();
    expect((await pending).model).toBe('C');
    expect(runtime.released).toBe(2);
    expect(encoder.disposed).toBe(false);
    await expectCode(router.route('math'), 'DISPOSED');
    await router.dispose();
    expect(runtime.released).toBe(2);
  });
  it('disposes the encoder when it owns it', async () => {
    const { router, encoder } = await setup({ disposeEncoder: true });
    await router.dispose();
    expect(encoder.disposed).toBe(true);
  });
});

describe('fake model bytes', () => {
  it('change with the graph (so checksum tests are meaningful)', () => {
    expect(fakeModelBytes({ kind: 'router', T: 1, M: 1 })).not.toEqual(fakeModelBytes({ kind: 'router', T: 1, M: 2 }));
  });
});

describe('cost override', () => {
  it('replaces manifest costs, fills unknown ones and changes the tolerance choice', async () => {
    const { router } = await setup({ costs: { C: 0.5 } });
    expect(router.costs).toEqual([1, 2, 0.5]);
    const r = await router.route('math', { tolerance: 0.25 });
    expect(r.model).toBe('C'); // C is now the cheapest within τ
    expect(r.scores.find((s) => s.model === 'C')!.cost).toBe(0.5);
    const unknown = await setup({ costs: { A: null } });
    expect(unknown.router.costs).toEqual([null, 2, null]);
    await expectCode(setup({ costs: { Z: 1 } }), 'INVALID_ARGUMENT');
    await expectCode(setup({ costs: { A: -1 } }), 'INVALID_ARGUMENT');
  });
});
