import { describe, expect, it } from 'vitest';
import { buildGraph, parseEdgeList } from '../../src/leiden/index.js';

describe('buildGraph', () => {
  it('stores both directions, sums duplicates in either direction and sorts rows', () => {
    const g = buildGraph({ nodeCount: 4, source: [2, 0, 1, 1, 0], target: [0, 1, 0, 2, 2], weight: [1, 2, 3, 4, 0.5] });
    expect(g.nodeCount).toBe(4);
    expect(Array.from(g.offsets)).toEqual([0, 2, 4, 6, 6]);
    expect(Array.from(g.targets)).toEqual([1, 2, 0, 2, 0, 1]);
    expect(Array.from(g.weights)).toEqual([5, 1.5, 5, 4, 1.5, 4]);
    expect(Array.from(g.strength)).toEqual([6.5, 9, 5.5, 0]);
    expect(g.totalWeight).toBe(10.5);
    expect(g.edgeCount).toBe(3);
  });

  it('keeps self-loops out of the rows: weight w adds w to m and 2w to the strength (igraph convention)', () => {
    const g = buildGraph({ nodeCount: 2, source: [0, 0, 0], target: [1, 0, 0], weight: [1, 2, 0.5] });
    expect(Array.from(g.targets)).toEqual([1, 0]);
    expect(Array.from(g.selfLoops)).toEqual([2.5, 0]);
    expect(Array.from(g.strength)).toEqual([6, 1]);
    expect(g.totalWeight).toBe(3.5);
    expect(g.edgeCount).toBe(2);
  });

  it('drops zero-weight edges, allows isolated nodes, defaults weights and node weights to 1', () => {
    const g = buildGraph({ nodeCount: 5, source: [0, 1, 3], target: [1, 2, 4], weight: [1, 0, 0] });
    expect(g.edgeCount).toBe(1);
    expect(Array.from(g.offsets)).toEqual([0, 1, 2, 2, 2, 2]);
    const h = buildGraph({ nodeCount: 3, source: [0], target: [1] });
    expect(Array.from(h.weights)).toEqual([1, 1]);
    expect(Array.from(h.nodeWeights)).toEqual([1, 1, 1]);
    expect(buildGraph({ nodeCount: 0, source: [], target: [] }).totalWeight).toBe(0);
  });

  it('does not depend on the order of the input edges', () => {
    const a = buildGraph({ nodeCount: 5, source: [0, 1, 2, 3, 0], target: [1, 2, 3, 4, 4], weight: [1, 2, 3, 4, 5] });
    const b = buildGraph({ nodeCount: 5, source: [4, 3, 2, 1, 0], target: [0, 4, 3, 2, 1], weight: [5, 4, 3, 2, 1] });
    expect(Array.from(a.targets)).toEqual(Array.from(b.targets));
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
  });

  it('rejects bad input with TypeError / RangeError and never mutates it', () => {
    const source = [0, 1];
    const target = [1, 2];
    const weight = [1, 2];
    const ok = { nodeCount: 3, source, target, weight };
    expect(() => buildGraph({ ...ok, weight: [1, Number.NaN] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, weight: [1, Infinity] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, weight: [-1, 1] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, weight: [1] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, target: [1] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, target: [1, 3] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, source: [0, -1] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, source: [0, 0.5] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, nodeCount: 2.5 })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, nodeCount: -1 })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, nodeWeight: [1, 1] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, nodeWeight: [1, 1, -2] })).toThrow(RangeError);
    expect(() => buildGraph({ ...ok, nodeCount: '3' as unknown as number })).toThrow(TypeError);
    expect(() => buildGraph({ ...ok, source: 5 as unknown as number[] })).toThrow(TypeError);
    expect(() => buildGraph(null as unknown as { nodeCount: number; source: number[]; target: number[] })).toThrow(
      TypeError,
    );
    expect(() => buildGraph({ ...ok, weight: [1, Number.NaN] })).toThrow(/buildGraph: .*weight\[1\].*NaN/);
    buildGraph(ok);
    expect(source).toEqual([0, 1]);
    expect(target).toEqual([1, 2]);
    expect(weight).toEqual([1, 2]);
  });
});

describe('parseEdgeList', () => {
  it('parses src dst [weight] lines, skipping blank and # lines', () => {
    const e = parseEdgeList('# comment\n0 1 0.5\n\n2\t3\r\n  1 2  \n');
    expect(e.nodeCount).toBe(4);
    expect(Array.from(e.source)).toEqual([0, 2, 1]);
    expect(Array.from(e.target)).toEqual([1, 3, 2]);
    expect(Array.from(e.weight)).toEqual([0.5, 1, 1]);
    expect(parseEdgeList('').nodeCount).toBe(0);
  });

  it('names the line of a malformed edge', () => {
    expect(() => parseEdgeList('0 1\n0\n')).toThrow(/line 2/);
    expect(() => parseEdgeList('0 1 2 3\n')).toThrow(RangeError);
    expect(() => parseEdgeList('0 x\n')).toThrow(RangeError);
    expect(() => parseEdgeList('0 1 -1\n')).toThrow(RangeError);
    expect(() => parseEdgeList('0 1.5\n')).toThrow(RangeError);
  });
});
