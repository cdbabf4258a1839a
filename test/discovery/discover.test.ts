import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import type { RoutingRecord } from '../../src/data/types.js';
import { discoverTasks } from '../../src/discovery/discover.js';
import { median } from '../../src/numeric/stats.js';
import { DISCOVERY_DEFAULTS } from '../../src/discovery/types.js';
import type { Describer, DiscoveryResult } from '../../src/discovery/types.js';
import { clusteredRecords, clusteredVectors } from './helpers.js';

const MODELS = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];

function checkInvariants(result: DiscoveryResult, n: number): void {
  // Every record in exactly one task or Others, consistent with `assignment`.
  const seen = new Int32Array(n);
  result.tasks.forEach((task, id) => {
    expect(task.id).toBe(id);
    expect(task.size).toBe(task.members.length);
    expect(task.size).toBeGreaterThanOrEqual(result.options.minTaskSize);
    if (id > 0) expect(task.size).toBeLessThanOrEqual(result.tasks[id - 1]!.size);
    for (const p of task.members) {
      seen[p]!++;
      expect(result.assignment[p]).toBe(id);
    }
    // Candidates reach coverage δ and are a prefix of the fused order.
    expect(task.coverage).toBeGreaterThanOrEqual(result.options.coverage);
    expect(task.candidates.length).toBeGreaterThan(0);
    expect(task.fused.slice(0, task.candidates.length).map((f) => f.item)).toEqual(task.candidates);
    expect(Object.keys(task.stage1).sort()).toEqual(result.models);
    expect(task.members).toContain(task.medoid);
    let norm = 0;
    for (const v of task.center) norm += v * v;
    expect(norm).toBeCloseTo(1, 5);
  });
  for (const p of result.others.members) {
    seen[p]!++;
    expect(result.assignment[p]).toBe(-1);
  }
  expect(Array.from(seen).every((c) => c === 1)).toBe(true);
  expect(result.others.size).toBe(result.others.members.length);
}

