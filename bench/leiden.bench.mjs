#!/usr/bin/env node
// Leiden benchmark: our native Leiden (dist/) side by side with igraph's C Leiden, leidenalg and
// networkanalysis-ts on every graph of ../shared/bench-graphs, in one run on one machine.
//
//   npm run bench -- leiden            (builds dist/ first)
//   node bench/leiden.bench.mjs        (after `npx tsup`)
//
// References: `apt-get install -y python3-igraph python3-leidenalg`, run through
// ../shared/tools/leiden_reference.py (its yardstick: igraph's weighted Newman-Girvan modularity).
// Semantics compared like with like:
//   - main table: every method iterates until stable. Ours stops after the first iteration that changes
//     nothing (or does not raise the objective); leidenalg uses n_iterations=-1; igraph 0.10.2 stops after one
//     iteration for n_iterations<0 (igraph issue #2798), so the script re-calls community_leiden(n_iterations=1,
//     initial_membership=previous) until the modularity stops improving (its time includes those calls, the
//     python->C weight conversion of each call and the modularity evaluations between calls);
//     networkanalysis-ts runs LeidenAlgorithm with nIterations=-1 (until an iteration does not improve).
//   - second table: exactly 2 iterations for ours and igraph (one community_leiden(n_iterations=2) call).
// Ours is timed warm: one untimed 1-iteration run per graph first (cold first-call JIT cost is a few ms).
// Env: LEIDEN_BENCH_SEEDS (5), LEIDEN_BENCH_GRAPHS (comma list), LEIDEN_BENCH_NA_SEEDS (3; 1 on 100k graphs),
//      LEIDEN_BENCH_SKIP=na,1m,rss,refs to leave parts out, LEIDEN_BENCH_TOLERANCE (1e-5): a third table runs ours
//      with that `tolerance` (stop once an iteration gains less) against igraph until stable, on the speed graphs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { buildGraph, leiden, modularity, parseEdgeList } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const GRAPHS_DIR = join(root, '..', 'shared', 'bench-graphs');
const REF_SCRIPT = join(root, '..', 'shared', 'tools', 'leiden_reference.py');
const PYTHON = '/usr/bin/python3';
const ALL_GRAPHS = [
  'karate',
  'karate_weighted',
  'ring_of_cliques_30x5',
  'ppm10k_mu03',
  'ppm10k_mu05',
  'lfr10k_mu03',
  'lfr10k_mu05',
  'knn100k_k5',
  'knn100k_k10',
];
const SPEED_GRAPHS = new Set(['knn100k_k5', 'knn100k_k10', 'lfr10k_mu05']);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const edgesPath = (name) =>
  existsSync(join(GRAPHS_DIR, `${name}.edges`))
    ? join(GRAPHS_DIR, `${name}.edges`)
    : join(GRAPHS_DIR, `${name}.edges.gz`);
const readText = (path) => {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
};
const loadGraph = (name) => buildGraph(parseEdgeList(readText(edgesPath(name))));

/** Communities whose induced subgraph is not connected. */
function disconnected(graph, membership) {
  const n = graph.nodeCount;
  const seen = new Uint8Array(n);
  const started = new Uint8Array(n);
  const stack = new Int32Array(n);
  let bad = 0;
  for (let root = 0; root < n; root++) {
    if (seen[root]) continue;
    const c = membership[root];
    if (started[c]) bad++;
    started[c] = 1;
    seen[root] = 1;
    let top = 0;
    stack[top++] = root;
    while (top > 0) {
      const v = stack[--top];
      for (let e = graph.offsets[v]; e < graph.offsets[v + 1]; e++) {
        const u = graph.targets[e];
        if (!seen[u] && membership[u] === c) {
          seen[u] = 1;
          stack[top++] = u;
        }
      }
    }
  }
  return bad;
}

