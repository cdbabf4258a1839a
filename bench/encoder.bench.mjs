// Encoder benchmark (`npm run bench -- encoder`): the embedded all-MiniLM-L6-v2 encoder from the BUILT
// package next to a plain onnxruntime-node baseline measured in the same run: the same ONNX bytes
// (buildMiniLmOnnx) run directly with hand-made feeds of pre-tokenized ids, so the ratio is our overhead
// (tokenization, truncation, padding, sorting, tensor conversion, JS-side normalization).
// Sentences are seeded and 20–26 tokens long. RSS is measured in fresh child processes.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { buildMiniLmOnnx, defaultMiniLmModelDir, loadMiniLmEncoder } from '../dist/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const modelDir = defaultMiniLmModelDir();

// --- child mode: RSS of one loaded encoder or one plain session -------------------------------------
if (process.argv[2] === '--rss') {
  const which = process.argv[3];
  const weightType = process.argv[4] ?? 'float16';
  if (which === 'encoder') {
    const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1, weightType });
    await encoder.embed(['warm up the session once']);
  } else {
    const bytes = await buildMiniLmOnnx({ weightType });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const ids = BigInt64Array.of(101n, 7592n, 102n);
    await session.run({
      input_ids: new ort.Tensor('int64', ids, [1, 3]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.of(1n, 1n, 1n), [1, 3]),
    });
  }
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 50));
  globalThis.gc?.();
  process.stdout.write(String(process.memoryUsage().rss));
  process.exit(0);
}

// --- seeded sentences of 20–26 tokens ------------------------------------------------------------------
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const tokenizer = new Tokenizer(JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8')), {});
const WORDS = (
  'write a python function that returns the sum of two numbers explain why the sky looks blue during the day ' +
  'translate this sentence into french summarize the following article about climate policy in three bullet points ' +
  'solve the equation for x and show each step prove that the square root of two is irrational ' +
  'what is the capital city of australia compare merge sort and quick sort in terms of memory usage ' +
  'draft a polite email asking my manager for a day off next friday list five healthy breakfast ideas'
).split(' ');
const rand = mulberry32(42);
const sentences = [];
while (sentences.length < 256) {
  const n = 12 + Math.floor(rand() * 12);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]);
  const text = words.join(' ') + '?';
  const len = tokenizer.encode(text).ids.length;
  if (len >= 20 && len <= 26) sentences.push(text);
}
const idsOf = sentences.map((s) => tokenizer.encode(s).ids);

function feedOf(rows) {
  const length = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * length);
  const mask = new BigInt64Array(rows.length * length);
  rows.forEach((r, i) => r.forEach((id, j) => ((ids[i * length + j] = BigInt(id)), (mask[i * length + j] = 1n))));
  return {
    input_ids: new ort.Tensor('int64', ids, [rows.length, length]),
    attention_mask: new ort.Tensor('int64', mask, [rows.length, length]),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// Wall-clock p50/p99, plus the p50 of process CPU time per call (all threads): on a shared, overloaded
// machine the CPU time shows what the call costs when it has a core to itself.
async function latency(fn, n) {
  for (let i = 0; i < 10; i++) await fn(i);
  const times = [];
  const cpu = [];
  for (let i = 0; i < n; i++) {
    const c = cpuNow();
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
    cpu.push(cpuNow() - c);
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), cpu50: quantile(cpu, 0.5) };
}

// Sentences per wall-clock second and per CPU-second (process CPU time, all threads).
async function throughput(fn, count, reps) {
  await fn();
  const rates = [];
  const cpuRates = [];
  for (let r = 0; r < reps; r++) {
    const c = cpuNow();
    const t = performance.now();
    await fn();
    rates.push(count / ((performance.now() - t) / 1000));
    cpuRates.push(count / ((cpuNow() - c) / 1000));
  }
  return { wall: median(rates), cpu: median(cpuRates) };
}

const rows = [];
const row = (metric, ours, base, unit, target, lowerIsBetter = true) => {
  const ratio = base > 0 ? ours / base : NaN;
  const ok =
    target === undefined || !Number.isFinite(ours)
      ? ''
      : lowerIsBetter
        ? ours <= target
          ? 'yes'
          : 'NO'
        : ours >= target
          ? 'yes'
          : 'NO';
  rows.push([
    metric,
    `${ours.toFixed(unit === 'MB' || unit === 'sent/s' ? 0 : 2)} ${unit}`,
    `${base.toFixed(unit === 'MB' || unit === 'sent/s' ? 0 : 2)} ${unit}`,
    ratio.toFixed(2),
    target === undefined ? '' : `${lowerIsBetter ? '≤' : '≥'} ${target} ${unit}`,
    ok,
  ]);
};

const started = performance.now();
const loadBefore = os.loadavg()[0];
// Import onnxruntime's native binding before timing cold loads (both sides pay it once per process).
await ort.InferenceSession.create(await buildMiniLmOnnx({ weightType: 'float16' }), { intraOpNumThreads: 1 }).then(
  (s) => s.release(),
);

