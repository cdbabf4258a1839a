/**
 * FineRouter (arXiv 2603.19415) and its ablations (Sect. 4.4, Table 2) as cross-validation methods. This is the
 * one place where cross-validation trains FineRouter: the training pipeline (src/pipeline `buildRouter`:
 * discover → train, with the fold's precomputed prompt embeddings) on the training fold only, exactly as
 * `finerouter train` does; then the trained ONNX graphs are loaded into the shipped `FineRouter` class on the
 * injected runtime and its own per-model scores are read back (`routeEmbeddings(...).scores`), so what is
 * evaluated is what a user deploys (local prior, clipping, Eq. 5 weights from the manifest included).
 *
 * One training per fold serves every variant (a memo keyed by fold and seed):
 * - `finerouter`: the router's final score (Eq. 5, generalized with the local prior where the manifest has one).
 *   Normalization runs over the whole pool (every model allowed); the harness then masks models unscored on a
 *   prompt, the same choice as the router's whenever every model is scored.
 * - `finerouter-paper`: the paper's Eq. 5 weights on the same trained heads (α = 0.5, no local prior; the manifest's
 *   stage-1 rows), the aggregation `--preset paper` ships.
 * - `stage1-only`: the router's raw stage-1 value Q̄ of the assigned task (α = 0 without the local prior).
 * - `stage2-only`: the router's raw stage-2 estimate Q̃_t (α = 1).
 * - `general-only`: the general adapters alone (router.onnx with every prompt as Others), an IPR-like estimator.
 * `tasks()` returns the router's assigned task position (−1 for Others) for the per-task oracle.
 */
import type { DiscoveryOptions } from '../../discovery/types.js';
import type { Encoder } from '../../encoder/types.js';
import { FineRouterError } from '../../errors.js';
import { buildRouter, type PipelineEmbedder } from '../../pipeline/pipeline.js';
import { validateManifest, type Manifest } from '../../router/manifest.js';
import { FineRouter, sha256Digest, type RouteResult } from '../../router/router.js';
import type { OnnxRuntime, RuntimeSession } from '../../runtime/types.js';
import { runClassifierHead } from '../../router/contract.js';
import type { ModelPrice, TrainRouterOptions } from '../../train/train-router.js';
import { gatherRows, runArtifactHeads } from '../twostage.js';
import type { CrossValMethod, FittedMethod, FoldData } from '../crossval.js';

/** The FineRouter rows of a cross-validation table. */
export type FineRouterVariant = 'finerouter' | 'finerouter-paper' | 'stage1-only' | 'stage2-only' | 'general-only';

/** Options of {@link fineRouterMethods}. */
export interface FineRouterCvOptions {
  /** The ONNX runtime the trained graphs run on (Node: `createNodeRuntime()`). */
  runtime: OnnxRuntime;
  /** The encoder the embeddings came from (its id and dimension go into each fold's manifest). */
  encoder: Encoder;
  /**
   * Embeds record descriptions and task descriptions when the data has them (prompt embeddings are given).
   * @defaultValue one that refuses, saying to pass an embedder (records without `description` never call it)
   */
  embedder?: PipelineEmbedder;
  /** Discovery options other than seed, progress and signal. */
  discover?: Omit<DiscoveryOptions, 'seed' | 'onProgress' | 'signal'>;
  /** trainRouter options other than encoder, seed, task embeddings, progress and signal. */
  train?: Omit<TrainRouterOptions, 'encoder' | 'seed' | 'taskEmbeddings' | 'onProgress' | 'signal'>;
  /** Prices by model id (per query or per 1M tokens), used where records carry no costs. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Which variants to return. @defaultValue ['finerouter', 'stage1-only', 'stage2-only', 'general-only'] */
  variants?: readonly FineRouterVariant[];
  /**
   * Prompt embeddings to train and route on instead of the fold's (records × dimension, row i = record i, e.g.
   * the same prompts embedded by the int8 encoder; `encoder` must be the encoder they came from). The folds stay
   * the run's, so the rows are paired with the other methods' prompt by prompt.
   * @defaultValue the fold's embeddings
   */
  embeddings?: Float32Array;
  /**
   * Training seed (discovery, heads, dev split) in place of the run's seed; the folds stay the run's. Two
   * trainings on the same folds with different seeds measure the training noise of the routing decisions.
   * @defaultValue the run's seed (FoldData.seed)
   */
  trainSeed?: number;
  /** Appended to every variant's name in reports (e.g. `@int8` gives `finerouter@int8`). @defaultValue '' */
  suffix?: string;
}

