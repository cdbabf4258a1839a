// A cheaper exact form of the local prior's neighbour search (router.onnx scans every training prompt: Gemm of the
// embedding with the fp32 index, then TopK), measured next to that full scan in the same process.
// Run: `node bench/local-prior.bench.mjs [--emb DIR] [--dataset NAME] [--k K]` after `npx tsup` (DIR/<NAME>.f32: N×384
// float32 MiniLM vectors in file order, as bench/int8-agreement reads them; default ../emb, llmrouter-dcrouter).
// The last 200 vectors are the queries, the others the index; model values are seeded random (only the neighbour
// sets matter here).
//
// Two-stage form (one graph, onnxruntime-node, one thread):
//   1. int8 pre-scan: per-row symmetric s8 index (scale s_r = max|x_r| / 127), the query quantized at run time
//      (DynamicQuantizeLinear, scale e_s) → approx = MatMulInteger · e_s · s_r.
//   2. error bound: |e·x − approx| ≤ e_s·‖x‖₁ + (s_r / 2)·(‖e‖₁ + D·e_s) (+ 1e-4 for float32 rounding); a row can be
//      in the exact top k only if approx + bound ≥ the k-th largest (approx − bound).
//   3. exact fp32 Gemm re-score of those candidates (NonZero keeps index order, so ties go to the lower row as in
//      TopK), then TopK(k).
// Printed: identical local-prior outputs out of 200 queries (max |Δ|), candidate counts, CPU p50 of both graphs.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from '../dist/internal.js';

const { values: args } = parseArgs({
  options: {
    emb: { type: 'string', default: '../emb' },
    dataset: { type: 'string', default: 'llmrouter-dcrouter' },
    k: { type: 'string', default: '10' },
  },
});
const D = 384,
  K = Number(args.k),
  M = 9;
const all = new Float32Array(readFileSync(`${args.emb}/${args.dataset}.f32`).buffer.slice(0));
const R = all.length / D - 200;

