#!/usr/bin/env node
// Training benchmark (issue #6). Imports the BUILT package (run `npx tsup` first).
//   node bench/train.bench.mjs            kernels vs ml-matrix, then end-to-end training on llmrouter-dcrouter train
//   node bench/train.bench.mjs kernels    only the kernel comparison
//   node bench/train.bench.mjs train      only the end-to-end run
//   node bench/train.bench.mjs add-model  train without one model (FINEROUTER_ADD, default llama-3.3-nemotron-super-49b-v1),
//                                         then add it from 300 of its scores; report its held-out MSE and the others' drift
// Env: FINEROUTER_DATA (routing.jsonl), FINEROUTER_CACHE (cache dir, default .cache), FINEROUTER_LIMIT (first N records),
//      FINEROUTER_DISCOVERY (JSON DiscoveryOptions, e.g. '{"resolution":5}').
// Prints medians; the end-to-end figures are single runs (training takes minutes).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { discoverTasks, trainRouter, addModel } from '../dist/train.js';
import { matmul, matmulTransA, matmulTransB, readQualityHeadOnnx, qualityHeadForward } from '../dist/internal.js';
import { readRoutingJsonl, loadMiniLmEncoder, embedTextsCached } from '../dist/node.js';

const what = process.argv[2] ?? 'all';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function timeIt(fn, runs) {
  fn();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function kernels() {
  let Matrix;
  try {
    ({ Matrix } = await import('ml-matrix'));
  } catch {
    process.stdout.write('ml-matrix is not installed (npm install --save-dev ml-matrix); skipping the comparison\n');
    return;
  }
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296 - 0.5;
  const fill = (n) => Float32Array.from({ length: n }, next);
  // Hot-path shapes: the brief's 256×384·384×512, phase-1 forward (batch 64, P 256 → 9 models × H 128),
  // phase-1 weight gradient (Hpᵀ·dA) and input gradient (dA·W1ᵀ), classifier forward (64×384·384×384).
  const shapes = [
    { name: 'forward 256x384 * 384x512', kind: 'nn', m: 256, k: 384, n: 512 },
    { name: 'phase-1 fwd 64x256 * 256x1152', kind: 'nn', m: 64, k: 256, n: 1152 },
    { name: 'phase-1 dW 256x64^T * 64x1152', kind: 'tn', m: 64, k: 256, n: 1152 },
    { name: 'phase-1 dX 64x1152 * (256x1152)^T', kind: 'nt', m: 64, k: 1152, n: 256 },
    { name: 'classifier 64x384 * 384x384', kind: 'nn', m: 64, k: 384, n: 384 },
  ];
  process.stdout.write(
    'kernel                               typed-array ms   ml-matrix ms   ml-matrix/typed   typed GFLOP/s\n',
  );
  for (const s of shapes) {
    const { m, k, n } = s;
    let ours;
    let ref;
    if (s.kind === 'nn') {
      const a = fill(m * k),
        b = fill(k * n),
        c = new Float32Array(m * n);
      const A = new Matrix(m, k),
        B = new Matrix(k, n);
      for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) A.set(i, j, a[i * k + j]);
      for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) B.set(i, j, b[i * n + j]);
      ours = timeIt(() => matmul(a, b, c, m, k, n), 7);
      ref = timeIt(() => A.mmul(B), 3);
    } else if (s.kind === 'tn') {
      const a = fill(m * k),
        b = fill(m * n),
        c = new Float32Array(k * n);
      const A = new Matrix(m, k),
        B = new Matrix(m, n);
      for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) A.set(i, j, a[i * k + j]);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) B.set(i, j, b[i * n + j]);
      ours = timeIt(() => matmulTransA(a, b, c, m, k, n), 7);
      ref = timeIt(() => A.transpose().mmul(B), 3);
    } else {
      const a = fill(m * k),
        b = fill(n * k),
        c = new Float32Array(m * n);
      const A = new Matrix(m, k),
        B = new Matrix(n, k);
      for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) A.set(i, j, a[i * k + j]);
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) B.set(i, j, b[i * k + j]);
      ours = timeIt(() => matmulTransB(a, b, c, m, k, n), 7);
      ref = timeIt(() => A.mmul(B.transpose()), 3);
    }
    const gflops = (2 * m * k * n) / (ours * 1e6);
    process.stdout.write(
      `${s.name.padEnd(37)}${ours.toFixed(2).padStart(14)}${ref.toFixed(2).padStart(15)}${(ref / ours).toFixed(2).padStart(18)}x${gflops.toFixed(2).padStart(15)}\n`,
    );
  }
}

