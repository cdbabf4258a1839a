// Cross-validation harness: fold invariants, pooling, paired bootstrap and cost metrics on hand-computed data.
import { describe, expect, it } from 'vitest';
import {
  crossValidate,
  crossValidateFold,
  stratifiedFolds,
  type CrossValMethod,
  type CrossValOptions,
  type FoldData,
} from '../../src/eval/crossval.js';
import { summarizeCrossVal } from '../../src/eval/bootstrap.js';
import { costToReach, pgrCurve, strongOrder, zeroRouterQuality } from '../../src/eval/costs.js';
import { knnMethod, perSourceOracleMethod, randomMethod } from '../../src/eval/methods/baselines.js';
import { crossValMarkdown } from '../../src/eval/crossval-report.js';
import type { RoutingRecord } from '../../src/data/types.js';
import { D, synthetic } from './synthetic.js';

describe('stratifiedFolds', () => {
  const strata = [...Array(23).fill('a'), ...Array(10).fill('b'), ...Array(4).fill('c')] as string[];
  it('covers every item once, balances each stratum and the fold sizes', () => {
    const f = stratifiedFolds(strata, 5, 1);
    expect(f.length).toBe(strata.length);
    const sizes = new Array(5).fill(0);
    for (const x of f) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(5);
      sizes[x]++;
    }
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const s of ['a', 'b', 'c']) {
      const n = strata.filter((x) => x === s).length;
      const per = new Array(5).fill(0);
      strata.forEach((x, i) => {
        if (x === s) per[f[i]!]++;
      });
      for (const c of per) {
        expect(c).toBeGreaterThanOrEqual(Math.floor(n / 5));
        expect(c).toBeLessThanOrEqual(Math.ceil(n / 5));
      }
    }
  });
  it('is deterministic per seed and changes with the seed', () => {
    expect(Array.from(stratifiedFolds(strata, 5, 7))).toEqual(Array.from(stratifiedFolds(strata, 5, 7)));
    expect(Array.from(stratifiedFolds(strata, 5, 7))).not.toEqual(Array.from(stratifiedFolds(strata, 5, 8)));
  });
  it('rejects bad fold counts', () => {
    expect(() => stratifiedFolds(strata, 1, 0)).toThrow(RangeError);
    expect(() => stratifiedFolds(strata, 2.5, 0)).toThrow(RangeError);
    expect(() => stratifiedFolds(['a', 'b'], 3, 0)).toThrow(RangeError);
  });
});

