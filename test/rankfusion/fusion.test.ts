import { describe, expect, it } from 'vitest';
import {
  CANDIDATE_DEFAULTS,
  FUSION_DEFAULTS,
  reciprocalRankFusion,
  selectCandidates,
} from '../../src/rankfusion/index.js';
import type { RankedList } from '../../src/rbo/index.js';
import { createRandom, randomRanking } from '../rbo/random.js';

function shuffled<T>(values: readonly T[], random: () => number): T[] {
  const out = values.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function randomRankings(seed: number, count: number, modelCount: number, tieProbability: number): RankedList<number>[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => randomRanking(random, modelCount, { tieProbability }));
}

describe('reciprocalRankFusion: hand-computed values', () => {
  it('Eq. (4) with ε = 0: ranks 1-based, 1/|C| factor, absent items contribute 0', () => {
    const fused = reciprocalRankFusion(
      [
        ['a', 'b'],
        ['b', 'c'],
      ],
      { epsilon: 0 },
    );
    // a: (1 + 0)/2, b: (1/2 + 1)/2, c: (0 + 1/2)/2
    expect(fused.map((f) => f.item)).toEqual(['b', 'a', 'c']);
    expect(fused[0]!.score).toBeCloseTo(0.75, 15);
    expect(fused[1]!.score).toBeCloseTo(0.5, 15);
    expect(fused[2]!.score).toBeCloseTo(0.25, 15);
  });

  it('ε = 60 by default', () => {
    expect(FUSION_DEFAULTS.epsilon).toBe(60);
    const fused = reciprocalRankFusion([['x', 'y']]);
    expect(fused).toEqual([
      { item: 'x', score: 1 / 61 },
      { item: 'y', score: 1 / 62 },
    ]);
  });

  it('a tie group shares the rank of its first position (1 1 3)', () => {
    const fused = reciprocalRankFusion([[['a', 'b'], 'c']], { epsilon: 0 });
    expect(fused).toEqual([
      { item: 'a', score: 1 },
      { item: 'b', score: 1 },
      { item: 'c', score: 1 / 3 },
    ]);
  });

  it('breaks equal scores by item: numbers ascending before strings in code-unit order', () => {
    const fused = reciprocalRankFusion<string | number>([[['b', 10, 'B', 2, 'a']]]);
    expect(fused.map((f) => f.item)).toEqual([2, 10, 'B', 'a', 'b']);
  });

  it('counts an empty list in |C| without contributing', () => {
    const fused = reciprocalRankFusion([['a'], []], { epsilon: 1 });
    expect(fused).toEqual([{ item: 'a', score: 0.25 }]);
  });
});

describe('reciprocalRankFusion: invariants', () => {
  it('is independent of the order of the input lists (bit-identical)', () => {
    const random = createRandom(99);
    for (let trial = 0; trial < 30; trial++) {
      const rankings = randomRankings(1000 + trial, 1 + (trial % 17), 12, 0.4);
      const reference = reciprocalRankFusion(rankings);
      for (let k = 0; k < 3; k++) expect(reciprocalRankFusion(shuffled(rankings, random))).toEqual(reference);
    }
  });

  it('scores lie in (0, 1/(1 + ε)] and are sorted descending', () => {
    const rankings = randomRankings(5, 40, 30, 0.3);
    for (const epsilon of [0, 1, 60]) {
      const fused = reciprocalRankFusion(rankings, { epsilon });
      for (let i = 0; i < fused.length; i++) {
        expect(fused[i]!.score).toBeGreaterThan(0);
        expect(fused[i]!.score).toBeLessThanOrEqual(1 / (1 + epsilon));
        if (i > 0) expect(fused[i]!.score).toBeLessThanOrEqual(fused[i - 1]!.score);
      }
    }
  });

  it('does not mutate its inputs', () => {
    const rankings = Object.freeze([Object.freeze(['a', Object.freeze(['b', 'c'])]), Object.freeze(['c'])]);
    const before = JSON.stringify(rankings);
    reciprocalRankFusion(rankings);
    selectCandidates(rankings);
    expect(JSON.stringify(rankings)).toBe(before);
  });
});

