/**
 * Baseline routers as cross-validation methods (./../crossval.ts). Each is fitted on the training fold only and
 * predicts one score per (prompt, model); the harness selects with the same rule for all of them.
 *
 * - `best-single`: every model's training-fold mean (the argmax is the train-fold best single model; where it
 *   is unscored the next best model is taken).
 * - `random`: seeded uniform scores (mulberry32 of seed·1000 + fold).
 * - `per-source-oracle` (reference): each model's training-fold mean within the prompt's `source`; unseen
 *   sources fall back to the overall means. An upper reference: it reads the source label at test time.
 * - `knn`: mean observed quality of each model over the k most cosine-similar training prompts (its training
 *   mean where none of them scored it), k chosen by inner cross-validation on the training fold
 *   (3 inner folds, seeded, grid {@link KNN_CV_DEFAULTS}.kGrid; ties → smaller k). Neighbour lists come from one
 *   exact all-pairs top-L search over the whole dataset (src/discovery/knn.ts `exactKnn`, WebAssembly SIMD),
 *   shared by every fold and filtered to the allowed rows; a row with fewer than k allowed neighbours among its
 *   L is searched again by brute force over the allowed rows. Test prompts are never neighbours of anything.
 * - `mlp`: the one-hidden-layer classifier of ./../baselines.ts (`fitMlpBaseline`), early-stopped on a seeded 10%
 *   of the training fold.
 */
import { exactKnn, type KnnGraph } from '../../discovery/knn.js';
import { mulberry32 } from '../../random.js';
import { fitMlpBaseline, type MlpOptions } from '../baselines.js';
import { buildEvalTable } from '../table.js';
import { gatherRows } from '../twostage.js';
import { argmax, stratifiedFolds, type CrossValMethod, type FittedMethod, type FoldData } from '../crossval.js';
import { evaluateSelection, selectByScores } from '../metrics.js';

/** Per-model training means over the records given (0 for a model never scored). */
function trainMeans(fold: FoldData, rows: ArrayLike<number>): Float64Array {
  const M = fold.models.length;
  const s = new Float64Array(M);
  const n = new Float64Array(M);
  for (let k = 0; k < rows.length; k++) {
    const scores = fold.records[rows[k]!]!.scores;
    fold.models.forEach((m, j) => {
      const v = scores[m];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1) {
        s[j]! += v;
        n[j]!++;
      }
    });
  }
  for (let j = 0; j < M; j++) s[j] = n[j]! > 0 ? s[j]! / n[j]! : 0;
  return s;
}

function repeatRow(row: Float64Array, count: number): Float64Array {
  const out = new Float64Array(count * row.length);
  for (let i = 0; i < count; i++) out.set(row, i * row.length);
  return out;
}

/**
 * The train-fold best single model as a method.
 * @returns the method
 * @example crossValidate({ ..., methods: [bestSingleMethod()] })
 */
export function bestSingleMethod(): CrossValMethod {
  return {
    name: 'best-single',
    kind: 'baseline',
    async fit(fold) {
      const means = trainMeans(fold, fold.train);
      return { predict: (idx) => repeatRow(means, idx.length), info: { model: fold.models[argmax(means)] } };
    },
  };
}

/**
 * Seeded random router.
 * @returns the method
 * @example randomMethod()
 */
export function randomMethod(): CrossValMethod {
  return {
    name: 'random',
    kind: 'baseline',
    async fit(fold) {
      const rand = mulberry32(fold.seed * 1000 + fold.fold + 1);
      return { predict: (idx) => Float64Array.from({ length: idx.length * fold.models.length }, () => rand()) };
    },
  };
}

/**
 * Per-source oracle (best training-fold model per `source`), an upper reference.
 * @returns the method
 * @example perSourceOracleMethod()
 */
export function perSourceOracleMethod(): CrossValMethod {
  return {
    name: 'per-source-oracle',
    kind: 'reference',
    async fit(fold) {
      const overall = trainMeans(fold, fold.train);
      const bySource = new Map<string, number[]>();
      for (const i of fold.train) {
        const s = fold.records[i]!.source ?? '(none)';
        const g = bySource.get(s);
        if (g) g.push(i);
        else bySource.set(s, [i]);
      }
      const means = new Map<string, Float64Array>();
      for (const [s, rows] of bySource) means.set(s, trainMeans(fold, rows));
      const M = fold.models.length;
      return {
        predict(idx) {
          const out = new Float64Array(idx.length * M);
          idx.forEach((i, k) => out.set(means.get(fold.records[i]!.source ?? '(none)') ?? overall, k * M));
          return out;
        },
        tasks: (idx) => {
          const ids = [...bySource.keys()].sort();
          return Int32Array.from(idx, (i) => ids.indexOf(fold.records[i]!.source ?? '(none)'));
        },
      };
    },
  };
}