describe('cost metrics (hand-computed)', () => {
  it('zero router: upper hull of the single models, null below the cheapest, flat above the best', () => {
    const singles = [
      { cost: 1, quality: 0.5 },
      { cost: 2, quality: 0.6 },
      { cost: 3, quality: 0.9 },
    ];
    expect(zeroRouterQuality(singles, 2)).toBeCloseTo(0.7, 12);
    expect(zeroRouterQuality(singles, 0.5)).toBeNull();
    expect(zeroRouterQuality(singles, 4)).toBeCloseTo(0.9, 12);
  });
  it('cost to reach a quality, interpolated on the hull', () => {
    const curve = [
      { cost: 3, quality: 0.9 },
      { cost: 1, quality: 0.5 },
    ];
    expect(costToReach(curve, 0.7)).toBeCloseTo(2, 12);
    expect(costToReach(curve, 0.4)).toBe(1);
    expect(costToReach(curve, 0.95)).toBeNull();
  });
  it('PGR, APGR and CPT on four prompts', () => {
    // q_weak = 0.25, q_strong = 0.75; sending rows 0, 3, 1, 2 in that order: PGR 0.5, 1, 1, 1.
    const r = pgrCurve(Float64Array.of(1, 1, 0, 1), Float64Array.of(0, 1, 0, 0), Int32Array.of(0, 3, 1, 2));
    expect(r.weakQuality).toBe(0.25);
    expect(r.strongQuality).toBe(0.75);
    expect(r.apgr).toBeCloseTo(0.0625 + 0.1875 + 0.5, 12);
    expect(r.cpt50).toBeCloseTo(0.25, 12);
    expect(r.cpt80).toBeCloseTo(0.4, 12);
    expect(r.grid[0]).toBe(0);
    expect(r.grid[10]).toBeCloseTo(1, 12);
    // Weights count a row that many times: doubling row 0 moves q_weak to 0.2, q_strong to 0.8.
    const w = pgrCurve(
      Float64Array.of(1, 1, 0, 1),
      Float64Array.of(0, 1, 0, 0),
      Int32Array.of(0, 3, 1, 2),
      Int32Array.of(2, 1, 1, 1),
    );
    expect(w.strongQuality).toBeCloseTo(0.8, 12);
    expect(w.cpt50).toBeCloseTo(0.3, 12);
  });
  it('strongOrder ranks within folds and breaks ties by a seeded shuffle, not by position', () => {
    const o = strongOrder(Float64Array.of(0.1, 0.9, 5, 3), Int32Array.of(0, 0, 1, 1), 0);
    // Fold 0: row 1 top, row 0 bottom; fold 1: row 2 top, row 3 bottom. Tops share rank 1.
    expect(new Set([o[0], o[1]])).toEqual(new Set([1, 2]));
    expect(new Set([o[2], o[3]])).toEqual(new Set([0, 3]));
    const ties = Array.from({ length: 8 }, (_, s) => strongOrder(new Float64Array(6), new Int32Array(6), s)[0]);
    expect(new Set(ties).size).toBeGreaterThan(1);
  });
});

/** A method that records what it was given and predicts the observed quality of the last model only. */
function spyMethod(seen: FoldData[]): CrossValMethod {
  return {
    name: 'spy',
    async fit(fold) {
      seen.push(fold);
      return {
        predict: (idx) =>
          Float64Array.from({ length: idx.length * fold.models.length }, (_, k) => k % fold.models.length),
      };
    },
  };
}

