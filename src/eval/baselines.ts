/**
 * Baselines of the paper's comparison (FineRouter arXiv 2603.19415, Sect. 4.1 "Baselines", Table 1),
 * each trained on the same training split and the same frozen prompt embeddings, each producing an N×M score
 * matrix so that every method goes through the same selection rule ({@link selectByScores}).
 *
 * - single model: a constant score that is 1 for that model.
 * - oracle: the observed quality itself (best model per prompt; cheapest on ties via the selection rule).
 * - random: seeded uniform scores (mulberry32), so the argmax is a uniform draw among the scored models.
 * - kNN: for each test prompt the k most cosine-similar training prompts; the score of a model is its mean
 *   observed quality over those neighbours that scored it (its training mean when none did). k is chosen on
 *   the dev split from {@link KNN_DEFAULTS}.kCandidates (ties → smaller k).
 * - MLP: a one-hidden-layer ReLU classifier of the best model (softmax, cross-entropy, Adam, early stopping on
 *   dev quality). Label ties: with binary scores many models tie for best; instead of taking the first
 *   tied model (the "first-appearing candidate" bias the paper warns about, Sect. 4.1) the target is the
 *   uniform distribution over all tied best models. Prompts where every scored model ties carry no preference
 *   and are left out of MLP training (counted in `skipped`).
 */
import type { EvalTable } from './table.js';
import { evaluateSelection, selectByScores } from './metrics.js';
import { mulberry32 } from '../random.js';
import { EarlyStopping, minibatches, shuffleInPlace, trainEpochs } from '../numeric/epochs.js';
import { AdamW, createParam } from '../train/optimizer.js';
import { xavierUniform } from '../train/random.js';

export { mulberry32 } from '../random.js';

function checkEmbeddings(fn: string, embeddings: Float32Array, rows: number, dimension: number): void {
  if (!(embeddings instanceof Float32Array))
    throw new TypeError(`${fn}: expected Float32Array embeddings, received ${typeof embeddings}`);
  if (!Number.isInteger(dimension) || dimension < 1 || embeddings.length !== rows * dimension) {
    throw new TypeError(`${fn}: expected ${rows}×${dimension} embeddings, received ${embeddings.length} values`);
  }
}

/**
 * Scores that always prefer one model.
 * @param table - evaluation table
 * @param column - model column
 * @returns N×M scores
 * @throws RangeError for a bad column
 * @example singleModelScores(table, 0)
 */
export function singleModelScores(table: EvalTable, column: number): Float64Array {
  const M = table.models.length;
  if (!Number.isInteger(column) || column < 0 || column >= M)
    throw new RangeError(`singleModelScores: expected a column in [0, ${M}), received ${column}`);
  const out = new Float64Array(table.ids.length * M);
  for (let i = 0; i < table.ids.length; i++) out[i * M + column] = 1;
  return out;
}

/**
 * Oracle scores: the observed quality (unscored cells −1, never chosen anyway).
 * @param table - evaluation table
 * @returns N×M scores
 * @example oracleScores(table)
 */
export function oracleScores(table: EvalTable): Float64Array {
  const out = new Float64Array(table.quality.length);
  for (let k = 0; k < out.length; k++) out[k] = Number.isNaN(table.quality[k]!) ? -1 : table.quality[k]!;
  return out;
}

/**
 * Seeded uniform random scores.
 * @param table - evaluation table
 * @param seed - PRNG seed
 * @returns N×M scores in [0, 1)
 * @example randomScores(table, 42)
 */
export function randomScores(table: EvalTable, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(table.quality.length);
  for (let k = 0; k < out.length; k++) out[k] = rand();
  return out;
}

/** Options of {@link fitKnnBaseline}. */
export interface KnnOptions {
  /** k values tried on dev. @defaultValue [1, 3, 5, 10, 20, 50, 100] */
  kCandidates?: readonly number[];
}

/** Defaults of the kNN baseline. @example fitKnnBaseline(t, te, d, de, 384, { kCandidates: KNN_DEFAULTS.kCandidates }) */
export const KNN_DEFAULTS: Readonly<{ kCandidates: readonly number[] }> = Object.freeze({
  kCandidates: Object.freeze([1, 3, 5, 10, 20, 50, 100]),
});

/** A fitted kNN baseline (not discovery's kNN graph). */
export interface KnnBaseline {
  /** The k chosen on dev. */
  k: number;
  /** Dev mean quality per k tried. */
  devQuality: Record<string, number>;
  /** N×M scores for a table whose row i has embedding row i of `embeddings`. */
  score(table: EvalTable, embeddings: Float32Array): Float64Array;
}

