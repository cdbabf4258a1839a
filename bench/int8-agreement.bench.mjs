// int8 vs fp32 encoder: do routers decide the same? (`npm run bench -- int8-agreement`, or
// `node bench/int8-agreement.bench.mjs [--limit N] [--datasets a,b] [--data DIR] [--emb DIR]` after `npx tsup`.)
//
// For every shared routing dataset (../shared/data/<name>/routing.jsonl, or --data DIR):
//   1. a seeded sample of `--limit` prompts (0 = all) is embedded with the int8 MiniLM (batches of 16, length-
//      sorted, as `finerouter embed` does); fp32 embeddings come from --emb DIR/<name>.f32 (N×384 float32 in file
//      order, checked against <name>.ids.json) or, where absent, are computed here with the fp32 encoder;
//   2. the sample is split 80/20 (seeded); two routers are trained on the fp32 embeddings of the train part:
//      - ridge: per model, quality ≈ w·e + b (λ = 1 on unit-norm embeddings; a missing score is imputed with
//        the model's train mean), route = argmax;
//      - kNN: k = 10 cosine neighbours in the train part, quality = neighbours' mean score, route = argmax
//        (ties → lowest model index, the same rule for both precisions);
//   3. each router routes the test prompts from their fp32 and from their int8 embeddings: we report the share
//      of identical decisions, and the mean observed quality of the chosen models with a paired bootstrap 95%
//      interval of the int8 − fp32 difference (2000 resamples, seeded);
//   4. "train on each": the ridge router trained on int8 train embeddings routes int8 test embeddings; its
//      quality is compared with fp32-trained/fp32-routed the same way.
// Cosine int8 vs fp32 over the whole sample is printed too. Machine load (uptime) is printed with the figures.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../dist/internal.js';
import { loadMiniLmEncoder, readRoutingJsonl } from '../dist/node.js';

const { values } = parseArgs({
  options: {
    datasets: {
      type: 'string',
      default: 'routeprofile-test,llmrouter-dcrouter,mmlu-pro-29models,routellm-gpt4-mixtral,routerdc-7model',
    },
    data: { type: 'string', default: '../shared/data' },
    emb: { type: 'string', default: '../emb' },
    limit: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
  },
});
const D = 384;
const limit = Number(values.limit);
const seed = Number(values.seed);
const threads = Number(values.threads);

function shuffled(n, rand) {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Cholesky solve of (A) X = B, A [n×n] SPD (row-major Float64Array, overwritten), B [n×m] (overwritten → X). */
function choleskySolve(A, B, n, m) {
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    for (let k = 0; k < j; k++) s -= A[j * n + k] * A[j * n + k];
    if (!(s > 0)) throw new Error('ridge: matrix not positive definite');
    const d = Math.sqrt(s);
    A[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = t / d;
    }
  }
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let t = B[i * m + c];
      for (let k = 0; k < i; k++) t -= A[i * n + k] * B[k * m + c];
      B[i * m + c] = t / A[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let t = B[i * m + c];
      for (let k = i + 1; k < n; k++) t -= A[k * n + i] * B[k * m + c];
      B[i * m + c] = t / A[i * n + i];
    }
  }
  return B;
}