async function endToEnd() {
  const data = process.env.FINEROUTER_DATA ?? join('..', 'shared', 'data', 'llmrouter-dcrouter', 'routing.jsonl');
  if (!existsSync(data)) {
    process.stdout.write(`no data at ${data} (set FINEROUTER_DATA); skipping the end-to-end run\n`);
    return;
  }
  const cache = process.env.FINEROUTER_CACHE ?? '.cache';
  const limit = process.env.FINEROUTER_LIMIT ? Number(process.env.FINEROUTER_LIMIT) : Infinity;
  let t = performance.now();
  const { records: all } = await readRoutingJsonl(data, { split: 'train' });
  const records = all.slice(0, Number.isFinite(limit) ? limit : undefined);
  const encoder = await loadMiniLmEncoder({ cacheDir: join(cache, 'minilm') });
  const tLoad = performance.now() - t;
  t = performance.now();
  const { embeddings, embedded } = await embedTextsCached(
    encoder,
    records.map((r) => r.prompt),
    { cacheDir: join(cache, 'embeddings') },
  );
  const tEmbed = performance.now() - t;
  await encoder.dispose();
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let c = cpu();
  t = performance.now();
  const discoveryOptions = process.env.FINEROUTER_DISCOVERY ? JSON.parse(process.env.FINEROUTER_DISCOVERY) : {};
  const discovery = await discoverTasks(records, embeddings, { seed: 42, ...discoveryOptions });
  const tDiscover = performance.now() - t;
  const cDiscover = cpu() - c;
  c = cpu();
  t = performance.now();
  const result = await trainRouter(records, embeddings, discovery, {
    encoder: { id: encoder.id, dimension: encoder.dimension },
    seed: 42,
  });
  const tTrain = performance.now() - t;
  const cTrain = cpu() - c;
  const m = result.metrics;
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  process.stdout.write(
    [
      `data: ${data} split train, ${records.length} prompts x ${discovery.models.length} models`,
      `load data + encoder: ${s(tLoad)}; embed: ${s(tEmbed)} (${embedded} prompts newly embedded, the rest from ${join(cache, 'embeddings')})`,
      `discovery ${JSON.stringify(discoveryOptions)}: ${s(tDiscover)} -> ${discovery.tasks.length} tasks, Others ${discovery.others.size}`,
      `train: ${s(tTrain)} (classifier ${s(m.ms.classifier)}, ${m.classifier.epochs} epochs; MoE phase 1 ${s(m.ms.general)}, ${m.moe.phase1Epochs} epochs; phase 2 ${s(m.ms.tasks)}, ${m.moe.phase2Epochs} epochs; export ${s(m.ms.export)})`,
      `end to end (load + embed + discovery + train): ${s(tLoad + tEmbed + tDiscover + tTrain)}; without embedding: ${s(tLoad + tDiscover + tTrain)}`,
      `CPU time of this process: discovery ${s(cDiscover)}, training ${s(cTrain)} (wall-clock above includes waiting for a busy CPU)`,
      `classifier: threshold ${m.classifier.threshold.toFixed(2)}, held-out macro-F1 ${m.classifier.holdoutMacroF1?.toFixed(3)} over ${m.tasks + 1} classes (paper 0.643 / 333), held-out coverage ${((m.classifier.holdoutCoverage ?? 0) * 100).toFixed(1)}% (paper 71%), dev macro-F1 ${m.classifier.devMacroF1.toFixed(3)}`,
      `MoE: dev MSE general ${m.moe.devMseGeneral.toFixed(4)} -> with task adapters ${m.moe.devMseTask.toFixed(4)} (task-assigned dev prompts); held-out MSE full ${m.moe.holdoutMseFull?.toFixed(4)}, general only ${m.moe.holdoutMseGeneral?.toFixed(4)}, per-model mean baseline ${m.moe.holdoutMseMean?.toFixed(4)}`,
      `artifacts: classifier.onnx ${(result.classifierBytes.length / 1e6).toFixed(2)} MB, router.onnx ${(result.routerBytes.length / 1e6).toFixed(2)} MB`,
      '',
    ].join('\n'),
  );
}

