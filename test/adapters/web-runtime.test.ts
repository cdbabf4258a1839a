import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { OnnxGraphBuilder } from '../../src/onnx/builder.js';
import { createWebRuntime, createWebRuntimeWith } from '../../src/adapters/web/runtime.js';

function scaleModel(): Uint8Array {
  const g = new OnnxGraphBuilder('scale');
  g.input('x', 'float32', ['n']);
  g.initializer('three', 'float32', Float32Array.of(3), []);
  g.node('Mul', ['x', 'three'], ['y']);
  g.output('y', 'float32', ['n']);
  return g.toBytes();
}

// onnxruntime-web also runs under Node (its wasm backend), which lets us test the web adapter here;
// the real browser test is test/browser/encoder.test.ts.
describe('createWebRuntime (real onnxruntime-web, wasm backend under Node)', () => {
  it("default ['webgpu', 'wasm'] without WebGPU falls back to wasm and says so", async () => {
    const fallbacks: string[] = [];
    const runtime = createWebRuntime({ numThreads: 1, onFallback: (p) => fallbacks.push(p) });
    const session = await runtime.createSession(scaleModel());
    expect(session.executionProvider).toBe('wasm');
    expect(fallbacks).toEqual(['webgpu']);
    expect(runtime.name).toMatch(/^onnxruntime-web/);
    const out = await session.run({ x: { type: 'float32', data: Float32Array.of(1, 2), dims: [2] } });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([3, 6]);
    await session.release();
  });

  it("fallback: 'error' throws PROVIDER_UNAVAILABLE when WebGPU is missing", async () => {
    const runtime = createWebRuntime({ numThreads: 1, fallback: 'error' });
    await expect(runtime.createSession(scaleModel())).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });

  it('missing onnxruntime-web says what to install and which subpath to import', async () => {
    const missing = Object.assign(new Error("Cannot find package 'onnxruntime-web'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const err = await createWebRuntimeWith(() => Promise.reject(missing))
      .createSession(scaleModel())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FineRouterError);
    expect((err as FineRouterError).code).toBe('RUNTIME_MISSING');
    expect((err as FineRouterError).message).toContain('finerouter/web');
  });
});
