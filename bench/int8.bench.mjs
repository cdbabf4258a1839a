// int8 vs fp32 MiniLM encoder (`npm run bench -- int8`, or `node bench/int8.bench.mjs [--threads N]` after
// `npx tsup`): the two precisions of loadMiniLmEncoder measured in one process, interleaved call by call
// (fp32, int8, fp32, int8, …) so machine load hits both alike. Prompts: seeded ~35-token and ~128-token texts.
// Reports wall p50/p99 and the p50 of process CPU time per call (on an overloaded machine CPU time is what a
// call costs when it has a core to itself), batch-32 throughput, cold load time, and with artifacts present
// route() end to end with either encoder: on --artifacts DIR (default finerouter-demo/artifacts, written by
// `npm run demo`) or, when that is absent, on synthetic artifacts of the demo's shape (60 tasks, 9 models:
// a sigmoid classifier and a linear router with per-task bonuses, random seeded weights) in a temp directory.
// Ratios are int8 / fp32 (below 1 = int8 faster). Machine load (uptime) is printed with the table.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFineRouter, loadMiniLmEncoder, writeFineRouterArtifacts } from '../dist/node.js';
import { OnnxGraphBuilder, mulberry32 as seeded } from '../dist/internal.js';
import { syntheticPromptSource } from './synthetic-prompts.mjs';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    iterations: { type: 'string', default: '200' },
    artifacts: { type: 'string', default: 'finerouter-demo/artifacts' },
  },
});
const threads = Number(values.threads);
const iterations = Number(values.iterations);

const { rand, textOf } = syntheticPromptSource(7);
// ~1.1 word pieces per word here, plus [CLS] [SEP]: 30 words ≈ 35 tokens, 112 words ≈ 128 tokens (checked below).
const short = Array.from({ length: 64 }, () => textOf(30));
const long = Array.from({ length: 64 }, () => textOf(112));

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Interleaved latency of a(i) and b(i): wall p50/p99 and CPU-time p50 for each. */
async function pair(a, b, n) {
  for (let i = 0; i < 10; i++) {
    await a(i);
    await b(i);
  }
  const res = [a, b].map(() => ({ wall: [], cpu: [] }));
  for (let i = 0; i < n; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const c = cpuNow();
      const t = performance.now();
      await fn(i);
      res[k].wall.push(performance.now() - t);
      res[k].cpu.push(cpuNow() - c);
    }
  }
  return res.map((r) => ({ p50: quantile(r.wall, 0.5), p99: quantile(r.wall, 0.99), cpu50: quantile(r.cpu, 0.5) }));
}

const rows = [];
const row = (metric, fp32, int8, unit, target) =>
  rows.push([
    metric,
    `${fp32.toFixed(unit === '/s' ? 0 : 2)} ${unit}`,
    `${int8.toFixed(unit === '/s' ? 0 : 2)} ${unit}`,
    (int8 / fp32).toFixed(2),
    target ?? '',
  ]);

console.log(
  `int8 vs fp32 MiniLM — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, intra-op threads ${threads}`,
);
const loadStart = load();

// Cold load (weights → ready encoder), interleaved.
const loads = { fp32: [], int8: [] };
for (let i = 0; i < 3; i++) {
  for (const precision of ['fp32', 'int8']) {
    const t = performance.now();
    const e = await loadMiniLmEncoder({ intraOpNumThreads: threads, precision });
    loads[precision].push(performance.now() - t);
    await e.dispose();
  }
}
row('cold load (build graph + session)', quantile(loads.fp32, 0.5), quantile(loads.int8, 0.5), 'ms');

const fp32 = await loadMiniLmEncoder({ intraOpNumThreads: threads, precision: 'fp32' });
const int8 = await loadMiniLmEncoder({ intraOpNumThreads: threads, precision: 'int8' });
for (const [label, texts, target] of [
  ['~35 tokens', short, '≤ 3 ms p50, ≤ 6 ms p99'],
  ['~128 tokens', long, '≤ 12 ms p50'],
]) {
  const [a, b] = await pair(
    (i) => fp32.embed([texts[i % texts.length]]),
    (i) => int8.embed([texts[i % texts.length]]),
    iterations,
  );
  row(`embed 1 prompt, ${label}: p50 wall`, a.p50, b.p50, 'ms', target);
  row(`  p99 wall`, a.p99, b.p99, 'ms');
  row(`  p50 CPU time`, a.cpu50, b.cpu50, 'ms');
}
// Batch 32 throughput, interleaved repetitions.
const batch = short.slice(0, 32);
const rates = { fp32: [], int8: [], fp32cpu: [], int8cpu: [] };
for (let r = 0; r < 6; r++) {
  for (const [name, e] of [
    ['fp32', fp32],
    ['int8', int8],
  ]) {
    const c = cpuNow();
    const t = performance.now();
    await e.embed(batch, { batchSize: 32 });
    if (r === 0) continue;
    rates[name].push(32 / ((performance.now() - t) / 1000));
    rates[`${name}cpu`].push(32 / ((cpuNow() - c) / 1000));
  }
}
row(
  'embed batch of 32 (~35 tokens): prompts per wall second',
  quantile(rates.fp32, 0.5),
  quantile(rates.int8, 0.5),
  '/s',
);
row('  prompts per CPU-second', quantile(rates.fp32cpu, 0.5), quantile(rates.int8cpu, 0.5), '/s');