async function addModelRun() {
  const data = process.env.FINEROUTER_DATA ?? join('..', 'shared', 'data', 'llmrouter-dcrouter', 'routing.jsonl');
  if (!existsSync(data)) return;
  const cache = process.env.FINEROUTER_CACHE ?? '.cache';
  const limit = process.env.FINEROUTER_LIMIT ? Number(process.env.FINEROUTER_LIMIT) : Infinity;
  const target = process.env.FINEROUTER_ADD ?? 'llama-3.3-nemotron-super-49b-v1';
  const { records: all } = await readRoutingJsonl(data, { split: 'train' });
  const records = all.slice(0, Number.isFinite(limit) ? limit : undefined);
  const encoder = await loadMiniLmEncoder({ cacheDir: join(cache, 'minilm') });
  const { embeddings } = await embedTextsCached(
    encoder,
    records.map((r) => r.prompt),
    { cacheDir: join(cache, 'embeddings') },
  );
  await encoder.dispose();
  const d = encoder.dimension;
  // Hold out the last 20% of prompts; train without the target model on the first 80%.
  const cut = Math.floor(records.length * 0.8);
  const without = records
    .slice(0, cut)
    .map((r) => ({ ...r, scores: Object.fromEntries(Object.entries(r.scores).filter(([m]) => m !== target)) }));
  const emb = embeddings.slice(0, cut * d);
  const discovery = await discoverTasks(without, emb, { seed: 42 });
  const base = await trainRouter(without, emb, discovery, { encoder: { id: encoder.id, dimension: d }, seed: 42 });
  const sample = records.slice(0, Math.min(300, cut));
  let t = performance.now();
  const added = addModel({ ...base }, sample, embeddings.slice(0, sample.length * d), target);
  const ms = performance.now() - t;
  const before = readQualityHeadOnnx(base.routerBytes);
  const after = readQualityHeadOnnx(added.routerBytes);
  const held = records.slice(cut);
  const hEmb = embeddings.slice(cut * d);
  const others = new Int32Array(held.length).fill(before.taskCount);
  const q0 = qualityHeadForward(before, hEmb, others, held.length);
  const q1 = qualityHeadForward(after, hEmb, others, held.length);
  const m0 = before.modelCount;
  let drift = 0;
  for (let i = 0; i < held.length; i++)
    for (let j = 0; j < m0; j++) drift = Math.max(drift, Math.abs(q1[i * (m0 + 1) + j] - q0[i * m0 + j]));
  let sse = 0,
    sseMean = 0,
    n = 0,
    mean = 0;
  for (const r of sample) mean += r.scores[target];
  mean /= sample.length;
  held.forEach((r, i) => {
    const y = r.scores[target];
    if (typeof y !== 'number') return;
    sse += (q1[i * (m0 + 1) + m0] - y) ** 2;
    sseMean += (mean - y) ** 2;
    n += 1;
  });
  process.stdout.write(
    `add-model ${target}: ${sample.length} samples, ${ms.toFixed(0)} ms; held-out MSE ${(sse / n).toFixed(4)} vs sample-mean baseline ${(sseMean / n).toFixed(4)} on ${n} prompts; max drift of the other ${m0} models: ${drift}\n`,
  );
}

if (what === 'all' || what === 'kernels') await kernels();
if (what === 'add-model') await addModelRun();
if (what === 'all' || what === 'train') await endToEnd();
