// WebAssembly SIMD matmul kernels: bit-identical to the float64-then-float32 arithmetic of the JavaScript kernels.
import { describe, expect, it } from 'vitest';
import { matmul, matmulTransA, matmulTransB } from '../../src/train/kernels.js';
import { WASM_MIN_WORK, matmulTransAWasm, matmulTransBWasm, matmulWasm } from '../../src/train/kernels-wasm.js';
import { mulberry32 } from '../../src/random.js';

const fr = Math.fround;
/** ./kernels.ts matmul's arithmetic, element by element: c ← f32(c + a·b) over p in order. */
function referenceMatmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number) {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = c[i * n + j]!;
      for (let p = 0; p < k; p++) s = fr(s + a[i * k + p]! * b[p * n + j]!);
      c[i * n + j] = s;
    }
}
/** ./kernels.ts matmulTransA's arithmetic: blocks of four shared rows summed in float64, then single rows. */
function referenceTransA(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number) {
  for (let p = 0; p < k; p++)
    for (let j = 0; j < n; j++) {
      let s = c[p * n + j]!;
      let r = 0;
      for (; r + 4 <= m; r += 4) {
        const t =
          a[r * k + p]! * b[r * n + j]! +
          a[(r + 1) * k + p]! * b[(r + 1) * n + j]! +
          a[(r + 2) * k + p]! * b[(r + 2) * n + j]! +
          a[(r + 3) * k + p]! * b[(r + 3) * n + j]!;
        s = fr(s + t);
      }
      for (; r < m; r++) s = fr(s + a[r * k + p]! * b[r * n + j]!);
      c[p * n + j] = s;
    }
}

/** ./kernels.ts matmulTransB's arithmetic: C ← f32(C + Σ_p a·b) with the sum in float64 in order. */
function referenceTransB(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number) {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[j * k + p]!;
      c[i * n + j] = c[i * n + j]! + s;
    }
}

describe('WebAssembly SIMD matmul kernels', () => {
  const rand = mulberry32(11);
  const fill = (length: number) => Float32Array.from({ length }, () => rand() * 2 - 1);
  const shapes: [number, number, number][] = [
    [64, 48, 40],
    [61, 37, 27],
    [5, 3, 7],
    [4, 1, 1],
    [9, 20, 130],
  ];
  for (const [m, k, n] of shapes) {
    for (const accumulate of [false, true]) {
      it(`matmul and matmulTransA ${m}×${k}×${n}${accumulate ? ' (accumulate)' : ''} equal the reference bit for bit`, () => {
        const a = fill(m * k);
        const b = fill(k * n);
        const c0 = fill(m * n);
        const expected = accumulate ? c0.slice() : new Float32Array(m * n);
        referenceMatmul(a, b, expected, m, k, n);
        const got = c0.slice();
        expect(matmulWasm(a, b, got, m, k, n, accumulate)).toBe(true);
        expect(Array.from(got)).toEqual(Array.from(expected));
        const bt = fill(m * n);
        const d0 = fill(k * n);
        const expectedT = accumulate ? d0.slice() : new Float32Array(k * n);
        referenceTransA(a, bt, expectedT, m, k, n);
        const gotT = d0.slice();
        expect(matmulTransAWasm(a, bt, gotT, m, k, n, accumulate)).toBe(true);
        expect(Array.from(gotT)).toEqual(Array.from(expectedT));
        const bb = fill(n * k);
        const e0 = fill(m * n);
        const expectedB = accumulate ? e0.slice() : new Float32Array(m * n);
        referenceTransB(a, bb, expectedB, m, k, n);
        const gotB = e0.slice();
        expect(matmulTransBWasm(a, bb, gotB, m, k, n, accumulate)).toBe(true);
        expect(Array.from(gotB)).toEqual(Array.from(expectedB));
      });
    }
  }
  it('matmul / matmulTransA dispatch large products to WebAssembly with the same results as small ones', () => {
    const [m, k, n] = [64, 40, 30];
    expect(m * k * n).toBeGreaterThanOrEqual(WASM_MIN_WORK);
    const a = fill(m * k);
    const b = fill(k * n);
    const expected = new Float32Array(m * n);
    referenceMatmul(a, b, expected, m, k, n);
    expect(Array.from(matmul(a, b, new Float32Array(m * n), m, k, n))).toEqual(Array.from(expected));
    const bt = fill(m * n);
    const expectedT = new Float32Array(k * n);
    referenceTransA(a, bt, expectedT, m, k, n);
    expect(Array.from(matmulTransA(a, bt, new Float32Array(k * n), m, k, n))).toEqual(Array.from(expectedT));
    const bb = fill(n * k);
    const expectedB = new Float32Array(m * n);
    referenceTransB(a, bb, expectedB, m, k, n);
    expect(Array.from(matmulTransB(a, bb, new Float32Array(m * n), m, k, n))).toEqual(Array.from(expectedB));
  });
});
