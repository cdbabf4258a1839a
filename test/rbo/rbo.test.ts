import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RBO_DEFAULTS, rankBiasedOverlap, rankingFromScores } from '../../src/rbo/index.js';
import type { RankedList, RboResult } from '../../src/rbo/index.js';
import { createRandom, randomRanking } from './random.js';

// Copied from ../shared/testvectors/rbo.json (see test/fixtures/rbo/README.md for how it was made).
const vectorsUrl = new URL('../fixtures/rbo/rbo.json', import.meta.url);
type Values = { ext: number; min: number; res: number; max: number };
interface UntiedCase {
  id: string;
  S: string[];
  T: string[];
  p: number;
  rbo_ext: number;
  rbo_min: number;
  rbo_res: number;
  rbo_max: number;
  rbo_min_at_s: number;
}
interface TieCase {
  id: string;
  S: RankedList<string>;
  T: RankedList<string>;
  p: number;
  rbow: Values;
}
const vectors = JSON.parse(readFileSync(vectorsUrl, 'utf8')) as { cases: UntiedCase[]; tie_cases: TieCase[] };

const KEYS = ['ext', 'min', 'res', 'max'] as const;

function expectClose(actual: RboResult, expected: Values, tolerance: number, label: string): void {
  for (const key of KEYS) {
    const delta = Math.abs(actual[key] - expected[key]);
    expect(delta, `${label} ${key}: got ${actual[key]}, expected ${expected[key]}`).toBeLessThanOrEqual(tolerance);
  }
}

describe('rankBiasedOverlap: reference test vectors (test/fixtures/rbo/rbo.json)', () => {
  it('has the vector counts the README promises', () => {
    expect(vectors.cases).toHaveLength(99);
    expect(vectors.tie_cases).toHaveLength(18);
  });

  it.each(vectors.cases.map((c) => [c.id, c] as const))('untied %s within 1e-9', (_id, c) => {
    const expected = { ext: c.rbo_ext, min: c.rbo_min, res: c.rbo_res, max: c.rbo_max };
    expectClose(rankBiasedOverlap(c.S, c.T, { p: c.p }), expected, 1e-9, c.id);
    // Symmetric, including the uneven-length cases.
    expectClose(rankBiasedOverlap(c.T, c.S, { p: c.p }), expected, 1e-9, `${c.id} (swapped)`);
  });

  it('reports min at the longer depth, not at the shorter one, where they differ (the uneven-length trap)', () => {
    const trap = vectors.cases.filter((c) => Math.abs(c.rbo_min - c.rbo_min_at_s) > 1e-3);
    expect(trap.length).toBeGreaterThan(5);
    for (const c of trap) {
      const { min } = rankBiasedOverlap(c.S, c.T, { p: c.p });
      expect(Math.abs(min - c.rbo_min)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(min - c.rbo_min_at_s)).toBeGreaterThan(1e-4);
    }
  });

  it.each(vectors.tie_cases.map((c) => [c.id, c] as const))('tie case %s matches rbow within 1e-9', (_id, c) => {
    expectClose(rankBiasedOverlap(c.S, c.T, { p: c.p }), c.rbow, 1e-9, c.id);
    expectClose(rankBiasedOverlap(c.T, c.S, { p: c.p }), c.rbow, 1e-9, `${c.id} (swapped)`);
  });
});