describe('crossValidate', () => {
  const { records, embeddings } = synthetic(200, 3);
  it('tests every prompt exactly once, on disjoint train/test indices, and pools the outcomes', async () => {
    const seen: FoldData[] = [];
    const cv = await crossValidate({
      records,
      embeddings,
      dimension: D,
      methods: [spyMethod(seen), randomMethod()],
      folds: 4,
      seed: 2,
    });
    expect(seen.length).toBe(4);
    const tested = new Int32Array(records.length);
    for (const f of seen) {
      const train = new Set(f.train);
      for (const i of f.test) {
        expect(train.has(i)).toBe(false);
        tested[i]!++;
      }
      expect(f.train.length + f.test.length).toBe(records.length);
    }
    expect(Array.from(tested).every((c) => c === 1)).toBe(true);
    // The spy always prefers the last model: its pooled choice is that model wherever it is scored.
    const spy = cv.methods.find((m) => m.name === 'spy')!;
    const M = cv.models.length;
    for (let i = 0; i < cv.table.ids.length; i++) {
      if (!Number.isNaN(cv.table.quality[i * M + M - 1]!)) expect(spy.choice[i]).toBe(M - 1);
      expect(Number.isNaN(spy.quality[i]!)).toBe(false);
    }
  });
  it('chooses the best single model on each training fold (never on test)', async () => {
    const cv = await crossValidate({ records, embeddings, dimension: D, methods: [], folds: 5, seed: 0 });
    const M = cv.models.length;
    for (let f = 0; f < 5; f++) {
      const s = new Float64Array(M);
      const n = new Float64Array(M);
      for (let i = 0; i < cv.table.ids.length; i++) {
        if (cv.foldOf[i] === f) continue;
        for (let j = 0; j < M; j++) {
          const v = cv.table.quality[i * M + j]!;
          if (!Number.isNaN(v)) {
            s[j]! += v;
            n[j]!++;
          }
        }
      }
      const means = Array.from(s, (x, j) => x / n[j]!);
      expect(cv.foldBestSingle[f]).toBe(means.indexOf(Math.max(...means)));
    }
  });
  it('records a failing method without hiding the others; same seed, same result', async () => {
    const broken: CrossValMethod = { name: 'broken', fit: async () => ({ predict: () => new Float64Array(1) }) };
    const run = () =>
      crossValidate({
        records,
        embeddings,
        dimension: D,
        methods: [broken, knnMethod({ kGrid: [3, 10] }), perSourceOracleMethod()],
        folds: 3,
        seed: 4,
      });
    const a = await run();
    expect(a.failures.map((f) => f.method)).toEqual(['broken']);
    expect(a.methods.map((m) => m.name)).toEqual(['knn', 'per-source-oracle']);
    const b = await run();
    expect(Array.from(b.methods[0]!.choice)).toEqual(Array.from(a.methods[0]!.choice));
    expect(a.methods[0]!.info.every((x) => x !== null && [3, 10].includes(x.k as number))).toBe(true);
  });
  it('folds run elsewhere and in any order give the same result (what eval --jobs relies on)', async () => {
    const methods = () => [knnMethod({ kGrid: [3, 10] }), perSourceOracleMethod(), randomMethod()];
    const base = { records, embeddings, dimension: D, folds: 4, seed: 3 };
    const a = await crossValidate({ ...base, methods: methods() });
    // A second options object with fresh methods stands in for a worker process.
    const worker: CrossValOptions = { ...base, methods: methods() };
    const b = await crossValidate({
      ...base,
      methods: methods(),
      runFolds: async (folds) => {
        const out = [];
        for (const f of [...folds].reverse()) out.push(await crossValidateFold(worker, f));
        return out.reverse();
      },
    });
    expect(b.methods.map((m) => m.name)).toEqual(a.methods.map((m) => m.name));
    b.methods.forEach((m, i) => {
      expect(Array.from(m.choice)).toEqual(Array.from(a.methods[i]!.choice));
      expect(Array.from(m.scores)).toEqual(Array.from(a.methods[i]!.scores));
      expect(m.info).toEqual(a.methods[i]!.info);
    });
    await expect(crossValidate({ ...base, methods: methods(), runFolds: async () => [] })).rejects.toThrow(TypeError);
    await expect(crossValidateFold(worker, 4)).rejects.toThrow(RangeError);
  });
  it('rejects duplicate names and mismatched embeddings', async () => {
    await expect(
      crossValidate({ records, embeddings, dimension: D, methods: [randomMethod(), randomMethod()] }),
    ).rejects.toThrow(TypeError);
    await expect(
      crossValidate({ records, embeddings: embeddings.subarray(1), dimension: D, methods: [] }),
    ).rejects.toThrow(TypeError);
  });
});

