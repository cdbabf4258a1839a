// Throughput on both cores (issue #12): the worker-thread encoder pool (createEncoderPool: N workers, each a
// 1-thread session) next to one in-thread session with 1 and with 2 intra-op threads, all int8 MiniLM, in one
// process. Run: `npm run bench -- pool` (builds first), or `node bench/pool.bench.mjs [options]` after `npx tsup`.
//
//   --artifacts DIR  router artifacts (default finerouter-demo/artifacts, written by `npm run demo`)
//   --data FILE      routing JSONL whose prompts are embedded (default ../shared/data/routerdc-7model/routing.jsonl)
//   --limit N        prompts of --data for the embedding rows (default 20000; 0 skips them)
//   --workers N      pool size (default 2)
//   --rounds R       repetitions of the routeBatch and server rows (default 7; medians are printed)
//
// Rows (prompts per wall second, medians; each configuration measured in turn within every round, so machine
// load hits all alike):
//   - load: loadFineRouter warm (encoder .onnx cached) in-thread vs with the pool: the int8 encoder made first and
//     passed in, and the API path loadFineRouter(dir, { encoderWorkers }) (encoder started while the artifacts are
//     read; the manifest's precision).
//   - route() of one prompt at a time, p50 latency (the pool adds a worker round trip; it is for throughput).
//   - routeBatch(32): a batch of 32 seeded ~35-token prompts, and 32 prompts sampled from --data.
//   - server path: 128 concurrent route calls through the routing server's micro-batching (batchingRoute, 16 per
//     batch) on the router of each configuration.
//   - embed: the first --limit prompts of --data, batch size 32 (the pool cuts length-bucketed chunks).
// Ratios are against the in-thread 1-thread session. Machine load (uptime) is printed with the table.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoderPool, loadFineRouter, loadMiniLmEncoder } from '../dist/node.js';
import { batchingRoute } from '../dist/internal.js';
import { syntheticPromptSource } from './synthetic-prompts.mjs';

const { values } = parseArgs({
  options: {
    artifacts: { type: 'string', default: 'finerouter-demo/artifacts' },
    data: { type: 'string', default: '../shared/data/routerdc-7model/routing.jsonl' },
    limit: { type: 'string', default: '20000' },
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '7' },
  },
});
const workers = Number(values.workers);
const rounds = Number(values.rounds);
const limit = Number(values.limit);
if (!existsSync(join(values.artifacts, 'manifest.json'))) {
  console.error(`pool bench: no artifacts at ${values.artifacts}; run \`npm run demo\` first or pass --artifacts DIR`);
  process.exit(2);
}
const dataPrompts = existsSync(values.data)
  ? readFileSync(values.data, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l).prompt)
  : [];

const { rand, textOf } = syntheticPromptSource(7);
// bench/synthetic-prompts.mjs with the seed of bench/int8.bench.mjs (the same texts): 30 words ≈ 35 tokens.
const short32 = Array.from({ length: 32 }, () => textOf(30));
const sample32 =
  dataPrompts.length > 0 ? Array.from({ length: 32 }, () => dataPrompts[Math.floor(rand() * dataPrompts.length)]) : [];
const served = Array.from({ length: 128 }, (_, i) =>
  sample32.length > 0 && i % 2 === 1 ? sample32[i % 32] : short32[i % 32],
);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadStart = load();
const started = performance.now();
const cacheDir = mkdtempSync(join(tmpdir(), 'pool-bench-'));
const spec = { kind: 'minilm', precision: 'int8', cacheDir };

console.log(
  `encoder pool bench — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores; int8 MiniLM; pool of ${workers} workers × 1 thread; artifacts ${values.artifacts}`,
);

// Configurations: in-thread 1 thread (the reference), in-thread 2 intra-op threads, the pool.
const configs = [
  {
    name: 'in-thread, 1 intra-op thread',
    make: () => loadMiniLmEncoder({ intraOpNumThreads: 1, precision: 'int8', cacheDir }),
  },
  {
    name: 'in-thread, 2 intra-op threads',
    make: () => loadMiniLmEncoder({ intraOpNumThreads: 2, precision: 'int8', cacheDir }),
  },
  { name: `pool, ${workers} workers × 1 thread`, make: () => createEncoderPool({ workers, encoder: spec }) },
];
// Warm the .onnx cache once (both precisions: the API load row uses the manifest's), so the load rows measure a warm
// start.
await (await loadMiniLmEncoder({ precision: 'int8', cacheDir })).dispose();
await (await loadMiniLmEncoder({ precision: 'fp32', cacheDir })).dispose();

