#!/usr/bin/env node
// Leiden benchmark: our native Leiden (dist/) against igraph's C Leiden (python-igraph 0.10.2) and leidenalg.
//
//   npm run bench -- leiden                     (builds dist/ first; the interleaved speed comparison below)
//   node bench/leiden.bench.mjs [--graphs knn100k_k5,knn100k_k10,lfr10k_mu05] [--large-seeds 7] [--small-seeds 11]
//                               [--seeds 0,1,2 (all graphs)] [--two-seeds 3] [--no-leidenalg]
//   node bench/leiden.bench.mjs --all           (the older full table: every graph, networkanalysis-ts, 1M graph)
//
// Speed comparison (default), built so that load on a shared machine hits both sides alike:
//   - Each side runs in its own persistent worker process that reads the graph ONCE before any timing: ours a
//     Node child (`--worker`), igraph a /usr/bin/python3 child (the script PYTHON_WORKER below). Read-in and graph
//     construction are EXCLUDED for both; every figure is algorithm time only.
//   - Runs are interleaved: for each seed one run of ours and one of igraph, back to back, the order alternating
//     with the seed (ours first on even seeds), never both at once. One untimed warm-up run (until stable, seed 1000)
//     on each side first.
//   - "Until stable": ours with default options (stops after the first iteration that changes nothing or does not
//     raise the objective). igraph 0.10.2 stops after one iteration for n_iterations < 0 (igraph issue #2798), so
//     the worker re-calls community_leiden(n_iterations=1, initial_membership=previous) until Graph.modularity
//     stops improving (by more than 1e-12) — the same loop as ../shared/tools/leiden_reference.py; its time
//     includes those calls and the modularity evaluations between them ("igraph s"); the time spent inside
//     community_leiden alone is printed too ("in C").
//   - "Exactly 2 iterations": ours maxIterations 2 vs one community_leiden(n_iterations=2) call: no stopping rule
//     and no emulation on either side, the tightest like-for-like timing.
//   - Per run: wall and CPU seconds (each worker's own process CPU time), iterations, modularity (igraph's
//     weighted Newman-Girvan yardstick for igraph; ours from `modularity`, and seed 0's partition re-scored by the
//     python worker), communities, and the peak RSS during the run above the RSS just before it (Linux VmHWM,
//     reset through /proc/self/clear_refs before each run). The memory figure is the warm-up's: each process's
//     first run, before its allocator holds on to freed memory; a full GC precedes it (and only it: a forced GC
//     slows the next run of ours 2-3x).
//   - Medians over the seeds, the median of the per-seed ratios ours/igraph, and `uptime` before, between
//     graphs and after.
//   - leidenalg (ModularityVertexPartition, n_iterations=-1) runs once per graph (seed 0) after the interleaved
//     runs, for its modularity (timed, not interleaved).
import { spawn, spawnSync } from 'node:child_process';
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

// ---- interleaved speed comparison: persistent workers ------------------------------------------
const argv = process.argv.slice(2);

/** Linux /proc/self/status fields in MiB (null elsewhere). */
function procStatus() {
  try {
    const text = readFileSync('/proc/self/status', 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN) / 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}
/** Resets VmHWM (peak RSS) to the current RSS; false where the kernel does not allow it. */
function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

if (argv[0] === '--worker') {
  // Our side: read the graph once, then answer one JSON request per stdin line.
  const graph = buildGraph(parseEdgeList(readText(argv[1])));
  globalThis.gc?.();
  const send = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  send({ ready: true, nodes: graph.nodeCount, edges: graph.edgeCount, rssMiB: procStatus().rss });
  const { createInterface } = await import('node:readline');
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line);
    if (cmd.quit) break;
    // A forced full GC makes the next run of ours 2-3x slower in CPU time (measured on lfr10k_mu05: 2-iteration
    // runs 190-290 ms after gc() vs 58-105 ms without), so only the warm-up (the memory baseline) follows one.
    if (cmd.gc) globalThis.gc?.();
    const peakReset = resetPeak();
    const rss0 = procStatus().rss;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = leiden(graph, cmd.options);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const peak = procStatus().hwm;
    if (cmd.dump) writeFileSync(cmd.dump, Array.from(r.membership, (c) => `${c}\n`).join(''));
    send({
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      iterations: r.iterations,
      modularity: r.modularity,
      communities: r.communityCount,
      disconnected: cmd.check ? disconnected(graph, r.membership) : null,
      peakAboveMiB: peakReset ? peak - rss0 : NaN,
      peakRssMiB: peak,
    });
  }
  process.exit(0);
}