describe('summarizeCrossVal (paired bootstrap)', () => {
  // Two models; 'a' scores 1 on even prompts, 'b' on prompts divisible by 4 — a is the best single model.
  const records: RoutingRecord[] = Array.from({ length: 40 }, (_, i) => ({
    id: `p${i}`,
    prompt: `p${i}`,
    source: i < 20 ? 's1' : 's2',
    scores: { a: i % 2 === 0 ? 1 : 0, b: i % 4 === 0 || i % 2 === 1 ? (i % 3 === 0 ? 1 : 0) : 0 },
    costs: { a: 2, b: 1 },
  }));
  const embeddings = new Float32Array(40 * 2).map((_, k) => (k % 2 === 0 ? 1 : 0));
  const constant = (name: string, row: number[]): CrossValMethod => ({
    name,
    fit: async () => ({ predict: (idx) => Float64Array.from({ length: idx.length * 2 }, (_, k) => row[k % 2]!) }),
  });

  it('a method identical to the best single model differs by exactly 0, not significant; intervals are deterministic', async () => {
    const cv = await crossValidate({
      records,
      embeddings,
      dimension: 2,
      methods: [constant('same', [1, 0]), constant('other', [0, 1])],
      folds: 4,
      seed: 0,
    });
    const s = summarizeCrossVal(cv, { resamples: 300, seed: 1, reference: 'same' });
    const same = s.rows.find((r) => r.name === 'same')!;
    expect(same.vsBestSingle).toEqual({ value: 0, lo: 0, hi: 0, significant: false });
    expect(same.headroom!.value).toBe(0);
    const oracle = s.rows.find((r) => r.name === 'oracle')!;
    expect(oracle.headroom!.value).toBe(1);
    const other = s.rows.find((r) => r.name === 'other')!;
    expect(other.vsReference!.value).toBeCloseTo(other.quality.value - same.quality.value, 12);
    expect(other.vsReference!.lo).toBeLessThanOrEqual(other.vsReference!.value);
    expect(other.vsReference!.hi).toBeGreaterThanOrEqual(other.vsReference!.value);
    expect(summarizeCrossVal(cv, { resamples: 300, seed: 1, reference: 'same' }).rows).toEqual(s.rows);
    // Two-model pool: APGR and CPT present; costs present: zero-router comparison present.
    expect(s.twoModel).toEqual({ strong: 'a', weak: 'b' });
    expect(other.apgr).toBeDefined();
    expect(s.costAvailable).toBe(true);
    expect(same.cost!.value).toBe(2);
    expect(same.vsZeroRouter!.value).toBeCloseTo(0, 12);
    const md = crossValMarkdown(s, { title: 'tiny' });
    expect(md).toContain('| same |');
    expect(md).toContain('APGR');
  });
  it('APGR ranks prompts by `expected` when a method gives it (per-prompt scores alone may tie)', async () => {
    // Scores are 0/1 per prompt (like a min-max normalized score on two models); expected carries the ranking.
    const tied = (withExpected: boolean): CrossValMethod => ({
      name: 'tied',
      fit: async (fold) => ({
        predict: (idx) => Float64Array.from({ length: idx.length * 2 }, (_, k) => (k % 2 === 0 ? 1 : 0)),
        ...(withExpected
          ? {
              expected: (idx: Int32Array) => {
                const out = new Float64Array(idx.length * 2);
                idx.forEach((i, k) => {
                  const r = fold.records[i]!.scores;
                  out[k * 2] = r.a! - r.b! + 1;
                });
                return out;
              },
            }
          : {}),
      }),
    });
    const apgr = async (withExpected: boolean): Promise<number> => {
      const cv = await crossValidate({
        records,
        embeddings,
        dimension: 2,
        methods: [tied(withExpected)],
        folds: 4,
        seed: 0,
      });
      return summarizeCrossVal(cv, { resamples: 50, seed: 0 }).rows.find((r) => r.name === 'tied')!.apgr!.value;
    };
    // Without expected every prompt ties: a shuffled order, near the random router. With it, the prompts that
    // gain from the strong model come first.
    expect(await apgr(true)).toBeGreaterThan((await apgr(false)) + 0.1);
  });
  it('a method better on every prompt where it differs is significant', async () => {
    const oracleLike: CrossValMethod = {
      name: 'peek',
      fit: async (fold) => ({
        predict: (idx) => {
          const out = new Float64Array(idx.length * 2);
          idx.forEach((i, k) => {
            out[k * 2] = fold.records[i]!.scores.a!;
            out[k * 2 + 1] = fold.records[i]!.scores.b! - 0.5;
          });
          return out;
        },
      }),
    };
    const cv = await crossValidate({ records, embeddings, dimension: 2, methods: [oracleLike], folds: 4, seed: 0 });
    const s = summarizeCrossVal(cv, { resamples: 500, seed: 2 });
    const peek = s.rows.find((r) => r.name === 'peek')!;
    expect(peek.vsBestSingle!.value).toBeGreaterThan(0);
    expect(peek.vsBestSingle!.significant).toBe(true);
    expect(() => summarizeCrossVal(cv, { resamples: 0 })).toThrow(RangeError);
  });
});
