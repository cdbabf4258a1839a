import { describe, expect, it } from 'vitest';
import type { RoutingRecord } from '../../src/data/types.js';
import type { Manifest } from '../../src/router/manifest.js';
import type { OnnxRuntime, RuntimeSession, RuntimeTensor } from '../../src/runtime/types.js';
import { SYN_COST, SYN_MODELS, SYN_P, synthetic } from './synthetic.js';
import { evaluateRouters } from '../../src/eval/harness.js';
import { FineRouterError } from '../../src/errors.js';
import { splitRecords } from '../../src/eval/split.js';
import { runArtifactHeads } from '../../src/eval/twostage.js';
import { costQualitySvg, qualityBarsSvg, reportMarkdown } from '../../src/eval/report.js';

const D = 16;
const MODELS = SYN_MODELS;
const COST = SYN_COST;
const P = SYN_P;

/** A fake runtime standing in for the trained graphs: classifier = nearest true center, router = true task means. */
function fakeRuntime(centers: Float64Array[]): OnnxRuntime {
  const T = centers.length;
  const session = (kind: number): RuntimeSession => ({
    inputNames: kind === 1 ? ['embedding'] : ['embedding', 'task'],
    outputNames: kind === 1 ? ['task_probs'] : ['quality'],
    executionProvider: 'fake',
    async run(feeds: Readonly<Record<string, RuntimeTensor>>): Promise<Record<string, RuntimeTensor>> {
      const emb = feeds.embedding!.data as Float32Array;
      const n = emb.length / D;
      if (kind === 1) {
        const probs = new Float32Array(n * T);
        for (let i = 0; i < n; i++) {
          for (let t = 0; t < T; t++) {
            let s = 0;
            for (let x = 0; x < D; x++) s += emb[i * D + x]! * centers[t]![x]!;
            probs[i * T + t] = 1 / (1 + Math.exp(-12 * (s - 0.3)));
          }
        }
        return { task_probs: { type: 'float32', data: probs, dims: [n, T] } };
      }
      const task = feeds.task!.data as BigInt64Array;
      const q = new Float32Array(n * MODELS.length);
      for (let i = 0; i < n; i++) {
        const t = Number(task[i]!);
        for (let j = 0; j < MODELS.length; j++)
          q[i * MODELS.length + j] = t < T ? P[t]![j]! : (P[0]![j]! + P[1]![j]! + P[2]![j]!) / 3;
      }
      return { quality: { type: 'float32', data: q, dims: [n, MODELS.length] } };
    },
    async release() {},
  });
  return {
    name: 'fake',
    async createSession(bytes: Uint8Array) {
      return session(bytes[0]!);
    },
  };
}

function manifest(): Manifest {
  return {
    schema: 'finerouter/artifacts',
    version: 1,
    encoder: { id: 'fake', dimension: D },
    models: MODELS.map((id, j) => ({ id, cost: COST[j]! })),
    tasks: [0, 1, 2].map((t) => ({
      id: t,
      description: `task ${t}`,
      size: 100,
      candidates: [MODELS[P[t]!.indexOf(Math.max(...P[t]!))]!],
      stage1: [...P[t]!],
    })),
    others: { size: 0, stage1: [0.5, 0.5, 0.6, 0.4] },
    classifier: { file: 'classifier.onnx', threshold: 0.5 },
    router: { file: 'router.onnx' },
    defaults: { alpha: 0.5, tolerance: 0 },
    files: {},
  };
}

