// The real path on synthetic data: discoverTasks → trainRouter → ONNX through onnxruntime-node → harness,
// with the FineRouter class itself as the cross-check (only the encoder is replaced by synthetic embeddings).
import { describe, expect, it } from 'vitest';
import { createNodeRuntime } from '../../src/adapters/node/runtime.js';
import { discoverTasks } from '../../src/discovery/discover.js';
import { evaluateRouters } from '../../src/eval/harness.js';
import { splitRecords } from '../../src/eval/split.js';
import { alignDiscovery, gatherRows, runArtifactHeads } from '../../src/eval/twostage.js';
import { validateManifest } from '../../src/router/manifest.js';
import { FineRouter, sha256Digest } from '../../src/router/router.js';
import type { Encoder } from '../../src/encoder/types.js';
import { trainRouter } from '../../src/train/train-router.js';
import { D, synthetic } from './synthetic.js';

describe('evaluateRouters with real discovery, training and onnxruntime-node', () => {
  it('trains on the train split only and reports every method, consistent with FineRouter.routeEmbeddings', async () => {
    const data = synthetic(450, 11);
    const split = splitRecords(data.records, { seed: 2 });
    const trainRecords = Array.from(split.train, (i) => data.records[i]!);
    const trainEmb = gatherRows(data.embeddings, D, split.train);
    const discovery = await discoverTasks(trainRecords, trainEmb, { seed: 1 });
    const result = await trainRouter(trainRecords, trainEmb, discovery, {
      encoder: { id: 'synthetic', dimension: D },
      seed: 1,
      classifier: { epochs: 4 },
      moe: { epochs: 6, taskEpochs: 3, hidden: 32, projection: 32, llmEmbedding: 16 },
    });
    const manifest = validateManifest({
      ...result.manifest,
      files: {
        [result.manifest.classifier.file]: await sha256Digest(result.classifierBytes),
        [result.manifest.router.file]: await sha256Digest(result.routerBytes),
      },
    });
    const runtime = createNodeRuntime();
    const encoder: Encoder = {
      id: 'synthetic',
      dimension: D,
      embed: async () => {
        throw new Error('not used: the harness passes embeddings');
      },
      dispose: async () => undefined,
    };
    const router = await FineRouter.create({
      manifest,
      classifierModel: result.classifierBytes,
      routerModel: result.routerBytes,
      runtime,
      encoder,
    });
    const aligned = alignDiscovery(discovery, manifest, D);
    const trainLabels = new Map<number, number>();
    aligned.labels.forEach((label, k) => trainLabels.set(split.train[k]!, label));
    try {
      const report = await evaluateRouters({
        records: data.records,
        embeddings: data.embeddings,
        dimension: D,
        split,
        seed: 1,
        kCandidates: [5, 15],
        mlp: { epochs: 5 },
        twoStage: {
          manifest,
          heads: (embeddings) =>
            runArtifactHeads({
              runtime,
              manifest,
              classifierModel: result.classifierBytes,
              routerModel: result.routerBytes,
              embeddings,
            }),
          routeCheck: async (embeddings) => (await router.routeEmbeddings(embeddings)).map((r) => r.model),
          centers: aligned.centers,
          trainLabels,
        },
      });
      const names = report.methods.map((m) => m.name);
      for (const n of [
        'finerouter',
        'stage1-embedding',
        'stage1-cls',
        'stage2-only',
        'general-only',
        'knn',
        'mlp',
        'oracle',
        'random',
      ])
        expect(names).toContain(n);
      const fr = report.fineRouter!;
      expect(fr.routeCheck!.agreed).toBe(fr.routeCheck!.checked);
      expect(fr.trainMacroF1).not.toBeNull();
      expect(fr.calibration.stage2.ece).toBeGreaterThanOrEqual(0);
      for (const m of report.methods) {
        expect(Number.isFinite(m.quality)).toBe(true);
        expect(m.scored).toBe(report.prompts);
      }
      // The construction has task-dependent winners: FineRouter must beat the best single model.
      const q = report.methods.find((m) => m.name === 'finerouter')!.quality;
      expect(q).toBeGreaterThan(report.bestSingle.quality);
    } finally {
      await router.dispose();
    }
  }, 120_000);
});
