// planBatches: exact small plans, optimality against brute force over every contiguous cut, caps, bad input.
import { describe, expect, it } from 'vitest';
import { BATCH_PLAN_DEFAULTS, balancedBatchRows, planBatches } from '../../src/encoder/batch-plan.js';
import type { BatchPlan } from '../../src/encoder/batch-plan.js';
import { mulberry32 } from '../../src/random.js';

const batches = (plan: BatchPlan): number[][] =>
  Array.from({ length: plan.starts.length - 1 }, (_, k) => [
    ...plan.order.subarray(plan.starts[k]!, plan.starts[k + 1]!),
  ]);

const cost = (plan: BatchPlan, lengths: readonly number[], overhead: number): number =>
  batches(plan).reduce((sum, b) => sum + overhead + b.length * Math.max(...b.map((i) => lengths[i]!)), 0);

/** Minimal cost over every cut of the sorted order into batches within the caps (exponential; n ≤ 10). */
function bruteForce(sorted: readonly number[], maxRows: number, maxTokens: number, overhead: number): number {
  const n = sorted.length;
  let best = Infinity;
  for (let mask = 0; mask < 1 << Math.max(0, n - 1); mask++) {
    let total = 0;
    let start = 0;
    let ok = true;
    for (let i = 1; i <= n; i++) {
      if (i === n || (mask >> (i - 1)) & 1) {
        const rows = i - start;
        const longest = sorted[start]!;
        if (rows > maxRows || (rows > 1 && rows * longest > maxTokens)) ok = false;
        total += overhead + rows * longest;
        start = i;
      }
    }
    if (ok) best = Math.min(best, total);
  }
  return best;
}

describe('planBatches', () => {
  it('groups equal lengths longest first, ties by index, without padding', () => {
    const plan = planBatches([5, 9, 5, 9], { maxRows: 2 });
    expect([...plan.order]).toEqual([1, 3, 0, 2]);
    expect([...plan.starts]).toEqual([0, 2, 4]);
    expect(plan.tokens).toBe(28);
    expect(plan.paddedTokens).toBe(28);
  });

  it('pads a short text into a batch when that is cheaper than another run, and not when it is not', () => {
    // One batch: 16 + 2·10 = 36 < two runs 16 + 10 + 16 + 8 = 50.
    expect(batches(planBatches([10, 8], { runOverheadTokens: 16 }))).toEqual([[0, 1]]);
    // Separate: 16 + 100 + 16 + 2 = 134 < one batch 16 + 2·100 = 216.
    expect(batches(planBatches([100, 2], { runOverheadTokens: 16 }))).toEqual([[0], [1]]);
    // With no per-run cost every length runs on its own (zero padding).
    expect(planBatches([10, 9, 8, 7], { runOverheadTokens: 0 }).paddedTokens).toBe(34);
  });

  it('finds the minimal cost of all contiguous cuts (brute force, random lengths and caps)', () => {
    const rand = mulberry32(5);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rand() * 9);
      const lengths = Array.from({ length: n }, () => 1 + Math.floor(rand() * 40));
      const maxRows = 1 + Math.floor(rand() * 5);
      const maxTokens = 1 + Math.floor(rand() * 120);
      const overhead = Math.floor(rand() * 30);
      const plan = planBatches(lengths, { maxRows, maxTokens, runOverheadTokens: overhead });
      const sorted = [...lengths].sort((a, b) => b - a);
      expect(cost(plan, lengths, overhead)).toBe(bruteForce(sorted, maxRows, maxTokens, overhead));
      // Every text exactly once, batches within the caps, totals consistent.
      expect([...plan.order].sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
      for (const b of batches(plan)) {
        const longest = Math.max(...b.map((i) => lengths[i]!));
        expect(b.length).toBeLessThanOrEqual(maxRows);
        if (b.length > 1) expect(b.length * longest).toBeLessThanOrEqual(maxTokens);
      }
      expect(plan.tokens).toBe(lengths.reduce((a, b) => a + b, 0));
      expect(plan.paddedTokens).toBe(cost(plan, lengths, 0));
    }
  });

  it('runs a text longer than the token budget alone, and has no padding when every length is common', () => {
    expect(batches(planBatches([300, 300, 5], { maxTokens: 256 }))).toEqual([[0], [1], [2]]);
    const lengths = Array.from({ length: 64 * 20 }, (_, i) => 3 + (i % 20) * 7);
    const plan = planBatches(lengths, { maxRows: 32, maxTokens: 32 * 136 });
    expect(plan.paddedTokens).toBe(plan.tokens);
    expect(plan.starts.length - 1).toBe(40);
  });

  it('handles no texts and one text', () => {
    expect([...planBatches([]).starts]).toEqual([0]);
    const one = planBatches([7]);
    expect([...one.order]).toEqual([0]);
    expect([...one.starts]).toEqual([0, 1]);
  });

  it('rejects lengths and options out of range with a RangeError', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => planBatches([3, bad])).toThrow(RangeError);
    expect(() => planBatches([3], { maxRows: 0 })).toThrow(RangeError);
    expect(() => planBatches([3], { maxTokens: 2.5 })).toThrow(RangeError);
    expect(() => planBatches([3], { runOverheadTokens: -1 })).toThrow(RangeError);
    expect(BATCH_PLAN_DEFAULTS.maxRows).toBeGreaterThan(0);
  });
});