/** Ridge per model on rows `train` of E (N×D) → weights [(D+1)×M] (last row = bias). */
function fitRidge(E, Y, M, train, lambda = 1) {
  const P = D + 1;
  const A = new Float64Array(P * P);
  const B = new Float64Array(P * M);
  const mean = new Float64Array(M);
  const count = new Float64Array(M);
  for (const r of train)
    for (let k = 0; k < M; k++) if (!Number.isNaN(Y[r * M + k])) ((mean[k] += Y[r * M + k]), (count[k] += 1));
  for (let k = 0; k < M; k++) mean[k] = count[k] > 0 ? mean[k] / count[k] : 0;
  const x = new Float64Array(P);
  for (const r of train) {
    for (let i = 0; i < D; i++) x[i] = E[r * D + i];
    x[D] = 1;
    for (let i = 0; i < P; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      for (let j = 0; j <= i; j++) A[i * P + j] += xi * x[j];
      for (let k = 0; k < M; k++) {
        const y = Y[r * M + k];
        B[i * M + k] += xi * (Number.isNaN(y) ? mean[k] : y);
      }
    }
  }
  for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) A[j * P + i] = A[i * P + j];
  for (let i = 0; i < D; i++) A[i * P + i] += lambda;
  A[D * P + D] += 1e-9;
  return choleskySolve(A, B, P, M);
}
function routeRidge(W, E, M, rows) {
  const out = new Int32Array(rows.length);
  rows.forEach((r, n) => {
    let best = -Infinity,
      arg = 0;
    for (let k = 0; k < M; k++) {
      let s = W[D * M + k];
      for (let i = 0; i < D; i++) s += E[r * D + i] * W[i * M + k];
      if (s > best) ((best = s), (arg = k));
    }
    out[n] = arg;
  });
  return out;
}
function routeKnn(Etrain, train, Y, M, Equery, rows, k = 10) {
  const out = new Int32Array(rows.length);
  const sims = new Float64Array(train.length);
  rows.forEach((r, n) => {
    for (let t = 0; t < train.length; t++) {
      let s = 0;
      const a = train[t] * D,
        b = r * D;
      for (let i = 0; i < D; i++) s += Etrain[a + i] * Equery[b + i];
      sims[t] = s;
    }
    const order = Array.from({ length: train.length }, (_, t) => t)
      .sort((p, q) => sims[q] - sims[p] || p - q)
      .slice(0, k);
    let best = -Infinity,
      arg = 0;
    for (let m = 0; m < M; m++) {
      let sum = 0,
        c = 0;
      for (const t of order) {
        const y = Y[train[t] * M + m];
        if (!Number.isNaN(y)) ((sum += y), (c += 1));
      }
      const q = c > 0 ? sum / c : -Infinity;
      if (q > best) ((best = q), (arg = m));
    }
    out[n] = arg;
  });
  return out;
}
/** Observed quality of the chosen model per test row (NaN when that model has no score there). */
const realized = (choice, rows, Y, M) => Float64Array.from(rows, (r, n) => Y[r * M + choice[n]]);
function meanFinite(xs) {
  let s = 0,
    c = 0;
  for (const x of xs) if (!Number.isNaN(x)) ((s += x), (c += 1));
  return c > 0 ? s / c : NaN;
}
/** Paired bootstrap 95% interval of mean(b) − mean(a) over rows where both are observed. */
function pairedBootstrap(a, b, rand, reps = 2000) {
  const idx = [];
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i]) && !Number.isNaN(b[i])) idx.push(i);
  const diff = idx.map((i) => b[i] - a[i]);
  const point = diff.reduce((s, x) => s + x, 0) / Math.max(1, diff.length);
  const stats = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    let s = 0;
    for (let j = 0; j < diff.length; j++) s += diff[Math.floor(rand() * diff.length)];
    stats[r] = s / Math.max(1, diff.length);
  }
  stats.sort();
  return { point, lo: stats[Math.floor(0.025 * reps)], hi: stats[Math.floor(0.975 * reps)] };
}
const agreement = (a, b) => a.reduce((s, x, i) => s + (x === b[i] ? 1 : 0), 0) / a.length;
const pct = (x) => `${(100 * x).toFixed(2)}%`;
const ci = ({ point, lo, hi }) => `${point >= 0 ? '+' : ''}${point.toFixed(4)} [${lo.toFixed(4)}, ${hi.toFixed(4)}]`;

