import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder, float16ToFloat32, float32ToFloat16 } from '../../src/onnx/index.js';

async function run(
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
): Promise<ort.InferenceSession.OnnxValueMapType> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('OnnxGraphBuilder through onnxruntime-node', () => {
  it('MatMul + Add with a symbolic batch dimension', async () => {
    const g = new OnnxGraphBuilder('affine');
    const x = g.input('x', 'float32', ['batch', 2]);
    const w = g.initializer('w', 'float32', Float32Array.of(1, 2, 3, 4), [2, 2]);
    const b = g.initializer('b', 'float32', Float32Array.of(0.5, -1), [2]);
    g.node('MatMul', [x, w], ['xw']);
    g.node('Add', ['xw', b], ['y']);
    g.output('y', 'float32', ['batch', 2]);
    const out = await run(g.toBytes(), { x: new ort.Tensor('float32', Float32Array.of(1, 1, 2, -1, 0, 0), [3, 2]) });
    // [1,1]·W = [4,6]; [2,-1]·W = [-1,0]; [0,0]·W = [0,0]; plus b
    expect(Array.from(out.y!.data as Float32Array)).toEqual([4.5, 5, -0.5, -1, 0.5, -1]);
    expect(out.y!.dims).toEqual([3, 2]);
  });

  it('Gather with int64 indices (negative axis attribute, int64 initializer)', async () => {
    const g = new OnnxGraphBuilder('gather');
    const ids = g.input('ids', 'int64', ['n']);
    g.initializer('table', 'float32', Float32Array.of(10, 11, 20, 21, 30, 31), [3, 2]);
    g.initializer('shift', 'int64', BigInt64Array.of(-1n), [1]);
    g.node('Add', [ids, 'shift'], ['idsm1']);
    g.node('Gather', ['table', 'idsm1'], ['rows'], { axis: { int: 0 } });
    g.node('ReduceSum', ['rows', 'axes'], ['total'], { keepdims: { int: 0 } });
    g.initializer('axes', 'int64', BigInt64Array.of(-1n), [1]);
    g.output('rows', 'float32', ['n', 2]);
    g.output('total', 'float32', ['n']);
    const out = await run(g.toBytes(), { ids: new ort.Tensor('int64', BigInt64Array.of(3n, 1n), [2]) });
    expect(Array.from(out.rows!.data as Float32Array)).toEqual([30, 31, 10, 11]);
    expect(Array.from(out.total!.data as Float32Array)).toEqual([61, 21]);
  });

  it('LayerNormalization (opset 17) with a float epsilon attribute', async () => {
    const g = new OnnxGraphBuilder('ln');
    g.input('x', 'float32', [1, 4]);
    g.initializer('gamma', 'float32', Float32Array.of(1, 2, 1, 1), [4]);
    g.initializer('beta', 'float32', Float32Array.of(0, 0, 0, 1), [4]);
    g.node('LayerNormalization', ['x', 'gamma', 'beta'], ['y'], { axis: { int: -1 }, epsilon: { float: 0 } });
    g.output('y', 'float32', [1, 4]);
    const out = await run(g.toBytes(), { x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [1, 4]) });
    // mean 2.5, variance 1.25
    const s = Math.sqrt(1.25);
    const want = [-1.5 / s, (2 * -0.5) / s, 0.5 / s, 1.5 / s + 1];
    const got = Array.from(out.y!.data as Float32Array);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('exact GELU via Erf, float16 initializer with Cast, Constant tensor attribute, Transpose perm ints', async () => {
    const g = new OnnxGraphBuilder('gelu');
    g.input('x', 'float32', [2, 2]);
    g.initializer('half', 'float16', float32ToFloat16(Float32Array.of(0.5)), []);
    g.node('Cast', ['half'], ['half32'], { to: { int: 1 } });
    g.node('Constant', [], ['invsqrt2'], {
      value: { tensor: { type: 'float32', data: Float32Array.of(Math.SQRT1_2), dims: [] } },
    });
    g.node('Constant', [], ['one'], { value_float: { float: 1 } });
    g.node('Mul', ['x', 'invsqrt2'], ['xs']);
    g.node('Erf', ['xs'], ['erf']);
    g.node('Add', ['erf', 'one'], ['erf1']);
    g.node('Mul', ['x', 'erf1'], ['xe']);
    g.node('Mul', ['xe', 'half32'], ['gelu']);
    g.node('Transpose', ['gelu'], ['y'], { perm: { ints: [1, 0] } });
    g.output('y', 'float32', [2, 2]);
    const xs = [-1, 0, 0.5, 2];
    const out = await run(g.toBytes(), { x: new ort.Tensor('float32', Float32Array.from(xs), [2, 2]) });
    // Hand values: GELU(x) = x·Φ(x); Φ(-1)=0.158655, Φ(0.5)=0.691462, Φ(2)=0.977250
    const gelu = [-0.158655, 0, 0.5 * 0.691462, 2 * 0.97725];
    const want = [gelu[0], gelu[2], gelu[1], gelu[3]];
    Array.from(out.y!.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });

  it('string, floats and bool attributes/tensors round-trip through the parser', async () => {
    const g = new OnnxGraphBuilder('misc', { opset: 17, producer: 'test' });
    g.input('x', 'float32', [3]);
    g.input('m', 'bool', [3]);
    g.initializer('zeros', 'float32', new Float32Array(3), [3]);
    g.node('Where', ['m', 'x', 'zeros'], ['kept']);
    g.node('Constant', [], ['c'], { value_floats: { floats: [0.25, 0.5, 1] } });
    g.node('Mul', ['kept', 'c'], ['scaled']);
    g.node('Cast', ['scaled'], ['i'], { to: { int: 6 } });
    g.output('i', 'int32', [3]);
    const out = await run(g.toBytes(), {
      x: new ort.Tensor('float32', Float32Array.of(8, 8, 8), [3]),
      m: new ort.Tensor('bool', Uint8Array.of(1, 0, 1), [3]),
    });
    expect(Array.from(out.i!.data as Int32Array)).toEqual([2, 0, 8]);
  });

  it('a com.microsoft node (FusedMatMul with transB and alpha) imports its domain and runs', async () => {
    const g = new OnnxGraphBuilder('fused');
    g.input('a', 'float32', [2, 2]);
    g.initializer('b', 'float32', Float32Array.of(1, 2, 3, 4), [2, 2]);
    g.node('FusedMatMul', ['a', 'b'], ['y'], { transB: { int: 1 }, alpha: { float: 0.5 } }, 'com.microsoft');
    g.output('y', 'float32', [2, 2]);
    const out = await run(g.toBytes(), { a: new ort.Tensor('float32', Float32Array.of(1, 0, 1, 1), [2, 2]) });
    // 0.5·A·Bᵀ with Bᵀ = [[1, 3], [2, 4]]: [1,0] → [0.5, 1.5]; [1,1] → [1.5, 3.5]
    expect(Array.from(out.y!.data as Float32Array)).toEqual([0.5, 1.5, 1.5, 3.5]);
    // The same op without its domain is unknown to onnxruntime.
    const plain = new OnnxGraphBuilder('plain');
    plain.input('a', 'float32', [2, 2]);
    plain.initializer('b', 'float32', Float32Array.of(1, 2, 3, 4), [2, 2]);
    plain.node('FusedMatMul', ['a', 'b'], ['y']);
    plain.output('y', 'float32', [2, 2]);
    await expect(ort.InferenceSession.create(plain.toBytes())).rejects.toThrow();
    expect(() => g.node('Relu', ['a'], ['z'], {}, '')).not.toThrow();
    expect(() => g.node('Relu', ['a'], ['w'], {}, 3 as never)).toThrow(TypeError);
  });

  it('rejects malformed graphs with TypeError/RangeError', () => {
    const g = new OnnxGraphBuilder('bad');
    expect(() => g.initializer('w', 'float32', Float32Array.of(1, 2, 3), [2, 2])).toThrow(RangeError);
    expect(() => g.initializer('w', 'int64', Float32Array.of(1) as never, [1])).toThrow(TypeError);
    g.input('x', 'float32', [1]);
    expect(() => g.input('x', 'float32', [1])).toThrow(RangeError);
    expect(() => g.node('Relu', ['x'], ['x'])).toThrow(RangeError);
    expect(() => g.node('Relu', ['x'], ['y'], { a: { int: 1.5 } })).toThrow(TypeError);
    expect(() => new OnnxGraphBuilder('bad').toBytes()).toThrow(RangeError);
    expect(() => new OnnxGraphBuilder('')).toThrow(TypeError);
  });
});

describe('float16 conversion', () => {
  it('matches hand values and round-trips every finite half', () => {
    expect(Array.from(float32ToFloat16(Float32Array.of(1, -2, 0.5, 65504, 1e6, 2 ** -24, 0)))).toEqual([
      0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0x0001, 0,
    ]);
    // 1 + 2^-11 is a tie between 1 and 1+2^-10: rounds to even (1)
    expect(float32ToFloat16(Float32Array.of(1 + 2 ** -11))[0]).toBe(0x3c00);
    const all = new Uint16Array(1 << 16).map((_, i) => i);
    const finite = all.filter((h) => ((h >> 10) & 0x1f) !== 0x1f);
    expect(Array.from(float32ToFloat16(float16ToFloat32(finite)))).toEqual(Array.from(finite));
    expect(Number.isNaN(float16ToFloat32(Uint16Array.of(0x7e00))[0])).toBe(true);
  });
});
