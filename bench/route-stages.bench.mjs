// Where route() spends its time, stage by stage, fp32 and int8 MiniLM, one intra-op thread (issue #12: "measure
// and shrink tokenization, tensor creation and the two head sessions"). Run: `npm run bench -- route-stages`
// (builds first) or `node bench/route-stages.bench.mjs [--artifacts DIR ...] [--iterations N]` after `npx tsup`.
// Several --artifacts may be given (e.g. the demo's and a router trained on a full dataset, whose local prior
// scans every training prompt).
//
// Stages, each timed alone on the same ~35-token prompt (p50 of wall time and of process CPU time per call):
//   tokenize            @huggingface/tokenizers encode (what the encoder calls)
//   encoder graph       onnxruntime-node session.run on ready int64 feeds (the reference: no finerouter code)
//   v5 vs v4 graph      the current sequence-major graph against the previous batch-major one (builder v4,
//                       `layout: 'batch-major'`), interleaved call by call at ~35 and ~128 tokens; ratio v5/v4
//   encoder.embed       finerouter's embed([prompt]): tokenize + truncate + feeds + run + pool/normalize
//   classifier.onnx     session.run on one embedding (plain onnxruntime-node)
//   router.onnx         session.run on one embedding and task (plain; with the local prior when the artifacts have it)
//   routeEmbeddings     finerouter's heads + Eq. 5 + selection + explanation on a ready embedding
//   route()             end to end
// The ratios compare finerouter's stages with the plain-runtime reference of the same work.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { buildMiniLmOnnx, defaultMiniLmModelDir, loadFineRouter, loadMiniLmEncoder } from '../dist/node.js';

const { values } = parseArgs({
  options: {
    artifacts: { type: 'string', multiple: true, default: ['finerouter-demo/artifacts'] },
    iterations: { type: 'string', default: '300' },
  },
});
const iterations = Number(values.iterations);
const dirs = values.artifacts.filter((d) => existsSync(join(d, 'manifest.json')));
if (dirs.length === 0) {
  console.error('route-stages bench: no artifacts; run `npm run demo` first or pass --artifacts DIR');
  process.exit(2);
}
const PROMPT =
  'A train leaves the station at 3 pm travelling at 60 km/h; a second train follows at 80 km/h one hour later. When does it catch up?';
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
/** a and b interleaved call by call (order alternating), after a warm-up; stats for each. */
async function timePair(a, b) {
  for (let i = 0; i < 20; i++) {
    await a();
    await b();
  }
  const res = [a, b].map(() => ({ wall: [], cpu: [] }));
  for (let i = 0; i < iterations; i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const c0 = cpu();
      const t0 = performance.now();
      await [a, b][k]();
      res[k].wall.push(performance.now() - t0);
      res[k].cpu.push(cpu() - c0);
    }
  }
  return res.map((r) => ({ p50: median(r.wall), p99: p99(r.wall), cpu: median(r.cpu) }));
}
// V8 GC pauses, to tell whether route()'s p99 calls are GC (a pause inside the call), CPU work (CPU ≈ wall) or
// waiting for a core (CPU ≪ wall).
const gcPauses = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, end: e.startTime + e.duration });
}).observe({ entryTypes: ['gc'] });
async function time(fn) {
  for (let i = 0; i < 20; i++) await fn();
  const wall = [];
  const c = [];
  const spans = [];
  for (let i = 0; i < iterations; i++) {
    const c0 = cpu();
    const t0 = performance.now();
    await fn();
    const t1 = performance.now();
    wall.push(t1 - t0);
    c.push(cpu() - c0);
    spans.push([t0, t1]);
  }
  await new Promise((r) => setTimeout(r, 10)); // let the GC observer deliver
  const threshold = p99(wall);
  const slow = wall.flatMap((w, i) => (w >= threshold ? [i] : []));
  const withGc = slow.filter((i) => gcPauses.some((g) => g.end > spans[i][0] && g.start < spans[i][1])).length;
  const gcs = gcPauses.filter((g) => g.end > spans[0][0] && g.start < spans[spans.length - 1][1]);
  const tail = {
    calls: slow.length,
    withGc,
    cpuShare: median(slow.map((i) => c[i] / wall[i])),
    gcCount: gcs.length,
    gcMax: Math.max(0, ...gcs.map((g) => g.end - g.start)),
  };
  return { p50: median(wall), p99: p99(wall), cpu: median(c), tail };
}
const tails = [];
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadStart = load();
const opts = {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};
const tok = new Tokenizer(JSON.parse(readFileSync(join(defaultMiniLmModelDir(), 'tokenizer.json'), 'utf8')), {});
const ids = tok.encode(PROMPT, { add_special_tokens: true }).ids;
// ~128 tokens: the prompt repeated and cut (the issue's long-prompt target).
const longIds = [ids[0], ...tok.encode(`${PROMPT} ${PROMPT} ${PROMPT} ${PROMPT}`).ids.slice(1, 127)].slice(0, 127);
longIds.push(ids[ids.length - 1]);
const rows = [];
const add = (stage, precision, where, t, ref) =>
  rows.push([
    stage,
    precision,
    where,
    t.p50.toFixed(3),
    t.p99.toFixed(3),
    t.cpu.toFixed(3),
    ref ? (t.cpu / ref.cpu).toFixed(2) : '',
  ]);

