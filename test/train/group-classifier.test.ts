import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { fitGroupClassifier, groupProbabilities } from '../../src/train/group-classifier.js';
import { fitLocalPrior, localPriorForward } from '../../src/train/local-prior.js';
import { buildQualityHeadOnnx, readLocalPriorOnnx, readQualityHeadOnnx } from '../../src/train/onnx-export.js';
import { scoreMatrix, trainRouter } from '../../src/train/train-router.js';
import { addModel } from '../../src/train/add-model.js';
import { validateManifest } from '../../src/router/manifest.js';
import { sha256Digest } from '../../src/router/router.js';
import { MODELS, SMALL, synthetic } from './fixtures.js';

const data = synthetic();
const d = 16;
const m = MODELS.length;
// Groups: the synthetic clusters, noise prompts as a fourth group.
const groups = Int32Array.from(data.discovery.assignment, (a) => (a < 0 ? 3 : a));
const all = Int32Array.from({ length: data.records.length }, (_, i) => i);

async function localOutput(bytes: Uint8Array, emb: Float32Array, n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({
      embedding: new ort.Tensor('float32', emb, [n, d]),
      task: new ort.Tensor('int64', new BigInt64Array(n), [n]),
    });
    return out.local_prior!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('group classifier (softmax regression, L-BFGS)', () => {
  it('on identical embeddings the optimum is the class frequencies (weights penalized to 0)', () => {
    const n = 40;
    const emb = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) emb.set([0.6, 0, 0.8], i * 3);
    // 10 rows of group 0, 30 of group 1, none of group 2.
    const g = Int32Array.from({ length: n }, (_, i) => (i < 10 ? 0 : 1));
    const clf = fitGroupClassifier(
      emb,
      3,
      g,
      2,
      Int32Array.from({ length: n }, (_, i) => i),
      { l2: 0.1 },
    );
    const p = groupProbabilities(clf, emb.subarray(0, 3), 1);
    expect(p[0]).toBeCloseTo(0.25, 4);
    expect(p[1]).toBeCloseTo(0.75, 4);
  });

  it('separates the synthetic clusters and its probabilities sum to 1', () => {
    const train = all.filter((i) => i % 7 !== 0);
    const test = all.filter((i) => i % 7 === 0 && groups[i] !== 3);
    const clf = fitGroupClassifier(data.embeddings, d, groups, 4, train);
    const emb = new Float32Array(test.length * d);
    test.forEach((i, r) => emb.set(data.embeddings.subarray(i * d, (i + 1) * d), r * d));
    const p = groupProbabilities(clf, emb, test.length);
    let correct = 0;
    test.forEach((i, r) => {
      let sum = 0;
      let best = 0;
      for (let c = 0; c < 4; c++) {
        sum += p[r * 4 + c]!;
        if (p[r * 4 + c]! > p[r * 4 + best]!) best = c;
      }
      expect(sum).toBeCloseTo(1, 5);
      if (best === groups[i]) correct += 1;
    });
    expect(correct / test.length).toBeGreaterThan(0.95);
  });

  it('rejects bad input with RangeError', () => {
    expect(() => fitGroupClassifier(data.embeddings, d, groups, 4, [])).toThrow(RangeError);
    expect(() => fitGroupClassifier(data.embeddings, d, groups, 3, all)).toThrow(RangeError); // group 3 ≥ 3
    expect(() => fitGroupClassifier(data.embeddings, d, groups.subarray(1), 4, all)).toThrow(RangeError);
    expect(() => fitGroupClassifier(data.embeddings, d, groups, 4, all, { l2: -1 })).toThrow(RangeError);
    expect(() => fitGroupClassifier(data.embeddings, d, groups, 4, [data.records.length])).toThrow(RangeError);
    const clf = fitGroupClassifier(data.embeddings, d, groups, 4, all, { iterations: 5 });
    expect(() => groupProbabilities(clf, new Float32Array(d + 1), 1)).toThrow(RangeError);
  });
});