interface Trained {
  manifest: Manifest;
  router: FineRouter;
  classifierModel: Uint8Array;
  routerModel: Uint8Array;
  ms: { discover: number; train: number };
  /** The last routeEmbeddings call per route-option set (every variant predicts the same test fold). */
  last: Map<'default' | 'paper', { idx: Int32Array; results: Promise<RouteResult[]> }>;
  /** classifier.onnx alone, for task positions of prompts that are not routed (the training fold). */
  classifier: Promise<RuntimeSession> | null;
}

function refusingEmbedder(encoder: Encoder): PipelineEmbedder {
  return {
    id: encoder.id,
    dimension: encoder.dimension,
    embed: () => {
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        'fineRouterMethods: the records carry descriptions to embed; pass options.embedder (Node: cachedEmbedder(encoder))',
      );
    },
  };
}

async function train(fold: FoldData, options: FineRouterCvOptions): Promise<Trained> {
  const D = fold.dimension;
  const records = Array.from(fold.train, (i) => fold.records[i]!);
  const result = await buildRouter(records, {
    embedder: options.embedder ?? refusingEmbedder(options.encoder),
    promptEmbeddings: gatherRows(fold.embeddings, D, fold.train),
    seed: options.trainSeed ?? fold.seed,
    ...(options.discover ? { discover: options.discover } : {}),
    train: { ...(options.prices ? { prices: options.prices } : {}), ...options.train },
    onProgress: (e) => fold.onProgress?.(`${e.step} ${e.stage}`, e.done, e.total),
    ...(fold.signal ? { signal: fold.signal } : {}),
  });
  const { classifierBytes, routerBytes } = result.training;
  const draft = result.training.manifest;
  const manifest = validateManifest({
    ...draft,
    files: {
      [draft.classifier.file]: await sha256Digest(classifierBytes),
      [draft.router.file]: await sha256Digest(routerBytes),
    },
  });
  const router = await FineRouter.create({
    manifest,
    classifierModel: classifierBytes,
    routerModel: routerBytes,
    runtime: options.runtime,
    encoder: options.encoder,
    skipChecksums: true,
  });
  return {
    manifest,
    router,
    classifierModel: classifierBytes,
    routerModel: routerBytes,
    ms: { discover: result.ms.discover, train: result.ms.train },
    last: new Map(),
    classifier: null,
  };
}

/**
 * FineRouter and its ablations as cross-validation methods sharing one training per fold.
 * @param options - {@link FineRouterCvOptions}
 * @returns one method per variant
 * @example crossValidate({ ..., methods: [...fineRouterMethods({ runtime: createNodeRuntime(), encoder })] })
 */
