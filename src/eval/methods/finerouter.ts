/**
 * FineRouter (arXiv 2603.19415) and its ablations (Sect. 4.4, Table 2) as cross-validation methods. This is the
 * one place where cross-validation trains FineRouter: discovery (src/discovery) then `trainRouter`
 * (src/train) on the training fold only, exactly as `finerouter train` does, then the exported heads read back
 * from the ONNX bytes and run in pure TypeScript (src/train/heads.ts computes what the ONNX graphs compute).
 *
 * One training per fold serves four methods (a memo keyed by fold and seed):
 * - `finerouter`: Eq. 5, α·norm(Q̃_t) + (1 − α)·norm(Q̄_t) with the manifest's α and stage-1 rows, normalized
 *   over the whole pool (src/router/score.ts `minMaxNormalize`); the harness then selects as for every method.
 *   (The router normalizes over the allowed models of a call; here the harness masks unscored models after
 *   normalization: the same choice whenever every model is scored.)
 * - `stage1-only`: Q̄ of the classifier's task (α = 0).
 * - `stage2-only`: Q̃_t, the task-aware MoE estimate (α = 1).
 * - `general-only`: the general adapters alone (every prompt as Others), an IPR-like estimator.
 * `tasks()` returns the classifier's task (−1 for Others) for the per-task oracle.
 */
import { discoverTasks } from '../../discovery/discover.js';
import type { DiscoveryOptions } from '../../discovery/types.js';
import { minMaxNormalize } from '../../router/score.js';
import { assignTasks, classifierForward, routerForward } from '../../train/heads.js';
import { readClassifierOnnx, readRouterOnnx } from '../../train/onnx-export.js';
import { trainRouter, type ModelPrice, type TrainRouterOptions } from '../../train/train-router.js';
import type { ManifestDraft } from '../../train/train-router.js';
import type { ClassifierHeads, RouterHeads } from '../../train/heads.js';
import { gatherRows } from '../twostage.js';
import type { CrossValMethod, FittedMethod, FoldData } from '../crossval.js';

/** Options of {@link fineRouterMethods}. */
export interface FineRouterCvOptions {
  /** Encoder identity written into the manifest. @defaultValue { id: 'unknown', dimension: fold.dimension } */
  encoderId?: string;
  /** Discovery options (seed defaults to the run's seed). */
  discovery?: Omit<DiscoveryOptions, 'signal' | 'onProgress'>;
  /** trainRouter options (seed defaults to the run's seed; encoder, signal and progress are set here). */
  train?: Omit<TrainRouterOptions, 'encoder' | 'signal' | 'onProgress'>;
  /** Prices by model id (per query or per 1M tokens), used where records carry no costs. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Which variants to return. @defaultValue ['finerouter', 'stage1-only', 'stage2-only', 'general-only'] */
  variants?: readonly FineRouterVariant[];
}

/** The FineRouter rows of a cross-validation table. */
export type FineRouterVariant = 'finerouter' | 'stage1-only' | 'stage2-only' | 'general-only';

interface Trained {
  manifest: ManifestDraft;
  classifier: ClassifierHeads;
  router: RouterHeads;
  /** Column of each fold model in the trained manifest (the manifest's models are discovery's). */
  column: Int32Array;
  ms: { discover: number; train: number };
}

function trainedFor(fold: FoldData, options: FineRouterCvOptions): Promise<Trained> {
  return (async () => {
    const D = fold.dimension;
    const records = Array.from(fold.train, (i) => fold.records[i]!);
    const emb = gatherRows(fold.embeddings, D, fold.train);
    let t = performance.now();
    const discovery = await discoverTasks(records, emb, {
      seed: fold.seed,
      ...options.discovery,
      ...(fold.signal ? { signal: fold.signal } : {}),
      onProgress: (stage, done, total) => fold.onProgress?.(`discover ${stage}`, done, total),
    });
    const discoverMs = performance.now() - t;
    t = performance.now();
    const result = await trainRouter(records, emb, discovery, {
      seed: fold.seed,
      ...(options.prices ? { prices: options.prices } : {}),
      ...options.train,
      encoder: { id: options.encoderId ?? 'unknown', dimension: D },
      ...(fold.signal ? { signal: fold.signal } : {}),
      onProgress: (stage, done, total) => fold.onProgress?.(`train ${stage}`, done, total),
    });
    const ids = result.manifest.models.map((m) => m.id);
    const column = Int32Array.from(fold.models, (m) => ids.indexOf(m));
    return {
      manifest: result.manifest,
      classifier: readClassifierOnnx(result.classifierBytes),
      router: readRouterOnnx(result.routerBytes),
      column,
      ms: { discover: discoverMs, train: performance.now() - t },
    };
  })();
}

