import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { buildGraph, leiden, LEIDEN_DEFAULTS, modularity } from '../../src/leiden/index.js';
import type { CsrGraph, LeidenIterationInfo } from '../../src/leiden/index.js';
import { mulberry32 } from '../../src/random.js';
import { disconnectedCommunities, loadBenchGraph, samePartition } from './helpers.js';
import { describeWithShared } from '../shared-data.js';

function checkInvariants(graph: CsrGraph, r: ReturnType<typeof leiden>): void {
  expect(r.membership.length).toBe(graph.nodeCount);
  const sizes = new Int32Array(r.communityCount);
  let outOfRange = 0;
  for (const c of r.membership) {
    if (c < 0 || c >= r.communityCount) outOfRange++;
    else sizes[c]!++;
  }
  expect(outOfRange).toBe(0);
  expect(sizes.every((size) => size > 0)).toBe(true);
  expect(sizes.every((size, c) => c === 0 || size <= sizes[c - 1]!)).toBe(true); // largest first
  expect(disconnectedCommunities(graph, r.membership)).toBe(0);
  expect(r.modularity).toBeCloseTo(modularity(graph, r.membership), 12);
  expect(Number.isFinite(r.quality)).toBe(true);
}

describe('leiden: defaults and degenerate graphs', () => {
  it('has frozen defaults with the paper values', () => {
    expect(Object.isFrozen(LEIDEN_DEFAULTS)).toBe(true);
    expect(LEIDEN_DEFAULTS).toEqual({
      objective: 'modularity',
      resolution: 1,
      randomness: 0.01,
      seed: 0,
      maxIterations: Infinity,
      tolerance: 0,
    });
  });

  it('returns an empty partition for the empty graph and singletons without edges', () => {
    const empty = leiden(buildGraph({ nodeCount: 0, source: [], target: [] }));
    expect(empty).toEqual({
      membership: new Int32Array(0),
      communityCount: 0,
      quality: 0,
      modularity: 0,
      iterations: 0,
    });
    const none = leiden(buildGraph({ nodeCount: 4, source: [], target: [] }), { initialMembership: [0, 0, 1, 1] });
    expect(Array.from(none.membership)).toEqual([0, 1, 2, 3]);
    expect(none.communityCount).toBe(4);
    const zero = leiden(buildGraph({ nodeCount: 3, source: [0, 1], target: [1, 2], weight: [0, 0] }));
    expect(zero.communityCount).toBe(3);
    const onlyLoops = leiden(buildGraph({ nodeCount: 3, source: [0, 1], target: [0, 1] }));
    expect(onlyLoops.communityCount).toBe(3);
  });

  it('separates components, keeps isolated nodes alone, handles a single edge', () => {
    // two triangles without a bridge, plus isolated node 6
    const g = buildGraph({ nodeCount: 7, source: [0, 1, 0, 3, 4, 3], target: [1, 2, 2, 4, 5, 5] });
    const r = leiden(g, { seed: 3 });
    checkInvariants(g, r);
    expect(samePartition(r.membership, [0, 0, 0, 1, 1, 1, 2])).toBe(true);
    expect(r.modularity).toBeCloseTo(0.5, 14);
    const one = leiden(buildGraph({ nodeCount: 2, source: [0], target: [1] }));
    expect(Array.from(one.membership)).toEqual([0, 0]);
  });
});

