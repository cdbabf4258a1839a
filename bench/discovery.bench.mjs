#!/usr/bin/env node
// Stage 1 task discovery benchmark (imports the BUILT package: run `npx tsup` first; `npm run bench -- discovery` does).
//
// Default: llmrouter-dcrouter train split (5,608 prompts, 9 models):
//   1. end to end with embeddings (fresh embedding cache): read → MiniLM embed → discoverTasks   (target ≤ 120 s)
//   2. rerun reusing the cached embeddings                                                      (target ≤ 15 s)
//   3. tasks, Others share, mean candidates (paper: 332 tasks, 3.55 of 11, 29% Others), NMI(tasks, source);
//      side by side with the literal reading (modularity γ = 1) in the same run
//   4. approximate kNN (NN-descent) recall@5 vs exact on the real embeddings, and both times.
// --paper-scale (or PAPER_SCALE=1): seeded synthetic 280k × 384-d clustered embeddings × 11 models with
//   cluster-dependent rankings: graph + clustering + candidates (target ≤ 10 min, ≤ 4 GB), time per step, recall@5
//   of the approximate kNN on 200 sampled rows vs brute force.
// Options: --data FILE (default ../shared/data/llmrouter-dcrouter/routing.jsonl), --n N (paper-scale size).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverTasks } from '../dist/train.js';
import { exactKnn, approximateKnn, knnRecall, mulberry32 as seeded } from '../dist/internal.js';
import { readRoutingJsonl, loadMiniLmEncoder, embedTextsCached } from '../dist/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const value = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const paperScale = flag('paper-scale') || process.env.PAPER_SCALE === '1';

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);
rssTimer.unref();
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/** NMI (arithmetic normalization) of two labelings. */
function nmi(labelsA, labelsB) {
  const a = Array.from(labelsA, String);
  const b = Array.from(labelsB, String);
  const n = a.length;
  const ca = new Map();
  const cb = new Map();
  const cab = new Map();
  for (let i = 0; i < n; i++) {
    ca.set(a[i], (ca.get(a[i]) ?? 0) + 1);
    cb.set(b[i], (cb.get(b[i]) ?? 0) + 1);
    const key = `${a[i]}\u0000${b[i]}`;
    cab.set(key, (cab.get(key) ?? 0) + 1);
  }
  let ha = 0;
  let hb = 0;
  let mi = 0;
  for (const v of ca.values()) ha -= (v / n) * Math.log(v / n);
  for (const v of cb.values()) hb -= (v / n) * Math.log(v / n);
  for (const [key, v] of cab) {
    const [x, y] = key.split('\u0000');
    mi += (v / n) * Math.log((v * n) / (ca.get(x) * cb.get(y)));
  }
  return ha + hb === 0 ? 1 : (2 * mi) / (ha + hb);
}

function summarize(result, records) {
  const n = records.length;
  const tasks = result.tasks.length;
  const meanCandidates = tasks ? result.tasks.reduce((s, t) => s + t.candidates.length, 0) / tasks : 0;
  const assignment = Array.from(result.assignment);
  const sources = records.map((r) => r.source ?? '');
  const inTasks = assignment.map((t, i) => [t, i]).filter(([t]) => t >= 0);
  return {
    tasks,
    othersShare: result.others.size / n,
    meanCandidates,
    models: result.models.length,
    nmiAll: nmi(assignment, sources),
    nmiInTasks: inTasks.length
      ? nmi(
          inTasks.map(([t]) => t),
          inTasks.map(([, i]) => sources[i]),
        )
      : 0,
    sizes: result.tasks.slice(0, 5).map((t) => t.size),
    levels: result.stats.levels.map((l) => `${l.nodes}→${l.communities}`).join(', '),
  };
}

function stepTimes(result) {
  const sum = { knn: 0, rbo: 0, leiden: 0, summaries: 0 };
  for (const l of result.stats.levels) for (const key of Object.keys(sum)) sum[key] += l.ms[key];
  return { ...sum, tasks: result.stats.tasksMs };
}