/** Options of {@link knnMethod}. */
export interface KnnCvOptions {
  /** k values tried by inner CV. @defaultValue [1, 3, 5, 10, 20, 50, 100] */
  kGrid?: readonly number[];
  /** Inner folds. @defaultValue 3 */
  innerFolds?: number;
  /** Neighbours kept per row in the shared all-pairs search (≥ 2× the largest k). @defaultValue 320 */
  listSize?: number;
}

/** Defaults of {@link knnMethod}. @example knnMethod(KNN_CV_DEFAULTS) */
export const KNN_CV_DEFAULTS: Readonly<{ kGrid: readonly number[]; innerFolds: number; listSize: number }> =
  Object.freeze({
    kGrid: Object.freeze([1, 3, 5, 10, 20, 50, 100]),
    innerFolds: 3,
    listSize: 320,
  });

/** Quality matrix (N×M, NaN = unscored) of every record for the pool, cached per records array. */
const qualityCache = new WeakMap<readonly unknown[], { models: string; quality: Float64Array }>();
function qualityOf(fold: FoldData): Float64Array {
  const key = fold.models.join('\u0000');
  const hit = qualityCache.get(fold.records);
  if (hit && hit.models === key) return hit.quality;
  const M = fold.models.length;
  const q = new Float64Array(fold.records.length * M).fill(Number.NaN);
  fold.records.forEach((r, i) => {
    fold.models.forEach((m, j) => {
      const v = r.scores?.[m];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1) q[i * M + j] = v;
    });
  });
  qualityCache.set(fold.records, { models: key, quality: q });
  return q;
}

/**
 * Tuned kNN router (k by inner CV on the training fold). The all-pairs neighbour lists are computed once per
 * embeddings array and shared by every fold (see the file header).
 * @param options - {@link KnnCvOptions}
 * @returns the method
 * @throws RangeError on a bad grid
 * @example knnMethod({ kGrid: [5, 20] })
 */
