// Embedding throughput on big datasets (issue #12: "finerouter embed / the pipeline embed 20k prompts at ≥ 500
// prompts/s on 2 cores, int8, two workers, length-bucketed batches"). Run: `npm run bench -- embed` (builds first), or
// `node bench/embed.bench.mjs [options]` after `npx tsup`.
//
//   --data LIST        comma-separated dataset names under ../shared/data (or routing.jsonl paths)
//                      (default routerdc-7model)
//   --limit N          prompts per dataset, in file order (default 20000)
//   --sample N         prompts of the in-thread vs pool A/B (evenly spaced over the --limit prompts; default 1500)
//   --rounds R         A/B rounds, configurations in rotating order (default 2)
//   --workers N        pool size (default 2)
//   --precision P      int8 | fp32 (default int8)
//   --full 0|1         the one-call embed of all --limit prompts on the pool and the pipeline step (default 1)
//
// Per dataset it prints:
//   - the token lengths (MiniLM tokenizer, 256-token truncation) and the padding share of the batch plan
//     (src/encoder/batch-plan.ts: padded − real tokens over padded tokens), next to fixed 32-text batches of the
//     length-sorted texts (the plan before this bench);
//   - full: the pool embedding all --limit prompts in ONE call (what `finerouter embed --workers 2` does), and the
//     pipeline's embed step (embedTextsCached into a fresh cache directory, what `finerouter train` does): prompts/s,
//     tokens/s, process CPU-seconds (all threads: workers and onnxruntime included, via process.cpuUsage);
//   - A/B on --sample prompts: in-thread 1 intra-op thread (the reference), in-thread 2 intra-op threads, the pool,
//     interleaved round by round (so machine load hits all alike); medians of prompts/s and ratios to the reference;
//   - the ceiling the measured per-token cost allows: the reference's real tokens per CPU-second × cores / mean tokens.
// Load average (uptime) at the start and end of each dataset.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoderPool, embedTextsCached, loadMiniLmEncoder } from '../dist/node.js';
import { planBatches } from '../dist/internal.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'routerdc-7model' },
    limit: { type: 'string', default: '20000' },
    sample: { type: 'string', default: '1500' },
    rounds: { type: 'string', default: '2' },
    workers: { type: 'string', default: '2' },
    precision: { type: 'string', default: 'int8' },
    full: { type: 'string', default: '1' },
  },
});
const limit = Number(values.limit);
const sampleSize = Number(values.sample);
const rounds = Number(values.rounds);
const workers = Number(values.workers);
const precision = values.precision;
const cores = os.cpus().length;
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const cacheDir = mkdtempSync(join(tmpdir(), 'embed-bench-'));

const pathOf = (name) => (name.endsWith('.jsonl') ? name : join('..', 'shared', 'data', name, 'routing.jsonl'));
const datasets = values.data.split(',').filter((x) => x.trim() !== '');
const missing = datasets.filter((d) => !existsSync(pathOf(d)));
if (missing.length > 0) {
  console.error(
    `embed bench: no routing.jsonl for ${missing.join(', ')} (looked at ${missing.map(pathOf).join(', ')})`,
  );
  process.exit(2);
}

console.log(
  `embed throughput bench — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${cores} cores; ${precision} MiniLM; pool of ${workers} workers × 1 thread; load average ${load()}`,
);
const started = performance.now();
// Build (or read) the .onnx once so every configuration starts warm.
await (await loadMiniLmEncoder({ precision, cacheDir })).dispose();
const configs = [
  { name: 'in-thread, 1 thread', make: () => loadMiniLmEncoder({ intraOpNumThreads: 1, precision, cacheDir }) },
  { name: 'in-thread, 2 threads', make: () => loadMiniLmEncoder({ intraOpNumThreads: 2, precision, cacheDir }) },
  {
    name: `pool, ${workers} × 1 thread`,
    make: () => createEncoderPool({ workers, encoder: { kind: 'minilm', precision, cacheDir } }),
  },
];
const encoders = [];
for (const c of configs) encoders.push(await c.make());
const [reference, , pool] = encoders;