// Cold load: weights on disk → ready encoder, vs the plain session from prebuilt ONNX bytes.
const WEIGHT_TYPES = ['float16', 'float32'];
const onnxBytes = {};
for (const weightType of WEIGHT_TYPES) {
  onnxBytes[weightType] = await buildMiniLmOnnx({ weightType });
  const ours = [];
  const base = [];
  const oursCpu = [];
  const baseCpu = [];
  for (let i = 0; i < 3; i++) {
    let c = cpuNow();
    let t = performance.now();
    const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1, weightType });
    ours.push(performance.now() - t);
    oursCpu.push(cpuNow() - c);
    await encoder.dispose();
    c = cpuNow();
    t = performance.now();
    const s = await ort.InferenceSession.create(onnxBytes[weightType], { intraOpNumThreads: 1 });
    base.push(performance.now() - t);
    baseCpu.push(cpuNow() - c);
    await s.release();
  }
  row(
    `cold load, weights ${weightType} (build+session vs session only)`,
    median(ours),
    median(base),
    'ms',
    weightType === 'float16' ? 1000 : undefined,
  );
  row(`  same, CPU time`, median(oursCpu), median(baseCpu), 'ms');
}

for (const threads of [1, 2]) {
  for (const weightType of threads === 1 ? WEIGHT_TYPES : ['float16']) {
    const encoder = await loadMiniLmEncoder({ intraOpNumThreads: threads, weightType });
    const session = await ort.InferenceSession.create(onnxBytes[weightType], { intraOpNumThreads: threads });
    const tag = `${threads} thread${threads > 1 ? 's' : ''}, ${weightType}`;
    const single = await latency((i) => encoder.embed([sentences[i % sentences.length]]), 150);
    const singleBase = await latency((i) => session.run(feedOf([idsOf[i % idsOf.length]])), 150);
    row(`p50 latency, 1 prompt (${tag})`, single.p50, singleBase.p50, 'ms', threads === 1 ? 5 : undefined);
    row(`p99 latency, 1 prompt (${tag})`, single.p99, singleBase.p99, 'ms', threads === 1 ? 10 : undefined);
    row(`  p50 CPU time per prompt (${tag})`, single.cpu50, singleBase.cpu50, 'ms');
    if (weightType === 'float16') {
      const feeds1 = idsOf.slice(0, 64).map((r) => feedOf([r]));
      const b1 = await throughput(
        async () => {
          for (let i = 0; i < 64; i++) await encoder.embed([sentences[i]]);
        },
        64,
        3,
      );
      const b1Base = await throughput(
        async () => {
          for (let i = 0; i < 64; i++) await session.run(feeds1[i]);
        },
        64,
        3,
      );
      row(`sentences/s, batch 1 (${tag})`, b1.wall, b1Base.wall, 'sent/s', undefined, false);
      row(`  sentences per CPU-second, batch 1 (${tag})`, b1.cpu, b1Base.cpu, 'sent/s', undefined, false);
      const feeds32 = Array.from({ length: 8 }, (_, b) => feedOf(idsOf.slice(b * 32, b * 32 + 32)));
      const b32 = await throughput(() => encoder.embed(sentences, { batchSize: 32 }), 256, 3);
      const b32Base = await throughput(
        async () => {
          for (const f of feeds32) await session.run(f);
        },
        256,
        3,
      );
      row(`sentences/s, batch 32 (${tag})`, b32.wall, b32Base.wall, 'sent/s', threads === 1 ? 300 : undefined, false);
      row(`  sentences per CPU-second, batch 32 (${tag})`, b32.cpu, b32Base.cpu, 'sent/s', undefined, false);
    }
    await encoder.dispose();
    await session.release();
  }
}

const rss = (which, weightType) =>
  Number(
    spawnSync(process.execPath, ['--expose-gc', join(here, 'encoder.bench.mjs'), '--rss', which, weightType], {
      encoding: 'utf8',
    }).stdout,
  ) / 1e6;
for (const weightType of WEIGHT_TYPES) {
  row(
    `RSS of a loaded encoder, ${weightType} (fresh process, after GC)`,
    rss('encoder', weightType),
    rss('session', weightType),
    'MB',
    weightType === 'float16' ? 300 : undefined,
  );
}

const headers = ['metric', 'finerouter', 'plain onnxruntime-node', 'ratio', 'target', 'met'];
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(
  `all-MiniLM-L6-v2 encoder, onnxruntime-node ${ort.env.versions.node}, ${sentences.length} seeded sentences of 20–26 tokens`,
);
console.log(
  `${os.cpus().length} CPUs; 1-minute load average ${loadBefore.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end (above the CPU count, wall times include waiting for a core; CPU-time rows do not)`,
);
console.log(line(headers));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
console.log(
  `(ratio = finerouter / plain; plain = the same ONNX bytes with hand-made feeds of pre-tokenized ids; took ${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
