import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { OnnxGraphBuilder } from '../../src/onnx/builder.js';
import { createNodeRuntime, createNodeRuntimeWith } from '../../src/adapters/node/runtime.js';

function scaleModel(): Uint8Array {
  const g = new OnnxGraphBuilder('scale');
  g.input('x', 'float32', ['n']);
  g.initializer('two', 'float32', Float32Array.of(2), []);
  g.node('Mul', ['x', 'two'], ['y']);
  g.output('y', 'float32', ['n']);
  return g.toBytes();
}

// CUDA libraries ship only with a CUDA install of onnxruntime-node (see docs/encoder.md).
const require = createRequire(import.meta.url);
const ortBin = join(
  dirname(require.resolve('onnxruntime-node')),
  '..',
  'bin',
  'napi-v6',
  process.platform,
  process.arch,
);
const hasCuda = existsSync(join(ortBin, 'libonnxruntime_providers_cuda.so'));

describe('createNodeRuntime (real onnxruntime-node)', () => {
  it('runs a model on cpu and converts tensors both ways', async () => {
    const runtime = createNodeRuntime({ intraOpNumThreads: 1 });
    const session = await runtime.createSession(scaleModel());
    expect(runtime.name).toMatch(/^onnxruntime-node 1\./);
    expect(session.executionProvider).toBe('cpu');
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y']);
    const out = await session.run({ x: { type: 'float32', data: Float32Array.of(1, -3), dims: [2] } });
    expect(out.y!.type).toBe('float32');
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, -6]);
    expect(out.y!.dims).toEqual([2]);
    await session.release();
  });

  // Skipped where CUDA libraries are installed: the fallback path can only be observed when CUDA is missing.
  it.skipIf(hasCuda)("['cuda','cpu'] without CUDA libraries falls back to cpu and reports it", async () => {
    const fallbacks: string[] = [];
    const runtime = createNodeRuntime({ executionProviders: ['cuda', 'cpu'], onFallback: (p) => fallbacks.push(p) });
    const session = await runtime.createSession(scaleModel());
    expect(session.executionProvider).toBe('cpu');
    expect(fallbacks).toEqual(['cuda']);
    const out = await session.run({ x: { type: 'float32', data: Float32Array.of(4), dims: [1] } });
    expect(out.y!.data[0]).toBe(8);
    // remembered: a second session does not probe cuda again
    const again = await runtime.createSession(scaleModel());
    expect(again.executionProvider).toBe('cpu');
    expect(fallbacks).toEqual(['cuda']);
    await session.release();
    await again.release();
  });

  // Skipped where CUDA libraries are installed, for the same reason as above.
  it.skipIf(hasCuda)("fallback: 'error' throws PROVIDER_UNAVAILABLE when cuda is missing", async () => {
    const runtime = createNodeRuntime({ executionProviders: ['cuda', 'cpu'], fallback: 'error' });
    await expect(runtime.createSession(scaleModel())).rejects.toMatchObject({
      name: 'FineRouterError',
      code: 'PROVIDER_UNAVAILABLE',
    });
    // and stays unavailable for later sessions
    await expect(runtime.createSession(scaleModel())).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });

  // Runs only where onnxruntime-node's CUDA provider libraries are installed (never on this project's CPU machines
  // or CI, which skip onnxruntime-node's download step); the GPU device machine was not lent to this task.
  it.runIf(hasCuda)("['cuda','cpu'] uses cuda where its libraries are installed", async () => {
    const runtime = createNodeRuntime({ executionProviders: ['cuda', 'cpu'], fallback: 'error' });
    const session = await runtime.createSession(scaleModel());
    expect(session.executionProvider).toBe('cuda');
    await session.release();
  });

  it('corrupt model bytes give MODEL_INVALID, even with an accelerator requested', async () => {
    const bytes = scaleModel().slice(0, 40);
    await expect(createNodeRuntime().createSession(bytes)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    await expect(
      createNodeRuntime({ executionProviders: ['cuda', 'cpu'] }).createSession(bytes),
    ).rejects.toBeInstanceOf(FineRouterError);
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    expect(() => createNodeRuntime({ executionProviders: [] })).toThrow(FineRouterError);
    expect(() => createNodeRuntime({ intraOpNumThreads: -1 })).toThrow(FineRouterError);
    expect(() => createNodeRuntime({ fallback: 'gpu' as never })).toThrow(FineRouterError);
    expect(() => createNodeRuntime({ intraOpSpinning: 'no' as never })).toThrow(FineRouterError);
  });

  it('runs with intra-op spinning off (the default) and on, with the same result', async () => {
    for (const intraOpSpinning of [undefined, false, true]) {
      const runtime = createNodeRuntime({
        intraOpNumThreads: 2,
        ...(intraOpSpinning === undefined ? {} : { intraOpSpinning }),
      });
      const session = await runtime.createSession(scaleModel());
      const out = await session.run({ x: { type: 'float32', data: Float32Array.of(1.5, -2), dims: [2] } });
      expect(Array.from(out.y!.data as Float32Array)).toEqual([3, -4]);
      await session.release();
    }
  });
});

describe('createNodeRuntime session options', () => {
  // A recording stand-in for onnxruntime-node: checks what reaches InferenceSession.create.
  function recorder(): { seen: Record<string, unknown>[]; importer: () => Promise<unknown> } {
    const seen: Record<string, unknown>[] = [];
    const session = {
      inputNames: ['x'],
      outputNames: ['y'],
      run: () => Promise.resolve({}),
      release: () => Promise.resolve(),
    };
    const InferenceSession = {
      create: (_model: Uint8Array, options: Record<string, unknown>) => {
        seen.push(options);
        return Promise.resolve(session);
      },
    };
    return { seen, importer: () => Promise.resolve({ InferenceSession, Tensor: class {} }) };
  }

  it("turns intra-op spinning off by default and passes it as onnxruntime's session config entry", async () => {
    const off = recorder();
    await createNodeRuntimeWith(off.importer, { intraOpNumThreads: 2 }).createSession(scaleModel());
    expect(off.seen[0]).toMatchObject({
      intraOpNumThreads: 2,
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    const on = recorder();
    await createNodeRuntimeWith(on.importer, { intraOpSpinning: true }).createSession(scaleModel());
    expect(on.seen[0]).toMatchObject({ extra: { session: { intra_op: { allow_spinning: '1' } } } });
  });
});

describe('createNodeRuntime without onnxruntime-node', () => {
  it('says what to install and which subpath to import', async () => {
    const missing = Object.assign(new Error("Cannot find package 'onnxruntime-node'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const runtime = createNodeRuntimeWith(() => Promise.reject(missing));
    const err = await runtime.createSession(scaleModel()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FineRouterError);
    expect((err as FineRouterError).code).toBe('RUNTIME_MISSING');
    expect((err as FineRouterError).message).toContain('npm install onnxruntime-node');
    expect((err as FineRouterError).message).toContain('finerouter/node');
  });
});
