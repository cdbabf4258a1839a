import { describe, expect, it } from 'vitest';
import {
  aggregateAndSelect,
  expectedQuality,
  FLAT_NORMALIZED_VALUE,
  minMaxNormalize,
  selectByPrice,
} from '../../src/router/score.js';

const all3 = Uint8Array.of(1, 1, 1);

describe('minMaxNormalize', () => {
  it('maps min to 0 and max to 1 over the considered models', () => {
    expect(Array.from(minMaxNormalize([2, 4, 3], all3, new Float64Array(3)))).toEqual([0, 1, 0.5]);
    const masked = minMaxNormalize([2, 100, 3], Uint8Array.of(1, 0, 1), new Float64Array(3));
    expect(masked[0]).toBe(0);
    expect(Number.isNaN(masked[1]!)).toBe(true);
    expect(masked[2]).toBe(1);
  });
  it('gives every model 0.5 when all values are equal (and for one model)', () => {
    expect(Array.from(minMaxNormalize([0.3, 0.3], Uint8Array.of(1, 1), new Float64Array(2)))).toEqual([0.5, 0.5]);
    expect(minMaxNormalize([7], Uint8Array.of(1), new Float64Array(1))[0]).toBe(FLAT_NORMALIZED_VALUE);
  });
  it('rejects bad input and does not mutate it', () => {
    const values = [1, 2];
    minMaxNormalize(values, Uint8Array.of(1, 1), new Float64Array(2));
    expect(values).toEqual([1, 2]);
    expect(() => minMaxNormalize([1, 2], Uint8Array.of(0, 0), new Float64Array(2))).toThrow(RangeError);
    expect(() => minMaxNormalize([1, Number.NaN], all3.subarray(0, 2), new Float64Array(2))).toThrow(TypeError);
    expect(() => minMaxNormalize([1, 2], all3, new Float64Array(2))).toThrow(RangeError);
  });
});

describe('aggregateAndSelect (Eq. 5 + tolerance)', () => {
  // norm(stage1) = [0, 1, 0.5], norm(stage2) = [1/3, 0, 1]; α = 0.5 → final = [1/6, 0.5, 0.75]
  const stage1 = [0.2, 0.6, 0.4];
  const stage2 = [0.5, 0.3, 0.9];
  const costs = [1, 2, 10];

  it('computes Eq. 5 exactly', () => {
    const s = aggregateAndSelect(stage1, stage2, costs, all3, 0.5, 0);
    expect(s.final[0]).toBeCloseTo(1 / 6, 12);
    expect(s.final[1]).toBeCloseTo(0.5, 12);
    expect(s.final[2]).toBeCloseTo(0.75, 12);
    expect(s.selected).toBe(2);
    expect(s.best).toBe(2);
    expect(Array.from(s.eligible)).toEqual([0, 0, 1]);
  });
  it('α = 1 uses stage 2 only, α = 0 stage 1 only', () => {
    expect(aggregateAndSelect(stage1, stage2, costs, all3, 1, 0).selected).toBe(2);
    expect(aggregateAndSelect(stage1, [0.9, 0.3, 0.5], costs, all3, 1, 0).selected).toBe(0);
    expect(aggregateAndSelect(stage1, stage2, costs, all3, 0, 0).selected).toBe(1);
  });
  it('tolerance picks the cheapest model within τ of the best (absolute, boundary inclusive)', () => {
    expect(aggregateAndSelect(stage1, stage2, costs, all3, 0.5, 0.24).selected).toBe(2);
    const at = aggregateAndSelect(stage1, stage2, costs, all3, 0.5, 0.25); // 0.5 ≥ 0.75 − 0.25
    expect(at.selected).toBe(1);
    expect(at.best).toBe(2);
    expect(Array.from(at.eligible)).toEqual([0, 1, 1]);
    expect(aggregateAndSelect(stage1, stage2, costs, all3, 0.5, 0.58).selected).toBe(1); // 1/6 < 0.17
    expect(aggregateAndSelect(stage1, stage2, costs, all3, 0.5, 0.59).selected).toBe(0); // 1/6 ≥ 0.16
    expect(aggregateAndSelect(stage1, stage2, costs, all3, 0.5, 1).selected).toBe(0);
  });
  it('treats unknown cost (NaN) as +∞', () => {
    expect(aggregateAndSelect(stage1, stage2, [Number.NaN, 2, Number.NaN], all3, 0.5, 1).selected).toBe(1);
    // all unknown: the highest final among the eligible wins
    expect(aggregateAndSelect(stage1, stage2, [Number.NaN, Number.NaN, Number.NaN], all3, 0.5, 1).selected).toBe(2);
    // known cost beats unknown even when the unknown one is the best
    expect(aggregateAndSelect(stage1, stage2, [Number.NaN, 5, Number.NaN], all3, 0.5, 0.25).selected).toBe(1);
  });
  it('breaks ties by cost, then final score, then manifest order', () => {
    const flat = aggregateAndSelect([0.5, 0.5], [0.3, 0.3], [3, 3], Uint8Array.of(1, 1), 0.5, 0);
    expect(Array.from(flat.final)).toEqual([0.5, 0.5]);
    expect(flat.selected).toBe(0);
    expect(aggregateAndSelect([0.5, 0.5], [0.3, 0.3], [3, 1], Uint8Array.of(1, 1), 0.5, 0).selected).toBe(1);
    // same cost, both eligible: the higher final wins
    expect(aggregateAndSelect([0.1, 0.2], [0.1, 0.2], [1, 1], Uint8Array.of(1, 1), 0.5, 1).selected).toBe(1);
  });
  it('normalizes over the considered models only', () => {
    const s = aggregateAndSelect(stage1, stage2, costs, Uint8Array.of(1, 0, 1), 0.5, 0);
    // over {0, 2}: norm stage1 [0, ·, 1], norm stage2 [0, ·, 1]
    expect(s.final[0]).toBe(0);
    expect(Number.isNaN(s.final[1]!)).toBe(true);
    expect(s.final[2]).toBe(1);
    expect(s.selected).toBe(2);
    expect(aggregateAndSelect(stage1, stage2, costs, Uint8Array.of(0, 1, 0), 0.5, 0).selected).toBe(1);
  });
  it('rejects α or τ outside [0, 1] and mismatched lengths', () => {
    expect(() => aggregateAndSelect(stage1, stage2, costs, all3, 1.5, 0)).toThrow(RangeError);
    expect(() => aggregateAndSelect(stage1, stage2, costs, all3, 0.5, -0.1)).toThrow(RangeError);
    expect(() => aggregateAndSelect(stage1, stage2, costs, all3, Number.NaN, 0)).toThrow(RangeError);
    expect(() => aggregateAndSelect(stage1, [1, 2], costs, all3, 0.5, 0)).toThrow(RangeError);
  });
});

