import { describe, expect, it } from 'vitest';
import type { RoutingRecord } from '../../src/data/types.js';
import { buildEvalTable, meanModelCost } from '../../src/eval/table.js';
import {
  aiq,
  costQualityCurve,
  evaluateSelection,
  expectedCalibrationError,
  headroomCaptured,
  hullQualityAt,
  macroF1,
  nonDecreasingHull,
  selectByScores,
} from '../../src/eval/metrics.js';

const rec = (id: string, scores: Record<string, number>, extra: Partial<RoutingRecord> = {}): RoutingRecord => ({
  id,
  prompt: id,
  scores,
  ...extra,
});

describe('nonDecreasingHull / aiq (RouterBench)', () => {
  const points = [
    { cost: 1, quality: 0.5 },
    { cost: 2, quality: 0.6 },
    { cost: 2.5, quality: 0.55 },
    { cost: 3, quality: 0.9 },
    { cost: 4, quality: 0.8 },
  ];
  it('keeps only the concave, non-decreasing upper hull', () => {
    expect(nonDecreasingHull(points)).toEqual([
      { cost: 1, quality: 0.5 },
      { cost: 3, quality: 0.9 },
    ]);
  });
  it('interpolates, stays flat beyond the last vertex, and is undefined below the first', () => {
    const hull = nonDecreasingHull(points);
    expect(hullQualityAt(hull, 2)).toBeCloseTo(0.7, 12);
    expect(hullQualityAt(hull, 10)).toBe(0.9);
    expect(hullQualityAt(hull, 0.5)).toBeNull();
  });
  it('integrates the hull over the cost range, zero below the cheapest point', () => {
    // [0,1]: 0; [1,3]: (0.5+0.9)/2*2 = 1.4; [3,4]: 0.9 → 2.3 / 4
    expect(aiq(points, 0, 4)).toBeCloseTo(0.575, 12);
    expect(
      aiq(
        [
          { cost: 0, quality: 0.5 },
          { cost: 1, quality: 1 },
        ],
        0,
        1,
      ),
    ).toBeCloseTo(0.75, 12);
    // a single point at the left end is a flat line
    expect(aiq([{ cost: 0, quality: 0.4 }], 0, 2)).toBeCloseTo(0.4, 12);
  });
  it('rejects a bad range and non-finite points', () => {
    expect(() => aiq(points, 1, 1)).toThrow(RangeError);
    expect(() => nonDecreasingHull([{ cost: Number.NaN, quality: 0 }])).toThrow(RangeError);
  });
});

describe('headroomCaptured', () => {
  it('is (router − best) / (oracle − best)', () => {
    expect(headroomCaptured(0.7, 0.6, 0.9)).toBeCloseTo(1 / 3, 12);
    expect(headroomCaptured(0.5, 0.6, 0.8)).toBeCloseTo(-0.5, 12);
  });
  it('is null when the oracle has no headroom, and throws on NaN', () => {
    expect(headroomCaptured(0.6, 0.6, 0.6)).toBeNull();
    expect(() => headroomCaptured(Number.NaN, 0.6, 0.9)).toThrow(RangeError);
  });
});

describe('expectedCalibrationError', () => {
  it('weights each bin gap by its share of pairs and skips unobserved pairs', () => {
    const c = expectedCalibrationError([0.15, 0.15, 0.85, 0.85, 0.5], [0, 1, 1, 1, Number.NaN]);
    // bin 1: |0.15 − 0.5| × 0.5; bin 8: |0.85 − 1| × 0.5
    expect(c.ece).toBeCloseTo(0.25, 12);
    expect(c.pairs).toBe(4);
    expect(c.bins[1]!.count).toBe(2);
  });
  it('clips predictions to [0, 1] and is 0 for a perfectly calibrated predictor', () => {
    expect(expectedCalibrationError([-0.5, 1.7], [0, 1]).ece).toBe(0);
  });
  it('throws on a length mismatch and non-finite predictions', () => {
    expect(() => expectedCalibrationError([0.1], [0, 1])).toThrow(TypeError);
    expect(() => expectedCalibrationError([Number.NaN], [0])).toThrow(RangeError);
  });
});

describe('macroF1', () => {
  it('averages per-class F1 over classes present', () => {
    expect(macroF1([0, 0, 1], [0, 1, 1])).toBeCloseTo(2 / 3, 12);
    expect(macroF1([-1, 0], [-1, -1])).toBeCloseTo(1 / 3, 12);
    expect(macroF1([2, 2], [2, 2])).toBe(1);
  });
  it('rejects bad labels', () => {
    expect(() => macroF1([-2], [0])).toThrow(RangeError);
    expect(() => macroF1([0], [0, 1])).toThrow(TypeError);
  });
});