/** Top-K neighbour lists (by dot product) of each query row among the train rows, best first. */
function topNeighbours(queries: Float32Array, train: Float32Array, d: number, K: number): Int32Array {
  const nq = queries.length / d;
  const nt = train.length / d;
  const k = Math.min(K, nt);
  const out = new Int32Array(nq * k);
  const bestSim = new Float64Array(k);
  const bestIdx = new Int32Array(k);
  for (let q = 0; q < nq; q++) {
    let filled = 0;
    const qo = q * d;
    for (let t = 0; t < nt; t++) {
      const to = t * d;
      let s = 0;
      for (let x = 0; x < d; x++) s += queries[qo + x]! * train[to + x]!;
      if (filled === k && s <= bestSim[k - 1]!) continue;
      let pos = filled === k ? k - 1 : filled++;
      while (pos > 0 && bestSim[pos - 1]! < s) {
        bestSim[pos] = bestSim[pos - 1]!;
        bestIdx[pos] = bestIdx[pos - 1]!;
        pos--;
      }
      bestSim[pos] = s;
      bestIdx[pos] = t;
    }
    out.set(bestIdx.subarray(0, k), q * k);
  }
  return out;
}

function knnScoresFrom(
  neigh: Int32Array,
  K: number,
  k: number,
  train: EvalTable,
  trainMean: Float64Array,
  nq: number,
): Float64Array {
  const M = train.models.length;
  const out = new Float64Array(nq * M);
  const s = new Float64Array(M);
  const n = new Float64Array(M);
  for (let q = 0; q < nq; q++) {
    s.fill(0);
    n.fill(0);
    for (let r = 0; r < Math.min(k, K); r++) {
      const t = neigh[q * K + r]!;
      for (let j = 0; j < M; j++) {
        const v = train.quality[t * M + j]!;
        if (!Number.isNaN(v)) {
          s[j]! += v;
          n[j]!++;
        }
      }
    }
    for (let j = 0; j < M; j++) out[q * M + j] = n[j]! > 0 ? s[j]! / n[j]! : trainMean[j]!;
  }
  return out;
}

/**
 * Per-model mean observed quality of a table over the prompts where the model is scored.
 * @param table - an evaluation table
 * @returns Float64Array of length M (0 where a model is never scored)
 * @example modelMeans(trainTable)[0]
 */
export function modelMeans(table: EvalTable): Float64Array {
  const M = table.models.length;
  const s = new Float64Array(M);
  const n = new Float64Array(M);
  for (let k = 0; k < table.quality.length; k++) {
    const v = table.quality[k]!;
    if (!Number.isNaN(v)) {
      s[k % M]! += v;
      n[k % M]!++;
    }
  }
  for (let j = 0; j < M; j++) s[j] = n[j]! > 0 ? s[j]! / n[j]! : 0;
  return s;
}

/**
 * Fits the kNN baseline: picks k on dev.
 * @param train - training table; `trainEmbeddings` row i belongs to its row i
 * @param trainEmbeddings - L2-normalized rows
 * @param dev - dev table (when it has no rows, the middle k candidate is used)
 * @param devEmbeddings - rows of dev
 * @param dimension - embedding dimension
 * @param options - {@link KnnOptions}
 * @returns the fitted baseline
 * @throws TypeError on mismatched embeddings; RangeError on an empty training table or bad k
 * @example const knn = fitKnnBaseline(train, te, dev, de, 384); knn.score(test, xe)
 */
export function fitKnnBaseline(
  train: EvalTable,
  trainEmbeddings: Float32Array,
  dev: EvalTable,
  devEmbeddings: Float32Array,
  dimension: number,
  options: KnnOptions = {},
): KnnBaseline {
  checkEmbeddings('fitKnnBaseline', trainEmbeddings, train.ids.length, dimension);
  checkEmbeddings('fitKnnBaseline', devEmbeddings, dev.ids.length, dimension);
  if (train.ids.length === 0)
    throw new RangeError('fitKnnBaseline: expected a non-empty training table, received 0 rows');
  const ks = [...(options.kCandidates ?? KNN_DEFAULTS.kCandidates)];
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1))
    throw new RangeError(`fitKnnBaseline: expected positive integer k candidates, received [${ks.join(', ')}]`);
  const K = Math.min(Math.max(...ks), train.ids.length);
  const trainMean = modelMeans(train);
  const devQuality: Record<string, number> = {};
  let bestK = ks[Math.floor(ks.length / 2)]!;
  if (dev.ids.length > 0) {
    const neigh = topNeighbours(devEmbeddings, trainEmbeddings, dimension, K);
    let bestQ = Number.NEGATIVE_INFINITY;
    for (const k of [...ks].sort((a, b) => a - b)) {
      const scores = knnScoresFrom(neigh, K, k, train, trainMean, dev.ids.length);
      const q = evaluateSelection(dev, selectByScores(dev, scores).choice).quality;
      devQuality[String(k)] = q;
      if (q > bestQ) {
        bestQ = q;
        bestK = k;
      }
    }
  }
  return {
    k: bestK,
    devQuality,
    score(table: EvalTable, embeddings: Float32Array): Float64Array {
      checkEmbeddings('KnnBaseline.score', embeddings, table.ids.length, dimension);
      const kk = Math.min(bestK, train.ids.length);
      const neigh = topNeighbours(embeddings, trainEmbeddings, dimension, kk);
      return knnScoresFrom(neigh, kk, kk, train, trainMean, table.ids.length);
    },
  };
}