// igraph's side (python-igraph through Debian's /usr/bin/python3): the same protocol.
const PYTHON_WORKER = String.raw`
import gc, gzip, inspect, json, random, sys, time
import igraph as ig
def status():
    d = {}
    try:
        for line in open('/proc/self/status'):
            if line.startswith(('VmRSS:', 'VmHWM:')):
                k, v = line.split(':'); d[k] = int(v.split()[0]) / 1024
    except OSError:
        pass
    return d
def reset_peak():
    try:
        with open('/proc/self/clear_refs', 'w') as fh: fh.write('5')
        return True
    except OSError:
        return False
path = sys.argv[1]
src, dst, w = [], [], []
with (gzip.open if path.endswith('.gz') else open)(path, 'rt') as fh:
    for line in fh:
        if not line.strip() or line.startswith('#'): continue
        p = line.split(); src.append(int(p[0])); dst.append(int(p[1])); w.append(float(p[2]) if len(p) > 2 else 1.0)
n = max(max(src), max(dst)) + 1
g = ig.Graph(n=n, edges=list(zip(src, dst)), directed=False)
g.es['weight'] = w
weights = w
try:
    import leidenalg
except ImportError:
    leidenalg = None
res_kw = 'resolution' if 'resolution' in inspect.signature(ig.Graph.community_leiden).parameters else 'resolution_parameter'
kw = dict(objective_function='modularity', weights=weights, beta=0.01, **{res_kw: 1.0})
def disconnected(mem):
    intra = [(u, v) for u, v in zip(src, dst) if mem[u] == mem[v]]
    comps = ig.Graph(n=n, edges=intra).connected_components().membership
    pieces = {}
    for node, c in enumerate(mem): pieces.setdefault(c, set()).add(comps[node])
    return sum(1 for v in pieces.values() if len(v) > 1)
gc.collect()
print(json.dumps(dict(ready=True, nodes=n, edges=len(src), rssMiB=status().get('VmRSS'), igraph=ig.__version__,
                      leidenalg=leidenalg.version if leidenalg else None)), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd.get('quit'): break
    if cmd.get('gc'): gc.collect()
    reset = reset_peak(); rss0 = status().get('VmRSS', float('nan'))
    random.seed(cmd.get('seed', 0))   # python-igraph's default RNG is Python's random module
    in_c = 0.0; its = None
    c0 = time.process_time(); t0 = time.perf_counter()
    if cmd['method'] == 'igraph':
        def call(**extra):
            global in_c
            t = time.perf_counter(); c = g.community_leiden(**kw, **extra); in_c += time.perf_counter() - t
            return c
        if cmd['n_iterations'] >= 0:
            c = call(n_iterations=cmd['n_iterations']); its = cmd['n_iterations']
        else:   # until stable, as leiden_reference.py emulates it for igraph 0.10.2
            c = call(n_iterations=1); its = 1
            best = g.modularity(c.membership, weights=weights, resolution=1.0)
            while its < 1000:
                c2 = call(n_iterations=1, initial_membership=c.membership); its += 1
                q2 = g.modularity(c2.membership, weights=weights, resolution=1.0)
                if q2 <= best + 1e-12: break
                c, best = c2, q2
        membership = c.membership
    elif cmd['method'] == 'leidenalg':
        membership = leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, weights=weights,
                                              n_iterations=-1, seed=cmd['seed']).membership
    else:   # 'score': someone else's partition, one label per line
        with open(cmd['path']) as fh: membership = [int(x) for x in fh.read().split()]
    secs = time.perf_counter() - t0; cpu = time.process_time() - c0
    peak = status().get('VmHWM', float('nan'))
    print(json.dumps(dict(seconds=secs, cpuSeconds=cpu, inCSeconds=in_c, iterations=its,
                          modularity=g.modularity(membership, weights=weights), communities=len(set(membership)),
                          disconnected=disconnected(membership) if cmd.get('check') else None,
                          peakAboveMiB=(peak - rss0) if reset else float('nan'), peakRssMiB=peak)), flush=True)
`;