/** Seeded kNN-like graph: n nodes in Dirichlet-ish clusters, k out-edges per node (90% inside the cluster). */
function knnLikeGraph(n, k, seed) {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const clusters = Math.max(2, Math.round(n / 500));
  const sizes = new Float64Array(clusters);
  let total = 0;
  for (let c = 0; c < clusters; c++) total += sizes[c] = -Math.log(1 - rand()) * -Math.log(1 - rand()) + 0.05;
  const start = new Int32Array(clusters + 1);
  for (let c = 0; c < clusters; c++)
    start[c + 1] = c === clusters - 1 ? n : Math.min(n, start[c] + Math.max(20, Math.round((sizes[c] / total) * n)));
  for (let c = 1; c <= clusters; c++) if (start[c] < start[c - 1]) start[c] = start[c - 1];
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const source = new Int32Array(n * k);
  const target = new Int32Array(n * k);
  const weight = new Float64Array(n * k);
  let e = 0;
  for (let c = 0; c < clusters; c++) {
    const lo = start[c];
    const size = start[c + 1] - lo;
    for (let i = lo; i < lo + size; i++) {
      for (let j = 0; j < k; j++) {
        let u;
        let w;
        if (rand() < 0.9 && size > 1) {
          u = lo + Math.floor(rand() * size);
          if (u === i) u = lo + ((u - lo + 1) % size);
          w = 0.6 + 0.35 * rand();
        } else {
          u = Math.floor(rand() * n);
          if (u === i) u = (u + 1) % n;
          w = 0.3 + 0.3 * rand();
        }
        source[e] = perm[i];
        target[e] = perm[u];
        weight[e] = Number(w.toFixed(6));
        e++;
      }
    }
  }
  return { nodeCount: n, source, target, weight };
}

// ---- child processes: peak memory is measured in a fresh process -------------------------------
if (process.env.LEIDEN_BENCH_CHILD) {
  const mode = process.env.LEIDEN_BENCH_CHILD;
  const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  let input;
  if (mode === '1m') input = knnLikeGraph(1_000_000, 10, 12345);
  else input = parseEdgeList(readText(edgesPath(mode)));
  const t1 = performance.now();
  const graph = buildGraph(input);
  input = undefined;
  const t2 = performance.now();
  const rssGraph = rssMiB();
  const result = leiden(graph, { seed: 0 });
  const t3 = performance.now();
  process.stdout.write(
    `${JSON.stringify({
      nodes: graph.nodeCount,
      edges: graph.edgeCount,
      generateSeconds: (t1 - t0) / 1000,
      buildSeconds: (t2 - t1) / 1000,
      leidenSeconds: (t3 - t2) / 1000,
      modularity: result.modularity,
      communities: result.communityCount,
      iterations: result.iterations,
      disconnected: disconnected(graph, result.membership),
      rssAfterBuildMiB: rssGraph,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      csrMiB:
        (graph.offsets.byteLength + graph.targets.byteLength + graph.weights.byteLength + 4 * graph.nodeCount * 8) /
        2 ** 20,
    })}\n`,
  );
  process.exit(0);
}

// ---- main --------------------------------------------------------------------------------------
const skip = new Set((process.env.LEIDEN_BENCH_SKIP ?? '').split(',').filter(Boolean));
const SEEDS = Number(process.env.LEIDEN_BENCH_SEEDS ?? 5);
const seeds = Array.from({ length: SEEDS }, (_, i) => i);
const TOLERANCE = Number(process.env.LEIDEN_BENCH_TOLERANCE ?? 1e-5);
const graphs = (process.env.LEIDEN_BENCH_GRAPHS ?? ALL_GRAPHS.join(',')).split(',').filter(Boolean);
if (!existsSync(GRAPHS_DIR)) {
  process.stderr.write(
    `leiden bench: ${GRAPHS_DIR} not found (expected ../shared/bench-graphs beside the repository)\n`,
  );
  process.exit(2);
}
let haveRefs =
  !skip.has('refs') &&
  existsSync(REF_SCRIPT) &&
  spawnSync(PYTHON, ['-c', 'import igraph, leidenalg'], { stdio: 'ignore' }).status === 0;