describe('leiden: options and errors', () => {
  const g = buildGraph({ nodeCount: 6, source: [0, 0, 1, 3, 3, 4, 2], target: [1, 2, 2, 4, 5, 5, 3] });

  it('rejects bad options with RangeError / TypeError', () => {
    expect(() => leiden(g, { resolution: -1 })).toThrow(RangeError);
    expect(() => leiden(g, { resolution: Number.NaN })).toThrow(RangeError);
    expect(() => leiden(g, { randomness: -0.1 })).toThrow(RangeError);
    expect(() => leiden(g, { seed: 1.5 })).toThrow(RangeError);
    expect(() => leiden(g, { maxIterations: 0 })).toThrow(RangeError);
    expect(() => leiden(g, { maxIterations: 2.5 })).toThrow(RangeError);
    expect(() => leiden(g, { tolerance: -1e-6 })).toThrow(RangeError);
    expect(() => leiden(g, { tolerance: Number.NaN })).toThrow(RangeError);
    expect(() => leiden(g, { objective: 'louvain' as 'cpm' })).toThrow(RangeError);
    expect(() => leiden(g, { objective: 3 as unknown as 'cpm' })).toThrow(TypeError);
    expect(() => leiden(g, { initialMembership: [0, 0, 0] })).toThrow(RangeError);
    expect(() => leiden(g, { initialMembership: [0, 0, 0, 1, 1, Number.NaN] })).toThrow(RangeError);
    expect(() => leiden(g, { onIteration: 5 as never })).toThrow(TypeError);
    expect(() => leiden({ nodeCount: 2 } as never)).toThrow(TypeError);
    expect(() => leiden(g, { resolution: -1 })).toThrow(/leiden: .*resolution.*-1/);
  });

  it('does not mutate the graph or the initial membership', () => {
    const initial = [0, 0, 0, 0, 1, 1];
    const before = [Array.from(g.targets), Array.from(g.weights), Array.from(g.strength)];
    leiden(g, { initialMembership: initial });
    expect(initial).toEqual([0, 0, 0, 0, 1, 1]);
    expect([Array.from(g.targets), Array.from(g.weights), Array.from(g.strength)]).toEqual(before);
  });

  it('calls onIteration once per iteration, honours maxIterations and an aborted signal', () => {
    const seen: LeidenIterationInfo[] = [];
    const r = leiden(g, { onIteration: (info) => seen.push(info) });
    expect(seen.map((s) => s.iteration)).toEqual(Array.from({ length: r.iterations }, (_, i) => i + 1));
    expect(seen.at(-1)!.quality).toBeCloseTo(r.quality, 12);
    expect(leiden(g, { maxIterations: 1 }).iterations).toBe(1);
    const controller = new AbortController();
    controller.abort();
    try {
      leiden(g, { signal: controller.signal });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FineRouterError);
      expect((error as FineRouterError).code).toBe('ABORTED');
    }
  });

  it('tolerance stops at the first iteration that gains less; the run is a prefix of the run to stability', () => {
    // Seeded noisy kNN-like graph: 3000 nodes in 30 groups, 6 edges per node, 50% across groups (5 iterations to stable).
    const rand = mulberry32(9);
    const n = 3000;
    const source: number[] = [];
    const target: number[] = [];
    const weight: number[] = [];
    for (let v = 0; v < n; v++) {
      for (let j = 0; j < 6; j++) {
        const u = rand() < 0.5 ? (Math.floor(v / 100) * 100 + Math.floor(rand() * 100)) % n : Math.floor(rand() * n);
        if (u === v) continue;
        source.push(v);
        target.push(u);
        weight.push(0.3 + 0.7 * rand());
      }
    }
    const graph = buildGraph({ nodeCount: n, source, target, weight });
    const full: LeidenIterationInfo[] = [];
    const stable = leiden(graph, { seed: 3, onIteration: (i) => full.push(i) });
    expect(stable.iterations).toBeGreaterThanOrEqual(3);
    const tolerance = 1e-3;
    const early: LeidenIterationInfo[] = [];
    const r = leiden(graph, { seed: 3, tolerance, onIteration: (i) => early.push(i) });
    checkInvariants(graph, r);
    expect(r.iterations).toBeLessThan(stable.iterations);
    // Same seed, same random stream: the early run's iterations are the first iterations of the full run.
    early.forEach((info, k) => expect(info.quality).toBe(full[k]!.quality));
    for (let k = 1; k < early.length - 1; k++)
      expect(early[k]!.quality - early[k - 1]!.quality).toBeGreaterThanOrEqual(tolerance);
    const last = early.length - 1;
    if (last > 0 && early[last]!.changed)
      expect(early[last]!.quality - early[last - 1]!.quality).toBeLessThan(tolerance);
    expect(leiden(graph, { seed: 3, tolerance: 0 }).quality).toBe(stable.quality);
  });

  it('a tiny randomness gives exactly the greedy partition: negligible weights are dropped and no draw is made', () => {
    // Distinct real weights, so ties between candidates have probability 0; with θ = 1e-9 every weight but
    // the best candidate's is below e^-40, so the refinement picks the best without consuming a random number
    // and the random stream (hence every later shuffle) is the one of θ = 0.
    const rand = mulberry32(21);
    const n = 2000;
    const source: number[] = [];
    const target: number[] = [];
    const weight: number[] = [];
    for (let v = 0; v < n; v++) {
      for (let j = 0; j < 5; j++) {
        const u = rand() < 0.7 ? Math.floor(v / 50) * 50 + Math.floor(rand() * 50) : Math.floor(rand() * n);
        if (u === v) continue;
        source.push(v);
        target.push(u);
        weight.push(0.2 + 0.8 * rand());
      }
    }
    const graph = buildGraph({ nodeCount: n, source, target, weight });
    for (const seed of [0, 1]) {
      const greedy = leiden(graph, { seed, randomness: 0 });
      const tiny = leiden(graph, { seed, randomness: 1e-9 });
      checkInvariants(graph, tiny);
      expect(Array.from(tiny.membership)).toEqual(Array.from(greedy.membership));
      expect(tiny.quality).toBe(greedy.quality);
    }
  });

  it('relabels graphs with more than 16384 nodes by community after the first iteration: invariants, determinism, prefix', () => {
    // 20000 nodes in 100 planted groups of 200; 8 edges per node, 85% inside the group; ids scattered.
    const rand = mulberry32(5);
    const n = 20000;
    const scatter = (i: number): number => (i * 7919) % n; // a bijection (7919 is prime, n = 2^5·5^4)
    const truth = new Int32Array(n);
    const source: number[] = [];
    const target: number[] = [];
    const weight: number[] = [];
    for (let i = 0; i < n; i++) {
      truth[scatter(i)] = Math.floor(i / 200);
      for (let j = 0; j < 8; j++) {
        const inside = rand() < 0.85;
        const u = inside ? Math.floor(i / 200) * 200 + Math.floor(rand() * 200) : Math.floor(rand() * n);
        if (u === i) continue;
        source.push(scatter(i));
        target.push(scatter(u));
        weight.push(inside ? 0.6 + 0.4 * rand() : 0.2 + 0.3 * rand());
      }
    }
    const graph = buildGraph({ nodeCount: n, source, target, weight });
    const seen: LeidenIterationInfo[] = [];
    const r = leiden(graph, { seed: 11, onIteration: (i) => seen.push(i) });
    checkInvariants(graph, r);
    expect(r.iterations).toBeGreaterThanOrEqual(2); // the relabelled graph is used from iteration 2 on
    expect(r.communityCount).toBe(100);
    expect(samePartition(r.membership, truth)).toBe(true);
    expect(r.modularity).toBeGreaterThanOrEqual(modularity(graph, truth) - 1e-12);
    const again = leiden(graph, { seed: 11 });
    expect(Array.from(again.membership)).toEqual(Array.from(r.membership));
    expect(again.quality).toBe(r.quality);
    // A run stopped early is the prefix of the full one (the relabelling does not touch the random stream).
    const two: LeidenIterationInfo[] = [];
    leiden(graph, { seed: 11, maxIterations: 2, onIteration: (i) => two.push(i) });
    expect(two.map((i) => i.quality)).toEqual(seen.slice(0, 2).map((i) => i.quality));
    // Started from the planted partition, it stays there or improves.
    const fromTruth = leiden(graph, { seed: 11, initialMembership: truth });
    checkInvariants(graph, fromTruth);
    expect(fromTruth.modularity).toBeGreaterThanOrEqual(modularity(graph, truth) - 1e-12);
  });

  it('runs greedy refinement with randomness 0 and uses node weights in CPM', () => {
    const greedy = leiden(g, { randomness: 0, seed: 4 });
    checkInvariants(g, greedy);
    expect(samePartition(greedy.membership, [0, 0, 0, 1, 1, 1])).toBe(true);
    // Node 5 weighs 10: with γ = 0.3 its triangle would pay 0.3·(12² − …); CPM leaves it alone.
    const weighted = buildGraph({
      nodeCount: 6,
      source: [0, 0, 1, 3, 3, 4, 2],
      target: [1, 2, 2, 4, 5, 5, 3],
      nodeWeight: [1, 1, 1, 1, 1, 10],
    });
    const r = leiden(weighted, { objective: 'cpm', resolution: 0.3, seed: 0 });
    checkInvariants(weighted, r);
    expect(samePartition(r.membership, [0, 0, 0, 1, 1, 2])).toBe(true);
    // (2·(3 + 1) − 0.3·(3² + 2² + 10²)) / (2·7)
    expect(r.quality).toBeCloseTo((8 - 0.3 * 113) / 14, 12);
  });

  it('splits a disconnected initial community and keeps every community connected', () => {
    const r = leiden(g, { initialMembership: [0, 1, 0, 1, 0, 1], maxIterations: 1 });
    checkInvariants(g, r);
  });
});