describe('rankBiasedOverlap: hand-computed values', () => {
  it('single identical item: min = ln 2 at p = 0.5, res = 1 − ln 2, ext = max = 1', () => {
    const r = rankBiasedOverlap(['a'], ['a'], { p: 0.5 });
    expect(r.min).toBeCloseTo(Math.LN2, 14);
    expect(r.res).toBeCloseTo(1 - Math.LN2, 14);
    expect(r.ext).toBeCloseTo(1, 14);
    expect(r.max).toBeCloseTo(1, 14);
  });

  it('top-two swap of three: A = (0, 1, 1) gives ext = 0.1/0.9·(0.81 + 0.729) + 0.729 = 0.9', () => {
    expect(rankBiasedOverlap(['a', 'b', 'c'], ['b', 'a', 'c'], { p: 0.9 }).ext).toBeCloseTo(0.9, 14);
  });

  it('a whole-list tie against its untied order: A = (2/3, 1), ext = 2/3·½ + ¼ + ¼ = 5/6 at p = 0.5', () => {
    expect(rankBiasedOverlap([['a', 'b']], ['a', 'b'], { p: 0.5 }).ext).toBeCloseTo(5 / 6, 14);
  });

  it('uneven lists: S = [a], L = [b, a] at p = 0.5', () => {
    // d = 1: X = 0 → A = 0; d = 2: X = 1, ext agreement (1 + (2 − 1)·0) / 2 = ½; tail (1 + 1·0)/2 · p².
    // ext = (½/½)·(0·½ + ½·¼) + ½·¼ = 1/8 + 1/8 = 1/4.
    const r = rankBiasedOverlap(['a'], ['b', 'a'], { p: 0.5 });
    expect(r.ext).toBeCloseTo(0.25, 14);
    // min: Σ A_d p^d = ¼·½ = 1/8, plus X_l·Σ_{d>2} p^d/d = ln 2 − ½ − ⅛.
    expect(r.min).toBeCloseTo(0.125 + (Math.LN2 - 0.625), 14);
    expect(r.max).toBeCloseTo(r.min + r.res, 15);
  });

  it('disjoint lists: ext = min = 0; res = max = p^s + p^l − p^f − … (Eq. 30)', () => {
    const r = rankBiasedOverlap(['a', 'b'], ['c', 'd'], { p: 0.5 });
    expect(r.ext).toBe(0);
    expect(r.min).toBe(0);
    // f = 4: ¼ + ¼ − 1/16 − (2·(1/24 + 1/64)·2) = 0.4375 − 0.2291666…
    expect(r.res).toBeCloseTo(0.4375 - 4 * (1 / 24 + 1 / 64), 14);
  });

  it('uses p = 0.9 by default', () => {
    expect(RBO_DEFAULTS.p).toBe(0.9);
    expect(Object.isFrozen(RBO_DEFAULTS)).toBe(true);
    const a = ['a', 'b', 'c', 'd'];
    const b = ['b', 'd', 'a', 'e'];
    expect(rankBiasedOverlap(a, b)).toEqual(rankBiasedOverlap(a, b, { p: 0.9 }));
    expect(rankBiasedOverlap(a, b, {})).toEqual(rankBiasedOverlap(a, b, { p: 0.9 }));
  });

  it('treats numbers and strings as different items', () => {
    expect(rankBiasedOverlap<string | number>([1, 2], ['1', '2'], { p: 0.5 }).ext).toBe(0);
    expect(rankBiasedOverlap([1, 2], [1, 2], { p: 0.5 }).ext).toBeCloseTo(1, 14);
  });

  it('a singleton tie group is the same as a plain item', () => {
    const plain = rankBiasedOverlap(['a', 'b', 'c'], ['c', 'a'], { p: 0.7 });
    const grouped = rankBiasedOverlap([['a'], 'b', ['c']], [['c'], 'a'], { p: 0.7 });
    expect(grouped).toEqual(plain);
  });
});

describe('rankBiasedOverlap: invariants on seeded random tied and untied lists', () => {
  const random = createRandom(20260419);
  const pairs: [RankedList<number>, RankedList<number>, number][] = [];
  for (let i = 0; i < 400; i++) {
    const m = 1 + Math.floor(random() * 15);
    const tieProbability = i % 2 === 0 ? 0 : 0.5;
    const p = [0.5, 0.9, 0.98][i % 3]!;
    pairs.push([randomRanking(random, m, { tieProbability }), randomRanking(random, m, { tieProbability }), p]);
  }

  it('0 ≤ min ≤ ext ≤ max ≤ 1 and max = min + res', () => {
    for (const [a, b, p] of pairs) {
      const r = rankBiasedOverlap(a, b, { p });
      expect(r.min).toBeGreaterThanOrEqual(0);
      expect(r.ext).toBeGreaterThanOrEqual(r.min - 1e-12);
      expect(r.max).toBeGreaterThanOrEqual(r.ext - 1e-12);
      expect(r.max).toBeLessThanOrEqual(1);
      expect(r.res).toBeGreaterThanOrEqual(0);
      expect(Math.abs(r.max - (r.min + r.res))).toBeLessThanOrEqual(1e-15);
    }
  });

  it('is exactly symmetric', () => {
    for (const [a, b, p] of pairs) expect(rankBiasedOverlap(b, a, { p })).toEqual(rankBiasedOverlap(a, b, { p }));
  });

  it('is 1 on identical lists (ext and max), with or without ties', () => {
    for (const [a, , p] of pairs) {
      const r = rankBiasedOverlap(a, a, { p });
      expect(r.ext).toBeCloseTo(1, 12);
      expect(r.max).toBeCloseTo(1, 12);
    }
  });

  it('does not mutate its inputs (frozen lists and options work)', () => {
    const a = Object.freeze(['a', Object.freeze(['b', 'c']), 'd']);
    const b = Object.freeze(['c', 'a']);
    const options = Object.freeze({ p: 0.8 });
    const before = JSON.stringify([a, b, options]);
    rankBiasedOverlap(a, b, options);
    expect(JSON.stringify([a, b, options])).toBe(before);
  });
});

