import { describe, expect, it } from 'vitest';
import type { RoutingRecord } from '../../src/data/types.js';
import { compareRoutes, keywordLabels } from '../../src/pipeline/first-impression.js';

const rec = (id: string, scores: Record<string, number>): RoutingRecord => ({ id, prompt: id, scores });

describe('compareRoutes', () => {
  const train = [rec('t1', { big: 1, small: 0 }), rec('t2', { big: 1, small: 1 })];
  const test = [
    rec('a', { big: 1, small: 0 }),
    rec('b', { big: 0, small: 1 }),
    rec('c', { big: 1, small: 1 }),
    rec('d', { big: 0, small: 0 }),
  ];
  const costs = { big: 0.01, small: 0.001 };

  it('computes exact means, costs and paired differences; orders best single, cheapest, routes, oracle', () => {
    const rows = compareRoutes(train, test, { routed: ['big', 'small', 'small', 'small'] }, costs, { resamples: 500 });
    expect(rows.map((r) => r.kind)).toEqual(['best-single', 'cheapest', 'router', 'oracle']);
    expect(rows[0]).toMatchObject({ model: 'big', cost: 0.01, vsBestSingle: null });
    expect(rows[0]!.quality.value).toBe(0.5);
    expect(rows[1]!.model).toBe('small');
    expect(rows[1]!.quality.value).toBe(0.5);
    expect(rows[2]!.quality.value).toBe(0.75); // 1 + 1 + 1 + 0
    expect(rows[2]!.cost).toBeCloseTo((0.01 + 3 * 0.001) / 4, 15);
    expect(rows[2]!.vsBestSingle!.value).toBeCloseTo(0.25, 15);
    expect(rows[3]!.quality.value).toBe(0.75);
    for (const r of rows)
      (expect(r.quality.lo).toBeLessThanOrEqual(r.quality.value),
        expect(r.quality.hi).toBeGreaterThanOrEqual(r.quality.value));
    // same seed, same intervals
    expect(
      compareRoutes(train, test, { routed: ['big', 'small', 'small', 'small'] }, costs, { resamples: 500 }),
    ).toEqual(rows);
  });

  it('rejects empty data, wrong lengths and bad options', () => {
    expect(() => compareRoutes(train, [], {}, costs)).toThrow(RangeError);
    expect(() => compareRoutes(train, test, { r: ['big'] }, costs)).toThrow(RangeError);
    expect(() => compareRoutes(train, test, {}, costs, { resamples: 0 })).toThrow(RangeError);
    expect(() => compareRoutes(train, test, {}, costs, { level: 1 })).toThrow(RangeError);
  });
});

describe('keywordLabels', () => {
  it('labels groups with their distinctive words, skipping stop words and one-off terms', () => {
    const texts = [
      'Prove that sqrt 2 is irrational',
      'Prove that sqrt 3 is irrational',
      'What is the capital of France?',
      'Capital city of Spain',
    ];
    expect(
      keywordLabels(
        texts,
        [
          [0, 1],
          [2, 3],
        ],
        3,
      ),
    ).toEqual(['irrational · prove · sqrt', 'capital']);
    expect(keywordLabels(texts, [[2]], 2)).toEqual(['capital · france']);
    expect(keywordLabels(texts, [[]])).toEqual(['']);
    expect(() => keywordLabels(texts, [[9]])).toThrow(RangeError);
    expect(() => keywordLabels(texts, [[0]], 0)).toThrow(RangeError);
  });
});
