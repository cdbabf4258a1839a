import { describe, expect, it } from 'vitest';
import { aggregateAndSelect, FLAT_NORMALIZED_VALUE, minMaxNormalize } from '../../src/router/score.js';

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