const rows = [];
const loads = configs.map(() => []);
for (let r = 0; r < 3; r++) {
  for (const [k, c] of configs.entries()) {
    const t = performance.now();
    const encoder = await c.make();
    const router = await loadFineRouter(values.artifacts, { encoder, encoderCheck: 'ignore', intraOpNumThreads: 1 });
    loads[k].push(performance.now() - t);
    await router.dispose();
    await encoder.dispose();
  }
}
rows.push(['load, warm (encoder + router), ms', ...loads.map(median)]);
{
  // The API path: loadFineRouter starts the encoder (the pool's threads) while it reads and verifies the artifacts,
  // in the precision the manifest records.
  const how = [{ intraOpNumThreads: 1 }, { intraOpNumThreads: 2 }, { encoderWorkers: workers, intraOpNumThreads: 1 }];
  const viaApi = configs.map(() => []);
  for (let r = 0; r < 3; r++) {
    for (const k of configs.keys()) {
      const t = performance.now();
      const router = await loadFineRouter(values.artifacts, { ...how[k], encoderCacheDir: cacheDir });
      viaApi[k].push(performance.now() - t);
      await router.dispose();
    }
  }
  const manifest = JSON.parse(readFileSync(join(values.artifacts, 'manifest.json'), 'utf8'));
  rows.push([
    `load, warm, loadFineRouter(dir, { encoderWorkers }) (${manifest.encoder.id.endsWith('#int8') ? 'int8' : 'fp32'} per manifest), ms`,
    ...viaApi.map(median),
  ]);
}

const encoders = [];
const routers = [];
for (const c of configs) {
  const encoder = await c.make();
  encoders.push(encoder);
  routers.push(await loadFineRouter(values.artifacts, { encoder, encoderCheck: 'ignore', intraOpNumThreads: 1 }));
}
const routes = routers.map((router) => batchingRoute(router, 16));

async function rate(fn, n) {
  const t = performance.now();
  await fn();
  return n / ((performance.now() - t) / 1000);
}
const sets = [
  ['routeBatch(32), ~35-token prompts, prompts/s', (k) => rate(() => routers[k].routeBatch(short32), 32)],
  ...(sample32.length > 0
    ? [
        [
          'routeBatch(32), prompts sampled from --data, prompts/s',
          (k) => rate(() => routers[k].routeBatch(sample32), 32),
        ],
      ]
    : []),
  [
    'server path: 128 concurrent routes (batchingRoute, 16 per batch), prompts/s',
    (k) => rate(() => Promise.all(served.map((p) => routes[k](p))), served.length),
  ],
];
{
  // One prompt at a time (latency, not throughput): what a worker round trip adds to route().
  const lat = configs.map(() => []);
  for (let i = 0; i < 220; i++) {
    for (const k of configs.keys()) {
      const t = performance.now();
      await routers[k].route(short32[i % 32]);
      if (i >= 20) lat[k].push(performance.now() - t);
    }
  }
  rows.push(['route() one ~35-token prompt at a time, p50, ms', ...lat.map(median)]);
}
for (const [label, fn] of sets) {
  const got = configs.map(() => []);
  for (let r = 0; r <= rounds; r++) {
    for (const k of configs.keys()) {
      const x = await fn(k);
      if (r > 0) got[k].push(x); // round 0 warms up
    }
  }
  rows.push([label, ...got.map(median)]);
}
for (const router of routers) await router.dispose();

if (limit > 0 && dataPrompts.length > 0) {
  const texts = dataPrompts.slice(0, limit);
  const got = [];
  for (const [k, encoder] of encoders.entries()) {
    if (k === 0) {
      got.push(Number.NaN); // the 1-thread row would only repeat half the 2-thread figure; skipped to save time
      continue;
    }
    got.push(await rate(() => encoder.embed(texts, { batchSize: 32 }), texts.length));
  }
  rows.push([`embed ${texts.length} prompts of ${values.data.split('/').slice(-2).join('/')}, prompts/s`, ...got]);
}
for (const encoder of encoders) await encoder.dispose();
rmSync(cacheDir, { recursive: true, force: true });

const fmt = (x, label) =>
  Number.isNaN(x)
    ? '—'
    : label.includes(', ms')
      ? `${x.toFixed(label.startsWith('load') ? 0 : 2)} ms`
      : `${x.toFixed(0)}/s`;
const headers = ['measure', ...configs.map((c) => c.name), `pool / 1 thread`, `pool / 2 threads`];
const table = rows.map(([label, a, b, c]) => [
  label,
  fmt(a, label),
  fmt(b, label),
  fmt(c, label),
  Number.isNaN(a) ? '—' : (c / a).toFixed(2),
  (c / b).toFixed(2),
]);
const widths = headers.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(headers));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of table) console.log(line(r));
console.log(
  `targets (issue #12): routeBatch ≥ 500 prompts/s on 2 cores; load ≤ 500 ms warm; embed ≥ 500 prompts/s for 20k prompts. load average at start ${loadStart}, at end ${load()} on ${os.cpus().length} cores; took ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