/**
 * FineRouter and its ablations as cross-validation methods sharing one training per fold.
 * @param options - {@link FineRouterCvOptions}
 * @returns one method per variant
 * @example crossValidate({ ..., methods: [...fineRouterMethods({ encoderId: encoder.id })] })
 */
export function fineRouterMethods(options: FineRouterCvOptions = {}): CrossValMethod[] {
  const memo = new Map<string, Promise<Trained>>();
  const variants = options.variants ?? ['finerouter', 'stage1-only', 'stage2-only', 'general-only'];
  const get = (fold: FoldData): Promise<Trained> => {
    const key = `${fold.seed}:${fold.fold}:${fold.train.length}:${fold.train[0] ?? -1}:${fold.train[fold.train.length - 1] ?? -1}`;
    let p = memo.get(key);
    if (!p) {
      p = trainedFor(fold, options);
      memo.set(key, p);
      // A failed training is not cached: the next variant retries and reports its own failure.
      p.catch(() => memo.delete(key));
    }
    return p;
  };
  return variants.map((variant) => ({
    name: variant,
    kind: 'router' as const,
    async fit(fold: FoldData): Promise<FittedMethod> {
      const tr = await get(fold);
      const { manifest, classifier, router, column } = tr;
      const D = fold.dimension;
      const M = fold.models.length;
      const T = manifest.tasks.length;
      const Mm = manifest.models.length;
      const alpha = manifest.defaults.alpha;
      const taskOf = (idx: Int32Array): Int32Array => {
        const emb = gatherRows(fold.embeddings, D, idx);
        return assignTasks(classifierForward(classifier, emb, idx.length), idx.length, T, manifest.classifier.threshold);
      };
      const stage1Row = (t: number): readonly number[] => (t < T ? manifest.tasks[t]!.stage1 : manifest.others.stage1);
      return {
        predict(idx) {
          const n = idx.length;
          const emb = gatherRows(fold.embeddings, D, idx);
          const task = taskOf(idx);
          const out = new Float64Array(n * M);
          const full = new Uint8Array(Mm).fill(1);
          const s1n = new Float64Array(Mm);
          const s2n = new Float64Array(Mm);
          let q: Float32Array | null = null;
          if (variant === 'finerouter' || variant === 'stage2-only') q = routerForward(router, emb, task, n);
          else if (variant === 'general-only') q = routerForward(router, emb, new Int32Array(n).fill(T), n);
          for (let i = 0; i < n; i++) {
            const row = new Float64Array(Mm);
            if (variant === 'stage1-only') row.set(stage1Row(task[i]!));
            else if (variant === 'finerouter') {
              minMaxNormalize(stage1Row(task[i]!), full, s1n);
              minMaxNormalize(q!.subarray(i * Mm, (i + 1) * Mm), full, s2n);
              for (let j = 0; j < Mm; j++) row[j] = alpha * s2n[j]! + (1 - alpha) * s1n[j]!;
            } else for (let j = 0; j < Mm; j++) row[j] = q![i * Mm + j]!;
            // Fold models the manifest does not know (never scored in the training fold) score below every other.
            let lo = Number.POSITIVE_INFINITY;
            for (let j = 0; j < Mm; j++) if (row[j]! < lo) lo = row[j]!;
            for (let j = 0; j < M; j++) out[i * M + j] = column[j]! >= 0 ? row[column[j]!]! : lo - 1;
          }
          return out;
        },
        tasks(idx) {
          return Int32Array.from(taskOf(idx), (t) => (t < T ? t : -1));
        },
        info: {
          tasks: T,
          alpha,
          stage1Statistic: manifest.training?.stage1Statistic ?? null,
          discoverMs: Math.round(tr.ms.discover),
          trainMs: Math.round(tr.ms.train),
        },
      };
    },
  }));
}