describe('rankBiasedOverlap: bad input', () => {
  it.each([0, 1, -0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('RangeError for p = %s', (p) => {
    expect(() => rankBiasedOverlap(['a'], ['a'], { p })).toThrow(RangeError);
  });

  it('TypeError for a non-number p or non-object options', () => {
    expect(() => rankBiasedOverlap(['a'], ['a'], { p: '0.9' as unknown as number })).toThrow(TypeError);
    expect(() => rankBiasedOverlap(['a'], ['a'], 0.9 as unknown as { p: number })).toThrow(TypeError);
  });

  it('TypeError for non-arrays and bad elements, naming the function', () => {
    expect(() => rankBiasedOverlap('abc' as unknown as string[], ['a'])).toThrow(TypeError);
    expect(() => rankBiasedOverlap(['a'], null as unknown as string[])).toThrow(/rankBiasedOverlap/);
    expect(() => rankBiasedOverlap([{} as unknown as string], ['a'])).toThrow(TypeError);
    expect(() => rankBiasedOverlap([[['a']] as unknown as string[]], ['a'])).toThrow(TypeError);
    expect(() => rankBiasedOverlap([true as unknown as string], ['a'])).toThrow(TypeError);
  });

  it('RangeError for duplicates, empty lists, empty tie groups and NaN items', () => {
    expect(() => rankBiasedOverlap(['a', 'a'], ['a'])).toThrow(RangeError);
    expect(() => rankBiasedOverlap([['a', 'b'], 'a'], ['a'])).toThrow(RangeError);
    expect(() => rankBiasedOverlap([], ['a'])).toThrow(RangeError);
    expect(() => rankBiasedOverlap(['a'], [])).toThrow(RangeError);
    expect(() => rankBiasedOverlap(['a', []], ['a'])).toThrow(RangeError);
    expect(() => rankBiasedOverlap([Number.NaN], [1])).toThrow(RangeError);
  });

  it('names the offending value in the message', () => {
    expect(() => rankBiasedOverlap(['a', 'x', 'x'], ['a'])).toThrow(/"x"/);
    expect(() => rankBiasedOverlap(['a'], ['a'], { p: 2 })).toThrow(/received 2/);
  });
});

describe('rankingFromScores', () => {
  it('groups equal scores, best first, ids sorted inside a group', () => {
    expect(rankingFromScores({ gpt: 1, llama: 0, claude: 1, qwen: 0.5 })).toEqual([
      ['claude', 'gpt'],
      ['qwen'],
      ['llama'],
    ]);
  });

  it('does not depend on key order and ties 0 with −0', () => {
    const a = rankingFromScores({ z: 0, b: -0, a: 0.25, y: 0.25 });
    const b = rankingFromScores({ y: 0.25, a: 0.25, b: -0, z: 0 });
    expect(a).toEqual([
      ['a', 'y'],
      ['b', 'z'],
    ]);
    expect(b).toEqual(a);
  });

  it('orders infinite scores and returns [] for an empty map', () => {
    expect(rankingFromScores({ a: Number.NEGATIVE_INFINITY, b: 3, c: Number.POSITIVE_INFINITY })).toEqual([
      ['c'],
      ['b'],
      ['a'],
    ]);
    expect(rankingFromScores({})).toEqual([]);
  });

  it('feeds rankBiasedOverlap: two prompts with the same 0/1 pattern have RBO 1', () => {
    const a = rankingFromScores({ m1: 1, m2: 0, m3: 1 });
    const b = rankingFromScores({ m3: 1, m1: 1, m2: 0 });
    expect(rankBiasedOverlap(a, b).ext).toBeCloseTo(1, 14);
  });

  it('rejects bad input', () => {
    expect(() => rankingFromScores(null as unknown as Record<string, number>)).toThrow(TypeError);
    expect(() => rankingFromScores([1, 2] as unknown as Record<string, number>)).toThrow(TypeError);
    expect(() => rankingFromScores({ a: '1' as unknown as number })).toThrow(TypeError);
    expect(() => rankingFromScores({ a: Number.NaN })).toThrow(RangeError);
  });

  it('does not mutate its input', () => {
    const scores = Object.freeze({ b: 1, a: 2 });
    rankingFromScores(scores);
    expect(scores).toEqual({ b: 1, a: 2 });
  });
});