console.log(
  `int8 agreement bench — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, intra-op threads ${threads}, limit ${limit || 'all'}, seed ${seed}`,
);
console.log(`load at start: ${load()}`);
const int8 = await loadMiniLmEncoder({ intraOpNumThreads: threads, precision: 'int8' });
let fp32 = undefined;
const rows = [];
for (const name of values.datasets.split(',')) {
  const path = join(values.data, name, 'routing.jsonl');
  if (!existsSync(path)) {
    console.log(`${name}: no ${path}, skipped`);
    continue;
  }
  const { records } = await readRoutingJsonl(path);
  const N = records.length;
  const rand = mulberry32(seed);
  const sample =
    limit > 0 && limit < N
      ? Array.from(shuffled(N, rand).subarray(0, limit)).sort((a, b) => a - b)
      : Array.from({ length: N }, (_, i) => i);
  const n = sample.length;
  const texts = sample.map((i) => records[i].prompt);
  // fp32 embeddings: the precomputed file when it matches the dataset, else computed here.
  let F = null;
  const f32Path = join(values.emb, `${name}.f32`);
  const idsPath = join(values.emb, `${name}.ids.json`);
  if (existsSync(f32Path) && existsSync(idsPath)) {
    const ids = JSON.parse(readFileSync(idsPath, 'utf8'));
    const buf = readFileSync(f32Path);
    if (ids.length === N && buf.byteLength === N * D * 4 && ids.every((id, i) => id === records[i].id)) {
      const all = new Float32Array(buf.buffer, buf.byteOffset, N * D);
      F = new Float32Array(n * D);
      sample.forEach((i, r) => F.set(all.subarray(i * D, (i + 1) * D), r * D));
    }
  }
  const t0 = performance.now();
  const Q = await int8.embed(texts, { batchSize: 16 });
  const int8Seconds = (performance.now() - t0) / 1000;
  let fp32Source = 'file';
  if (F === null) {
    fp32 ??= await loadMiniLmEncoder({ intraOpNumThreads: threads });
    F = await fp32.embed(texts, { batchSize: 16 });
    fp32Source = 'computed';
  }
  // Cosine (both are unit norm).
  const cos = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = 0; i < D; i++) s += F[r * D + i] * Q[r * D + i];
    cos[r] = s;
  }
  const sortedCos = Array.from(cos).sort((a, b) => a - b);
  // Scores matrix.
  const models = [...new Set(sample.flatMap((i) => Object.keys(records[i].scores)))].sort();
  const M = models.length;
  const Y = new Float64Array(n * M).fill(NaN);
  sample.forEach((i, r) =>
    models.forEach((m, k) => {
      const v = records[i].scores[m];
      if (v !== undefined) Y[r * M + k] = v;
    }),
  );
  const order = shuffled(n, mulberry32(seed + 1));
  const cut = Math.floor(0.8 * n);
  const train = Array.from(order.subarray(0, cut));
  const test = Array.from(order.subarray(cut));
  const W32 = fitRidge(F, Y, M, train);
  const ridge32 = routeRidge(W32, F, M, test);
  const ridge8 = routeRidge(W32, Q, M, test);
  const knn32 = routeKnn(F, train, Y, M, F, test);
  const knn8 = routeKnn(F, train, Y, M, Q, test);
  const W8 = fitRidge(Q, Y, M, train);
  const ridge88 = routeRidge(W8, Q, M, test);
  const boot = mulberry32(seed + 2);
  const q = (c) => realized(c, test, Y, M);
  const row = {
    name,
    n,
    test: test.length,
    models: M,
    fp32Source,
    int8PerSecond: n / int8Seconds,
    cosMean: cos.reduce((s, x) => s + x, 0) / n,
    cosP1: sortedCos[Math.floor(0.01 * n)],
    cosMin: sortedCos[0],
    ridgeAgree: agreement(ridge32, ridge8),
    knnAgree: agreement(knn32, knn8),
    eachAgree: agreement(ridge32, ridge88),
    ridgeQ32: meanFinite(q(ridge32)),
    ridgeDiff: pairedBootstrap(q(ridge32), q(ridge8), boot),
    knnQ32: meanFinite(q(knn32)),
    knnDiff: pairedBootstrap(q(knn32), q(knn8), boot),
    eachDiff: pairedBootstrap(q(ridge32), q(ridge88), boot),
    load: load(),
  };
  rows.push(row);
  console.log(
    `${name}: n=${n} (test ${test.length}), ${M} models, fp32 from ${fp32Source}; int8 embed ${row.int8PerSecond.toFixed(0)} prompts/s; ` +
      `cosine mean ${row.cosMean.toFixed(4)} p1 ${row.cosP1.toFixed(4)} min ${row.cosMin.toFixed(4)}; ` +
      `identical decisions ridge ${pct(row.ridgeAgree)}, kNN ${pct(row.knnAgree)}, train-on-each ridge ${pct(row.eachAgree)}; load ${row.load}`,
  );
}
await int8.dispose();
await fp32?.dispose();

console.log(
  '\n| dataset | prompts (test) | models | cosine mean / p1 / min | identical decisions: ridge / kNN / ridge trained on each | quality Δ int8−fp32, ridge (95% CI) | kNN Δ (95% CI) | train-on-each ridge Δ (95% CI) |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.n} (${r.test}) | ${r.models} | ${r.cosMean.toFixed(4)} / ${r.cosP1.toFixed(4)} / ${r.cosMin.toFixed(4)} | ${pct(r.ridgeAgree)} / ${pct(r.knnAgree)} / ${pct(r.eachAgree)} | ` +
      `${r.ridgeQ32.toFixed(4)} ${ci(r.ridgeDiff)} | ${r.knnQ32.toFixed(4)} ${ci(r.knnDiff)} | ${ci(r.eachDiff)} |`,
  );
}
console.log(`\nload at end: ${load()} (${os.cpus().length} cores)`);