export function knnMethod(options: KnnCvOptions = {}): CrossValMethod {
  const grid = [...(options.kGrid ?? KNN_CV_DEFAULTS.kGrid)].sort((a, b) => a - b);
  if (grid.length === 0 || grid.some((k) => !Number.isInteger(k) || k < 1))
    throw new RangeError(`knnMethod: expected positive integer k values, received [${grid.join(', ')}]`);
  const inner = options.innerFolds ?? KNN_CV_DEFAULTS.innerFolds;
  const L = options.listSize ?? Math.max(KNN_CV_DEFAULTS.listSize, 2 * grid[grid.length - 1]!);
  let graph: { embeddings: Float32Array; g: KnnGraph } | null = null;
  return {
    name: 'knn',
    kind: 'router',
    async fit(fold) {
      const { embeddings: E, dimension: D } = fold;
      const n = fold.records.length;
      if (!graph || graph.embeddings !== E) {
        graph = {
          embeddings: E,
          g: exactKnn(E, D, Math.min(L, n - 1), {
            ...(fold.signal ? { signal: fold.signal } : {}),
            ...(fold.onProgress ? { onProgress: (d: number, t: number) => fold.onProgress!('neighbours', d, t) } : {}),
          }),
        };
      }
      const g = graph.g;
      const M = fold.models.length;
      const Q = qualityOf(fold);
      const kMax = grid[grid.length - 1]!;
      // Neighbours of `query` among allowed rows, best first (up to kMax).
      const neighbours = (query: number, allowed: Uint8Array, count: number): Int32Array => {
        const out: number[] = [];
        for (let r = 0; r < g.k && out.length < count; r++) {
          const j = g.indices[query * g.k + r]!;
          if (j >= 0 && allowed[j]) out.push(j);
        }
        if (out.length >= count || g.k >= n - 1) return Int32Array.from(out);
        // Brute force over allowed rows (rare: the shared list was too short after filtering).
        const sims: { j: number; s: number }[] = [];
        for (let j = 0; j < n; j++) {
          if (!allowed[j] || j === query) continue;
          let s = 0;
          for (let x = 0; x < D; x++) s += E[query * D + x]! * E[j * D + x]!;
          sims.push({ j, s });
        }
        sims.sort((a, b) => b.s - a.s || a.j - b.j);
        return Int32Array.from(sims.slice(0, count), (e) => e.j);
      };
      const scoreRows = (
        queries: ArrayLike<number>,
        allowed: Uint8Array,
        fallback: Float64Array,
        ks: readonly number[],
      ): Float64Array[] => {
        const outs = ks.map(() => new Float64Array(queries.length * M));
        const s = new Float64Array(M);
        const c = new Float64Array(M);
        for (let q = 0; q < queries.length; q++) {
          const nb = neighbours(queries[q]!, allowed, ks[ks.length - 1]!);
          s.fill(0);
          c.fill(0);
          let used = 0;
          ks.forEach((k, ki) => {
            for (; used < Math.min(k, nb.length); used++) {
              const o = nb[used]! * M;
              for (let j = 0; j < M; j++) {
                const v = Q[o + j]!;
                if (!Number.isNaN(v)) {
                  s[j]! += v;
                  c[j]!++;
                }
              }
            }
            for (let j = 0; j < M; j++) outs[ki]![q * M + j] = c[j]! > 0 ? s[j]! / c[j]! : fallback[j]!;
          });
        }
        return outs;
      };
      // Inner CV for k.
      const trainSources = Array.from(fold.train, (i) => fold.records[i]!.source ?? '(none)');
      const innerOf = stratifiedFolds(
        trainSources,
        Math.min(inner, fold.train.length),
        fold.seed + 7919 * (fold.fold + 1),
      );
      const sums = new Float64Array(grid.length);
      let counted = 0;
      const table = buildEvalTable(fold.records, fold.train, fold.models);
      const rowOf = new Map<number, number>();
      table.recordIndex.forEach((r, k) => rowOf.set(r, k));
      for (let f = 0; f < Math.min(inner, fold.train.length); f++) {
        const allowed = new Uint8Array(n);
        const held: number[] = [];
        fold.train.forEach((r, k) => {
          if (innerOf[k] === f) held.push(r);
          else allowed[r] = 1;
        });
        const fallback = trainMeans(
          fold,
          fold.train.filter((_, k) => innerOf[k] !== f),
        );
        const outs = scoreRows(held, allowed, fallback, grid);
        const heldRows = held.map((r) => rowOf.get(r)).filter((x): x is number => x !== undefined);
        if (heldRows.length === 0) continue;
        const sub = buildEvalTable(fold.records, held, fold.models);
        outs.forEach((scores, ki) => {
          // Rows of `sub` follow `held` minus unscored records.
          const keep = new Map<number, number>();
          held.forEach((r, k) => keep.set(r, k));
          const rows = new Float64Array(sub.ids.length * M);
          sub.recordIndex.forEach((r, k) => rows.set(scores.subarray(keep.get(r)! * M, (keep.get(r)! + 1) * M), k * M));
          const res = evaluateSelection(sub, selectByScores(sub, rows, { modelCost: fold.modelCost }).choice);
          sums[ki]! += res.quality * res.scored;
        });
        counted += sub.ids.length;
      }
      let best = 0;
      for (let ki = 1; ki < grid.length; ki++) if (sums[ki]! > sums[best]! + 1e-9) best = ki;
      const k = grid[best]!;
      const allowed = new Uint8Array(n);
      for (const r of fold.train) allowed[r] = 1;
      const fallback = trainMeans(fold, fold.train);
      const innerQuality: Record<string, number> = {};
      grid.forEach((kk, ki) => {
        innerQuality[String(kk)] = counted > 0 ? sums[ki]! / counted : Number.NaN;
      });
      void kMax;
      return {
        predict: (idx) => scoreRows(idx, allowed, fallback, [k])[0]!,
        info: { k, innerQuality },
      };
    },
  };
}

/**
 * MLP classifier router (./../baselines.ts `fitMlpBaseline`), early-stopped on a seeded 10% of the training fold.
 * @param options - MLP options (seed defaults to the run's seed + fold)
 * @returns the method
 * @example mlpMethod({ hidden: 64 })
 */
export function mlpMethod(options: MlpOptions = {}): CrossValMethod {
  return {
    name: 'mlp',
    kind: 'router',
    async fit(fold): Promise<FittedMethod> {
      const { dimension: D } = fold;
      const rand = mulberry32(fold.seed * 31 + fold.fold + 5);
      const fit: number[] = [];
      const dev: number[] = [];
      for (const r of fold.train) (rand() < 0.1 ? dev : fit).push(r);
      const trainT = buildEvalTable(fold.records, fit, fold.models);
      const devT = buildEvalTable(fold.records, dev, fold.models);
      const mlp = fitMlpBaseline(
        trainT,
        gatherRows(fold.embeddings, D, trainT.recordIndex),
        devT,
        gatherRows(fold.embeddings, D, devT.recordIndex),
        D,
        {
          seed: fold.seed * 1000 + fold.fold,
          ...options,
        },
      );
      return {
        predict(idx) {
          // Score through a table view whose rows are exactly idx (no row may be dropped here).
          const M = fold.models.length;
          const view = {
            models: fold.models,
            recordIndex: idx,
            ids: Array.from(idx, String),
            sources: Array.from(idx, () => ''),
            quality: new Float64Array(idx.length * M),
            cost: null,
            issues: devT.issues,
          };
          return mlp.score(view, gatherRows(fold.embeddings, D, idx));
        },
        info: { bestEpoch: mlp.bestEpoch, epochs: mlp.epochs, devQuality: mlp.devQuality },
      };
    },
  };
}