const index = all.subarray(0, R * D);
const queries = all.subarray(R * D, (R + 200) * D);
let seed = 9;
const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
const values = Float32Array.from({ length: R * M }, rnd);
const i64 = (v) => BigInt64Array.from(v.map(BigInt));
function plain() {
  const g = new OnnxGraphBuilder('plain');
  g.input('embedding', 'float32', ['N', D]);
  g.initializer('idx', 'float32', index, [R, D]);
  g.initializer('vals', 'float32', values, [R, M]);
  g.initializer('k', 'int64', i64([K]), [1]);
  g.initializer('axes_1', 'int64', i64([1]), [1]);
  g.initializer('invk', 'float32', Float32Array.of(1 / K), []);
  g.node('Gemm', ['embedding', 'idx'], ['sims'], { transB: { int: 1 } });
  g.node('TopK', ['sims', 'k'], ['top', 'rows'], { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } });
  g.node('Gather', ['vals', 'rows'], ['gath'], { axis: { int: 0 } });
  g.node('ReduceSum', ['gath', 'axes_1'], ['sum'], { keepdims: { int: 0 } });
  g.node('Mul', ['sum', 'invk'], ['local_prior']);
  g.output('local_prior', 'float32', ['N', M]);
  return g.toBytes();
}
function twoStage() {
  // per-row symmetric s8 quantization, stored [D, R]
  const q = new Int8Array(R * D),
    sc = new Float32Array(R),
    l1 = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    let m = 0,
      s = 0;
    for (let j = 0; j < D; j++) {
      const x = index[r * D + j];
      m = Math.max(m, Math.abs(x));
      s += Math.abs(x);
    }
    sc[r] = m / 127 || 1;
    l1[r] = s;
    for (let j = 0; j < D; j++) q[j * R + r] = Math.max(-127, Math.min(127, Math.round(index[r * D + j] / sc[r])));
  }
  const g = new OnnxGraphBuilder('two');
  g.input('embedding', 'float32', ['N', D]);
  g.initializer('idx', 'float32', index, [R, D]);
  g.initializer('vals', 'float32', values, [R, M]);
  g.initializer('q', 'int8', q, [D, R]);
  g.initializer('sc', 'float32', sc, [R]);
  g.initializer(
    'halfsc',
    'float32',
    sc.map((x) => x / 2),
    [R],
  );
  g.initializer('l1', 'float32', l1, [R]);
  g.initializer('half', 'float32', Float32Array.of(0.5), []);
  g.initializer('eps', 'float32', Float32Array.of(1e-4), []);
  g.initializer('k', 'int64', i64([K]), [1]);
  g.initializer('axes_1', 'int64', i64([1]), [1]);
  g.initializer('axes_0', 'int64', i64([0]), [1]);
  g.initializer('invk', 'float32', Float32Array.of(1 / K), []);
  g.initializer('last', 'int64', i64([K - 1]), [1]);
  g.initializer('kk', 'int64', i64([K]), [1]);
  g.node('DynamicQuantizeLinear', ['embedding'], ['eq', 'es', 'ez']);
  g.node('MatMulInteger', ['eq', 'q', 'ez'], ['acc']);
  g.node('Cast', ['acc'], ['accf'], { to: { int: 1 } });
  g.node('Mul', ['es', 'sc'], ['scale']);
  g.node('Mul', ['accf', 'scale'], ['approx']);
  // bound_r = es · ||x_r||_1 + s_r/2 · (||e||_1 + D·es) + eps (see the header)
  g.node('ReduceL1', ['embedding'], ['el1'], { axes: { ints: [1] }, keepdims: { int: 1 } });
  g.initializer('dd', 'float32', Float32Array.of(D), []);
  g.node('Mul', ['es', 'dd'], ['dpad']);
  g.node('Add', ['el1', 'dpad'], ['ehl1']);
  g.node('Mul', ['es', 'l1'], ['b1']);
  g.node('Mul', ['ehl1', 'halfsc'], ['b2']);
  g.node('Add', ['b1', 'b2'], ['b12']);
  g.node('Add', ['b12', 'eps'], ['bound']);
  g.node('Sub', ['approx', 'bound'], ['lower']);
  g.node('Add', ['approx', 'bound'], ['upper']);
  g.node('TopK', ['lower', 'kk'], ['ltop', 'lrows'], { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } });
  g.node('Gather', ['ltop', 'last'], ['lb'], { axis: { int: 1 } }); // [N, 1]
  g.node('GreaterOrEqual', ['upper', 'lb'], ['cand']);
  g.node('Cast', ['cand'], ['candf'], { to: { int: 1 } });
  g.node('ReduceMax', ['candf'], ['anyc'], { axes: { ints: [0] }, keepdims: { int: 0 } }); // [R]
  g.node('NonZero', ['anyc'], ['nz']); // [1, C]
  g.node('Squeeze', ['nz', 'axes_0'], ['crow']); // [C]
  g.node('Gather', ['idx', 'crow'], ['cidx'], { axis: { int: 0 } }); // [C, D]
  g.node('Gemm', ['embedding', 'cidx'], ['csims'], { transB: { int: 1 } });
  g.node('TopK', ['csims', 'k'], ['top', 'cpos'], { axis: { int: -1 }, largest: { int: 1 }, sorted: { int: 1 } });
  g.node('Gather', ['crow', 'cpos'], ['rows'], { axis: { int: 0 } });
  g.node('Gather', ['vals', 'rows'], ['gath'], { axis: { int: 0 } });
  g.node('ReduceSum', ['gath', 'axes_1'], ['sum'], { keepdims: { int: 0 } });
  g.node('Mul', ['sum', 'invk'], ['local_prior']);
  g.output('local_prior', 'float32', ['N', M]);
  g.output('crow', 'int64', ['C']);
  return g.toBytes();
}
const opts = { graphOptimizationLevel: 'all', intraOpNumThreads: 1 };
const a = await ort.InferenceSession.create(plain(), opts);
const b = await ort.InferenceSession.create(twoStage(), opts);
let same = 0,
  maxd = 0,
  cands = [];
for (let i = 0; i < 200; i++) {
  const t = new ort.Tensor('float32', queries.slice(i * D, (i + 1) * D), [1, D]);
  const x = (await a.run({ embedding: t })).local_prior.data;
  const y = await b.run({ embedding: t });
  let d = 0;
  for (let m = 0; m < M; m++) d = Math.max(d, Math.abs(x[m] - y.local_prior.data[m]));
  maxd = Math.max(maxd, d);
  if (d === 0) same++;
  cands.push(y.crow.dims[0]);
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const med = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
const ta = [],
  tb = [];
for (let i = 0; i < 600; i++) {
  const t = new ort.Tensor('float32', queries.slice((i % 200) * D, ((i % 200) + 1) * D), [1, D]);
  let c = cpu();
  await a.run({ embedding: t });
  if (i >= 100) ta.push(cpu() - c);
  c = cpu();
  await b.run({ embedding: t });
  if (i >= 100) tb.push(cpu() - c);
}
console.log(
  `${args.dataset}: index rows ${R}, k ${K}: identical local prior ${same}/200 (max |Δ| ${maxd}), candidates p50 ${med(cands)} max ${Math.max(...cands)}; CPU p50 full fp32 scan ${med(ta).toFixed(3)} ms, int8 pre-scan + exact re-score ${med(tb).toFixed(3)} ms, ratio ${(med(tb) / med(ta)).toFixed(2)}; load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
