import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { trainRouter, modelCosts, parsePrices, scoreMatrix } from '../../src/train/train-router.js';
import { selectThreshold, trainClassifier } from '../../src/train/classifier.js';
import { macroF1 } from '../../src/numeric/f1.js';
import { trainGeneral } from '../../src/train/moe.js';
import { addModel } from '../../src/train/add-model.js';
import { classifierForward, qualityHeadForward } from '../../src/train/heads.js';
import { readClassifierOnnx, readQualityHeadOnnx } from '../../src/train/onnx-export.js';
import { splitIndices } from '../../src/train/random.js';
import { validateManifest } from '../../src/router/manifest.js';
import { readArtifacts, writeArtifacts } from '../../src/adapters/node/artifacts-write.js';
import { FineRouterError } from '../../src/errors.js';
import { MODELS, SMALL, synthetic } from './fixtures.js';

const data = synthetic();
const trained = trainRouter(data.records, data.embeddings, data.discovery, SMALL);

describe('threshold selection and macro-F1', () => {
  it('picks the threshold separating confident prompts from Others on a hand-made case', () => {
    // 2 tasks; rows 0-1 are task 0 (p 0.9, 0.8), row 2 task 1 (0.7), rows 3-4 Others (max 0.4, 0.3).
    const probs = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.1, 0.7, 0.4, 0.2, 0.3, 0.1]);
    const r = selectThreshold(probs, 5, 2, [0, 0, 1, -1, -1]);
    expect(r.macroF1).toBe(1);
    expect(r.threshold).toBeCloseTo(0.41, 10);
    expect(macroF1([0, 1, 2, 2], [0, 2, 2, 2])).toBeCloseTo((1 + 0 + 0.8) / 3, 10);
  });
});