/** Options of {@link fitMlpBaseline}. */
export interface MlpOptions {
  /** Hidden units. @defaultValue 64 */
  hidden?: number;
  /** Maximum epochs. @defaultValue 20 */
  epochs?: number;
  /** Epochs without dev improvement before stopping. @defaultValue 4 */
  patience?: number;
  /** Adam learning rate. @defaultValue 0.001 */
  learningRate?: number;
  /** Mini-batch size. @defaultValue 64 */
  batchSize?: number;
  /** PRNG seed (initialization and shuffling). @defaultValue 0 */
  seed?: number;
}

/** Defaults of the MLP baseline. @example fitMlpBaseline(t, te, d, de, 384, { ...MLP_DEFAULTS, seed: 1 }) */
export const MLP_DEFAULTS: Readonly<Required<MlpOptions>> = Object.freeze({
  hidden: 64,
  epochs: 20,
  patience: 4,
  learningRate: 0.001,
  batchSize: 64,
  seed: 0,
});

/** A fitted MLP baseline. */
export interface MlpBaseline {
  /** Epochs run and the epoch whose weights were kept. */
  epochs: number;
  bestEpoch: number;
  /** Training prompts left out because every scored model tied. */
  skipped: number;
  /** Training prompts whose best model was tied among several (soft targets). */
  tiedLabels: number;
  /** Dev quality of the kept weights (NaN without dev). */
  devQuality: number;
  /** N×M softmax probabilities. */
  score(table: EvalTable, embeddings: Float32Array): Float64Array;
}

/**
 * Fits the MLP baseline, a classifier over models (one hidden ReLU layer, softmax over models, soft tie targets).
 * @param train - training table
 * @param trainEmbeddings - rows of train
 * @param dev - dev table for early stopping (may be empty: then all epochs run)
 * @param devEmbeddings - rows of dev
 * @param dimension - embedding dimension
 * @param options - {@link MlpOptions}
 * @returns the fitted baseline
 * @throws TypeError on mismatched embeddings; RangeError on bad options
 * @example const mlp = fitMlpBaseline(train, te, dev, de, 384, { seed: 1 });
 */