async function dcrouter() {
  const data = value('data', join(here, '..', '..', 'shared', 'data', 'llmrouter-dcrouter', 'routing.jsonl'));
  if (!existsSync(data)) {
    console.log(`skipped: ${data} not found`);
    return;
  }
  const cacheDir = mkdtempSync(join(tmpdir(), 'finerouter-bench-discovery-'));
  try {
    console.log(`data ${data} (train split); load average ${load()}`);
    // 1. End to end with embeddings, fresh cache.
    let t0 = performance.now();
    let c0 = cpu();
    const { records } = await readRoutingJsonl(data, { split: 'train' });
    const encoder = await loadMiniLmEncoder({ cacheDir: join(cacheDir, 'onnx') });
    const texts = records.map((r) => r.description ?? r.prompt);
    const first = await embedTextsCached(encoder, texts, { cacheDir: join(cacheDir, 'embeddings') });
    const tEmbed = performance.now();
    const cEmbed = cpu();
    const result = await discoverTasks(records, first.embeddings);
    const t1 = performance.now();
    const c1 = cpu();
    await encoder.dispose();
    console.log(
      `\n1. end to end, ${records.length} prompts, ${first.embedded} embedded: ${seconds(t1 - t0)} wall (embed ${seconds(tEmbed - t0)}, discovery ${seconds(t1 - tEmbed)}); CPU ${seconds(c1 - c0)} (embed ${seconds(cEmbed - c0)}); target ≤ 120 s; load ${load()}`,
    );

    // 2. Rerun with cached embeddings (new encoder instance, cache hit for every text).
    t0 = performance.now();
    c0 = cpu();
    const again = await readRoutingJsonl(data, { split: 'train' });
    const encoder2 = await loadMiniLmEncoder({ cacheDir: join(cacheDir, 'onnx') });
    const second = await embedTextsCached(
      encoder2,
      again.records.map((r) => r.description ?? r.prompt),
      { cacheDir: join(cacheDir, 'embeddings') },
    );
    await encoder2.dispose();
    const rerun = await discoverTasks(again.records, second.embeddings);
    const t2 = performance.now();
    console.log(
      `2. rerun with cached embeddings (${second.embedded} embedded): ${seconds(t2 - t0)} wall, CPU ${seconds(cpu() - c0)}; target ≤ 15 s; same tasks: ${JSON.stringify(rerun.tasks.map((t) => t.members)) === JSON.stringify(result.tasks.map((t) => t.members))}`,
    );

    // 3. Figures, side by side with the literal modularity reading.
    const literal = await discoverTasks(records, first.embeddings, { objective: 'modularity', resolution: 1 });
    const oneLevel = await discoverTasks(records, first.embeddings, {
      iterations: 1,
      objective: 'modularity',
      resolution: 1,
    });
    console.log('\n3. discovered tasks (paper, 280k prompts: 332 tasks, 3.55 of 11 candidates, 29% Others)');
    console.log(
      '| configuration | tasks | Others | mean candidates | NMI(tasks+Others, source) | NMI in tasks | levels (nodes→communities) | largest |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---|---|');
    for (const [name, r] of [
      ['defaults (CPM γ=0.2, ℓ=3)', result],
      ['modularity γ=1, ℓ=3', literal],
      ['modularity γ=1, ℓ=1', oneLevel],
    ]) {
      const s = summarize(r, records);
      console.log(
        `| ${name} | ${s.tasks} | ${(100 * s.othersShare).toFixed(1)}% | ${s.meanCandidates.toFixed(2)} of ${s.models} | ${s.nmiAll.toFixed(3)} | ${s.nmiInTasks.toFixed(3)} | ${s.levels} | ${s.sizes.join(', ')} |`,
      );
    }
    const st = stepTimes(result);
    console.log(
      `time per step (defaults): kNN ${seconds(st.knn)}, RBO+weights ${seconds(st.rbo)}, Leiden ${seconds(st.leiden)}, summaries ${seconds(st.summaries)}, tasks ${seconds(st.tasks)}`,
    );
    const level0 = result.stats.levels[0];
    console.log(
      `level 0: ${level0.candidateEdges} candidate edges, ${level0.keptEdges} kept with RBO ≥ τ (${((100 * level0.keptEdges) / level0.candidateEdges).toFixed(1)}%)`,
    );

    // 4. Approximate kNN recall on the real embeddings.
    let c = cpu();
    const exact = exactKnn(first.embeddings, encoder.dimension, 5);
    const exactCpu = cpu() - c;
    c = cpu();
    const approx = approximateKnn(first.embeddings, encoder.dimension, 5, { seed: 42 });
    const approxCpu = cpu() - c;
    console.log(
      `\n4. kNN on ${records.length} × ${encoder.dimension}: exact ${seconds(exactCpu)} CPU, NN-descent ${seconds(approxCpu)} CPU (ratio ${(exactCpu / approxCpu).toFixed(2)}), recall@5 ${knnRecall(approx, exact).toFixed(4)} (target ≥ 0.95)`,
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/**
 * Synthetic paper-scale data: `domains` domains × `perDomain` sub-tasks; a sub-task center is its domain center plus
 * a smaller offset; prompts are center + noise, normalized. Model qualities: each domain has a base quality per model,
 * each sub-task perturbs it; a prompt's scores are its sub-task's qualities plus noise, clipped to [0, 1] (continuous
 * scores, strict rankings, as with the paper's reward model).
 */
function synthetic(n, d, models, seed) {
  const random = seeded(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const domains = 280;
  const perDomain = 4;
  const clusters = domains * perDomain;
  const centers = new Float64Array(clusters * d);
  const quality = new Float64Array(clusters * models);
  for (let g = 0; g < domains; g++) {
    const domain = Float64Array.from({ length: d }, gauss);
    const base = Float64Array.from({ length: models }, () => random());
    for (let s = 0; s < perDomain; s++) {
      const c = g * perDomain + s;
      for (let t = 0; t < d; t++) centers[c * d + t] = domain[t] + 0.6 * gauss();
      for (let m = 0; m < models; m++) quality[c * models + m] = Math.min(1, Math.max(0, base[m] + 0.25 * gauss()));
    }
  }
  const x = new Float32Array(n * d);
  const label = new Int32Array(n);
  const names = Array.from({ length: models }, (_, m) => `model-${String(m).padStart(2, '0')}`);
  const records = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(random() * clusters);
    label[i] = c;
    let norm = 0;
    for (let t = 0; t < d; t++) {
      const v = centers[c * d + t] + 0.9 * gauss();
      x[i * d + t] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let t = 0; t < d; t++) x[i * d + t] *= inv;
    const scores = {};
    for (let m = 0; m < models; m++)
      scores[names[m]] = Math.min(1, Math.max(0, quality[c * models + m] + 0.1 * gauss()));
    records[i] = {
      id: `s${i}`,
      prompt: `synthetic prompt ${i}`,
      scores,
      source: `domain-${Math.floor(c / perDomain)}`,
    };
  }
  return { x, label, records };
}

async function paper() {
  const n = Number(value('n', '280000'));
  const d = 384;
  console.log(`\n=== paper scale: ${n} prompts × ${d}-d × 11 models (seeded synthetic); load average ${load()} ===`);
  let t = performance.now();
  const { x, label, records } = synthetic(n, d, 11, 2603);
  console.log(
    `generated in ${seconds(performance.now() - t)}; RSS ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB`,
  );
  peakRss = 0;
  const lastStage = { stage: '', at: performance.now() };
  t = performance.now();
  const c0 = cpu();
  const result = await discoverTasks(records, x, {
    onProgress: (stage, done, total) => {
      if (stage !== lastStage.stage) {
        process.stderr.write(`  [${seconds(performance.now() - t)}] ${stage} ${done}/${total}\n`);
        lastStage.stage = stage;
      }
    },
  });
  const wall = performance.now() - t;
  const cpuMs = cpu() - c0;
  const s = summarize(result, records);
  const st = stepTimes(result);
  console.log(
    `graph + clustering + candidates: ${seconds(wall)} wall, ${seconds(cpuMs)} CPU (target ≤ 10 min); peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB (target ≤ 4 GB); load ${load()}`,
  );
  console.log(
    `time per step: kNN ${seconds(st.knn)}, RBO+weights ${seconds(st.rbo)}, Leiden ${seconds(st.leiden)}, summaries ${seconds(st.summaries)}, tasks ${seconds(st.tasks)}`,
  );
  for (const [i, l] of result.stats.levels.entries()) {
    console.log(
      `  level ${i}: ${l.nodes} nodes, ${l.candidateEdges} candidate edges, ${l.keptEdges} kept, ${l.communities} communities, ${l.knn} kNN ${seconds(l.ms.knn)}, RBO ${seconds(l.ms.rbo)}, Leiden ${seconds(l.ms.leiden)}, summaries ${seconds(l.ms.summaries)}`,
    );
  }
  console.log(
    `tasks ${s.tasks}, Others ${(100 * s.othersShare).toFixed(1)}%, mean candidates ${s.meanCandidates.toFixed(2)} of 11, NMI(tasks+Others, sub-task) ${nmi(Array.from(result.assignment), Array.from(label)).toFixed(3)}, NMI(tasks+Others, domain) ${s.nmiAll.toFixed(3)}`,
  );

  // Recall@5 of the level-0 approximate kNN, on 200 sampled rows against brute force over all n.
  t = performance.now();
  const approx = approximateKnn(x, d, 5, { seed: result.options.seed });
  const approxMs = performance.now() - t;
  const random = seeded(7);
  let found = 0;
  const sample = 200;
  for (let q = 0; q < sample; q++) {
    const i = Math.floor(random() * n);
    const best = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let dot = 0;
      for (let u = 0; u < d; u++) dot += x[i * d + u] * x[j * d + u];
      if (best.length < 5 || dot > best[4][0]) {
        best.push([dot, j]);
        best.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
        if (best.length > 5) best.pop();
      }
    }
    const row = new Set(approx.indices.subarray(i * 5, i * 5 + 5));
    for (const [, j] of best) if (row.has(j)) found++;
  }
  console.log(
    `NN-descent alone: ${seconds(approxMs)}; recall@5 on ${sample} sampled rows vs brute force: ${(found / (5 * sample)).toFixed(4)} (target ≥ 0.95)`,
  );
}

if (paperScale) await paper();
else await dcrouter();
clearInterval(rssTimer);
