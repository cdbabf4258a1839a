// FineRouter inference latency on CPU, side by side with a plain onnxruntime-node baseline in the same run.
// Run: `npm run bench -- router` (builds first), or `node bench/router.bench.mjs [--artifacts DIR] [--threads N]`
// after `npx tsup`. Needs a trained artifact directory: by default finerouter-demo/artifacts, which
// `npm run demo` writes.
//
// Measured (medians of repeated runs, ~30-token prompt, onnxruntime intra-op threads as given, default 1):
//   - load: loadFineRouter(dir) with the encoder's .onnx cache cold (first load) and warm.
//   - route(): end to end p50/p99 (encoder + classifier + router graph + Eq. 5 + selection + explanation).
//   - heads + aggregation: routeEmbeddings() on a precomputed embedding (everything but the encoder).
//   - routeBatch(32 prompts): prompts per second.
// Baseline ("plain ORT"): the same encoder object for embeddings, then the two artifact graphs run by hand
// through onnxruntime-node InferenceSession (classifier → argmax/threshold → router → argmax of quality),
// without FineRouter. Ratios are FineRouter time / baseline time (1.00 = no overhead).
import { existsSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { loadFineRouter } from '../dist/node.js';

const { values } = parseArgs({
  options: {
    artifacts: { type: 'string', default: 'finerouter-demo/artifacts' },
    threads: { type: 'string', default: '1' },
    iterations: { type: 'string', default: '300' },
  },
});
const dir = values.artifacts;
const threads = Number(values.threads);
const iterations = Number(values.iterations);
if (!existsSync(join(dir, 'manifest.json'))) {
  console.error(
    `router bench: no artifacts at ${dir}; run \`npm run demo\` first (it writes finerouter-demo/artifacts) or pass --artifacts DIR`,
  );
  process.exit(2);
}

const PROMPT =
  'A train leaves the station at 3 pm travelling at 60 km/h; a second train follows at 80 km/h one hour later. When does it catch up?';
const BATCH = [
  'What is the capital of Australia?',
  'Write a Python function that returns the n-th Fibonacci number.',
  'Solve for x: 3x + 7 = 22.',
  'Which gas do plants absorb from the atmosphere during photosynthesis?',
  'Translate "the weather is nice today" into German.',
  'If a shirt costs $25 after a 20% discount, what was the original price?',
  'Who painted the ceiling of the Sistine Chapel?',
  'Explain the difference between a list and a tuple in Python.',
];
const batch32 = Array.from(
  { length: 32 },
  (_, i) => `${BATCH[i % BATCH.length]}${i >= BATCH.length ? ` (variant ${i})` : ''}`,
);

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (xs) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
/**
 * Times `a` and `b` interleaved (a, b, a, b, …) so machine load hits both alike. Returns wall p50/p99 and
 * the process CPU time (user + system) per call, which a busy machine distorts far less than wall time.
 */
async function timePair(a, b, n, warmup = 20) {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const wall = [new Float64Array(n), new Float64Array(n)];
  const cpu = [0, 0];
  for (let i = 0; i < n; i++) {
    for (const [k, fn] of [
      [0, a],
      [1, b],
    ]) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      wall[k][i] = performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpu[k] += (c.user + c.system) / 1000;
    }
  }
  return wall.map((w, k) => {
    w.sort();
    return { p50: quantile(w, 0.5), p99: quantile(w, 0.99), cpu: cpu[k] / n };
  });
}
const ms = (x) => `${x.toFixed(3)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

// ---- load
const cacheDir = await mkdtemp(join(tmpdir(), 'finerouter-bench-cache-'));
const loadTimes = [];
let router;
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  const r = await loadFineRouter(dir, { intraOpNumThreads: threads, encoderCacheDir: cacheDir });
  loadTimes.push(performance.now() - t0);
  if (i < 3) await r.dispose();
  else router = r;
}
const encoder = router.encoder;
const manifest = router.manifest;
const T = manifest.tasks.length;
const M = manifest.models.length;
const D = manifest.encoder.dimension;
console.log(
  `router bench: ${dir}: ${M} models, ${T} tasks, D=${D}; onnxruntime-node ${ort.env.versions?.node ?? ''}, intraOpNumThreads=${threads}, ${iterations} iterations`,
);
console.log(
  `load: cold (encoder .onnx built, cache empty) ${ms(loadTimes[0])}; warm (cache hit) median ${ms(median(loadTimes.slice(1)))}  [target ≤ 1500 ms]`,
);

// ---- plain onnxruntime-node baseline: the artifact graphs run by hand
const sessionOptions = { intraOpNumThreads: threads, executionProviders: ['cpu'] };
const classifierSession = await ort.InferenceSession.create(
  await readFile(join(dir, manifest.classifier.file)),
  sessionOptions,
);
const routerSession = await ort.InferenceSession.create(
  await readFile(join(dir, manifest.router.file)),
  sessionOptions,
);
async function baselineHeads(embedding, n) {
  const input = new ort.Tensor('float32', embedding, [n, D]);
  const { task_probs: probs } = await classifierSession.run({ embedding: input });
  const task = new BigInt64Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < T; j++) if (probs.data[r * T + j] > probs.data[r * T + best]) best = j;
    task[r] = BigInt(T > 0 && probs.data[r * T + best] >= manifest.classifier.threshold ? best : T);
  }
  const { quality } = await routerSession.run({ embedding: input, task: new ort.Tensor('int64', task, [n]) });
  const picks = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let k = 1; k < M; k++) if (quality.data[r * M + k] > quality.data[r * M + best]) best = k;
    picks[r] = best;
  }
  return picks;
}

const embedding = await encoder.embed([PROMPT]);
const tokens = PROMPT.split(/\s+/).length;

const [ours, base] = await timePair(
  () => router.route(PROMPT),
  async () => baselineHeads(await encoder.embed([PROMPT]), 1),
  iterations,
);
const [oursHeads, baseHeads] = await timePair(
  () => router.routeEmbeddings(embedding),
  () => baselineHeads(embedding, 1),
  iterations * 3,
);
const [encoderOnly] = await timePair(
  () => encoder.embed([PROMPT]),
  async () => {},
  iterations,
);
const row = (name, r) => `${name.padEnd(38)} p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  cpu/call ${ms(r.cpu)}`;
console.log(
  `prompt: ${tokens} words (~${Math.round(tokens * 1.3)} tokens); machine load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores`,
);
console.log(row('encoder.embed (1 prompt)', encoderOnly));
console.log(`${row('route() end to end', ours)}   [target p50 ≤ 6 ms]`);
console.log(
  `${row('plain ORT end to end (baseline)', base)}   ratio p50 ${ratio(ours.p50, base.p50)}, cpu ${ratio(ours.cpu, base.cpu)}`,
);
console.log(
  `${row('heads + aggregation (routeEmbeddings)', oursHeads)}   [target ≤ 0.5 ms]  share of route() p50 ${((100 * oursHeads.p50) / ours.p50).toFixed(1)}%`,
);
console.log(
  `${row('plain ORT heads, argmax only (baseline)', baseHeads)}   ratio p50 ${ratio(oursHeads.p50, baseHeads.p50)}, cpu ${ratio(oursHeads.cpu, baseHeads.cpu)}`,
);

// ---- batch throughput
const runs = 7;
const batchOurs = [];
const batchBase = [];
await router.routeBatch(batch32);
const batchCpu = [0, 0];
for (let i = 0; i < runs; i++) {
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  await router.routeBatch(batch32);
  batchOurs.push(performance.now() - t0);
  let c = process.cpuUsage(c0);
  batchCpu[0] += (c.user + c.system) / 1000 / runs;
  c0 = process.cpuUsage();
  t0 = performance.now();
  await baselineHeads(await encoder.embed(batch32), batch32.length);
  batchBase.push(performance.now() - t0);
  c = process.cpuUsage(c0);
  batchCpu[1] += (c.user + c.system) / 1000 / runs;
}
const pps = (t) => (1000 * batch32.length) / t;
console.log(
  `routeBatch(32)                         ${pps(median(batchOurs)).toFixed(0)} prompts/s wall (median of ${runs}), ${pps(batchCpu[0]).toFixed(0)} prompts per CPU-second   [target ≥ 250]`,
);
console.log(
  `plain ORT batch of 32 (baseline)       ${pps(median(batchBase)).toFixed(0)} prompts/s wall, ${pps(batchCpu[1]).toFixed(0)} prompts per CPU-second   ratio (time) ${ratio(median(batchOurs), median(batchBase))}`,
);

await router.dispose();
await classifierSession.release();
await routerSession.release();
await rm(cacheDir, { recursive: true, force: true });