if (!haveRefs && !skip.has('refs')) {
  process.stdout.write(
    'references missing: apt-get update && apt-get install -y python3-igraph python3-leidenalg (igraph/leidenalg columns left empty)\n',
  );
}
let NA = null;
if (!skip.has('na')) {
  try {
    const na = await import('networkanalysis-ts');
    const JavaRandom = (await import('java-random')).default;
    NA = { ...na, JavaRandom };
  } catch {
    process.stdout.write('networkanalysis-ts not installed (npm install): its column is left empty\n');
  }
}

function runReference(name, args) {
  const out = spawnSync(PYTHON, [REF_SCRIPT, edgesPath(name), ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (out.status !== 0) throw new Error(`leiden_reference.py failed on ${name}: ${out.stderr}`);
  return out.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((r) => r.method);
}

const tmp = mkdtempSync(join(tmpdir(), 'leiden-bench-'));
const rows = [];
const fixedRows = [];
const load0 = loadavg()[0];
process.stdout.write(
  `seeds ${seeds.join(',')}; load average at start ${load0.toFixed(2)} on this machine (2 shared cores: timings are noisy; medians quoted)\n`,
);

for (const name of graphs) {
  const graph = loadGraph(name);
  leiden(graph, { seed: 1000, maxIterations: 1 }); // untimed JIT warm-up (igraph's C code needs none)
  // ours, until stable
  const ours = seeds.map((seed) => {
    const t = performance.now();
    const r = leiden(graph, { seed });
    return { ...r, seconds: (performance.now() - t) / 1000 };
  });
  const bad = ours.reduce((a, r) => a + disconnected(graph, r.membership), 0);
  const memFile = join(tmp, `${name}.membership`);
  writeFileSync(memFile, Array.from(ours[0].membership, (c) => `${c}\n`).join(''));
  const row = {
    name,
    n: graph.nodeCount,
    m: graph.edgeCount,
    ours: {
      q: mean(ours.map((r) => r.modularity)),
      s: median(ours.map((r) => r.seconds)),
      its: median(ours.map((r) => r.iterations)),
      k: median(ours.map((r) => r.communityCount)),
    },
    bad,
  };
  if (haveRefs) {
    const refs = runReference(name, [
      '--seeds',
      seeds.join(','),
      '--methods',
      'igraph-leiden-mod,leidenalg-mod',
      '--score-membership',
      memFile,
    ]);
    const external = refs.find((r) => r.method === 'external');
    row.scoreDiff = Math.abs(external.modularity - ours[0].modularity);
    row.refDisconnected = external.disconnected_communities;
    for (const method of ['igraph-leiden-mod', 'leidenalg-mod']) {
      const rs = refs.filter((r) => r.method === method);
      row[method] = {
        q: mean(rs.map((r) => r.modularity)),
        s: median(rs.map((r) => r.seconds)),
        its: rs[0]?.iterations === undefined ? null : median(rs.map((r) => r.iterations)),
      };
    }
  }
  if (NA) {
    const naSeeds = seeds.slice(0, Number(process.env.LEIDEN_BENCH_NA_SEEDS ?? (graph.nodeCount > 50_000 ? 1 : 3)));
    const net = new NA.Network({
      nNodes: graph.nodeCount,
      nodeWeights: Array.from(graph.strength),
      firstNeighborIndices: Array.from(graph.offsets),
      neighbors: Array.from(graph.targets),
      edgeWeights: Array.from(graph.weights),
      checkIntegrity: false,
    });
    const res = naSeeds.map((seed) => {
      const algorithm = new NA.LeidenAlgorithm();
      algorithm.initializeBasedOnResolutionAndNIterationsAndRandomnessAndRandom(
        1 / (2 * graph.totalWeight),
        -1,
        0.01,
        new NA.JavaRandom(seed),
      );
      const clustering = new NA.Clustering({ nNodes: graph.nodeCount });
      const t = performance.now();
      algorithm.improveClustering(net, clustering);
      const seconds = (performance.now() - t) / 1000;
      return { q: modularity(graph, clustering.getClusters()), seconds };
    });
    row.na = { q: mean(res.map((r) => r.q)), s: median(res.map((r) => r.seconds)), seeds: naSeeds.length };
  }
  // ours with a convergence tolerance vs igraph until stable, on the speed-target graphs
  if (SPEED_GRAPHS.has(name)) {
    const tolRuns = seeds.map((seed) => {
      const t = performance.now();
      const r = leiden(graph, { seed, tolerance: TOLERANCE });
      return { q: r.modularity, s: (performance.now() - t) / 1000, its: r.iterations };
    });
    row.tol = {
      q: mean(tolRuns.map((r) => r.q)),
      s: median(tolRuns.map((r) => r.s)),
      its: median(tolRuns.map((r) => r.its)),
    };
  }
  // exactly two iterations, ours vs igraph, on the speed-target graphs
  if (SPEED_GRAPHS.has(name)) {
    const two = seeds.map((seed) => {
      const t = performance.now();
      const r = leiden(graph, { seed, maxIterations: 2 });
      return { q: r.modularity, s: (performance.now() - t) / 1000 };
    });
    const fixed = { name, ours: { q: mean(two.map((r) => r.q)), s: median(two.map((r) => r.s)) } };
    if (haveRefs) {
      const rs = runReference(name, [
        '--seeds',
        seeds.join(','),
        '--methods',
        'igraph-leiden-mod',
        '--n-iterations',
        '2',
      ]);
      fixed.igraph = { q: mean(rs.map((r) => r.modularity)), s: median(rs.map((r) => r.seconds)) };
    }
    fixedRows.push(fixed);
  }
  rows.push(row);
  process.stdout.write(`  ${name}: done (load ${loadavg()[0].toFixed(2)})\n`);
}

const f = (x, d = 4) => (x === undefined || x === null || Number.isNaN(x) ? '–' : x.toFixed(d));
const sign = (x) => (x === undefined || Number.isNaN(x) ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(4)}`);
const lines = [];
lines.push('');
lines.push('Until stable (modularity = mean over seeds, seconds = median; algorithm time only):');
lines.push(
  '| graph | n | m | ours Q | ours s | its | igraph Q | igraph s | its | leidenalg Q | leidenalg s | NA-ts Q | NA-ts s | ΔQ vs leidenalg | ΔQ vs igraph | time ours/igraph | disconnected | yardstick Δ |',
);
lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const ig = r['igraph-leiden-mod'];
  const la = r['leidenalg-mod'];
  lines.push(
    `| ${r.name} | ${r.n} | ${r.m} | ${f(r.ours.q)} | ${f(r.ours.s, 3)} | ${r.ours.its} | ${f(ig?.q)} | ${f(ig?.s, 3)} | ${ig?.its ?? '–'} | ${f(la?.q)} | ${f(la?.s, 3)} | ${f(r.na?.q)} | ${f(r.na?.s, 3)}${r.na ? ` (${r.na.seeds})` : ''} | ${la ? sign(r.ours.q - la.q) : '–'} | ${ig ? sign(r.ours.q - ig.q) : '–'} | ${ig ? f(r.ours.s / ig.s, 2) : '–'} | ${r.bad}${r.refDisconnected === undefined ? '' : `/${r.refDisconnected}`} | ${r.scoreDiff === undefined ? '–' : r.scoreDiff.toExponential(1)} |`,
  );
}
if (fixedRows.length > 0) {
  lines.push('');
  lines.push('Exactly 2 iterations (ours maxIterations: 2; igraph community_leiden(n_iterations=2), one call):');
  lines.push('| graph | ours Q | ours s | igraph Q | igraph s | ΔQ | time ours/igraph |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const r of fixedRows) {
    lines.push(
      `| ${r.name} | ${f(r.ours.q)} | ${f(r.ours.s, 3)} | ${f(r.igraph?.q)} | ${f(r.igraph?.s, 3)} | ${r.igraph ? sign(r.ours.q - r.igraph.q) : '–'} | ${r.igraph ? f(r.ours.s / r.igraph.s, 2) : '–'} |`,
    );
  }
}
if (rows.some((r) => r.tol)) {
  lines.push('');
  lines.push(
    `Ours with tolerance ${TOLERANCE} (stop once an iteration raises the normalized objective by less) vs igraph until stable:`,
  );
  lines.push(
    '| graph | ours Q | ours s | its | igraph Q | igraph s | its | ΔQ | time ours/igraph | ours(tolerance)/ours(stable) |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows.filter((x) => x.tol)) {
    const ig = r['igraph-leiden-mod'];
    lines.push(
      `| ${r.name} | ${f(r.tol.q)} | ${f(r.tol.s, 3)} | ${r.tol.its} | ${f(ig?.q)} | ${f(ig?.s, 3)} | ${ig?.its ?? '–'} | ${ig ? sign(r.tol.q - ig.q) : '–'} | ${ig ? f(r.tol.s / ig.s, 2) : '–'} | ${f(r.tol.s / r.ours.s, 2)} |`,
    );
  }
}
lines.push('');
lines.push(
  'Columns: Q = igraph-weighted Newman-Girvan modularity; its = median iterations; NA-ts = networkanalysis-ts (seeds run in brackets);',
);
lines.push(
  'disconnected = communities not connected, ours over all seeds / reference recount of our seed-0 partition;',
);
lines.push(
  'yardstick Δ = |our modularity − leiden_reference.py --score-membership| for seed 0 (confirms our modularity).',
);
process.stdout.write(`${lines.join('\n')}\n`);

const child = (mode) => {
  const out = spawnSync(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url)], {
    env: { ...process.env, LEIDEN_BENCH_CHILD: mode },
    encoding: 'utf8',
    maxBuffer: 2 ** 20,
  });
  if (out.status !== 0) throw new Error(`child ${mode} failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1));
};
if (!skip.has('rss') && graphs.includes('knn100k_k10')) {
  const r = child('knn100k_k10');
  process.stdout.write(
    `\nknn100k_k10 in a fresh process (seed 0): leiden ${r.leidenSeconds.toFixed(2)} s, ${r.iterations} iterations, Q ${r.modularity.toFixed(4)}; ` +
      `RSS after parse+build ${r.rssAfterBuildMiB.toFixed(0)} MiB, peak RSS ${r.peakRssMiB.toFixed(0)} MiB (CSR itself ${r.csrMiB.toFixed(0)} MiB)\n`,
  );
}
if (!skip.has('1m')) {
  const r = child('1m');
  process.stdout.write(
    `\n1M-node kNN-like graph (k = 10, 90% of edges inside ~2000 clusters, seeded xorshift, generated in JS): ${r.nodes} nodes, ${r.edges} edges; ` +
      `generate ${r.generateSeconds.toFixed(1)} s, buildGraph ${r.buildSeconds.toFixed(1)} s, leiden ${r.leidenSeconds.toFixed(1)} s (${r.iterations} iterations, until stable), ` +
      `Q ${r.modularity.toFixed(4)}, ${r.communities} communities, ${r.disconnected} disconnected; peak RSS ${r.peakRssMiB.toFixed(0)} MiB (CSR ${r.csrMiB.toFixed(0)} MiB)\n`,
  );
}
process.stdout.write(`load average at end ${loadavg()[0].toFixed(2)}\n`);
rmSync(tmp, { recursive: true, force: true });
