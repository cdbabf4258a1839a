import { describe, expect, it } from 'vitest';
import { buildGraph, leiden, modularity } from '../../src/leiden/index.js';

// Two triangles {0,1,2} and {3,4,5} joined by 2–3, with self-loops of weight 2 on node 0 and 0.5 on node 4.
const loops = buildGraph({
  nodeCount: 6,
  source: [0, 1, 0, 3, 4, 3, 2, 0, 4],
  target: [1, 2, 2, 4, 5, 5, 3, 0, 4],
  weight: [1, 1, 1, 1, 1, 1, 1, 2, 0.5],
});

describe('modularity', () => {
  it('matches a hand computation with self-loops (A_vv = 2w, strength += 2w) and igraph 0.10.2', () => {
    // m = 9.5, strengths [6,2,3,3,3,2]; e_A = 3 + 2 = 5, K_A = 11; e_B = 3 + 0.5 = 3.5, K_B = 8.
    // Q = (2*5/19 - (11/19)^2) + (2*3.5/19 - (8/19)^2) = 138/361; igraph Graph.modularity: 0.38227146814404434.
    expect(modularity(loops, [0, 0, 0, 1, 1, 1])).toBeCloseTo(138 / 361, 14);
    expect(modularity(loops, [0, 0, 0, 1, 1, 1])).toBeCloseTo(0.38227146814404434, 14);
    expect(modularity(loops, [7, 7, 7, 7, 7, 7])).toBeCloseTo(0, 14);
    expect(modularity(loops, [0, 1, 2, 3, 4, 5])).toBeCloseTo(0.0664819944598338, 14); // igraph
    expect(modularity(loops, [0, 0, 1, 1, 2, 2])).toBeCloseTo(0.23268698060941828, 14); // igraph
  });

  it('applies the resolution to the null-model term only', () => {
    // (10/19 - 0.5 (11/19)^2) + (7/19 - 0.5 (8/19)^2)
    const expected = 10 / 19 - 0.5 * (121 / 361) + 7 / 19 - 0.5 * (64 / 361);
    expect(modularity(loops, [0, 0, 0, 1, 1, 1], { resolution: 0.5 })).toBeCloseTo(expected, 14);
  });

  it('accepts any non-negative integer labels and rejects bad ones', () => {
    expect(modularity(loops, [10, 10, 10, 1e9, 1e9, 1e9])).toBeCloseTo(138 / 361, 14);
    expect(() => modularity(loops, [0, 0, 0, 1, 1])).toThrow(RangeError);
    expect(() => modularity(loops, [0, 0, 0, 1, 1, -1])).toThrow(RangeError);
    expect(() => modularity(loops, [0, 0, 0, 1, 1, 0.5])).toThrow(RangeError);
    expect(() => modularity(loops, [0, 0, 0, 1, 1, 1], { resolution: -1 })).toThrow(RangeError);
    expect(() => modularity({} as never, [0])).toThrow(TypeError);
    expect(modularity(buildGraph({ nodeCount: 3, source: [], target: [] }), [0, 1, 2])).toBe(0);
  });
});

describe('leiden quality on the self-loop graph', () => {
  it('reports modularity and the normalized objectives (hand-computed; leidenalg = 2m × ours)', () => {
    const r = leiden(loops, { seed: 1 });
    expect(Array.from(r.membership)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(r.modularity).toBeCloseTo(138 / 361, 14);
    expect(r.quality).toBeCloseTo(138 / 361, 14);
    // leidenalg RBConfigurationVertexPartition.quality() on this partition: 7.2631578947368425 = 2m · Q.
    expect(r.quality * 2 * loops.totalWeight).toBeCloseTo(7.2631578947368425, 12);
    // CPM γ = 0.5, unit node sizes: (2·5 − 0.5·9 + 2·3.5 − 0.5·9) / 19 = 8/19. leidenalg CPM quality(): 5.0 = 2m·H − γ·n (graph with loops).
    const c = leiden(loops, {
      objective: 'cpm',
      resolution: 0.5,
      initialMembership: [0, 0, 0, 1, 1, 1],
      maxIterations: 1,
    });
    expect(c.quality).toBeCloseTo(8 / 19, 14);
    expect(c.quality * 2 * loops.totalWeight - 0.5 * 6).toBeCloseTo(5, 12);
  });
});