// route() end to end with each encoder (artifacts trained on fp32: the int8 router is loaded with
// encoderCheck 'ignore', for timing only; its decisions are what bench/int8-agreement measures).
/** Synthetic artifacts of the demo's shape (see the header); returns the directory. */
async function syntheticArtifacts() {
  const D = 384,
    T = 60,
    M = 9;
  const r = seeded(5);
  const W = Float32Array.from({ length: D * T }, () => (r() - 0.5) * 0.5);
  const b = Float32Array.from({ length: T }, () => -2 + r());
  const Wq = Float32Array.from({ length: D * M }, () => (r() - 0.5) * 0.2);
  const bonus = Float32Array.from({ length: (T + 1) * M }, () => (r() - 0.5) * 0.2);
  const c = new OnnxGraphBuilder('classifier');
  c.input('embedding', 'float32', ['N', D]);
  c.initializer('W', 'float32', W, [D, T]);
  c.initializer('b', 'float32', b, [T]);
  c.node('MatMul', ['embedding', 'W'], ['logits0']);
  c.node('Add', ['logits0', 'b'], ['logits']);
  c.node('Sigmoid', ['logits'], ['task_probs']);
  c.output('task_probs', 'float32', ['N', T]);
  const g = new OnnxGraphBuilder('router');
  g.input('embedding', 'float32', ['N', D]);
  g.input('task', 'int64', ['N']);
  g.initializer('Wq', 'float32', Wq, [D, M]);
  g.initializer('bonus', 'float32', bonus, [T + 1, M]);
  g.node('MatMul', ['embedding', 'Wq'], ['general']);
  g.node('Gather', ['bonus', 'task'], ['adapter'], { axis: { int: 0 } });
  g.node('Add', ['general', 'adapter'], ['quality']);
  g.output('quality', 'float32', ['N', M]);
  const dir = mkdtempSync(join(tmpdir(), 'int8-bench-'));
  const models = Array.from({ length: M }, (_, k) => ({ id: `model-${k}`, cost: 0.1 * (k + 1) }));
  await writeFineRouterArtifacts(dir, {
    manifest: {
      schema: 'finerouter/artifacts',
      version: 1,
      encoder: { id: fp32.id, dimension: D },
      models,
      tasks: Array.from({ length: T }, (_, t) => ({
        id: t,
        description: `task ${t}`,
        size: 10,
        candidates: [models[t % M].id, models[(t + 3) % M].id],
        stage1: Array.from({ length: M }, () => r()),
      })),
      others: { size: 5, stage1: Array.from({ length: M }, () => r()) },
      classifier: { file: 'classifier.onnx', threshold: 0.5 },
      router: { file: 'router.onnx' },
      defaults: { alpha: 0.5, tolerance: 0 },
    },
    files: { 'classifier.onnx': c.toBytes(), 'router.onnx': g.toBytes() },
  });
  return dir;
}

{
  const synthetic = existsSync(join(values.artifacts, 'manifest.json')) ? null : await syntheticArtifacts();
  const artifacts = synthetic ?? values.artifacts;
  console.log(`route() rows on ${synthetic === null ? artifacts : 'synthetic artifacts (60 tasks, 9 models)'}`);
  const r32 = await loadFineRouter(artifacts, { encoder: fp32, intraOpNumThreads: threads });
  const r8 = await loadFineRouter(artifacts, { encoder: int8, intraOpNumThreads: threads, encoderCheck: 'ignore' });
  const [a, b] = await pair(
    (i) => r32.route(short[i % short.length]),
    (i) => r8.route(short[i % short.length]),
    iterations,
  );
  row('route() ~35 tokens: p50 wall', a.p50, b.p50, 'ms', '≤ 3 ms');
  row('  p99 wall', a.p99, b.p99, 'ms', '≤ 6 ms');
  row('  p50 CPU time', a.cpu50, b.cpu50, 'ms');
  const rb = { fp32: [], int8: [] };
  for (let r = 0; r < 4; r++) {
    for (const [name, router] of [
      ['fp32', r32],
      ['int8', r8],
    ]) {
      const c = cpuNow();
      await router.routeBatch(batch);
      if (r > 0) rb[name].push(32 / ((cpuNow() - c) / 1000));
    }
  }
  row('routeBatch(32): prompts per CPU-second', quantile(rb.fp32, 0.5), quantile(rb.int8, 0.5), '/s');
  await r32.dispose();
  await r8.dispose();
  if (synthetic !== null) rmSync(synthetic, { recursive: true, force: true });
}
const tokens = async (texts) => {
  // Token counts of the prompt sets (the tokenizer behind the encoder), for the row labels.
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const { readFileSync } = await import('node:fs');
  const { defaultMiniLmModelDir } = await import('../dist/node.js');
  const tok = new Tokenizer(JSON.parse(readFileSync(join(defaultMiniLmModelDir(), 'tokenizer.json'), 'utf8')), {});
  const counts = texts.map((t) => tok.encode(t).ids.length).sort((x, y) => x - y);
  return `${counts[0]}–${counts[counts.length - 1]}`;
};
await fp32.dispose();
await int8.dispose();

const headers = ['metric', 'fp32', 'int8', 'int8/fp32', 'target (one core, quiet machine)'];
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(
  `prompts: "~35 tokens" = ${await tokens(short)} tokens, "~128 tokens" = ${await tokens(long)} tokens (with [CLS]/[SEP])`,
);
console.log(
  `load average (1/5/15 min) at start ${loadStart}, at end ${load()}, on ${os.cpus().length} cores: above the core count, wall times include waiting for a core; CPU-time rows do not`,
);
console.log(line(headers));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