describe('leiden on the small bench graphs (test/fixtures/leiden, from shared/bench-graphs)', () => {
  it('karate reaches the maximum modularity 0.419790 with 4 communities', () => {
    const { graph } = loadBenchGraph('karate');
    const runs = [0, 1, 2, 3, 4].map((seed) => leiden(graph, { seed }));
    for (const r of runs) checkInvariants(graph, r);
    const best = runs.reduce((a, b) => (b.modularity > a.modularity ? b : a));
    expect(best.modularity).toBeCloseTo(0.41979, 5);
    expect(best.communityCount).toBe(4);
    expect(best.quality).toBeCloseTo(best.modularity, 14); // γ = 1: the objective is modularity
  });

  it('CPM on the ring of 30 five-cliques recovers the cliques (modularity merges pairs)', () => {
    const { graph, truth } = loadBenchGraph('ring_of_cliques_30x5');
    for (const seed of [0, 1, 2]) {
      const r = leiden(graph, { objective: 'cpm', resolution: 0.5, seed });
      checkInvariants(graph, r);
      expect(r.communityCount).toBe(30);
      expect(samePartition(r.membership, truth)).toBe(true);
      expect(r.modularity).toBeCloseTo(0.875758, 6);
      // CPM: (2·(30·10) − 0.5·30·25) / (2·330)
      expect(r.quality).toBeCloseTo((600 - 375) / 660, 12);
    }
    expect(leiden(graph, { seed: 0 }).communityCount).toBeLessThan(30); // resolution limit
  });

  it.each(['karate_weighted', 'ring_of_cliques_30x5'])(
    'returns connected communities covering every node on %s',
    (name) => {
      const { graph, truth } = loadBenchGraph(name);
      const r = leiden(graph, { seed: 1 });
      checkInvariants(graph, r);
      expect(truth.length).toBe(graph.nodeCount);
    },
  );
});