describe('generalized Eq. 5 with a local prior, and willingness-to-pay selection', () => {
  it('ω = 0 is Eq. 5; ω = 1 replaces the task prior by the local prior (hand-computed)', () => {
    const mask = Uint8Array.of(1, 1, 1);
    const costs = [Number.NaN, Number.NaN, Number.NaN];
    const s1 = [0.2, 0.6, 0.4]; // norm: 0, 1, 0.5
    const s2 = [0.5, 0.5, 0.9]; // norm: 0, 0, 1
    const local = [0.9, 0.1, 0.5]; // norm: 1, 0, 0.5
    const plain = aggregateAndSelect(s1, s2, costs, mask, 0.2, 0);
    const zero = aggregateAndSelect(s1, s2, costs, mask, 0.2, 0, local, 0);
    expect(Array.from(zero.final)).toEqual(Array.from(plain.final));
    const full = aggregateAndSelect(s1, s2, costs, mask, 0.2, 0, local, 1);
    expect(full.final[0]).toBeCloseTo(0.8, 12);
    expect(full.final[1]).toBeCloseTo(0, 12);
    expect(full.final[2]).toBeCloseTo(0.2 + 0.8 * 0.5, 12);
    expect(full.selected).toBe(0);
    const half = aggregateAndSelect(s1, s2, costs, mask, 0, 0, local, 0.5);
    expect(Array.from(half.final)).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(half.localNormalized)).toEqual([1, 0, 0.5]);
    expect(() => aggregateAndSelect(s1, s2, costs, mask, 0.5, 0, local, 1.5)).toThrow(RangeError);
    expect(() => aggregateAndSelect(s1, s2, costs, mask, 0.5, 0, [1, 2], 0.5)).toThrow(RangeError);
  });

  it('expectedQuality blends raw components; selectByPrice trades quality for cost', () => {
    const e = expectedQuality([0.5, 0.7], [0.6, 0.6], 0.5, [0.9, 0.1], 0.5);
    expect(e[0]).toBeCloseTo(0.5 * 0.6 + 0.5 * (0.25 + 0.45), 12);
    expect(e[1]).toBeCloseTo(0.5 * 0.6 + 0.5 * (0.35 + 0.05), 12);
    const mask = Uint8Array.of(1, 1);
    expect(selectByPrice([0.8, 0.75], [0.01, 0.001], mask, 0)).toBe(0);
    expect(selectByPrice([0.8, 0.75], [0.01, 0.001], mask, 10)).toBe(1); // 0.75 − 0.01 > 0.8 − 0.1
    expect(selectByPrice([0.8, 0.75], [0.01, 0.001], mask, 5)).toBe(0); // 0.8 − 0.05 > 0.75 − 0.005
    // Unknown cost: skipped while a known one exists; considered when all are unknown.
    expect(selectByPrice([0.9, 0.5], [Number.NaN, 0.001], mask, 1)).toBe(1);
    expect(selectByPrice([0.9, 0.5], [Number.NaN, Number.NaN], mask, 1)).toBe(0);
    expect(() => selectByPrice([0.9, 0.5], [0, 0], mask, -1)).toThrow(RangeError);
    expect(() => selectByPrice([0.9, 0.5], [0, 0], Uint8Array.of(0, 0), 1)).toThrow(RangeError);
  });
});