async function timed(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f0 = (x) => x.toFixed(0);

for (const name of datasets) {
  const loadStart = load();
  const texts = readFileSync(pathOf(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, limit)
    .map((l) => JSON.parse(l).prompt);
  const n = texts.length;
  const lengths = Int32Array.from(reference.tokenize(texts), (s) => s.length);
  const tokens = lengths.reduce((a, b) => a + b, 0);
  const sorted = [...lengths].sort((a, b) => a - b);
  const q = (f) => sorted[Math.min(n - 1, Math.floor(f * n))];
  const plan = planBatches(lengths, { maxRows: Math.min(32, Math.ceil(n / workers)) });
  let fixedPadded = 0;
  const desc = [...sorted].reverse();
  for (let i = 0; i < n; i += 32) fixedPadded += Math.min(32, n - i) * desc[i];
  const share = (padded) => `${((100 * (padded - tokens)) / padded).toFixed(1)} %`;
  console.log(`\n## ${name}: ${n} prompts, ${tokens} tokens`);
  console.log(
    `tokens per prompt: mean ${(tokens / n).toFixed(1)}, p10 ${q(0.1)}, p50 ${q(0.5)}, p90 ${q(0.9)}, max ${sorted[n - 1]}; at the 256 cap ${((100 * sorted.filter((x) => x >= 256).length) / n).toFixed(1)} %`,
  );
  console.log(
    `padding share: batch plan ${share(plan.paddedTokens)} (${plan.starts.length - 1} batches); fixed 32-text batches of the sorted texts ${share(fixedPadded)}`,
  );

  const rows = [];
  if (values.full !== '0') {
    const one = await timed(() => pool.embed(texts));
    rows.push([`pool, one embed() call of all ${n}`, one]);
    const dir = mkdtempSync(join(tmpdir(), 'embed-bench-cache-'));
    const step = await timed(() => embedTextsCached(pool, texts, { cacheDir: dir }));
    rmSync(dir, { recursive: true, force: true });
    rows.push([`pipeline embed step (embedTextsCached on the pool, fresh cache)`, step]);
  }
  // A/B: the same evenly spaced sample through every configuration, rotating the order each round.
  const stride = Math.max(1, Math.floor(n / sampleSize));
  const sample = texts.filter((_, i) => i % stride === 0).slice(0, sampleSize);
  const sampleTokens = Int32Array.from(reference.tokenize(sample), (s) => s.length).reduce((a, b) => a + b, 0);
  const got = configs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < configs.length; j++) {
      const k = (j + r) % configs.length;
      got[k].push(await timed(() => encoders[k].embed(sample)));
    }
  }
  const ab = got.map((runs) => ({ wall: median(runs.map((x) => x.wall)), cpu: median(runs.map((x) => x.cpu)) }));
  console.log(`| run | prompts | prompts/s | tokens/s | CPU-s | prompts per CPU-s | vs in-thread 1 thread |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|`);
  for (const [label, x] of rows)
    console.log(
      `| ${label} | ${n} | ${f0(n / x.wall)} | ${f0(tokens / x.wall)} | ${x.cpu.toFixed(1)} | ${f0(n / x.cpu)} | ${(n / x.wall / (sample.length / ab[0].wall)).toFixed(2)} |`,
    );
  for (const [k, c] of configs.entries())
    console.log(
      `| A/B sample, ${c.name} (median of ${rounds}) | ${sample.length} | ${f0(sample.length / ab[k].wall)} | ${f0(sampleTokens / ab[k].wall)} | ${ab[k].cpu.toFixed(1)} | ${f0(sample.length / ab[k].cpu)} | ${(ab[0].wall / ab[k].wall).toFixed(2)} |`,
    );
  const perCpuSecond = sampleTokens / ab[0].cpu;
  console.log(
    `ceiling at the reference's cost (${f0(perCpuSecond)} tokens per CPU-second, ${((1e6 * ab[0].cpu) / sampleTokens).toFixed(1)} µs/token): ${f0((perCpuSecond * cores) / (tokens / n))} prompts/s on ${cores} cores for this dataset's mean of ${(tokens / n).toFixed(1)} tokens; 500 prompts/s needs ≤ ${((1e6 * cores) / (500 * (tokens / n))).toFixed(1)} µs/token`,
  );
  console.log(`load average: start ${loadStart}, end ${load()}`);
}
for (const e of encoders) await e.dispose();
rmSync(cacheDir, { recursive: true, force: true });
console.log(
  `\ntarget (issue #12): ≥ 500 prompts/s embedding 20k prompts on 2 cores; took ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
