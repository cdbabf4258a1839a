import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { approximateKnn, exactKnn, knnRecall, nearestNeighbors } from '../../src/discovery/knn.js';
import { clusteredVectors, gaussian, seeded } from './helpers.js';

/** Brute force: all others by (dot desc, index asc), first k. */
function bruteForce(x: Float32Array, d: number, k: number): { ids: number[][]; sims: number[][] } {
  const n = x.length / d;
  const ids: number[][] = [];
  const sims: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: { j: number; s: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += x[i * d + t]! * x[j * d + t]!;
      row.push({ j, s: Math.fround(s) });
    }
    row.sort((a, b) => b.s - a.s || a.j - b.j);
    ids.push(row.slice(0, k).map((r) => r.j));
    sims.push(row.slice(0, k).map((r) => r.s));
  }
  return { ids, sims };
}

function randomUnit(n: number, d: number, seed: number): Float32Array {
  const random = seeded(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let t = 0; t < d; t++) {
      x[i * d + t] = gaussian(random);
      norm += x[i * d + t]! ** 2;
    }
    for (let t = 0; t < d; t++) x[i * d + t] = x[i * d + t]! / Math.sqrt(norm);
  }
  return x;
}

describe('exactKnn', () => {
  it('matches brute force for several n (tails of the 4×2 tiles) and block sizes', () => {
    for (const [n, d, k, blockSize] of [
      [37, 9, 5, 8],
      [64, 16, 3, 128],
      [101, 7, 6, 4],
      [6, 3, 5, 4],
    ] as const) {
      const x = randomUnit(n, d, n);
      const ref = bruteForce(x, d, k);
      // Both paths: WebAssembly SIMD (float32 lanes) and the JavaScript 4×2 tiles (float64).
      for (const simd of [true, false]) {
        const g = exactKnn(x, d, k, { blockSize, simd });
        expect(Array.from({ length: n }, (_, i) => Array.from(g.indices.subarray(i * k, i * k + k)))).toEqual(ref.ids);
        for (let i = 0; i < n; i++) {
          for (let t = 0; t < k; t++) expect(g.similarities[i * k + t]).toBeCloseTo(ref.sims[i]![t]!, 5);
        }
      }
    }
  });

  it('breaks ties by index and excludes self even for duplicates', () => {
    // Rows 0, 1, 2 identical; 3 orthogonal.
    const x = new Float32Array([1, 0, 1, 0, 1, 0, 0, 1]);
    const g = exactKnn(x, 2, 2);
    expect(Array.from(g.indices)).toEqual([1, 2, 0, 2, 0, 1, 0, 1]);
  });

  it('pads rows with −1 when k ≥ n', () => {
    const g = exactKnn(new Float32Array([1, 0, 0, 1]), 2, 3);
    expect(Array.from(g.indices)).toEqual([1, -1, -1, 0, -1, -1]);
    expect(g.similarities[1]).toBe(-Infinity);
  });

  it('rejects bad arguments and honours abort', () => {
    expect(() => exactKnn([1, 2] as unknown as Float32Array, 2, 1)).toThrow(TypeError);
    expect(() => exactKnn(new Float32Array(5), 2, 1)).toThrow(RangeError);
    expect(() => exactKnn(new Float32Array(4), 2, 0)).toThrow(RangeError);
    const controller = new AbortController();
    controller.abort();
    let code = '';
    try {
      exactKnn(new Float32Array(8), 2, 1, { signal: controller.signal });
    } catch (error) {
      code = (error as FineRouterError).code;
    }
    expect(code).toBe('ABORTED');
  });
});

describe('approximateKnn (NN-descent)', () => {
  it('reaches recall@5 ≥ 0.95 on clustered data and is deterministic by seed', () => {
    const { x } = clusteredVectors(800, 16, 20, 0.5, 3);
    const exact = exactKnn(x, 16, 5);
    const a = approximateKnn(x, 16, 5, { seed: 7 });
    expect(knnRecall(a, exact)).toBeGreaterThanOrEqual(0.95);
    const b = approximateKnn(x, 16, 5, { seed: 7 });
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
    expect(knnRecall(approximateKnn(x, 16, 5, { seed: 7, simd: false }), exact)).toBeGreaterThanOrEqual(0.95);
    // Rows are sorted best first and never contain self.
    for (let i = 0; i < a.n; i++) {
      for (let t = 0; t < 5; t++) {
        expect(a.indices[i * 5 + t]).not.toBe(i);
        if (t > 0) expect(a.similarities[i * 5 + t]!).toBeLessThanOrEqual(a.similarities[i * 5 + t - 1]!);
      }
    }
  });

  it('falls back to exact search for tiny inputs', () => {
    const x = randomUnit(8, 4, 1);
    expect(Array.from(approximateKnn(x, 4, 3).indices)).toEqual(Array.from(exactKnn(x, 4, 3).indices));
  });
});

describe('nearestNeighbors and knnRecall', () => {
  it('switches to the approximate method above exactMaxNodes', () => {
    const { x } = clusteredVectors(300, 8, 5, 0.3, 1);
    expect(nearestNeighbors(x, 8, 5).method).toBe('exact');
    expect(nearestNeighbors(x, 8, 5, { exactMaxNodes: 100 }).method).toBe('approximate');
    expect(nearestNeighbors(x, 8, 5, { method: 'approximate' }).method).toBe('approximate');
  });

  it('computes recall as the share of exact neighbours found', () => {
    const exact = { n: 2, k: 2, indices: new Int32Array([1, 2, 0, 2]), similarities: new Float32Array(4) };
    const approx = { n: 2, k: 2, indices: new Int32Array([2, 3, 0, 2]), similarities: new Float32Array(4) };
    expect(knnRecall(approx, exact)).toBe(0.75);
    expect(() => knnRecall(approx, { ...exact, k: 3 })).toThrow(RangeError);
  });
});