console.log(
  `route() by stage — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, 1 intra-op thread, ${iterations} iterations, prompt ${ids.length} tokens`,
);
add('tokenize', '', '', await time(() => tok.encode(PROMPT, { add_special_tokens: true })));
for (const precision of ['fp32', 'int8']) {
  const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1, precision });
  const plain = await ort.InferenceSession.create(await buildMiniLmOnnx({ precision }), opts);
  const L = ids.length;
  const feeds = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, L]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(L).fill(1n), [1, L]),
  };
  const graph = await time(() => plain.run(feeds));
  add('encoder graph (plain session.run)', precision, '', graph);
  // The previous graph (builder v4, batch-major) against the current one, interleaved.
  const previous = await ort.InferenceSession.create(await buildMiniLmOnnx({ precision, layout: 'batch-major' }), opts);
  for (const tokens of [ids, longIds]) {
    const n = tokens.length;
    const f = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
    };
    const [v5, v4] = await timePair(
      () => plain.run(f),
      () => previous.run(f),
    );
    add(`encoder graph v4 (previous, batch-major), ${n} tokens`, precision, 'interleaved', v4);
    add(`encoder graph v5 (sequence-major), ${n} tokens`, precision, 'interleaved', v5, v4);
  }
  await previous.release();
  add('encoder.embed([prompt])', precision, '', await time(() => encoder.embed([PROMPT])), graph);
  const e = await encoder.embed([PROMPT]);
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const where = `${dir.split('/').slice(-2).join('/')} (${manifest.tasks.length} tasks, ${manifest.models.length} models, local prior ${manifest.localPrior ? `${manifest.localPrior.rows} rows` : 'none'})`;
    const router = await loadFineRouter(dir, { encoder, encoderCheck: 'ignore', intraOpNumThreads: 1 });
    const cls = await ort.InferenceSession.create(readFileSync(join(dir, manifest.classifier.file)), opts);
    const rt = await ort.InferenceSession.create(readFileSync(join(dir, manifest.router.file)), opts);
    const et = new ort.Tensor('float32', e, [1, e.length]);
    const tt = new ort.Tensor('int64', BigInt64Array.of(0n), [1]);
    const c = await time(() => cls.run({ embedding: et }));
    const r = await time(() => rt.run({ embedding: et, task: tt }));
    add('classifier.onnx (plain)', precision, where, c);
    add('router.onnx (plain)', precision, where, r);
    const heads = { p50: c.p50 + r.p50, p99: c.p99 + r.p99, cpu: c.cpu + r.cpu };
    add('routeEmbeddings (heads + Eq. 5)', precision, where, await time(() => router.routeEmbeddings(e)), heads);
    const full = { p50: graph.p50 + heads.p50, p99: graph.p99 + heads.p99, cpu: graph.cpu + heads.cpu };
    const routed = await time(() => router.route(PROMPT));
    add('route() end to end', precision, where, routed, full);
    const t = routed.tail;
    tails.push(
      `${precision} ${where}: ${t.calls} calls at or above p99, ${t.withGc} with a GC pause inside, median CPU/wall of those ${t.cpuShare.toFixed(2)}; ${t.gcCount} GC pauses in ${iterations} calls (longest ${t.gcMax.toFixed(2)} ms)`,
    );
    await router.dispose();
    await cls.release();
    await rt.release();
  }
  await encoder.dispose();
  await plain.release();
}
const headers = ['stage', 'precision', 'artifacts', 'p50 ms', 'p99 ms', 'CPU p50 ms', 'CPU / plain reference'];
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(headers));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
console.log('route() p99 calls (CPU/wall near 1: work in the call; near 0: waiting for a core):');
for (const t of tails) console.log(`  ${t}`);
console.log(
  `reference of encoder graph v5 = the v4 graph in the same interleaved run; of encoder.embed = the plain encoder graph; of routeEmbeddings = plain classifier + router runs; of route() = their sum. Targets (issue #12, int8, quiet machine): route() p50 ≤ 3 ms, p99 ≤ 6 ms. load average at start ${loadStart}, at end ${load()} on ${os.cpus().length} cores`,
);
