import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  EarlyStopping,
  gatherRows,
  macroF1,
  median,
  medianInPlace,
  selectInPlace,
  minibatches,
  quantileSorted,
  shuffleInPlace,
  trainEpochs,
} from '../../src/numeric/index.js';
import { mulberry32 } from '../../src/random.js';
import { FineRouterError } from '../../src/errors.js';

describe('median and quantiles', () => {
  it('computes hand-checked values and leaves the input alone', () => {
    const input = [4, 1, 3, 2];
    expect(median(input)).toBe(2.5);
    expect(input).toEqual([4, 1, 3, 2]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([7])).toBe(7);
    expect(median([-0.5, -0.5, 1])).toBe(-0.5);
    expect(medianInPlace(Float64Array.of(3, 1, 2, 9), 3)).toBe(2);
    expect(quantileSorted(Float64Array.of(1, 2, 3, 4), 0.25)).toBe(1.75);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
  });
  it('selectInPlace returns the sorted rank on random Float32 and Float64 inputs with ties', () => {
    const rand = mulberry32(11);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 40);
      const values = Array.from({ length: n }, () => Math.round(rand() * 8) / 4);
      const sorted = [...values].sort((a, b) => a - b);
      const kth = Math.floor(rand() * n);
      expect(selectInPlace(Float64Array.from(values), n, kth)).toBe(sorted[kth]);
      expect(selectInPlace(Float32Array.from(values), n, kth)).toBe(sorted[kth]);
    }
  });
  it('agrees with sorting on random inputs of odd and even length', () => {
    const rand = mulberry32(3);
    for (let n = 1; n < 40; n++) {
      const xs = Array.from({ length: n }, () => Math.round(rand() * 10) / 2);
      const s = [...xs].sort((a, b) => a - b);
      const h = n >> 1;
      expect(median(xs)).toBe(n % 2 ? s[h] : (s[h - 1]! + s[h]!) / 2);
    }
  });
  it('rejects empty input, NaN and p outside [0, 1]', () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => median([1, Number.NaN])).toThrow(RangeError);
    expect(() => quantileSorted([1], 1.5)).toThrow(RangeError);
  });
});

describe('macroF1 (one convention)', () => {
  it('matches hand-computed values', () => {
    expect(macroF1([0, 0, 1], [0, 1, 1])).toBeCloseTo(2 / 3, 12);
    expect(macroF1([0, 1, 2, 2], [0, 2, 2, 2])).toBeCloseTo((1 + 0 + 0.8) / 3, 12);
    expect(macroF1([2, 2], [2, 2])).toBe(1);
  });
  it('gives the same value whether Others is coded −1 or T', () => {
    const truth = [0, 1, -1, -1, 1, 0];
    const pred = [0, -1, -1, 1, 1, 1];
    const asT = (xs: number[]): number[] => xs.map((x) => (x < 0 ? 2 : x));
    expect(macroF1(truth, pred)).toBeCloseTo(macroF1(asT(truth), asT(pred)), 15);
  });
  it('rejects empty input, length mismatch and bad labels', () => {
    expect(() => macroF1([], [])).toThrow(RangeError);
    expect(() => macroF1([0], [0, 1])).toThrow(TypeError);
    expect(() => macroF1([-2], [0])).toThrow(RangeError);
    expect(() => macroF1([0.5], [0])).toThrow(RangeError);
  });
});

describe('gatherRows', () => {
  it('copies rows in order, keeps the array type and checks indices', () => {
    const out = gatherRows(Float32Array.of(1, 2, 3, 4, 5, 6), 2, [2, 0, 2]);
    expect(out).toEqual(Float32Array.of(5, 6, 1, 2, 5, 6));
    expectTypeOf(gatherRows(new Float64Array(4), 2, [1])).toMatchTypeOf<Float64Array>();
    expectTypeOf(gatherRows(new Float32Array(4), 2, [1])).not.toMatchTypeOf<Float64Array>();
    expect(() => gatherRows(new Float32Array(4), 2, [2])).toThrow(RangeError);
    expect(() => gatherRows(new Float32Array(4), 2, [0.5])).toThrow(RangeError);
  });
});

describe('the epoch loop', () => {
  it('shuffles deterministically for a seed and visits every row once per pass', () => {
    const a = shuffleInPlace(
      Int32Array.from({ length: 20 }, (_, i) => i),
      { int: (n) => Math.floor(mulberry32(5)() * n) },
    );
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const seen: number[] = [];
    const pass = minibatches(Int32Array.of(4, 3, 2, 1, 0), 2, (rows, from, count) => {
      for (let k = 0; k < count; k++) seen.push(rows[from + k]!);
      return { loss: count * 2, weight: count };
    });
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    expect(pass).toEqual({ loss: 10, weight: 5 });
  });

  it('stops after `patience` epochs without improvement and restores the best weights', () => {
    const w = { value: Float32Array.of(0) };
    const devLosses = [3, 1, 2, 2, 0.5];
    const { epochs, history } = trainEpochs({
      epochs: 5,
      stopping: new EarlyStopping([w], 2),
      runEpoch: (epoch) => {
        w.value[0] = epoch;
        return 10 - epoch;
      },
      devLoss: () => devLosses[w.value[0]!]!,
    });
    expect(epochs).toBe(4);
    expect(history.map((h) => h.dev)).toEqual([3, 1, 2, 2]);
    expect(w.value[0]).toBe(1);
  });

  it('checks the abort signal before every epoch', () => {
    const controller = new AbortController();
    let ran = 0;
    const run = (): unknown =>
      trainEpochs({
        epochs: 5,
        runEpoch: () => (ran += 1),
        devLoss: () => 0,
        onEpoch: (e) => e === 1 && controller.abort(),
        signal: controller.signal,
        where: 'test',
      });
    expect(run).toThrow(FineRouterError);
    expect(ran).toBe(2);
  });
});
