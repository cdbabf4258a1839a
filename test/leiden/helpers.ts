import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { buildGraph, parseEdgeList } from '../../src/leiden/index.js';
import type { CsrGraph } from '../../src/leiden/index.js';
import { sharedPath } from '../shared-data.js';

/** Small graphs copied into the repository (karate, karate_weighted, ring_of_cliques_30x5). */
const FIXTURES = fileURLToPath(new URL('../fixtures/leiden/', import.meta.url));
/** Large graphs in shared/bench-graphs beside the repository root (`<clone>/../shared`). */
export const BENCH_GRAPHS = sharedPath('bench-graphs/');

function readText(path: string): string {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Loads NAME.edges[.gz] (and its truth labels) from test/fixtures/leiden, else shared/bench-graphs. */
export function loadBenchGraph(name: string): { graph: CsrGraph; truth: Int32Array } {
  const dir = existsSync(`${FIXTURES}${name}.edges`) ? FIXTURES : BENCH_GRAPHS;
  const edges = existsSync(`${dir}${name}.edges`) ? `${dir}${name}.edges` : `${dir}${name}.edges.gz`;
  const truthPath = existsSync(`${dir}${name}.truth`) ? `${dir}${name}.truth` : `${dir}${name}.truth.gz`;
  const graph = buildGraph(parseEdgeList(readText(edges)));
  const truth = Int32Array.from(readText(truthPath).split(/\s+/).filter(Boolean).map(Number));
  return { graph, truth };
}

/** Number of communities whose induced subgraph is not connected (BFS per community). */
export function disconnectedCommunities(graph: CsrGraph, membership: ArrayLike<number>): number {
  const n = graph.nodeCount;
  const seen = new Uint8Array(n);
  const started = new Set<number>();
  let bad = 0;
  const stack: number[] = [];
  for (let root = 0; root < n; root++) {
    if (seen[root]) continue;
    const c = membership[root]!;
    if (started.has(c)) bad++;
    started.add(c);
    seen[root] = 1;
    stack.push(root);
    while (stack.length > 0) {
      const v = stack.pop()!;
      for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) {
        const u = graph.targets[e]!;
        if (!seen[u] && membership[u] === c) {
          seen[u] = 1;
          stack.push(u);
        }
      }
    }
  }
  return bad;
}

/** True when two labelings define the same partition (up to renaming). */
export function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ((ab.has(x) && ab.get(x) !== y) || (ba.has(y) && ba.get(y) !== x)) return false;
    ab.set(x, y);
    ba.set(y, x);
  }
  return true;
}