export function fitMlpBaseline(
  train: EvalTable,
  trainEmbeddings: Float32Array,
  dev: EvalTable,
  devEmbeddings: Float32Array,
  dimension: number,
  options: MlpOptions = {},
): MlpBaseline {
  const o = { ...MLP_DEFAULTS, ...options };
  checkEmbeddings('fitMlpBaseline', trainEmbeddings, train.ids.length, dimension);
  checkEmbeddings('fitMlpBaseline', devEmbeddings, dev.ids.length, dimension);
  for (const key of ['hidden', 'epochs', 'batchSize'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1)
      throw new RangeError(`fitMlpBaseline: expected ${key} to be a positive integer, received ${o[key]}`);
  }
  if (!(o.learningRate > 0))
    throw new RangeError(`fitMlpBaseline: expected learningRate > 0, received ${o.learningRate}`);
  const d = dimension;
  const H = o.hidden;
  const M = train.models.length;
  // Soft targets.
  const rows: number[] = [];
  const targets: number[] = [];
  let skipped = 0;
  let tiedLabels = 0;
  for (let i = 0; i < train.ids.length; i++) {
    let best = Number.NEGATIVE_INFINITY;
    let worst = Number.POSITIVE_INFINITY;
    let scored = 0;
    for (let j = 0; j < M; j++) {
      const v = train.quality[i * M + j]!;
      if (Number.isNaN(v)) continue;
      scored++;
      if (v > best) best = v;
      if (v < worst) worst = v;
    }
    if (scored < 2 || best === worst) {
      skipped++;
      continue;
    }
    let ties = 0;
    for (let j = 0; j < M; j++) if (train.quality[i * M + j] === best) ties++;
    if (ties > 1) tiedLabels++;
    rows.push(i);
    for (let j = 0; j < M; j++) targets.push(train.quality[i * M + j] === best ? 1 / ties : 0);
  }
  // Shared numerics (src/numeric, src/train): seeded Xavier init, AdamW (no weight decay: plain Adam), the one
  // epoch loop with Fisher–Yates shuffles and early stopping on dev routed quality (best weights restored).
  // Float64 weights: the same code paths as the float32 heads, bit-identical to this baseline's earlier copy.
  const rand = mulberry32(o.seed);
  const source = { next: rand, int: (n: number): number => Math.floor(rand() * n) };
  const params = [
    createParam('W1', xavierUniform(new Float64Array(H * d), d, H, source), false),
    createParam('b1', new Float64Array(H), false),
    createParam('W2', xavierUniform(new Float64Array(M * H), H, M, source), false),
    createParam('b2', new Float64Array(M), false),
  ] as const;
  const [W1, b1, W2, b2] = params.map((p) => p.value) as [Float64Array, Float64Array, Float64Array, Float64Array];
  const grads = params.map((p) => p.grad);
  const opt = new AdamW(params, { learningRate: o.learningRate, weightDecay: 0, epsilon: 1e-8 });
  const h = new Float64Array(H);
  const logits = new Float64Array(M);
  const dh = new Float64Array(H);

  const forward = (x: Float32Array, xo: number): void => {
    for (let u = 0; u < H; u++) {
      let s = b1[u]!;
      const wo = u * d;
      for (let k = 0; k < d; k++) s += W1[wo + k]! * x[xo + k]!;
      h[u] = s > 0 ? s : 0;
    }
    let mx = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < M; j++) {
      let s = b2[j]!;
      const wo = j * H;
      for (let u = 0; u < H; u++) s += W2[wo + u]! * h[u]!;
      logits[j] = s;
      if (s > mx) mx = s;
    }
    let z = 0;
    for (let j = 0; j < M; j++) {
      logits[j] = Math.exp(logits[j]! - mx);
      z += logits[j]!;
    }
    for (let j = 0; j < M; j++) logits[j]! /= z;
  };
  const scoreTable = (table: EvalTable, emb: Float32Array): Float64Array => {
    const out = new Float64Array(table.ids.length * M);
    for (let i = 0; i < table.ids.length; i++) {
      forward(emb, i * d);
      out.set(logits, i * M);
    }
    return out;
  };

  const order = Int32Array.from(rows.keys());
  const stopping = dev.ids.length > 0 ? new EarlyStopping(params, o.patience) : undefined;
  let bestDev = Number.NEGATIVE_INFINITY;
  const { epochs } = trainEpochs({
    epochs: o.epochs,
    ...(stopping ? { stopping } : {}),
    runEpoch: () => {
      shuffleInPlace(order, source);
      minibatches(order, o.batchSize, (batch, from, count) => {
        const start = from;
        const end = from + count;
        opt.zeroGrad();
        const [gW1, gb1, gW2, gb2] = grads as [Float64Array, Float64Array, Float64Array, Float64Array];
        const order = batch;
        for (let b = start; b < end; b++) {
          const r = order[b]!;
          const xo = rows[r]! * d;
          forward(trainEmbeddings, xo);
          dh.fill(0);
          for (let j = 0; j < M; j++) {
            const g = logits[j]! - targets[r * M + j]!;
            gb2[j]! += g;
            const wo = j * H;
            for (let u = 0; u < H; u++) {
              gW2[wo + u]! += g * h[u]!;
              dh[u]! += g * W2[wo + u]!;
            }
          }
          for (let u = 0; u < H; u++) {
            if (h[u]! <= 0) continue;
            const g = dh[u]!;
            gb1[u]! += g;
            const wo = u * d;
            for (let k = 0; k < d; k++) gW1[wo + k]! += g * trainEmbeddings[xo + k]!;
          }
        }
        const scale = 1 / (end - start);
        for (const g of grads) for (let k = 0; k < g.length; k++) g[k]! *= scale;
        opt.step();
        return { loss: 0, weight: count };
      });
      return 0; // the routed dev quality drives this baseline; its training loss is not tracked
    },
    devLoss: () => {
      if (!stopping) return 0;
      const q = evaluateSelection(dev, selectByScores(dev, scoreTable(dev, devEmbeddings)).choice).quality;
      if (q > bestDev) bestDev = q;
      // Early stopping minimizes: the loss is −quality (a NaN quality never counts as an improvement).
      return Number.isNaN(q) ? Number.MAX_VALUE : -q;
    },
  });
  const bestEpoch = stopping ? stopping.bestEpoch + 1 : epochs;
  return {
    epochs,
    bestEpoch,
    skipped,
    tiedLabels,
    devQuality: dev.ids.length > 0 ? bestDev : Number.NaN,
    score(table: EvalTable, embeddings: Float32Array): Float64Array {
      checkEmbeddings('MlpBaseline.score', embeddings, table.ids.length, d);
      return scoreTable(table, embeddings);
    },
  };
}