describe('evaluateRouters on a seeded synthetic dataset', () => {
  const data = synthetic(900, 7);
  const split = splitRecords(data.records, { seed: 3 });
  const runtime = fakeRuntime(data.centers);
  const man = manifest();
  const heads = (embeddings: Float32Array) =>
    runArtifactHeads({
      runtime,
      manifest: man,
      classifierModel: Uint8Array.of(1),
      routerModel: Uint8Array.of(2),
      embeddings,
      batchSize: 50,
    });

  it('ranks the methods as the construction implies and reports every required method', async () => {
    const report = await evaluateRouters({
      records: data.records,
      embeddings: data.embeddings,
      dimension: D,
      split,
      seed: 1,
      dataset: 'synthetic',
      kCandidates: [1, 5, 15],
      mlp: { epochs: 8 },
      twoStage: { manifest: man, heads },
    });
    const names = report.methods.map((m) => m.name);
    for (const n of [
      'finerouter',
      'oracle',
      'random',
      'knn',
      'mlp',
      'stage1-embedding',
      'stage1-cls',
      'stage2-only',
      'general-only',
      'model:m0',
      'model:m3',
    ]) {
      expect(names).toContain(n);
    }
    const q = (n: string): number => report.methods.find((m) => m.name === n)!.quality;
    const best = Math.max(...MODELS.map((m) => q(`model:${m}`)));
    expect(report.bestSingle.quality).toBe(best);
    expect(q('oracle')).toBeGreaterThan(q('finerouter'));
    expect(q('finerouter')).toBeGreaterThan(best + 0.05);
    expect(q('knn')).toBeGreaterThan(best);
    expect(q('stage1-cls')).toBeGreaterThan(best);
    // general-only sees no task, so it always picks the globally best-on-average model.
    expect(report.methods.find((m) => m.name === 'general-only')!.distribution.m2).toBe(1);
    const fr = report.methods.find((m) => m.name === 'finerouter')!;
    expect(fr.headroom!).toBeGreaterThan(0.3);
    expect(fr.curve!.length).toBe(51);
    expect(fr.aiq!).toBeGreaterThan(0);
    expect(fr.costRatioToMatchBestSingle!).toBeLessThan(1);
    expect(report.fineRouter!.coverage).toBeGreaterThan(0.8);
    expect(report.fineRouter!.calibration.stage2.pairs).toBe(report.prompts * MODELS.length);
    expect(report.issues.missingScores).toBe(0);
    // the same seed gives the same report
    const again = await evaluateRouters({
      records: data.records,
      embeddings: data.embeddings,
      dimension: D,
      split,
      seed: 1,
      dataset: 'synthetic',
      kCandidates: [1, 5, 15],
      mlp: { epochs: 8 },
      twoStage: { manifest: man, heads },
    });
    expect(again.methods.map((m) => [m.name, m.quality])).toEqual(report.methods.map((m) => [m.name, m.quality]));

    const md = reportMarkdown(report, { figure: 'cost-quality.svg' });
    expect(md).toContain('| finerouter |');
    expect(md).toContain('| task0 | task1 | task2 | Ave | Overall | Cost/query |');
    const svg = costQualitySvg(report);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('finerouter (τ sweep)');
    expect(qualityBarsSvg(report)).toContain('oracle');
  });

  it('reports missing scores and unknown models, and never lets a router pick an unscored model', async () => {
    const records = data.records.map((r, i) => {
      if (i % 7 === 0) {
        const { m0: _drop, ...rest } = r.scores;
        return { ...r, scores: { ...rest, mX: 1 } };
      }
      return r;
    });
    const report = await evaluateRouters({
      records,
      embeddings: data.embeddings,
      dimension: D,
      split,
      seed: 1,
      kCandidates: [5],
      mlp: { epochs: 3 },
    });
    expect(report.models).toEqual(['m0', 'm1', 'm2', 'm3', 'mX']);
    const m0 = report.methods.find((m) => m.name === 'model:m0')!;
    expect(m0.unscored).toBeGreaterThan(0);
    expect(m0.scored + m0.unscored).toBe(report.prompts);
    for (const m of report.methods.filter((x) => x.kind !== 'single')) expect(m.unscored).toBe(0);
    expect(report.issues.missingScores).toBeGreaterThan(0);
    expect(report.methods.find((m) => m.name === 'finerouter')).toBeUndefined();
  });

  it.each(['knn', 'mlp', 'evaluate test'])(
    'stops with ABORTED when an abort fires from a timer at step %s',
    async (during) => {
      const controller = new AbortController();
      const stages: string[] = [];
      const error = await evaluateRouters({
        records: data.records,
        embeddings: data.embeddings,
        dimension: D,
        split,
        mlp: { epochs: 2 },
        twoStage: { manifest: man, heads },
        signal: controller.signal,
        onProgress: (stage) => {
          stages.push(stage);
          if (stage === during) setTimeout(() => controller.abort(new Error('timer')), 0);
        },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FineRouterError);
      expect((error as FineRouterError).code).toBe('ABORTED');
      expect(stages.at(-1)).toBe(during);
    },
  );

  it('rejects mismatched embeddings and unknown splits', async () => {
    await expect(
      evaluateRouters({ records: data.records, embeddings: new Float32Array(3), dimension: D, split }),
    ).rejects.toThrow(TypeError);
    await expect(
      evaluateRouters({ records: data.records, embeddings: data.embeddings, dimension: D, split, evaluate: 'ood' }),
    ).rejects.toThrow(RangeError);
  });
});