describe('discoverTasks on hand-made data', () => {
  // Three well separated groups of 10 prompts in 4 dimensions; group g prefers model g.
  const records: RoutingRecord[] = [];
  const rows: number[] = [];
  for (let g = 0; g < 3; g++) {
    for (let i = 0; i < 10; i++) {
      const v = [0.05 * Math.sin(i + g), 0.05 * Math.cos(3 * i), 0.05 * Math.sin(2 * i), 0.05 * Math.cos(i * g)];
      v[g] = 1;
      const norm = Math.hypot(...v);
      rows.push(...v.map((x) => x / norm));
      const scores: Record<string, number> = { a: 0, b: 0, c: 0 };
      scores[['a', 'b', 'c'][g]!] = 1;
      if (i === 0) scores[['a', 'b', 'c'][(g + 1) % 3]!] = 1; // one prompt per group with a second best model
      records.push({ id: `${g}-${i}`, prompt: `group ${g} prompt ${i}`, scores, source: `s${g}` });
    }
  }
  const embeddings = new Float32Array(rows);

  it('recovers the three groups with one Leiden pass, with their preferred model as candidate', async () => {
    const result = await discoverTasks(records, embeddings, { iterations: 1, objective: 'modularity', resolution: 1 });
    checkInvariants(result, 30);
    expect(result.tasks).toHaveLength(3);
    const byGroup = result.tasks.map((t) => [...new Set(t.members.map((p) => Math.floor(p / 10)))]);
    expect(byGroup.map((g) => g.length)).toEqual([1, 1, 1]);
    for (const task of result.tasks) {
      const g = Math.floor(task.members[0]! / 10);
      expect(task.candidates).toEqual([['a', 'b', 'c'][g]]);
      expect(task.coverage).toBe(1);
      expect(task.stage1).toEqual({ a: g === 0 ? 1 : 0, b: g === 1 ? 1 : 0, c: g === 2 ? 1 : 0 });
      expect(task.sources).toEqual([{ source: `s${g}`, count: 10 }]);
      expect(task.description).toBe(records[task.medoid]!.prompt);
    }
    expect(result.others.size).toBe(0);
    expect(result.stats.levels).toHaveLength(1);
    expect(result.stats.levels[0]!.nodes).toBe(30);
  });

  it('drops edges below τ: with τ = 1 only identical rankings connect', async () => {
    const result = await discoverTasks(records, embeddings, { iterations: 1, rboThreshold: 1, minTaskSize: 2 });
    checkInvariants(result, 30);
    // The three prompts with a second best model rank differently from their group: no kept edge, Others.
    expect(result.others.members).toEqual([0, 10, 20]);
    expect(result.tasks.map((t) => t.size)).toEqual([9, 9, 9]);
  });

  it('puts communities below minTaskSize into Others with their medians', async () => {
    const result = await discoverTasks(records, embeddings, { iterations: 1, minTaskSize: 11 });
    checkInvariants(result, 30);
    expect(result.tasks).toHaveLength(0);
    expect(result.others.size).toBe(30);
    expect(result.others.stage1).toEqual({ a: 0, b: 0, c: 0 });
    expect(result.others.fused.length).toBe(3);
  });

  it('records the resolved options (paper defaults) and progress stages', async () => {
    const stages = new Set<string>();
    const result = await discoverTasks(records, embeddings, { onProgress: (stage) => stages.add(stage) });
    checkInvariants(result, 30);
    const { describer, ...rest } = result.options;
    expect(describer).toBeNull();
    expect(rest).toEqual({ ...DISCOVERY_DEFAULTS });
    expect(DISCOVERY_DEFAULTS).toMatchObject({ k: 5, rboThreshold: 0.4, iterations: 3, coverage: 0.8, epsilon: 60 });
    for (const stage of ['rankings', 'knn', 'rbo', 'leiden', 'tasks']) expect(stages.has(stage)).toBe(true);
  });

  it('uses the describer summary as the task description', async () => {
    const calls: string[][][] = [];
    const describer: Describer = {
      id: 'fake',
      describe: (texts) => Promise.resolve(texts.map((t) => `D(${t})`)),
      summarize: (groups) => {
        calls.push(groups.map((g) => [...g]));
        return Promise.resolve(groups.map((g) => `task of ${g.length}`));
      },
    };
    const result = await discoverTasks(records, embeddings, { iterations: 1, describer, describeSamples: 4 });
    expect(result.tasks.map((t) => t.description)).toEqual(['task of 4', 'task of 4', 'task of 4']);
    expect(calls[0]![0]![0]).toBe(records[result.tasks[0]!.medoid]!.prompt);
    expect(result.options.describer).toBe('fake');
  });

  it('does not mutate its inputs and normalizes a copy of non-unit rows', async () => {
    const scaled = embeddings.map((v) => v * 3);
    const copy = scaled.slice();
    const before = JSON.stringify(records);
    const a = await discoverTasks(records, scaled, { iterations: 1 });
    const b = await discoverTasks(records, embeddings, { iterations: 1 });
    expect(Array.from(scaled)).toEqual(Array.from(copy));
    expect(JSON.stringify(records)).toBe(before);
    expect(Array.from(a.assignment)).toEqual(Array.from(b.assignment));
  });
});