export function fineRouterMethods(options: FineRouterCvOptions): CrossValMethod[] {
  const memo = new Map<string, Promise<Trained>>();
  const variants = options.variants ?? ['finerouter', 'finerouter-paper', 'stage1-only', 'stage2-only', 'general-only'];
  const suffix = options.suffix ?? '';
  if (options.trainSeed !== undefined && !Number.isInteger(options.trainSeed))
    throw new RangeError(`fineRouterMethods: expected an integer trainSeed, received ${options.trainSeed}`);
  if (options.embeddings !== undefined && !(options.embeddings instanceof Float32Array))
    throw new TypeError('fineRouterMethods: expected options.embeddings to be a Float32Array');
  // The fold as this router sees it: the given embeddings in place of the fold's (same records, same folds).
  const view = (fold: FoldData): FoldData => {
    const alt = options.embeddings;
    if (alt === undefined) return fold;
    if (alt.length !== fold.records.length * fold.dimension || options.encoder.dimension !== fold.dimension)
      throw new RangeError(
        `fineRouterMethods: expected options.embeddings of ${fold.records.length} × ${fold.dimension} values from a ${fold.dimension}-dimensional encoder, received ${alt.length} values (encoder dimension ${options.encoder.dimension})`,
      );
    return { ...fold, embeddings: alt };
  };
  const get = (fold: FoldData): Promise<Trained> => {
    const key = `${options.trainSeed ?? fold.seed}:${fold.fold}:${fold.train.length}:${fold.train[0] ?? -1}:${fold.train[fold.train.length - 1] ?? -1}`;
    let p = memo.get(key);
    if (!p) {
      // Keep only the current fold's router alive.
      for (const [k, old] of memo) {
        memo.delete(k);
        old.then(
          async (t) => {
            await t.router.dispose();
            if (t.classifier) await (await t.classifier).release();
          },
          () => undefined,
        );
      }
      p = train(fold, options);
      memo.set(key, p);
      p.catch(() => memo.delete(key));
    }
    return p;
  };
  return variants.map((variant) => ({
    name: `${variant}${suffix}`,
    kind: 'router' as const,
    async fit(given: FoldData): Promise<FittedMethod> {
      const fold = view(given);
      const tr = await get(fold);
      const { manifest } = tr;
      const D = fold.dimension;
      const M = fold.models.length;
      const T = manifest.tasks.length;
      const ids = manifest.models.map((m) => m.id);
      const column = Int32Array.from(fold.models, (m) => ids.indexOf(m));
      const position = new Map(manifest.tasks.map((t, i) => [t.id, i]));
      // The paper preset routes with Eq. 5 as published (α = 0.5, no local prior); every other variant reads the
      // default route. Each is computed once per test fold and shared by predict, expected and tasks.
      const routeKey = variant === 'finerouter-paper' ? 'paper' : 'default';
      const routeOptions = routeKey === 'paper' ? { tolerance: 0, alpha: 0.5, localWeight: 0 } : { tolerance: 0 };
      const route = (idx: Int32Array): Promise<RouteResult[]> => {
        const last = tr.last.get(routeKey);
        if (last && last.idx.length === idx.length && last.idx.every((v, k) => v === idx[k])) return last.results;
        const results = tr.router.routeEmbeddings(gatherRows(fold.embeddings, D, idx), routeOptions);
        tr.last.set(routeKey, { idx: idx.slice(), results });
        return results;
      };
      const fill = (rows: Float64Array[], n: number): Float64Array => {
        const out = new Float64Array(n * M);
        for (let i = 0; i < n; i++) {
          const row = rows[i]!;
          // Fold models the manifest does not know (never scored in the training fold) score below every other.
          let lo = Number.POSITIVE_INFINITY;
          for (let j = 0; j < row.length; j++) if (row[j]! < lo) lo = row[j]!;
          for (let j = 0; j < M; j++) out[i * M + j] = column[j]! >= 0 ? row[column[j]!]! : lo - 1;
        }
        return out;
      };
      return {
        async predict(idx) {
          if (variant === 'general-only') {
            const heads = await runArtifactHeads({
              runtime: options.runtime,
              manifest,
              classifierModel: tr.classifierModel,
              routerModel: tr.routerModel,
              embeddings: gatherRows(fold.embeddings, D, idx),
            });
            const Mm = ids.length;
            return fill(
              Array.from({ length: idx.length }, (_, i) =>
                Float64Array.from(heads.general.subarray(i * Mm, (i + 1) * Mm)),
              ),
              idx.length,
            );
          }
          const results = await route(idx);
          const key =
            variant === 'finerouter' || variant === 'finerouter-paper'
              ? 'final'
              : variant === 'stage1-only'
                ? 'stage1'
                : 'stage2';
          const rows = results.map((r) => {
            const row = new Float64Array(ids.length);
            for (const s of r.scores) row[ids.indexOf(s.model)] = s[key];
            return row;
          });
          return fill(rows, idx.length);
        },
        // The Eq. 5 score is min-max normalized per prompt (on a two-model pool it is 0 or 1 per component), so
        // rankings across prompts (APGR/CPT) use the router's expected quality on the score scale instead.
        ...(variant === 'finerouter' || variant === 'finerouter-paper'
          ? {
              async expected(idx: Int32Array): Promise<Float64Array> {
                const results = await route(idx);
                return fill(
                  results.map((r) => {
                    const row = new Float64Array(ids.length);
                    for (const s of r.scores) row[ids.indexOf(s.model)] = s.expected;
                    return row;
                  }),
                  idx.length,
                );
              },
            }
          : {}),
        async tasks(idx) {
          const last = tr.last.get(routeKey);
          if (last && last.idx.length === idx.length && last.idx.every((v, k) => v === idx[k])) {
            const results = await last.results;
            return Int32Array.from(results, (r) => (r.task ? (position.get(r.task.id) ?? -1) : -1));
          }
          // Prompts that were not routed (the training fold, for the per-task oracle): classifier.onnx alone, on
          // all of them in one run as routeEmbeddings would, with the router's assignment rule (src/router/contract).
          tr.classifier ??= options.runtime.createSession(tr.classifierModel, {});
          const heads = await runClassifierHead(await tr.classifier, manifest, {
            type: 'float32',
            data: gatherRows(fold.embeddings, D, idx),
            dims: [idx.length, D],
          });
          return Int32Array.from(heads.task, (t) => (t < T ? t : -1));
        },
        info: {
          encoder: manifest.encoder.id,
          trainSeed: options.trainSeed ?? fold.seed,
          tasks: T,
          alpha: manifest.defaults.alpha,
          localPrior: manifest.localPrior
            ? {
                k: manifest.localPrior.k,
                beta: manifest.localPrior.beta,
                weight: manifest.localPrior.weight,
                groups: manifest.localPrior.groups,
                estimator: manifest.localPrior.estimator ?? 'neighbours',
              }
            : null,
          stage1Statistic: manifest.training?.stage1Statistic ?? null,
          discoverMs: Math.round(tr.ms.discover),
          trainMs: Math.round(tr.ms.train),
        },
      };
    },
  }));
}