describe('local prior with the classifier estimator', () => {
  const { scores, mask } = scoreMatrix(data.records, MODELS);
  const base = { embeddings: data.embeddings, dimension: d, scores, mask, modelCount: m, groups, rows: all };
  // A fixed model prior: the default (each model's mean over the rows) would itself contain a row's scores.
  const modelPrior = [0.5, 0.5, 0.5, 0.5];

  it("a row's own scores never enter its own held-out prediction (cross-fitted classifier, LOO group means)", () => {
    const options = {
      estimator: 'classifier' as const,
      ks: [10],
      betas: [0.5],
      classifier: { iterations: 50 },
      modelPrior,
    };
    const fit = fitLocalPrior(base, options);
    expect(fit.estimator).toBe('classifier');
    for (const a of [0, 7, 151]) {
      const changed = scores.slice();
      for (let j = 0; j < m; j++) changed[a * m + j] = 1 - changed[a * m + j]!;
      const refit = fitLocalPrior({ ...base, scores: changed }, options);
      for (let j = 0; j < m; j++) expect(refit.leaveOneOut[a * m + j]).toBeCloseTo(fit.leaveOneOut[a * m + j]!, 6);
    }
  });

  it('ONNX local_prior equals localPriorForward within 1e-5: classifier alone (no index) and classifier + neighbours', async () => {
    const heads = readQualityHeadOnnx(
      (await trainRouter(data.records, data.embeddings, data.discovery, { ...SMALL, localPrior: false })).routerBytes,
    );
    const n = 60;
    const emb = data.embeddings.slice(0, n * d);
    for (const beta of [0, 0.5]) {
      const { prior } = fitLocalPrior(base, { estimator: 'classifier', ks: [10], betas: [beta], leaveOneOut: false });
      expect(prior.classifier).toBeDefined();
      expect(prior.rows).toBe(beta === 0 ? 0 : all.length);
      expect(prior.k).toBe(beta === 0 ? 0 : 10);
      const bytes = buildQualityHeadOnnx(heads, prior);
      const back = readLocalPriorOnnx(bytes)!;
      expect(back.rows).toBe(prior.rows);
      expect(back.classifier!.groupCount).toBe(4);
      const onnx = await localOutput(bytes, emb, n);
      const ts = localPriorForward(prior, emb, n);
      for (let i = 0; i < ts.length; i++) expect(Math.abs(onnx[i]! - ts[i]!)).toBeLessThanOrEqual(1e-5);
      // The classifier term is a convex mix of (1 − β)-scaled group means: within the score range.
      for (const v of ts) expect(v).toBeGreaterThanOrEqual(-1e-6);
    }
  });

  it('rejects inconsistent settings and priors', () => {
    expect(() => fitLocalPrior(base, { estimator: 'auto', ks: [10], betas: [0], leaveOneOut: false })).toThrow(
      RangeError,
    );
    expect(() =>
      fitLocalPrior(base, { estimator: 'classifier', ks: [10, 20], betas: [0], leaveOneOut: false }),
    ).toThrow(RangeError);
    const { prior } = fitLocalPrior(base, { estimator: 'classifier', ks: [10], betas: [0], leaveOneOut: false });
    const { classifier, ...withoutClassifier } = prior;
    expect(classifier).toBeDefined();
    expect(() => localPriorForward(withoutClassifier, data.embeddings.slice(0, d), 1)).toThrow(RangeError);
    expect(() =>
      localPriorForward(
        { ...prior, classifier: { ...prior.classifier!, groupValues: new Float32Array(3) } },
        data.embeddings.slice(0, d),
        1,
      ),
    ).toThrow(RangeError);
  });

  it('trainRouter exports it (manifest estimator, rows 0 without neighbours), the manifest validates, add-model keeps it', async () => {
    const result = await trainRouter(data.records, data.embeddings, data.discovery, {
      ...SMALL,
      localPriorGroups: 'tasks',
      localPriorOptions: { estimator: 'classifier', betas: [0] },
    });
    const lp = result.manifest.localPrior!;
    expect(lp.estimator).toBe('classifier');
    expect(lp.rows).toBe(0);
    expect(lp.k).toBe(0);
    expect(result.metrics.localPrior!.estimator).toBe('classifier');
    const files = {
      [result.manifest.classifier.file]: await sha256Digest(result.classifierBytes),
      [result.manifest.router.file]: await sha256Digest(result.routerBytes),
    };
    const manifest = validateManifest({ ...result.manifest, files });
    expect(manifest.localPrior!.estimator).toBe('classifier');
    expect(() => validateManifest({ ...result.manifest, files, localPrior: { ...lp, estimator: 'vote' } })).toThrow(
      expect.objectContaining({ code: 'ARTIFACT_SCHEMA' }),
    );
    // Without the classifier estimator an index is required: rows 0 is a schema error.
    const { estimator, ...neighbours } = lp;
    expect(estimator).toBe('classifier');
    expect(() => validateManifest({ ...result.manifest, files, localPrior: neighbours })).toThrow(
      expect.objectContaining({ code: 'ARTIFACT_SCHEMA' }),
    );
    const n = 30;
    const emb = data.embeddings.slice(0, n * d);
    const local = readLocalPriorOnnx(result.routerBytes)!;
    const onnx = await localOutput(result.routerBytes, emb, n);
    const ts = localPriorForward(local, emb, n);
    for (let i = 0; i < ts.length; i++) expect(Math.abs(onnx[i]! - ts[i]!)).toBeLessThanOrEqual(1e-5);
    // add-model: the other models' local prior is unchanged, the new model's is its prior (the same for every prompt).
    const sample = data.records.slice(0, 40).map((r) => ({ ...r, scores: { 'm-new': r.scores['m-a']! } }));
    const added = addModel(result, sample, data.embeddings.slice(0, 40 * d), 'm-new', { moe: { epochs: 3 } });
    const after = await localOutput(added.routerBytes, emb, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++)
        expect(Math.abs(after[i * (m + 1) + j]! - onnx[i * m + j]!)).toBeLessThanOrEqual(1e-6);
      expect(after[i * (m + 1) + m]).toBeCloseTo(after[m]!, 5);
    }
  });
});
