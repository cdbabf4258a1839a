import { describe, expect, it } from 'vitest';
import {
  activate,
  activateBackward,
  addBias,
  biasGrad,
  matmul,
  matmulTransA,
  matmulTransB,
  maskedMse,
  sigmoidBce,
} from '../../src/train/kernels.js';
import { createRandom, shuffleInPlace, splitIndices, xavierUniform } from '../../src/train/random.js';
import { AdamW, EarlyStopping, createParam } from '../../src/train/optimizer.js';

function rand(n: number, seed: number): Float32Array {
  const rng = createRandom(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

function naive(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
}

describe('matrix kernels', () => {
  for (const [m, k, n] of [
    [1, 1, 1],
    [5, 7, 3],
    [8, 4, 9],
    [3, 6, 2],
    [9, 5, 7],
  ] as const) {
    it(`matmul / transA / transB equal the naive product at ${m}×${k}×${n}`, () => {
      const a = rand(m * k, 1);
      const b = rand(k * n, 2);
      close(matmul(a, b, new Float32Array(m * n), m, k, n), naive(a, b, m, k, n, false, false), 1e-5);
      const at = rand(k * m, 3); // Aᵀ stored as k×m: C = (at)ᵀ·b where at is k rows of m
      close(matmulTransA(at, b, new Float32Array(m * n), k, m, n), naive(at, b, m, k, n, true, false), 1e-5);
      const bt = rand(n * k, 4);
      close(matmulTransB(a, bt, new Float32Array(m * n), m, k, n), naive(a, bt, m, k, n, false, true), 1e-5);
      // accumulate adds
      const c = new Float32Array(m * n).fill(1);
      matmul(a, b, c, m, k, n, true);
      close(
        c,
        Array.from(naive(a, b, m, k, n, false, false), (v) => v + 1),
        1e-5,
      );
      const c2 = new Float32Array(m * n).fill(2);
      matmulTransB(a, bt, c2, m, k, n, true);
      close(
        c2,
        Array.from(naive(a, bt, m, k, n, false, true), (v) => v + 2),
        1e-5,
      );
    });
  }

  it('rejects undersized buffers with RangeError', () => {
    expect(() => matmul(new Float32Array(3), new Float32Array(4), new Float32Array(4), 2, 2, 2)).toThrow(RangeError);
  });

  it('bias add and bias gradient', () => {
    expect(Array.from(addBias(Float32Array.of(1, 2, 3, 4), Float32Array.of(10, 20), 2, 2))).toEqual([11, 22, 13, 24]);
    expect(Array.from(biasGrad(Float32Array.of(1, 2, 3, 4), new Float32Array(2), 2, 2))).toEqual([4, 6]);
  });
});

describe('activation and loss gradients (finite differences)', () => {
  for (const kind of ['relu', 'gelu'] as const) {
    it(`${kind} backward matches central differences`, () => {
      const x = Float32Array.from([-2.1, -0.7, -0.05, 0.13, 0.9, 2.5]);
      const dy = Float32Array.from([0.3, -1.1, 0.7, 1.4, -0.2, 0.5]);
      const dx = activateBackward(kind, x, dy, new Float32Array(6), 6);
      for (let i = 0; i < 6; i++) {
        const h = 1e-3;
        const f = (v: number): number => activate(kind, Float32Array.of(v), new Float32Array(1), 1)[0];
        const fd = ((f(x[i] + h) - f(x[i] - h)) / (2 * h)) * dy[i];
        expect(Math.abs(dx[i] - fd)).toBeLessThan(2e-3);
      }
    });
  }

  it('sigmoid BCE: value, stability and gradient', () => {
    expect(sigmoidBce(Float32Array.of(0), Float32Array.of(1), 1, 1)).toBeCloseTo(Math.LN2, 6);
    expect(Number.isFinite(sigmoidBce(Float32Array.of(1000, -1000), Float32Array.of(0, 1), 2, 1))).toBe(true);
    const z = Float32Array.of(-3, -0.5, 0.2, 2.2);
    const y = Float32Array.of(0, 1, 1, 0);
    const g = new Float32Array(4);
    sigmoidBce(z, y, 4, 2, g);
    for (let i = 0; i < 4; i++) {
      const h = 1e-3;
      const zp = z.slice();
      zp[i] += h;
      const zm = z.slice();
      zm[i] -= h;
      const fd = (sigmoidBce(zp, y, 4, 2) - sigmoidBce(zm, y, 4, 2)) / (2 * h);
      expect(Math.abs(g[i] - fd)).toBeLessThan(1e-4);
    }
  });

  it('masked MSE ignores missing entries (value and gradient)', () => {
    const pred = Float32Array.of(0.5, 9, 0.2);
    const mask = Uint8Array.of(1, 0, 1);
    const g = new Float32Array(3);
    const a = maskedMse(pred, Float32Array.of(1, 0, 0), mask, 3, g);
    const b = maskedMse(pred, Float32Array.of(1, 12345, 0), mask, 3);
    expect(a.count).toBe(2);
    expect(a.loss).toBeCloseTo((0.25 + 0.04) / 2, 6);
    expect(b.loss).toBe(a.loss);
    expect(g[1]).toBe(0);
    expect(g[0]).toBeCloseTo(-0.5, 6);
    expect(maskedMse(pred, pred, new Uint8Array(3), 3).loss).toBe(0);
  });
});

describe('seeded randomness', () => {
  it('same seed, same stream; splits are disjoint and cover everything', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    for (let i = 0; i < 5; i++) expect(a.next()).toBe(b.next());
    expect(createRandom(8).next()).not.toBe(createRandom(7).next());
    const w1 = xavierUniform(new Float32Array(20), 4, 5, createRandom(3));
    const w2 = xavierUniform(new Float32Array(20), 4, 5, createRandom(3));
    expect(Array.from(w1)).toEqual(Array.from(w2));
    const bound = Math.sqrt(6 / 9);
    for (const v of w1) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    const order = shuffleInPlace(
      Int32Array.from({ length: 10 }, (_, i) => i),
      createRandom(1),
    );
    expect(Array.from(order).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [tr, dv, ho] = splitIndices(100, [0.1, 0.2], 5);
    expect([tr.length, dv.length, ho.length]).toEqual([70, 10, 20]);
    expect(new Set([...tr, ...dv, ...ho]).size).toBe(100);
    expect(() => splitIndices(10, [0.6, 0.5], 1)).toThrow(RangeError);
  });
});

describe('AdamW and early stopping', () => {
  it('first AdamW step moves each weight by lr·sign(g) and decays decoupled', () => {
    const w = createParam('w', Float32Array.of(1, -2, 3), true);
    const b = createParam('b', Float32Array.of(1), false);
    w.grad.set([0.5, -4, 0]);
    b.grad.set([2]);
    new AdamW([w, b], { learningRate: 0.1, weightDecay: 0.5 }).step();
    // bias-corrected m̂/√v̂ = sign(g) on step 1; decay: −lr·λ·θ, not added to g.
    expect(w.value[0]).toBeCloseTo(1 - 0.1 - 0.05 * 1, 5);
    expect(w.value[1]).toBeCloseTo(-2 + 0.1 - 0.05 * -2, 5);
    expect(w.value[2]).toBeCloseTo(3 - 0.05 * 3, 5);
    expect(b.value[0]).toBeCloseTo(1 - 0.1, 5);
  });

  it('minimizes a quadratic', () => {
    const w = createParam('w', Float32Array.of(5, -3), false);
    const opt = new AdamW([w], { learningRate: 0.1 });
    for (let i = 0; i < 500; i++) {
      opt.zeroGrad();
      w.grad[0] = 2 * (w.value[0] - 1);
      w.grad[1] = 2 * (w.value[1] + 2);
      opt.step();
    }
    expect(w.value[0]).toBeCloseTo(1, 2);
    expect(w.value[1]).toBeCloseTo(-2, 2);
  });

  it('early stopping restores the best weights after patience epochs without improvement', () => {
    const w = createParam('w', Float32Array.of(0), false);
    const stop = new EarlyStopping([w], 2);
    const losses = [3, 2, 2.5, 2.6, 1];
    const stopped: number[] = [];
    for (let e = 0; e < losses.length; e++) {
      w.value[0] = e;
      if (stop.report(e, losses[e])) {
        stopped.push(e);
        break;
      }
    }
    expect(stopped).toEqual([3]);
    stop.restore();
    expect(w.value[0]).toBe(1);
    expect(stop.bestEpoch).toBe(1);
    expect(() => stop.report(4, Number.NaN)).toThrow(RangeError);
  });
});