describe('buildEvalTable', () => {
  it('counts every data problem instead of averaging it', () => {
    const records = [
      rec('a', { x: 1, y: 0 }, { costs: { x: 2, y: 1 } }),
      rec('b', { x: Number.NaN, y: 0.5, z: 1 }),
      rec('c', { z: 1 }),
      rec('d', { x: 1.5, y: 0.25 }),
    ];
    const t = buildEvalTable(records, [0, 1, 2, 3], ['x', 'y']);
    expect(t.ids).toEqual(['a', 'b', 'd']);
    expect(t.issues).toMatchObject({
      records: 4,
      kept: 3,
      noScoredModel: 1,
      nonFiniteScores: 1,
      outOfRangeScores: 1,
      missingScores: 2,
      unknownModels: { z: 2 },
    });
    expect(Number.isNaN(t.quality[2])).toBe(true); // b/x
    expect(t.cost).not.toBeNull();
    expect(t.issues.missingCosts).toBe(4); // b and d have no costs
    expect(Array.from(meanModelCost(t))).toEqual([2, 1]);
  });
  it('fills costs from a per-model proxy where a record has none', () => {
    const t = buildEvalTable([rec('a', { x: 1, y: 0 }, { costs: { x: 5 } })], [0], ['x', 'y'], {
      modelCosts: { x: 1, y: 3 },
    });
    expect(Array.from(t.cost!)).toEqual([5, 3]);
  });
  it('rejects an empty or duplicated pool and a bad index', () => {
    expect(() => buildEvalTable([], [], [])).toThrow(TypeError);
    expect(() => buildEvalTable([], [], ['x', 'x'])).toThrow(TypeError);
    expect(() => buildEvalTable([rec('a', { x: 1 })], [3], ['x'])).toThrow(TypeError);
  });
});

describe('selectByScores / evaluateSelection', () => {
  const records = [
    rec('p1', { a: 1, b: 1, c: 0 }, { source: 's1', costs: { a: 3, b: 1, c: 0.5 } }),
    rec('p2', { b: 0, c: 1 }, { source: 's1', costs: { a: 3, b: 1, c: 0.5 } }),
    rec('p3', { a: 1, b: 0, c: 0 }, { source: 's2', costs: { a: 3, b: 1, c: 0.5 } }),
  ];
  const table = buildEvalTable(records, [0, 1, 2], ['a', 'b', 'c']);
  const cost = meanModelCost(table);
  it('takes the argmax at τ = 0, the cheapest within τ, and the cheapest of all at τ = 1', () => {
    const scores = [0.9, 0.8, 0.2, 0.9, 0.8, 0.2, 0.9, 0.8, 0.2];
    expect(Array.from(selectByScores(table, scores, { modelCost: cost }).choice)).toEqual([0, 1, 0]);
    // normalized row [1, 0.857, 0]: τ = 0.2 admits b
    expect(Array.from(selectByScores(table, scores, { tolerance: 0.2, modelCost: cost }).choice)).toEqual([1, 1, 1]);
    expect(Array.from(selectByScores(table, scores, { tolerance: 1, modelCost: cost }).choice)).toEqual([2, 2, 2]);
  });
  it('never picks an unscored model and counts when the mask changed the choice', () => {
    const sel = selectByScores(table, [0.9, 0.8, 0.2, 0.9, 0.8, 0.2, 0.9, 0.8, 0.2], { modelCost: cost });
    expect(sel.choice[1]).toBe(1); // a is not scored on p2
    expect(sel.maskedChoices).toBe(1);
  });
  it('breaks exact ties by cost, then column', () => {
    expect(selectByScores(table, [1, 1, 0, 0, 0, 0, 0, 0, 0], { modelCost: cost }).choice[0]).toBe(1);
    expect(selectByScores(table, [1, 1, 0, 1, 1, 1, 1, 1, 1]).choice[0]).toBe(0);
  });
  it('scores micro, per-source and macro quality, cost and distribution', () => {
    const r = evaluateSelection(table, [0, 2, 1]);
    expect(r.quality).toBeCloseTo(2 / 3, 12);
    expect(r.perSource).toEqual({ s1: 1, s2: 0 });
    expect(r.macroQuality).toBeCloseTo(0.5, 12);
    expect(r.cost).toBeCloseTo((3 + 0.5 + 1) / 3, 12);
    expect(r.distribution).toEqual({ a: 1 / 3, b: 1 / 3, c: 1 / 3 });
    const u = evaluateSelection(table, [0, 0, 0]);
    expect(u.unscored).toBe(1);
    expect(u.scored).toBe(2);
    expect(u.quality).toBe(1);
  });
  it('sweeps tolerance into a cost–quality curve', () => {
    const scores = [0.9, 0.8, 0.2, 0.1, 0.2, 0.9, 0.9, 0.8, 0.2];
    const curve = costQualityCurve(table, scores, cost, 10);
    expect(curve).toHaveLength(11);
    expect(curve[0]).toMatchObject({ tolerance: 0, quality: 1 });
    expect(curve[10]!.cost).toBeCloseTo(0.5, 12);
  });
  it('rejects bad inputs', () => {
    expect(() => selectByScores(table, [1])).toThrow(TypeError);
    expect(() => selectByScores(table, new Array(9).fill(Number.NaN))).toThrow(RangeError);
    expect(() => selectByScores(table, new Array(9).fill(0), { tolerance: 2 })).toThrow(RangeError);
    expect(() => evaluateSelection(table, [0, 5, 0])).toThrow(RangeError);
  });
});