describe('balancedBatchRows', () => {
  const batchesOf = (lengths: number[], maxRows: number, maxTokens: number): number[] => {
    const { starts } = planBatches(lengths, { maxRows, maxTokens });
    return Array.from({ length: starts.length - 1 }, (_, k) => starts[k + 1]! - starts[k]!);
  };

  it('splits 32 short prompts into four batches of 8 for two workers instead of 14 + 14 + 4', () => {
    const lengths = new Array<number>(32).fill(36);
    expect(batchesOf(lengths, 16, 512)).toEqual([14, 14, 4]);
    const rows = balancedBatchRows(lengths, { maxRows: 32, maxTokens: 512, workers: 2 });
    expect(rows).toBe(8);
    expect(batchesOf(lengths, rows, 512)).toEqual([8, 8, 8, 8]);
  });

  it('keeps ceil(n / workers) rows when the plan is already balanced, and maxRows when smaller', () => {
    expect(balancedBatchRows(new Array<number>(32).fill(10), { maxRows: 32, maxTokens: 512, workers: 2 })).toBe(16);
    expect(balancedBatchRows(new Array<number>(32).fill(10), { maxRows: 4, maxTokens: 512, workers: 2 })).toBe(4);
    expect(balancedBatchRows(new Array<number>(5).fill(300), { maxRows: 32, maxTokens: 512, workers: 1 })).toBe(5);
    expect(balancedBatchRows([7, 9], { maxRows: 32, maxTokens: 512, workers: 3 })).toBe(1);
  });

  it('never raises the rows, and a lowered value always gives a multiple of the workers (random lengths)', () => {
    const rand = mulberry32(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rand() * 80);
      const lengths = Array.from({ length: n }, () => 1 + Math.floor(rand() * 300));
      const workers = 1 + Math.floor(rand() * 4);
      const maxRows = 1 + Math.floor(rand() * 40);
      const maxTokens = 64 + Math.floor(rand() * 2000);
      const start = Math.min(maxRows, Math.ceil(n / workers));
      const rows = balancedBatchRows(lengths, { maxRows, maxTokens, workers });
      expect(rows).toBeGreaterThanOrEqual(1);
      expect(rows).toBeLessThanOrEqual(start);
      if (rows < start) expect(batchesOf(lengths, rows, maxTokens).length % workers).toBe(0);
    }
  });

  it('rejects bad workers, rows and lengths with a RangeError', () => {
    for (const workers of [0, 1.5, -1, Number.NaN])
      expect(() => balancedBatchRows([5], { maxRows: 4, maxTokens: 512, workers })).toThrow(
        /balancedBatchRows: expected workers/,
      );
    expect(() => balancedBatchRows([5, 5, 5], { maxRows: 0, maxTokens: 512, workers: 2 })).toThrow(RangeError);
    expect(() => balancedBatchRows([5, 0, 5], { maxRows: 4, maxTokens: 512, workers: 2 })).toThrow(RangeError);
  });
});