const LARGE = ['lfr10k_mu03', 'lfr10k_mu05', 'ppm10k_mu03', 'ppm10k_mu05'];
describeWithShared(
  'leiden on the large bench graphs',
  LARGE.map((name) => `bench-graphs/${name}.edges.gz`),
  () => {
    it('is deterministic by seed and independent of the input edge order', () => {
      const { graph } = loadBenchGraph('lfr10k_mu03');
      const a = leiden(graph, { seed: 7 });
      const b = leiden(graph, { seed: 7 });
      expect(Array.from(a.membership)).toEqual(Array.from(b.membership));
      expect(a.quality).toBe(b.quality);
      const c = leiden(graph, { seed: 8 });
      expect(Array.from(c.membership)).not.toEqual(Array.from(a.membership));
      // the same graph from reversed edges gives the same CSR, hence the same partition
      const source: number[] = [];
      const target: number[] = [];
      const weight: number[] = [];
      for (let v = graph.nodeCount - 1; v >= 0; v--) {
        for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) {
          if (graph.targets[e]! < v) {
            source.push(v);
            target.push(graph.targets[e]!);
            weight.push(graph.weights[e]!);
          }
        }
      }
      const reversed = buildGraph({ nodeCount: graph.nodeCount, source, target, weight });
      expect(Array.from(leiden(reversed, { seed: 7 }).membership)).toEqual(Array.from(a.membership));
    });

    it.each(LARGE)('returns connected communities covering every node on %s', (name) => {
      const { graph, truth } = loadBenchGraph(name);
      const r = leiden(graph, { seed: 1 });
      checkInvariants(graph, r);
      if (name.startsWith('ppm10k_mu03')) expect(r.communityCount).toBe(100);
      expect(truth.length).toBe(graph.nodeCount);
    });

    it('improves on, or keeps, a given initial membership', () => {
      const { graph, truth } = loadBenchGraph('lfr10k_mu03');
      const start = modularity(graph, truth);
      const r = leiden(graph, { initialMembership: truth, seed: 2 });
      checkInvariants(graph, r);
      expect(r.modularity).toBeGreaterThanOrEqual(start - 1e-12);
    });
  },
);