describe('trainRouter on synthetic tasks', () => {
  it('learns the tasks and the qualities better than the baselines', async () => {
    const { metrics, manifest } = await trained;
    expect(metrics.tasks).toBe(3);
    expect(metrics.classifier.holdoutMacroF1).toBeGreaterThan(0.7);
    expect(metrics.classifier.holdoutCoverage).toBeGreaterThan(0.5);
    expect(metrics.moe.holdoutMseFull!).toBeLessThan(metrics.moe.holdoutMseMean! * 0.6);
    expect(manifest.models.map((m) => m.id)).toEqual(MODELS);
    expect(manifest.models[0].cost).toBeCloseTo(0.002, 10);
    expect(manifest.models[1].cost).toBeNull();
    expect(manifest.tasks[1].candidates).toEqual(['m-b', 'm-c']);
    // Eq. 5 settings chosen on dev: the manifest carries the chosen α and the grid's best dev quality.
    const agg = metrics.aggregation;
    expect(agg.alphaSource).toBe('dev');
    expect(manifest.defaults.alpha).toBe(agg.alpha);
    expect(agg.alphas).toHaveLength(11);
    // Each stage-1 variant at ω = 0 (the paper's Eq. 5) and with the local prior's shares ω ∈ {0.25, …, 1}.
    expect(Object.keys(agg.devGrid).filter((k) => !k.includes('@'))).toEqual([
      'median',
      'mean',
      'mean+10',
      'mean+30',
      'mean+100',
    ]);
    expect(Object.keys(agg.devGrid)).toContain('mean+10@1');
    const all = Object.values(agg.devGrid).flat();
    expect(all.length).toBe(55 * 5);
    // The dev choice is the grid's best, unless it does not beat the local prior alone (α = 0, ω = 1) by more than
    // 1.5 standard errors: then that reference is kept.
    if (agg.localWeight === 1 && agg.alpha === 0)
      expect(agg.devQuality).toBe(agg.devGrid[`${Object.keys(agg.devGrid)[0]}@1`]![0]);
    else expect(agg.devQuality).toBe(Math.max(...all));
    expect(agg.devQuality!).toBeGreaterThanOrEqual(agg.devBestSingle!);
    expect(agg.devOracle!).toBeGreaterThanOrEqual(agg.devQuality!);
    if (agg.stage1Statistic === 'median') expect(manifest.tasks[2].stage1).toEqual([0.35, 0.35, 0.85, 0.35]);
    // The draft plus digests is a valid manifest.
    const digest = 'a'.repeat(64);
    expect(() =>
      validateManifest({ ...manifest, files: { 'classifier.onnx': digest, 'router.onnx': digest } }),
    ).not.toThrow();
  });

  it("with the paper's fixed settings writes α = 0.5 and discovery's stage-1 medians", async () => {
    const { manifest, metrics } = await trainRouter(data.records, data.embeddings, data.discovery, {
      ...SMALL,
      alpha: 0.5,
      stage1Statistic: 'median',
    });
    expect(manifest.defaults.alpha).toBe(0.5);
    expect(metrics.aggregation).toMatchObject({
      alpha: 0.5,
      stage1Statistic: 'median',
      alphaSource: 'fixed',
      statisticSource: 'fixed',
      alphas: [0.5],
    });
    expect(manifest.tasks[2].stage1).toEqual([0.35, 0.35, 0.85, 0.35]);
    expect(manifest.training?.stage1Statistic).toBe('median');
    const mean = await trainRouter(data.records, data.embeddings, data.discovery, {
      ...SMALL,
      alpha: 0.5,
      stage1Statistic: 'mean',
      stage1Shrinkage: 0,
    });
    expect(mean.metrics.aggregation.stage1Shrinkage).toBe(0);
    // The mean over the task's members, from the records' scores.
    const members = data.discovery.tasks[2]!.members;
    const expected = MODELS.map((id) => {
      const seen = members.map((i) => data.records[i]!.scores[id]).filter((v): v is number => v !== undefined);
      return seen.reduce((s, v) => s + v, 0) / seen.length;
    });
    mean.manifest.tasks[2]!.stage1.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 6));
    await expect(trainRouter(data.records, data.embeddings, data.discovery, { ...SMALL, alpha: 1.5 })).rejects.toThrow(
      RangeError,
    );
    await expect(
      trainRouter(data.records, data.embeddings, data.discovery, { ...SMALL, stage1Shrinkage: -1 }),
    ).rejects.toThrow(RangeError);
  });

  it('is deterministic for a seed and changes with the seed', async () => {
    const a = await trained;
    const b = await trainRouter(data.records, data.embeddings, data.discovery, SMALL);
    expect(Buffer.from(b.routerBytes).equals(Buffer.from(a.routerBytes))).toBe(true);
    expect(Buffer.from(b.classifierBytes).equals(Buffer.from(a.classifierBytes))).toBe(true);
    const c = await trainRouter(data.records, data.embeddings, data.discovery, { ...SMALL, seed: 7 });
    expect(Buffer.from(c.routerBytes).equals(Buffer.from(a.routerBytes))).toBe(false);
  });

  it('the trained ONNX graphs equal the TypeScript forward pass (onnxruntime-node, ≤ 1e-5)', async () => {
    const { classifierBytes, routerBytes, manifest } = await trained;
    const n = 20;
    const d = 16;
    const emb = data.embeddings.slice(0, n * d);
    const cls = readClassifierOnnx(classifierBytes);
    const heads = readQualityHeadOnnx(routerBytes);
    const tasks = Array.from({ length: n }, (_, i) => i % (manifest.tasks.length + 1));
    const cs = await ort.InferenceSession.create(classifierBytes);
    const rs = await ort.InferenceSession.create(routerBytes);
    const probs = (await cs.run({ embedding: new ort.Tensor('float32', emb, [n, d]) })).task_probs.data as Float32Array;
    const quality = (
      await rs.run({
        embedding: new ort.Tensor('float32', emb, [n, d]),
        task: new ort.Tensor('int64', BigInt64Array.from(tasks.map(BigInt)), [n]),
      })
    ).quality.data as Float32Array;
    await cs.release();
    await rs.release();
    const ts1 = classifierForward(cls, emb, n);
    const ts2 = qualityHeadForward(heads, emb, tasks, n);
    let worst = 0;
    probs.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - ts1[i]));
    });
    quality.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - ts2[i]));
    });
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('gives byte-identical artifact files for the same seed; wall-clock times stay out of the manifest', async () => {
    const again = await trainRouter(data.records, data.embeddings, data.discovery, SMALL);
    const first = await trained;
    expect(first.metrics.ms.classifier).toBeGreaterThanOrEqual(0);
    expect(first.manifest.training?.metrics).not.toHaveProperty('ms');
    const dirs = [
      await mkdtemp(join(tmpdir(), 'finerouter-same-seed-')),
      await mkdtemp(join(tmpdir(), 'finerouter-same-seed-')),
    ];
    try {
      await writeArtifacts(dirs[0]!, first);
      await writeArtifacts(dirs[1]!, again);
      const names = (await readdir(dirs[0]!)).sort();
      expect(names).toEqual((await readdir(dirs[1]!)).sort());
      expect(names).toEqual(expect.arrayContaining(['manifest.json', 'classifier.onnx', 'router.onnx']));
      for (const name of names)
        expect(Buffer.compare(await readFile(join(dirs[0]!, name)), await readFile(join(dirs[1]!, name))), name).toBe(
          0,
        );
    } finally {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops with ABORTED when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await trainRouter(data.records, data.embeddings, data.discovery, {
      ...SMALL,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe('ABORTED');
  });

  it.each([
    ['classifier', 'general'],
    ['general', 'tasks'],
    ['tasks', 'export'],
  ] as const)('an abort fired from a timer during %s stops training before %s', async (during, next) => {
    const controller = new AbortController();
    const stages: string[] = [];
    let armed = false;
    const error = await trainRouter(data.records, data.embeddings, data.discovery, {
      ...SMALL,
      signal: controller.signal,
      onProgress: (stage) => {
        stages.push(stage);
        if (stage === during && !armed) {
          armed = true;
          setTimeout(() => controller.abort(new Error('timer')), 0);
        }
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe('ABORTED');
    expect(stages).toContain(during);
    expect(stages).not.toContain(next);
  });

  it('rejects inconsistent input', async () => {
    await expect(trainRouter(data.records.slice(1), data.embeddings, data.discovery, SMALL)).rejects.toThrow(
      RangeError,
    );
    await expect(trainRouter(data.records, data.embeddings, { ...data.discovery, tasks: [] }, SMALL)).rejects.toThrow(
      RangeError,
    );
  });
});

describe('missing scores are masked, never zeros', () => {
  it('values under a zero mask do not change training', () => {
    const { scores, mask } = scoreMatrix(data.records, MODELS);
    expect(mask[3]).toBe(0); // m-d on prompt 0
    const [train, dev] = splitIndices(data.records.length, [0.2], 3);
    const opts = { ...SMALL.moe, epochs: 3 };
    const base = trainGeneral(
      { embeddings: data.embeddings, dimension: 16, scores, mask, modelCount: 4, train, dev },
      opts,
    );
    const poisoned = scores.slice();
    for (let i = 0; i < mask.length; i++) if (!mask[i]) poisoned[i] = 1e6;
    const other = trainGeneral(
      { embeddings: data.embeddings, dimension: 16, scores: poisoned, mask, modelCount: 4, train, dev },
      opts,
    );
    expect(Array.from(other.heads.w1)).toEqual(Array.from(base.heads.w1));
    expect(other.devMse).toBe(base.devMse);
    // Treating missing as 0 would change the result.
    const zeros = trainGeneral(
      {
        embeddings: data.embeddings,
        dimension: 16,
        scores,
        mask: new Uint8Array(mask.length).fill(1),
        modelCount: 4,
        train,
        dev,
      },
      opts,
    );
    expect(zeros.devMse).not.toBe(base.devMse);
  });

  it('training loss decreases', () => {
    const { scores, mask } = scoreMatrix(data.records, MODELS);
    const [train, dev] = splitIndices(data.records.length, [0.2], 3);
    const r = trainGeneral(
      { embeddings: data.embeddings, dimension: 16, scores, mask, modelCount: 4, train, dev },
      { ...SMALL.moe, epochs: 10, patience: 10 },
    );
    expect(r.history[r.history.length - 1].train).toBeLessThan(r.history[0].train * 0.8);
    const labels = data.discovery.assignment;
    const taskInit = Float32Array.from(data.discovery.tasks.flatMap((t) => t.center));
    const c = trainClassifier(
      { embeddings: data.embeddings, dimension: 16, labels, taskCount: 3, taskInit, train, dev },
      { ...SMALL.classifier, epochs: 10, patience: 10 },
    );
    expect(c.history[c.history.length - 1].train).toBeLessThan(c.history[0].train);
  });
});

describe('costs and prices', () => {
  it('uses record costs, then prices per query or per 1M tokens, else null', () => {
    const recs = [
      { id: '1', prompt: 'abcdefgh', scores: {}, costs: { a: 1 } },
      { id: '2', prompt: 'abcd', scores: {}, costs: { a: 3 } },
    ];
    const prices = parsePrices({ a: 9, b: 0.5, c: { input_price: 2, output_price: 4 } });
    const costs = modelCosts(recs, ['a', 'b', 'c', 'd'], prices, 10);
    expect(costs[0]).toBe(2);
    expect(costs[1]).toBe(0.5);
    expect(costs[2]).toBeCloseTo((2 * 1.5 + 4 * 10) / 1e6, 15);
    expect(costs[3]).toBeNull();
    expect(() => parsePrices([1])).toThrow(TypeError);
    expect(() => parsePrices({ a: { foo: 1 } })).toThrow(TypeError);
  });
});

describe('add-model and artifact files', () => {
  it('adds a model without changing any other model output and round-trips through the writer', async () => {
    const base = await trained;
    const dir = await mkdtemp(join(tmpdir(), 'finerouter-train-'));
    try {
      await writeArtifacts(dir, base);
      const read = await readArtifacts(dir);
      expect(Buffer.from(read.routerBytes).equals(Buffer.from(base.routerBytes))).toBe(true);
      // A new model good on task 2 prompts, sampled on 60 prompts.
      const sample = data.records
        .slice(0, 60)
        .map((r, i) => ({ ...r, scores: { ...r.scores, 'm-new': data.discovery.assignment[i] === 2 ? 0.95 : 0.2 } }));
      const added = addModel(read, sample, data.embeddings.slice(0, 60 * 16), 'm-new', {
        moe: { epochs: 20, learningRate: 0.01 },
      });
      expect(added.manifest.models.map((m) => m.id)).toEqual([...MODELS, 'm-new']);
      // The new model's stage-1 value follows the statistic chosen on dev: the median of its task-2 scores is
      // exactly 0.95; a (shrunk) mean lies between its prior and 0.95, far above its value on the other tasks.
      if (base.manifest.training?.stage1Statistic === 'median')
        expect(added.manifest.tasks[2].stage1[4]).toBeCloseTo(0.95, 6);
      else {
        expect(added.manifest.tasks[2].stage1[4]).toBeGreaterThan(0.6);
        expect(added.manifest.tasks[2].stage1[4]).toBeLessThanOrEqual(0.95);
        expect(added.manifest.tasks[0].stage1[4]).toBeLessThan(0.4);
      }
      expect(added.manifest.others.stage1).toHaveLength(5);
      const before = readQualityHeadOnnx(base.routerBytes);
      const after = readQualityHeadOnnx(added.routerBytes);
      const n = 40;
      const emb = data.embeddings.slice(0, n * 16);
      const tasks = Array.from({ length: n }, (_, i) => i % 4);
      const q0 = qualityHeadForward(before, emb, tasks, n);
      const q1 = qualityHeadForward(after, emb, tasks, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < 4; j++) expect(q1[i * 5 + j]).toBe(q0[i * 4 + j]);
      await writeArtifacts(dir, { ...added, classifierBytes: read.classifierBytes });
      const again = await readArtifacts(dir);
      expect(again.manifest.models).toHaveLength(5);
      expect(() => addModel(again, sample, data.embeddings.slice(0, 60 * 16), 'm-new')).toThrow(RangeError);
      // A corrupted file is caught before use.
      await writeFile(join(dir, 'router.onnx'), new Uint8Array([1, 2, 3]));
      const error = await readArtifacts(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FineRouterError);
      expect((error as FineRouterError).code).toBe('ARTIFACT_CHECKSUM');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