/** A persistent child answering one JSON line per request. */
class Worker {
  constructor(command, args) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = [];
    this.waiting = [];
    let buffer = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (!line.startsWith('{')) continue;
        const waiter = this.waiting.shift();
        if (waiter) waiter.resolve(JSON.parse(line));
        else this.lines.push(JSON.parse(line));
      }
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${command} worker exited with ${code}`));
    });
  }
  next() {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift());
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  request(obj) {
    this.child.stdin.write(`${JSON.stringify(obj)}\n`);
    return this.next();
  }
  quit() {
    this.child.stdin.write('{"quit":true}\n');
    this.child.stdin.end();
  }
}

const flag = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const uptime = () => {
  const r = spawnSync('uptime', { encoding: 'utf8' });
  return r.status === 0
    ? r.stdout.trim()
    : `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(', ')}`;
};

if (!argv.includes('--all')) {
  if (!existsSync(GRAPHS_DIR)) {
    process.stderr.write(
      `leiden bench: ${GRAPHS_DIR} not found (expected ../shared/bench-graphs beside the repository)\n`,
    );
    process.exit(2);
  }
  if (spawnSync(PYTHON, ['-c', 'import igraph'], { stdio: 'ignore' }).status !== 0) {
    process.stderr.write('leiden bench: needs python3-igraph (apt-get install -y python3-igraph python3-leidenalg)\n');
    process.exit(2);
  }
  // Iteration counts to stability vary a lot with the seed on both sides (on lfr10k_mu05: 8 to 36), so the
  // small graph, whose runs are cheap, gets more seeds.
  const explicitSeeds = argv.includes('--seeds') ? flag('--seeds', '0').split(',').map(Number) : null;
  const largeSeeds = Number(flag('--large-seeds', 7));
  const smallSeeds = Number(flag('--small-seeds', 11));
  const seedsFor = (nodes) =>
    explicitSeeds ?? Array.from({ length: nodes > 50_000 ? largeSeeds : smallSeeds }, (_, i) => i);
  const twoCount = Number(flag('--two-seeds', 3));
  const graphs = flag('--graphs', [...SPEED_GRAPHS].join(','))
    .split(',')
    .filter(Boolean);
  const withLeidenalg = !argv.includes('--no-leidenalg');
  const tmp = mkdtempSync(join(tmpdir(), 'leiden-bench-'));
  const f = (x, d = 3) => (x === undefined || x === null || Number.isNaN(x) ? '–' : x.toFixed(d));
  const sign = (x) => (Number.isNaN(x) ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(4)}`);
  process.stdout.write(
    `Leiden vs igraph, interleaved; seeds ${explicitSeeds ? explicitSeeds.join(',') : `0..${largeSeeds - 1} on graphs over 50k nodes, 0..${smallSeeds - 1} on smaller ones`} ` +
      `(exactly 2 iterations: the first ${twoCount}); read-in excluded for both\n` +
      `node ${process.version}; start: ${uptime()}\n`,
  );
  const summary = [];
  for (const name of graphs) {
    const path = edgesPath(name);
    const ours = new Worker(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--worker', path]);
    const ref = new Worker(PYTHON, ['-c', PYTHON_WORKER, path]);
    const [oursInfo, refInfo] = await Promise.all([ours.next(), ref.next()]);
    const seeds = seedsFor(oursInfo.nodes);
    const twoSeeds = seeds.slice(0, twoCount);
    process.stdout.write(
      `\n${name}: n ${oursInfo.nodes}, m ${oursInfo.edges}; RSS after reading the graph: ours ${f(oursInfo.rssMiB, 0)} MiB, ` +
        `igraph ${f(refInfo.rssMiB, 0)} MiB (python-igraph ${refInfo.igraph}, leidenalg ${refInfo.leidenalg ?? '–'})\n`,
    );
    // Untimed warm-up on both sides: one full until-stable run (seed 1000). It is each process's first run, so
    // its peak RSS above the RSS after reading the graph is the memory the algorithm needs (later runs reuse
    // memory their allocators kept: V8's heap, glibc's arenas).
    const warmOurs = await ours.request({ options: { seed: 1000 }, gc: true });
    const warmRef = await ref.request({ method: 'igraph', seed: 1000, n_iterations: -1, gc: true });
    process.stdout.write(
      `  memory: first run (warm-up, seed 1000, until stable) peak RSS above the RSS after reading the graph: ` +
        `ours +${f(warmOurs.peakAboveMiB, 1)} MiB (peak ${f(warmOurs.peakRssMiB, 0)} MiB), ` +
        `igraph +${f(warmRef.peakAboveMiB, 1)} MiB (peak ${f(warmRef.peakRssMiB, 0)} MiB)\n`,
    );
    const runPair = async (seed, oursOptions, refCmd, label) => {
      const first = seed % 2 === 0 ? 'ours' : 'igraph';
      let a;
      let b;
      // seed 0's until-stable partition is written out (after timing) for the python side to re-score
      const keep = label === 'until stable' && seed === seeds[0];
      const oursRequest = keep
        ? { options: oursOptions, check: true, dump: join(tmp, `${name}.mem`) }
        : { options: oursOptions };
      if (first === 'ours') {
        a = await ours.request(oursRequest);
        b = await ref.request(refCmd);
      } else {
        b = await ref.request(refCmd);
        a = await ours.request(oursRequest);
      }
      process.stdout.write(
        `  ${label} seed ${seed} (${first} first): ours ${f(a.seconds)} s (cpu ${f(a.cpuSeconds)}, ${a.iterations} its, Q ${f(a.modularity, 6)}, ` +
          `peak +${f(a.peakAboveMiB, 1)} MiB) | igraph ${f(b.seconds)} s (cpu ${f(b.cpuSeconds)}, in C ${f(b.inCSeconds)}, ${b.iterations} its, ` +
          `Q ${f(b.modularity, 6)}, peak +${f(b.peakAboveMiB, 1)} MiB) | ratio ${f(a.seconds / b.seconds, 2)}\n`,
      );
      return { ours: a, igraph: b };
    };
    const stable = [];
    for (const seed of seeds)
      stable.push(await runPair(seed, { seed }, { method: 'igraph', seed, n_iterations: -1 }, 'until stable'));
    const two = [];
    for (const seed of twoSeeds)
      two.push(
        await runPair(seed, { seed, maxIterations: 2 }, { method: 'igraph', seed, n_iterations: 2 }, '2 iterations'),
      );
    const scored = await ref.request({ method: 'score', path: join(tmp, `${name}.mem`), check: true });
    let la = null;
    if (withLeidenalg && refInfo.leidenalg) la = await ref.request({ method: 'leidenalg', seed: seeds[0] });
    ours.quit();
    ref.quit();
    const load = uptime();
    process.stdout.write(
      `  seed ${seeds[0]} partition of ours re-scored by igraph: Q ${f(scored.modularity, 6)} (ours says ${f(stable[0].ours.modularity, 6)}), ` +
        `disconnected communities ${scored.disconnected} (our count ${stable[0].ours.disconnected})` +
        (la ? `; leidenalg seed ${seeds[0]}: Q ${f(la.modularity, 6)}, ${f(la.seconds)} s` : '') +
        `\n  ${load}\n`,
    );
    summary.push({ name, stable, two, la, load, warmOurs, warmRef });
  }
  const median = (xs) => {
    const s = [...xs].filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
    if (s.length === 0) return NaN;
    const h = s.length >> 1;
    return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
  };
  const mean = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const out = [''];
  out.push('Until stable (medians over the seeds; ratio = median of the per-seed ratios ours/igraph; Q = mean):');
  out.push(
    '| graph | ours s | igraph s | ratio (wall) | ratio of medians | ratio (CPU) | igraph in C s | ours its | igraph its | ours Q | igraph Q | ΔQ | leidenalg Q (seed 0) | memory, first run: ours / igraph MiB |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of summary) {
    const o = r.stable.map((p) => p.ours);
    const g = r.stable.map((p) => p.igraph);
    out.push(
      `| ${r.name} | ${f(median(o.map((x) => x.seconds)))} | ${f(median(g.map((x) => x.seconds)))} | **${f(median(r.stable.map((p) => p.ours.seconds / p.igraph.seconds)), 2)}** | ` +
        `${f(median(o.map((x) => x.seconds)) / median(g.map((x) => x.seconds)), 2)} | ${f(median(r.stable.map((p) => p.ours.cpuSeconds / p.igraph.cpuSeconds)), 2)} | ` +
        `${f(median(g.map((x) => x.inCSeconds)))} | ${median(o.map((x) => x.iterations))} | ${median(g.map((x) => x.iterations))} | ` +
        `${f(mean(o.map((x) => x.modularity)), 4)} | ${f(mean(g.map((x) => x.modularity)), 4)} | ${sign(mean(o.map((x) => x.modularity)) - mean(g.map((x) => x.modularity)))} | ` +
        `${r.la ? f(r.la.modularity, 4) : '–'} | +${f(r.warmOurs.peakAboveMiB, 1)} / +${f(r.warmRef.peakAboveMiB, 1)} |`,
    );
  }
  out.push('');
  out.push('Exactly 2 iterations (ours maxIterations 2; igraph one community_leiden(n_iterations=2) call):');
  out.push('| graph | ours s | igraph s | ratio (wall) | ratio (CPU) | ours Q | igraph Q | ΔQ |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const r of summary) {
    if (r.two.length === 0) continue;
    const o = r.two.map((p) => p.ours);
    const g = r.two.map((p) => p.igraph);
    out.push(
      `| ${r.name} | ${f(median(o.map((x) => x.seconds)))} | ${f(median(g.map((x) => x.seconds)))} | **${f(median(r.two.map((p) => p.ours.seconds / p.igraph.seconds)), 2)}** | ` +
        `${f(median(r.two.map((p) => p.ours.cpuSeconds / p.igraph.cpuSeconds)), 2)} | ${f(mean(o.map((x) => x.modularity)), 4)} | ${f(mean(g.map((x) => x.modularity)), 4)} | ` +
        `${sign(mean(o.map((x) => x.modularity)) - mean(g.map((x) => x.modularity)))} |`,
    );
  }
  out.push('');
  out.push(
    'Memory: VmHWM during the first run of each worker (the warm-up) minus VmRSS after reading the graph (Linux,',
  );
  out.push(
    'peak reset through /proc/self/clear_refs; full GC before): ours = the Node worker with its CsrGraph built,',
  );
  out.push('igraph = the python worker with its igraph Graph built. Per-run lines show the growth in later runs.');
  out.push(`end: ${uptime()}`);
  process.stdout.write(`${out.join('\n')}\n`);
  rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
}

// ---- --all: the full table ----------------------------------------------------------------------
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