describe('selectCandidates', () => {
  const cluster: RankedList<string>[] = [
    ['a', 'b'],
    ['a', 'c'],
    ['b', 'a'],
    [['c', 'a'], 'b'],
  ];

  it('takes the shortest fused prefix whose coverage reaches δ (hand-computed)', () => {
    // MRR·4: a = 3/61 + 1/62, b = 1/62 + 1/61 + 1/63, c = 1/62 + 1/61 → order a, b, c.
    // Top groups: {a}, {a}, {b}, {c, a}: {a} covers 3/4, {a, b} covers 4/4.
    const result = selectCandidates(cluster);
    expect(result.fused.map((f) => f.item)).toEqual(['a', 'b', 'c']);
    expect(result.candidates).toEqual(['a', 'b']);
    expect(result.coverage).toBe(1);
    expect(selectCandidates(cluster, { coverage: 0.75 })).toMatchObject({ candidates: ['a'], coverage: 0.75 });
    expect(CANDIDATE_DEFAULTS).toEqual({ coverage: 0.8, epsilon: 60 });
  });

  it('keeps fused items that cover nothing when they come before the covering ones', () => {
    // m is everyone's second choice: highest fused score, never a top model.
    const rankings = [
      ['x', 'm'],
      ['y', 'm'],
      ['z', 'm'],
    ];
    const result = selectCandidates(rankings, { coverage: 0.3, epsilon: 0 });
    expect(result.fused[0]!.item).toBe('m');
    expect(result.candidates).toEqual(['m', 'x']);
    expect(result.coverage).toBeCloseTo(1 / 3, 15);
  });

  it('reaches δ exactly on decimal fractions (7 of 10 prompts at δ = 0.7)', () => {
    const rankings: RankedList<string>[] = [];
    for (let i = 0; i < 7; i++) rankings.push(['a', 'b']);
    for (let i = 0; i < 3; i++) rankings.push(['b', 'a']);
    expect(selectCandidates(rankings, { coverage: 0.7 })).toMatchObject({ candidates: ['a'], coverage: 0.7 });
  });

  it('reaches δ, is monotone in δ, and every candidate list is a prefix of the fused order', () => {
    for (let trial = 0; trial < 40; trial++) {
      const rankings = randomRankings(300 + trial, 1 + (trial % 25), 11, trial % 2 === 0 ? 0 : 0.6);
      let previous: number[] = [];
      let previousCoverage = 0;
      for (const delta of [0.05, 0.2, 0.5, 0.8, 0.9, 1]) {
        const { candidates, coverage, fused } = selectCandidates(rankings, { coverage: delta });
        expect(coverage).toBeGreaterThanOrEqual(delta);
        expect(candidates).toEqual(fused.slice(0, candidates.length).map((f) => f.item));
        // Smallest prefix: one fewer candidate would not reach δ.
        if (candidates.length > 1) {
          const shorter = new Set(candidates.slice(0, -1));
          const coveredShorter = rankings.filter((r) => {
            const top = r[0]!;
            return (Array.isArray(top) ? top : [top]).some((m) => shorter.has(m));
          }).length;
          expect(coveredShorter / rankings.length).toBeLessThan(delta);
        }
        // A larger δ extends the smaller δ's candidates.
        expect(candidates.length).toBeGreaterThanOrEqual(previous.length);
        expect(candidates.slice(0, previous.length)).toEqual(previous);
        expect(coverage).toBeGreaterThanOrEqual(previousCoverage);
        previous = candidates;
        previousCoverage = coverage;
      }
    }
  });

  it('one prompt, one model', () => {
    expect(selectCandidates([['only']])).toEqual({
      candidates: ['only'],
      coverage: 1,
      fused: [{ item: 'only', score: 1 / 61 }],
    });
  });
});

describe('rankfusion: bad input', () => {
  it('RangeError for ε < 0 or non-finite ε, TypeError for a non-number ε', () => {
    for (const epsilon of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => reciprocalRankFusion([['a']], { epsilon })).toThrow(RangeError);
      expect(() => selectCandidates([['a']], { epsilon })).toThrow(RangeError);
    }
    expect(() => reciprocalRankFusion([['a']], { epsilon: '60' as unknown as number })).toThrow(TypeError);
  });

  it('RangeError for coverage outside (0, 1], TypeError for a non-number', () => {
    for (const coverage of [0, -0.5, 1.01, Number.NaN]) {
      expect(() => selectCandidates([['a']], { coverage })).toThrow(RangeError);
    }
    expect(() => selectCandidates([['a']], { coverage: '0.8' as unknown as number })).toThrow(TypeError);
  });

  it('TypeError for non-arrays, RangeError for no lists, duplicates and (for selection) empty lists', () => {
    expect(() => reciprocalRankFusion('ab' as unknown as string[][])).toThrow(TypeError);
    expect(() => reciprocalRankFusion([['a'], 'b' as unknown as string[]])).toThrow(/rankings\[1\]/);
    expect(() => reciprocalRankFusion([])).toThrow(RangeError);
    expect(() => selectCandidates([])).toThrow(RangeError);
    expect(() => reciprocalRankFusion([['a', ['b', 'a']]])).toThrow(RangeError);
    expect(() => selectCandidates([['a'], []])).toThrow(RangeError);
    expect(() => selectCandidates([['a']], 0.8 as unknown as { coverage: number })).toThrow(TypeError);
  });
});