describe('discoverTasks on synthetic clustered data', () => {
  const { x, label } = clusteredVectors(600, 24, 12, 0.35, 5);
  const records = clusteredRecords(label, MODELS, 9);

  it('keeps the invariants over 3 levels and is deterministic by seed', async () => {
    const a = await discoverTasks(records, x, { seed: 3 });
    const b = await discoverTasks(records, x, { seed: 3 });
    checkInvariants(a, 600);
    expect(Array.from(b.assignment)).toEqual(Array.from(a.assignment));
    expect(b.tasks).toEqual(a.tasks);
    expect(a.stats.levels.length).toBeGreaterThan(1);
    const three = await discoverTasks(records, x, { seed: 3, minLevelNodes: 2 });
    expect(three.stats.levels).toHaveLength(3);
    checkInvariants(three, 600);
    // Levels shrink the node count.
    for (let l = 1; l < a.stats.levels.length; l++)
      expect(a.stats.levels[l]!.nodes).toBe(a.stats.levels[l - 1]!.communities);
    // Tasks refine or merge clusters but never split a cluster's prompts across many tasks.
    for (const task of a.tasks) expect(task.members.length).toBeGreaterThan(0);
  });

  /** Share of prompts in tasks that belong to their task's majority cluster. */
  const purity = (result: DiscoveryResult): number => {
    let agree = 0;
    let inTasks = 0;
    for (const task of result.tasks) {
      const counts = new Map<number, number>();
      for (const p of task.members) counts.set(label[p]!, (counts.get(label[p]!) ?? 0) + 1);
      agree += Math.max(...counts.values());
      inTasks += task.size;
    }
    return agree / inTasks;
  };

  it('with the defaults (CPM, 3 levels) the levels merge CPM fragments back into whole clusters', async () => {
    const result = await discoverTasks(records, x);
    checkInvariants(result, 600);
    const levels = result.stats.levels;
    // 600 → ~150 → ~40: the third level is skipped (fewer than minLevelNodes = 50 summaries).
    expect(levels).toHaveLength(2);
    expect(levels[0]!.communities).toBeGreaterThan(levels[1]!.communities);
    expect(purity(result)).toBeGreaterThan(0.95);
    // Completeness: each planted cluster lands mostly in one task; small leftovers go to Others.
    for (let c = 0; c < 12; c++) {
      const tasksOfCluster = new Map<number, number>();
      for (let p = 0; p < 600; p++)
        if (label[p] === c)
          tasksOfCluster.set(result.assignment[p]!, (tasksOfCluster.get(result.assignment[p]!) ?? 0) + 1);
      expect(Math.max(...tasksOfCluster.values())).toBeGreaterThanOrEqual(40);
    }
    expect(result.tasks.length).toBeGreaterThanOrEqual(12);
  });

  it('finds the 12 clusters with one level and exact kNN, and the same with NN-descent', async () => {
    const modularity = { objective: 'modularity', resolution: 1 } as const;
    const exact = await discoverTasks(records, x, { iterations: 1, knn: 'exact', ...modularity });
    checkInvariants(exact, 600);
    expect(exact.tasks).toHaveLength(12);
    expect(purity(exact)).toBeGreaterThan(0.95);
    const approximate = await discoverTasks(records, x, { iterations: 1, knn: 'approximate', ...modularity });
    checkInvariants(approximate, 600);
    expect(purity(approximate)).toBeGreaterThan(0.95);
    expect(approximate.stats.levels[0]!.knn).toBe('approximate');
  });

  it('handles models missing from some records (no result ≠ zero)', async () => {
    const partial = records.map((r, i) => {
      if (i % 3 !== 0) return r;
      const { m5: _drop, ...rest } = r.scores;
      return { ...r, scores: rest };
    });
    const result = await discoverTasks(partial, x, { iterations: 1 });
    checkInvariants(result, 600);
    expect(result.models).toEqual(MODELS);
    for (const task of result.tasks) expect(Number.isFinite(task.stage1.m5)).toBe(true);
  });
});

describe('discoverTasks edge cases and errors', () => {
  it('handles one record and one model', async () => {
    const result = await discoverTasks([{ id: '1', prompt: 'p', scores: { a: 0.5 } }], new Float32Array([1, 0]), {
      minTaskSize: 1,
    });
    expect(result.tasks).toHaveLength(1);
    expect(result.tasks[0]!.candidates).toEqual(['a']);
    expect(result.tasks[0]!.stage1).toEqual({ a: 0.5 });
    const alone = await discoverTasks([{ id: '1', prompt: 'p', scores: { a: 0.5 } }], new Float32Array([1, 0]));
    expect(alone.others.members).toEqual([0]);
  });

  it('rejects bad inputs with TypeError / RangeError and aborts with ABORTED', async () => {
    const records = [
      { id: '1', prompt: 'p', scores: { a: 1 } },
      { id: '2', prompt: 'q', scores: { a: 0 } },
    ];
    const e = new Float32Array([1, 0, 0, 1]);
    await expect(discoverTasks([], e)).rejects.toThrow(RangeError);
    await expect(discoverTasks(records, new Float32Array(3))).rejects.toThrow(RangeError);
    await expect(discoverTasks(records, [1, 0, 0, 1] as unknown as Float32Array)).rejects.toThrow(TypeError);
    await expect(discoverTasks(records, new Float32Array([1, 0, 0, 0]))).rejects.toThrow(RangeError);
    await expect(discoverTasks(records, new Float32Array([1, 0, NaN, 1]))).rejects.toThrow(RangeError);
    await expect(discoverTasks(records, e, { k: 0 })).rejects.toThrow(RangeError);
    await expect(discoverTasks(records, e, { coverage: 0 })).rejects.toThrow(RangeError);
    await expect(discoverTasks(records, e, { rboThreshold: 1.5 })).rejects.toThrow(RangeError);
    await expect(discoverTasks(records, e, { descriptions: ['x'] })).rejects.toThrow(RangeError);
    await expect(discoverTasks([{ id: '1', prompt: 'p', scores: { a: 2 } }, records[1]!], e)).rejects.toThrow(
      RangeError,
    );
    const controller = new AbortController();
    controller.abort();
    const error = await discoverTasks(records, e, { signal: controller.signal }).catch((err: unknown) => err);
    expect((error as FineRouterError).code).toBe('ABORTED');
  });

  it('median uses the mean of the middle pair for even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([1, 1, 0, 0])).toBe(0.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
