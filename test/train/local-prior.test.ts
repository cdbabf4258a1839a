import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { fitLocalPrior, localPriorForward } from '../../src/train/local-prior.js';
import { buildQualityHeadOnnx, readLocalPriorOnnx, readQualityHeadOnnx } from '../../src/train/onnx-export.js';
import { trainRouter, scoreMatrix } from '../../src/train/train-router.js';
import { addModel } from '../../src/train/add-model.js';
import { splitIndices } from '../../src/train/random.js';
import { aggregateAndSelect } from '../../src/router/score.js';
import type { ManifestDraft } from '../../src/train/train-router.js';
import type { RoutingRecord } from '../../src/data/types.js';
import { MODELS, SMALL, synthetic } from './fixtures.js';

const data = synthetic();
const d = 16;
const m = MODELS.length;

function groupsOf(assignment: ArrayLike<number>): Int32Array {
  return Int32Array.from(assignment, (a) => (a < 0 ? 3 : a));
}

describe('local prior: leave-one-out is exact', () => {
  it('matches a brute-force refit without the row, for several (k, β)', () => {
    const { scores, mask } = scoreMatrix(data.records, MODELS);
    const groups = groupsOf(data.discovery.assignment);
    const rows = Int32Array.from({ length: 120 }, (_, i) => i * 2);
    for (const [k, beta] of [
      [5, 0],
      [10, 0.5],
      [7, 1],
    ] as const) {
      const fit = fitLocalPrior(
        { embeddings: data.embeddings, dimension: d, scores, mask, modelCount: m, groups, rows },
        { ks: [k], betas: [beta], shrinkage: 3, modelPrior: [0.5, 0.5, 0.5, 0.5], estimator: 'neighbours' },
      );
      for (const a of [0, 17, 63, 119]) {
        // Refit on every row but a, then predict row a from the remaining index.
        const others = Int32Array.from([...rows].filter((_, b) => b !== a));
        const refit = fitLocalPrior(
          { embeddings: data.embeddings, dimension: d, scores, mask, modelCount: m, groups, rows: others },
          { ks: [k], betas: [beta], shrinkage: 3, modelPrior: [0.5, 0.5, 0.5, 0.5], estimator: 'neighbours' },
        );
        const i = rows[a]!;
        const query = Float32Array.from(readHalfRow(fit.prior.index, a));
        const expected = localPriorForward(refit.prior, query, 1);
        for (let j = 0; j < m; j++) expect(fit.leaveOneOut[a * m + j]).toBeCloseTo(expected[j]!, 5);
        expect(i).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('rejects bad inputs with RangeError', () => {
    const { scores, mask } = scoreMatrix(data.records, MODELS);
    const groups = groupsOf(data.discovery.assignment);
    expect(() =>
      fitLocalPrior({ embeddings: data.embeddings, dimension: d, scores, mask, modelCount: m, groups, rows: [0] }),
    ).toThrow(RangeError);
    expect(() =>
      fitLocalPrior(
        { embeddings: data.embeddings, dimension: d, scores, mask, modelCount: m, groups, rows: [0, 1, 2] },
        { betas: [2] },
      ),
    ).toThrow(RangeError);
    expect(() =>
      fitLocalPrior({
        embeddings: data.embeddings,
        dimension: d,
        scores,
        mask,
        modelCount: m,
        groups: groups.subarray(1),
        rows: [0, 1],
      }),
    ).toThrow(RangeError);
  });
});

// The float16 index row a, as float32 values (the query the brute-force check uses, identical to the index row).
function readHalfRow(index: Uint16Array, a: number): Float32Array {
  const out = new Float32Array(d);
  const view = new DataView(new ArrayBuffer(2));
  for (let t = 0; t < d; t++) {
    view.setUint16(0, index[a * d + t]!);
    const h = view.getUint16(0);
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[t] = exp === 0 ? sign * frac * 2 ** -24 : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

async function runRouter(
  bytes: Uint8Array,
  emb: Float32Array,
  tasks: ArrayLike<number>,
  n: number,
  outputs: string[],
): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({
      embedding: new ort.Tensor('float32', emb, [n, d]),
      task: new ort.Tensor(
        'int64',
        BigInt64Array.from(Array.from(tasks), (t) => BigInt(t)),
        [n],
      ),
    });
    return Object.fromEntries(outputs.map((o) => [o, out[o]!.data as Float32Array]));
  } finally {
    await session.release();
  }
}

describe('local prior in router.onnx (onnxruntime-node)', () => {
  it('local_prior matches localPriorForward and the graph reads back', async () => {
    const { routerBytes, manifest } = await trainRouter(data.records, data.embeddings, data.discovery, {
      ...SMALL,
      localPriorGroups: 'tasks',
      localPriorOptions: { estimator: 'neighbours' },
    });
    expect(manifest.localPrior).toBeDefined();
    const local = readLocalPriorOnnx(routerBytes)!;
    expect(local.k).toBe(manifest.localPrior!.k);
    expect(local.rows).toBe(data.records.length);
    const n = 50;
    const emb = data.embeddings.slice(0, n * d);
    const out = await runRouter(routerBytes, emb, new Int32Array(n).fill(3), n, ['quality', 'local_prior']);
    const ts = localPriorForward(local, emb, n);
    for (let i = 0; i < ts.length; i++) expect(Math.abs(out.local_prior![i]! - ts[i]!)).toBeLessThanOrEqual(1e-5);
    // Stage 2 stays inside the observed score range.
    const heads = readQualityHeadOnnx(routerBytes);
    expect(heads.scoreRange).toBeDefined();
    for (const v of out.quality!) {
      expect(v).toBeGreaterThanOrEqual(heads.scoreRange![0] - 1e-6);
      expect(v).toBeLessThanOrEqual(heads.scoreRange![1] + 1e-6);
    }
    // A rebuilt graph without the local prior has no second output.
    expect(readLocalPriorOnnx(buildQualityHeadOnnx(heads))).toBeNull();
  });
});

/** Routes prompts the way FineRouter does (classifier → task, router.onnx → Q̃ and L, Eq. 5, τ), through ORT. */
async function routeAll(
  result: { classifierBytes: Uint8Array; routerBytes: Uint8Array; manifest: ManifestDraft },
  rows: number[],
  tolerance: number,
): Promise<string[]> {
  const { manifest } = result;
  const n = rows.length;
  const emb = new Float32Array(n * d);
  rows.forEach((i, r) => emb.set(data.embeddings.subarray(i * d, (i + 1) * d), r * d));
  const cls = await ort.InferenceSession.create(result.classifierBytes);
  const probs = (await cls.run({ embedding: new ort.Tensor('float32', emb, [n, d]) })).task_probs!.data as Float32Array;
  await cls.release();
  const T = manifest.tasks.length;
  const M = manifest.models.length;
  const tasks = Int32Array.from({ length: n }, (_, r) => {
    let best = 0;
    for (let t = 1; t < T; t++) if (probs[r * T + t]! > probs[r * T + best]!) best = t;
    return probs[r * T + best]! >= manifest.classifier.threshold ? best : T;
  });
  const outputs = manifest.localPrior ? ['quality', manifest.localPrior.output] : ['quality'];
  const out = await runRouter(result.routerBytes, emb, tasks, n, outputs);
  const costs = manifest.models.map((mm) => mm.cost ?? Number.NaN);
  const mask = new Uint8Array(M).fill(1);
  return rows.map((_, r) => {
    const stage1 = tasks[r]! < T ? manifest.tasks[tasks[r]!]!.stage1 : manifest.others.stage1;
    const local = manifest.localPrior ? out[manifest.localPrior.output]!.subarray(r * M, (r + 1) * M) : undefined;
    const sel = aggregateAndSelect(
      stage1,
      out.quality!.subarray(r * M, (r + 1) * M),
      costs,
      mask,
      manifest.defaults.alpha,
      tolerance,
      local,
      manifest.localPrior?.weight ?? 0,
    );
    return manifest.models[sel.selected]!.id;
  });
}

describe('support floor (issue #13 item 1): a model with almost no data does not take every route', () => {
  const seed = 42;
  const [train, , holdout] = splitIndices(data.records.length, [0.1, 0.1], seed);
  const lucky = train[0]!;

  it('finerouter train: a model scored on one training prompt (score 1) wins no more than a few held-out prompts, at τ = 0 and τ = 0.1', async () => {
    const records: RoutingRecord[] = data.records.map((r, i) =>
      i === lucky ? { ...r, scores: { ...r.scores, 'm-lucky': 1 } } : r,
    );
    const models = [...MODELS, 'm-lucky'];
    // Discovery's stage-1 medians fall back to the model's global median (1) where a task has no score of it.
    const discovery = {
      ...data.discovery,
      models,
      tasks: data.discovery.tasks.map((t) => ({ ...t, stage1: { ...t.stage1, 'm-lucky': 1 } })),
      others: { ...data.discovery.others, stage1: { ...data.discovery.others.stage1, 'm-lucky': 1 } },
    };
    const result = await trainRouter(records, data.embeddings, discovery, { ...SMALL, seed });
    const rows = Array.from(holdout);
    for (const tolerance of [0, 0.1]) {
      const picks = await routeAll(result, rows, tolerance);
      // Before the floor it took every route; now at most a few prompts of the noise cluster (Others), where
      // every real model scores the same 0.35 and a slightly optimistic prior can still come first.
      const wins = rows.filter((i, r) => picks[r] === 'm-lucky');
      expect(wins.length).toBeLessThanOrEqual(Math.floor(rows.length * 0.2));
      for (const i of wins) expect(data.discovery.assignment[i]).toBe(-1);
    }
    expect(result.metrics.support.belowFloor).toEqual(['m-lucky']);
    expect(result.manifest.warnings?.some((w) => w.includes('m-lucky'))).toBe(true);
    // Stage-1 values of the new model sit between the pool mean and 1, never at 1.
    for (const t of result.manifest.tasks) expect(t.stage1[4]).toBeLessThan(0.8);
  });

  it('add-model with one record: the new model does not win every held-out prompt', async () => {
    const base = await trainRouter(data.records, data.embeddings, data.discovery, { ...SMALL, seed });
    const sample = [{ ...data.records[lucky]!, scores: { 'm-lucky': 1 } }];
    const added = addModel(base, sample, data.embeddings.slice(lucky * d, (lucky + 1) * d), 'm-lucky', {
      moe: { epochs: 5 },
    });
    const rows = Array.from(holdout);
    for (const tolerance of [0, 0.1]) {
      const picks = await routeAll({ ...added, classifierBytes: base.classifierBytes }, rows, tolerance);
      const wins = rows.filter((i, r) => picks[r] === 'm-lucky');
      expect(wins.length).toBeLessThanOrEqual(Math.floor(rows.length * 0.2));
      for (const i of wins) expect(data.discovery.assignment[i]).toBe(-1);
    }
    expect(added.manifest.warnings?.some((w) => w.includes('m-lucky'))).toBe(true);
  });
});

describe('FineRouter with a local prior (onnxruntime-node)', () => {
  it('reports local and expected per model, explains the prior, and λ trades quality for cost', async () => {
    const { FineRouter, sha256Digest } = await import('../../src/router/router.js');
    const { validateManifest } = await import('../../src/router/manifest.js');
    const { createNodeRuntime } = await import('../../src/adapters/node/runtime.js');
    const result = await trainRouter(data.records, data.embeddings, data.discovery, {
      ...SMALL,
      localPriorGroups: 'tasks',
    });
    const manifest = validateManifest({
      ...result.manifest,
      files: {
        [result.manifest.classifier.file]: await sha256Digest(result.classifierBytes),
        [result.manifest.router.file]: await sha256Digest(result.routerBytes),
      },
    });
    expect(manifest.localPrior?.groups).toBe('tasks');
    const encoder = {
      id: 'test-encoder',
      dimension: d,
      embed: async (): Promise<Float32Array> => {
        throw new Error('not used');
      },
      dispose: async (): Promise<void> => undefined,
    };
    const router = await FineRouter.create({
      manifest,
      classifierModel: result.classifierBytes,
      routerModel: result.routerBytes,
      runtime: createNodeRuntime(),
      encoder,
      costs: { 'm-a': 0.001, 'm-b': 0.01, 'm-c': 0.01, 'm-d': 0.01 },
    });
    try {
      const n = 20;
      const emb = data.embeddings.slice(0, n * d);
      const local = localPriorForward(readLocalPriorOnnx(result.routerBytes)!, emb, n);
      const routed = await router.routeEmbeddings(emb, { localWeight: 1 });
      routed.forEach((r, i) => {
        for (const s of r.scores) {
          const j = MODELS.indexOf(s.model);
          expect(s.local).toBeCloseTo(local[i * m + j]!, 5);
          expect(Number.isFinite(s.expected)).toBe(true);
        }
        expect(r.explanation).toContain('local (');
      });
      // A huge λ buys the cheapest model (m-a); λ = 0 the best expected quality.
      const cheap = await router.routeEmbeddings(emb, { willingnessToPay: 1e6 });
      expect(cheap.every((r) => r.model === 'm-a')).toBe(true);
      const best = await router.routeEmbeddings(emb, { willingnessToPay: 0 });
      best.forEach((r) => {
        const top = Math.max(...r.scores.map((s) => s.expected));
        expect(r.scores.find((s) => s.model === r.model)!.expected).toBe(top);
      });
      await expect(router.routeEmbeddings(emb, { willingnessToPay: -1 })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(router.routeEmbeddings(emb, { localWeight: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      await router.dispose();
    }
  });
});
