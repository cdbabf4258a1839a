/**
 * The local prior: a k-nearest-neighbour estimate of each model's quality over the training prompts, on
 * task-smoothed targets. It generalizes the task prior Q̄ of FineRouter's Eq. 5 (arXiv 2603.19415, Sect. 3.3)
 * from "the mean of the prompt's one assigned task" to "the mean over the prompt's k nearest training prompts"
 * (kNN routers: Hu et al. 2024, "RouterBench"; Shnitzer et al. 2023, "Large language model routing with
 * benchmark datasets"), with each neighbour's observed scores smoothed toward its task's mean:
 *
 *   value_i(M) = β · y_i(M) + (1 − β) · Q̄_{g(i)}(M)        (task-smoothed target of training prompt i)
 *   local(p, M) = (1/k) Σ_{i ∈ kNN(p)} value_i(M)          (cosine similarity, uniform weights)
 *
 * g(i) is the training prompt's group: its `source` label when the data carries one for every record (a
 * benchmark or subtask name: the supervision the data already has), else its discovered task (Others is one
 * more group). Q̄_g is the group's mean shrunk toward the model's overall mean with pseudo-count `shrinkage`
 * (empirical Bayes). β = 1 is a plain kNN router; β = 0 is a soft task prior, Σ_g P̂(g | p) · Q̄_g with
 * P̂(g | p) the share of p's neighbours in group g. With 0/1 scores the smoothed targets are far less noisy
 * than single observations, which is what made the cluster prior beat kNN in the measurements.
 *
 * k and β are chosen by exact leave-one-out routed quality over the index rows (a row's own scores never enter
 * its own prediction: it is not its own neighbour, and it is removed from its group's mean), so no extra split
 * is needed. Cross-validated figures: docs/training.md and bench/research/.
 *
 * The classifier estimator (default `estimator: 'auto'`, chosen when it routes better on the training split): the
 * neighbour vote P̂(g | p) is replaced by a softmax-regression group classifier (./group-classifier.ts, the analogue
 * of the paper's Stage-1 classifier on the data's `source` labels), and the neighbours keep only the raw part:
 *
 *   local(p, M) = (1 − β) · Σ_g P(g | p) · Q̄_g(M) + β · (1/k) Σ_{i ∈ kNN(p)} y_i(M)
 *
 * (an unobserved y_i(M) stands in as Q̄_{g(i)}(M)). Its training-split predictions come from 3-fold cross-fitting
 * of the classifier (each row predicted by a classifier that never saw it), with the row's own scores removed from
 * its group's mean as above; 'auto' keeps whichever estimator's best (k, β) routes better on those predictions.
 * With β = 0 the classifier estimator needs no index at all (rows = 0, k = 0).
 *
 * Artifact: the index (training embeddings, float16) and the values ([rows, M] float32) are exported as a
 * second output `local_prior` of router.onnx (MatMul → TopK → Gather → mean), plus, for the classifier estimator,
 * Gemm → Softmax → MatMul with the (1 − β)-scaled group means; see ./onnx-export.ts.
 * Deliberate choices: uniform neighbour weights (a softmax temperature did not win in the research scripts);
 * ties between equally similar neighbours go to the lower row index (ONNX TopK's documented order); the index is
 * rounded to float16 before anything is computed from it, so training, the TypeScript forward pass and the ONNX
 * graph see the same vectors.
 */
import { float16ToFloat32, float32ToFloat16 } from '../onnx/float16.js';
import { createSimdRows } from '../discovery/simd.js';
import { BLOCK_DOT_ROWS, BLOCK_QUERIES, createBlockDots } from '../discovery/simd-block.js';
import {
  GROUP_CLASSIFIER_DEFAULTS,
  fitGroupClassifier,
  groupProbabilities,
  type GroupClassifier,
  type GroupClassifierOptions,
} from './group-classifier.js';
import { createRandom, shuffleInPlace } from './random.js';

/** Neighbour counts tried by leave-one-out. */
export const LOCAL_PRIOR_KS: readonly number[] = Object.freeze([10, 20, 50, 100]);
/** Smoothing weights β tried by leave-one-out (1 = raw scores, 0 = group means). */
export const LOCAL_PRIOR_BETAS: readonly number[] = Object.freeze([0, 0.25, 0.5, 1]);

/** Share of the classifier's iterations used by each of the 3 cross-fitting fits (selection only). */
const CROSS_FIT_ITERATIONS = 0.3;

/** Options of {@link fitLocalPrior}. */
export interface LocalPriorOptions {
  /** Candidate k values (clipped to rows − 1). @defaultValue LOCAL_PRIOR_KS */
  ks?: readonly number[];
  /** Candidate β values in [0, 1]. @defaultValue LOCAL_PRIOR_BETAS */
  betas?: readonly number[];
  /** Pseudo-count shrinking each group mean toward the model's prior. @defaultValue 5 */
  shrinkage?: number;
  /** Prior per model (e.g. the support-floored mean of trainRouter); default: each model's mean over the rows. */
  modelPrior?: ArrayLike<number>;
  /**
   * How P(group | prompt) is estimated: `'neighbours'` (the share of the k nearest rows in each group), `'classifier'`
   * (softmax regression, ./group-classifier.ts) or `'auto'` (whichever routes better on the rows' held-out
   * predictions). @defaultValue 'auto'
   */
  estimator?: 'neighbours' | 'classifier' | 'auto';
  /** Options of the group classifier. @defaultValue GROUP_CLASSIFIER_DEFAULTS */
  classifier?: GroupClassifierOptions;
  /** Seed of the classifier's cross-fitting folds. @defaultValue 0 */
  seed?: number;
  /**
   * Choose by held-out routed quality (true), or build the given single (k, β, estimator) without any held-out
   * computation (false: what trainRouter does to export the chosen prior over every record). @defaultValue true
   */
  leaveOneOut?: boolean;
}

/** Defaults of {@link LocalPriorOptions}. */
export const LOCAL_PRIOR_DEFAULTS = Object.freeze({
  ks: LOCAL_PRIOR_KS,
  betas: LOCAL_PRIOR_BETAS,
  shrinkage: 5,
  estimator: 'auto' as 'neighbours' | 'classifier' | 'auto',
  seed: 0,
});

/** The classifier part of a local prior: (1 − β) · softmax(e · weight + bias) · groupValues. */
export interface LocalPriorClassifier extends GroupClassifier {
  /** [G, M] group means already scaled by (1 − β). */
  groupValues: Float32Array;
}

/** A fitted local prior (exported form). */
export interface LocalPrior {
  dimension: number;
  /** Index rows (0 for the classifier estimator with β = 0: no neighbour term). */
  rows: number;
  modelCount: number;
  /** Neighbours averaged (0 when rows = 0). */
  k: number;
  beta: number;
  /** [rows, D] float16 bit patterns of the (L2-normalized) training embeddings. */
  index: Uint16Array;
  /** [rows, M] task-smoothed targets (classifier estimator: β · raw scores). */
  values: Float32Array;
  /** Present for the classifier estimator. */
  classifier?: LocalPriorClassifier;
}

/** Inputs of {@link fitLocalPrior}. */
export interface LocalPriorData {
  /** Row-major [n, D] embeddings (L2-normalized). */
  embeddings: Float32Array;
  dimension: number;
  /** [n, M] scores and mask (1 = observed). */
  scores: Float32Array;
  mask: Uint8Array;
  modelCount: number;
  /** Group id ≥ 0 per row (source or task). */
  groups: Int32Array;
  /** Rows that form the index (the training rows). */
  rows: ArrayLike<number>;
}

/** Result of {@link fitLocalPrior}. */
export interface LocalPriorFit {
  prior: LocalPrior;
  /** [rows.length, M] leave-one-out predictions of the chosen (k, β) for the index rows, in `rows` order. */
  leaveOneOut: Float32Array;
  /** Leave-one-out routed quality per (k, β), keys `k=…,beta=…`. */
  grid: Record<string, number>;
  /** Leave-one-out routed quality at the choice. */
  quality: number;
  /** The estimator chosen ('neighbours' or 'classifier'). */
  estimator: 'neighbours' | 'classifier';
  /** Best held-out routed quality of each estimator tried. */
  estimatorQuality: { neighbours?: number; classifier?: number };
}

/** Top-k neighbour lists: indices (−1 padding) and similarities, row-major [n, k]. */
interface Neighbours {
  k: number;
  indices: Int32Array;
  similarities: Float32Array;
}

function insertTop(ids: Int32Array, sims: Float32Array, base: number, k: number, j: number, s: number): void {
  // Keeps the list sorted by similarity descending, then index ascending (TopK's order).
  if (!(s > sims[base + k - 1]! || (s === sims[base + k - 1]! && ids[base + k - 1]! > j))) return;
  let p = k - 1;
  while (p > 0 && (s > sims[base + p - 1]! || (s === sims[base + p - 1]! && ids[base + p - 1]! > j))) {
    sims[base + p] = sims[base + p - 1]!;
    ids[base + p] = ids[base + p - 1]!;
    p -= 1;
  }
  sims[base + p] = s;
  ids[base + p] = j;
}

/**
 * Exact top-k of every query row among the index rows by dot product (cosine for unit rows); with `self`, query
 * q is index row q and is skipped. WebAssembly SIMD dot products when available.
 */
function topK(
  index: Float32Array,
  rows: number,
  d: number,
  queries: Float32Array,
  n: number,
  k: number,
  self: boolean,
): Neighbours {
  const indices = new Int32Array(n * k).fill(-1);
  const similarities = new Float32Array(n * k).fill(-Infinity);
  // Blocked SIMD (bit-identical similarities, see ../discovery/simd-block.ts); every query still sees the index
  // rows in ascending order, so the lists are the same as the per-pair loop's below.
  const block = createBlockDots(index, d);
  if (block !== null) {
    for (let q0 = 0; q0 < n; q0 += BLOCK_QUERIES) {
      const count = Math.min(BLOCK_QUERIES, n - q0);
      block.setQueries(queries, q0 * d, count);
      for (let from = 0; from < rows; from += BLOCK_DOT_ROWS) {
        const to = Math.min(rows, from + BLOCK_DOT_ROWS);
        const sims = block.dots(from, to);
        const stride = block.stride;
        for (let i = 0; i < count; i++) {
          const q = q0 + i;
          const base = q * k;
          for (let j = from; j < to; j++) {
            if (self && j === q) continue;
            insertTop(indices, similarities, base, k, j, sims[(j - from) * stride + i]!);
          }
        }
      }
    }
    return { k, indices, similarities };
  }
  const simd = createSimdRows(index, d);
  for (let q = 0; q < n; q++) {
    const base = q * k;
    if (simd !== null) {
      simd.setScratch(queries.subarray(q * d, (q + 1) * d));
      for (let j = 0; j < rows; j++) {
        if (self && j === q) continue;
        insertTop(indices, similarities, base, k, j, Math.fround(simd.dotScratch(j)));
      }
    } else {
      const qo = q * d;
      for (let j = 0; j < rows; j++) {
        if (self && j === q) continue;
        let s = 0;
        const jo = j * d;
        for (let t = 0; t < d; t++) s += queries[qo + t]! * index[jo + t]!;
        insertTop(indices, similarities, base, k, j, Math.fround(s));
      }
    }
  }
  return { k, indices, similarities };
}

function checkUnit(where: string, values: number, name: string, lo: number, hi: number): void {
  if (!(values >= lo && values <= hi))
    throw new RangeError(`${where}: expected ${name} in [${lo}, ${hi}], received ${values}`);
}

/**
 * Fits the local prior on `data.rows` and chooses (k, β) by leave-one-out routed quality (τ = 0, ties → larger
 * k, then smaller β: the smoother estimate).
 *
 * @param data - see {@link LocalPriorData}.
 * @param options - see {@link LocalPriorOptions}.
 * @returns the exported prior, its leave-one-out predictions and the grid.
 * @throws RangeError on mismatched sizes, fewer than 2 rows, a negative group or grid values out of range.
 * @example
 * const { prior } = fitLocalPrior({ embeddings, dimension: 384, scores, mask, modelCount: 9, groups, rows: train });
 */
export function fitLocalPrior(data: LocalPriorData, options: LocalPriorOptions = {}): LocalPriorFit {
  const fn = 'fitLocalPrior';
  const { dimension: d, modelCount: m } = data;
  const n = data.embeddings.length / d;
  if (!Number.isInteger(n) || data.scores.length !== n * m || data.mask.length !== n * m || data.groups.length !== n) {
    throw new RangeError(
      `${fn}: expected [n, ${d}] embeddings, [n, ${m}] scores and mask and n groups, received ${data.embeddings.length}, ${data.scores.length}, ${data.mask.length}, ${data.groups.length}`,
    );
  }
  const rows = Int32Array.from(data.rows);
  const r = rows.length;
  if (r < 2) throw new RangeError(`${fn}: expected at least 2 index rows, received ${r}`);
  const ks = [...(options.ks ?? LOCAL_PRIOR_DEFAULTS.ks)].map((k) => Math.min(k, r - 1));
  const betas = options.betas ?? LOCAL_PRIOR_DEFAULTS.betas;
  const shrink = options.shrinkage ?? LOCAL_PRIOR_DEFAULTS.shrinkage;
  for (const k of ks)
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`${fn}: expected integer k ≥ 1, received ${k}`);
  for (const b of betas) checkUnit(fn, b, 'beta', 0, 1);
  if (!(shrink >= 0 && Number.isFinite(shrink)))
    throw new RangeError(`${fn}: expected shrinkage ≥ 0, received ${shrink}`);
  if (ks.length === 0 || betas.length === 0) throw new RangeError(`${fn}: expected at least one k and one beta`);

  // Index rows, rounded through float16 (what the artifact stores).
  const raw = new Float32Array(r * d);
  for (let a = 0; a < r; a++) {
    const i = rows[a]!;
    if (!(Number.isInteger(i) && i >= 0 && i < n))
      throw new RangeError(`${fn}: expected row indices in [0, ${n}), received ${i}`);
    raw.set(data.embeddings.subarray(i * d, (i + 1) * d), a * d);
  }
  const index = float32ToFloat16(raw);
  const vectors = float16ToFloat32(index);

  // Group sums and counts, model means.
  let groupCount = 0;
  for (const i of rows) {
    const g = data.groups[i]!;
    if (!(Number.isInteger(g) && g >= 0)) throw new RangeError(`${fn}: expected group ids ≥ 0, received ${g}`);
    if (g + 1 > groupCount) groupCount = g + 1;
  }
  const gSum = new Float64Array(groupCount * m);
  const gCnt = new Float64Array(groupCount * m);
  const mSum = new Float64Array(m);
  const mCnt = new Float64Array(m);
  for (const i of rows) {
    const g = data.groups[i]!;
    for (let j = 0; j < m; j++) {
      if (!data.mask[i * m + j]) continue;
      const s = data.scores[i * m + j]!;
      gSum[g * m + j] += s;
      gCnt[g * m + j] += 1;
      mSum[j] += s;
      mCnt[j] += 1;
    }
  }
  if (options.modelPrior !== undefined && options.modelPrior.length !== m)
    throw new RangeError(`${fn}: expected ${m} modelPrior values, received ${options.modelPrior.length}`);
  const prior =
    options.modelPrior !== undefined
      ? Float64Array.from(options.modelPrior)
      : Float64Array.from(mSum, (s, j) => (mCnt[j]! > 0 ? s / mCnt[j]! : 0));
  const groupMean = (g: number, j: number, minusOwn: number, ownObserved: number): number =>
    (gSum[g * m + j]! - minusOwn + shrink * prior[j]!) / (gCnt[g * m + j]! - ownObserved + shrink || 1);
  // Own value (observed score, or the group mean where the model was not observed) and group means per row.
  const own = new Float64Array(r * m);
  const observed = new Uint8Array(r * m);
  const grp = new Float64Array(r * m);
  const grpLoo = new Float64Array(r * m);
  for (let a = 0; a < r; a++) {
    const i = rows[a]!;
    const g = data.groups[i]!;
    for (let j = 0; j < m; j++) {
      const obs = data.mask[i * m + j] === 1;
      const s = obs ? data.scores[i * m + j]! : 0;
      grp[a * m + j] = groupMean(g, j, 0, 0);
      grpLoo[a * m + j] = groupMean(g, j, s, obs ? 1 : 0);
      own[a * m + j] = obs ? s : grp[a * m + j]!;
      observed[a * m + j] = obs ? 1 : 0;
    }
  }

  // Groups present among the rows, numbered in order of first appearance (the classifier's classes).
  const compact = new Int32Array(groupCount).fill(-1);
  const classOf: number[] = [];
  for (const i of rows) {
    const g = data.groups[i]!;
    if (compact[g] === -1) {
      compact[g] = classOf.length;
      classOf.push(g);
    }
  }
  const estimator = options.estimator ?? LOCAL_PRIOR_DEFAULTS.estimator;
  const tryClassifier = estimator !== 'neighbours' && classOf.length >= 2;
  const tryNeighbours = estimator !== 'classifier' || classOf.length < 2;
  const select = options.leaveOneOut ?? true;
  if (!select && (ks.length !== 1 || betas.length !== 1 || estimator === 'auto'))
    throw new RangeError(`${fn}: leaveOneOut false needs one k, one beta and a fixed estimator`);

  const grid: Record<string, number> = {};
  type Choice = { k: number; beta: number; quality: number };
  const better = (q: number, k: number, beta: number, best: Choice | null): boolean =>
    best === null ||
    q > best.quality + 1e-12 ||
    (Math.abs(q - best.quality) <= 1e-12 && (k > best.k || (k === best.k && beta < best.beta)));
  const kMax = Math.max(...ks);
  const nb = select ? topK(vectors, r, d, vectors, r, kMax, true) : null;

  // Held-out P(class | row) of the classifier by 3-fold cross-fitting (stratified by group, seeded), turned into the
  // soft group prior with the row's own scores removed from its group's mean.
  let clfOof: Float64Array | null = null;
  if (select && tryClassifier) {
    const c = classOf.length;
    const cls = new Int32Array(n);
    for (const i of rows) cls[i] = compact[data.groups[i]!]!;
    const fold = new Int32Array(r);
    const random = createRandom(options.seed ?? LOCAL_PRIOR_DEFAULTS.seed);
    for (let q = 0; q < c; q++) {
      const members = Int32Array.from(
        Array.from(rows.keys()).filter((a) => cls[rows[a]!] === q),
        (a) => a,
      );
      shuffleInPlace(members, random);
      members.forEach((a, t) => (fold[a] = t % 3));
    }
    const probs = new Float32Array(r * c);
    for (let f = 0; f < 3; f++) {
      const fitRows = rows.filter((_, a) => fold[a] !== f);
      const held = Array.from(rows.keys()).filter((a) => fold[a] === f);
      if (held.length === 0 || fitRows.length === 0) continue;
      // Cross-fitting only ranks the estimators: a third of the final fit's iterations (measured on dcrouter: the
      // routed quality after 30 L-BFGS iterations is within 0.1 pp of 300).
      const iterations = Math.max(
        1,
        Math.round((options.classifier?.iterations ?? GROUP_CLASSIFIER_DEFAULTS.iterations) * CROSS_FIT_ITERATIONS),
      );
      const clf = fitGroupClassifier(data.embeddings, d, cls, c, fitRows, { ...options.classifier, iterations });
      const emb = new Float32Array(held.length * d);
      held.forEach((a, t) => emb.set(data.embeddings.subarray(rows[a]! * d, (rows[a]! + 1) * d), t * d));
      const p = groupProbabilities(clf, emb, held.length);
      held.forEach((a, t) => probs.set(p.subarray(t * c, (t + 1) * c), a * c));
    }
    clfOof = new Float64Array(r * m);
    for (let a = 0; a < r; a++) {
      const own = cls[rows[a]!]!;
      for (let j = 0; j < m; j++) {
        let v = 0;
        for (let q = 0; q < c; q++) v += probs[a * c + q]! * groupMean(classOf[q]!, j, 0, 0);
        clfOof[a * m + j] = v + probs[a * c + own]! * (grpLoo[a * m + j]! - grp[a * m + j]!);
      }
    }
  }

  const pred = new Float64Array(m);
  // Held-out routed quality of (k, β) for one estimator; with `out`, writes the predictions.
  const looFor = (k: number, beta: number, classifier: boolean, out: Float32Array | null): number => {
    let sum = 0;
    let count = 0;
    for (let a = 0; a < r; a++) {
      const i = rows[a]!;
      const g = data.groups[i]!;
      pred.fill(0);
      let used = 0;
      for (let t = 0; t < k; t++) {
        const b = nb!.indices[a * kMax + t]!;
        if (b < 0) break;
        used += 1;
        const sameGroup = data.groups[rows[b]!] === g;
        for (let j = 0; j < m; j++) {
          // A neighbour in the row's own group carries that group's mean without the row's own scores.
          // (grp[b] = grp[a] here, so this is the row's own leave-one-out group mean.)
          const gm = sameGroup ? grpLoo[a * m + j]! : grp[b * m + j]!;
          // An unobserved neighbour score stands in as its group mean, without the row's own scores too.
          const ov = observed[b * m + j] ? own[b * m + j]! : gm;
          pred[j] += classifier ? beta * ov : beta * ov + (1 - beta) * gm;
        }
      }
      let pick = -1;
      let pickValue = -Infinity;
      for (let j = 0; j < m; j++) {
        const knn = used > 0 ? pred[j]! / used : classifier ? beta * prior[j]! : prior[j]!;
        const v = classifier ? knn + (1 - beta) * clfOof![a * m + j]! : knn;
        if (out) out[a * m + j] = v;
        if (data.mask[i * m + j] && (pick < 0 || v > pickValue)) {
          pick = j;
          pickValue = v;
        }
      }
      if (pick >= 0) {
        sum += data.scores[i * m + pick]!;
        count += 1;
      }
    }
    return count > 0 ? sum / count : Number.NaN;
  };
  let bestN: Choice | null = null;
  let bestC: Choice | null = null;
  if (select) {
    if (tryNeighbours) {
      for (const k of ks) {
        for (const beta of betas) {
          const q = looFor(k, beta, false, null);
          grid[`k=${k},beta=${beta}`] = q;
          if (!Number.isNaN(q) && better(q, k, beta, bestN)) bestN = { k, beta, quality: q };
        }
      }
    }
    if (clfOof) {
      for (const k of ks) {
        for (const beta of betas) {
          if (beta === 0 && k !== kMax) continue; // no neighbour term: every k is the same estimate
          const q = looFor(k, beta, true, null);
          grid[`classifier,k=${k},beta=${beta}`] = q;
          if (!Number.isNaN(q) && better(q, k, beta, bestC)) bestC = { k, beta, quality: q };
        }
      }
    }
  }
  const useClassifier = select
    ? bestC !== null && (bestN === null || bestC.quality > bestN.quality + 1e-12)
    : estimator === 'classifier' && tryClassifier;
  const chosen = (useClassifier ? bestC : bestN) ?? { k: ks[0]!, beta: betas[0]!, quality: Number.NaN };
  const leaveOneOut = new Float32Array(select ? r * m : 0);
  if (select) looFor(chosen.k, chosen.beta, useClassifier, leaveOneOut);
  const estimatorQuality: LocalPriorFit['estimatorQuality'] = {
    ...(bestN ? { neighbours: bestN.quality } : {}),
    ...(bestC ? { classifier: bestC.quality } : {}),
  };
  if (!useClassifier) {
    const values = new Float32Array(r * m);
    for (let a = 0; a < r * m; a++) values[a] = chosen.beta * own[a]! + (1 - chosen.beta) * grp[a]!;
    return {
      prior: { dimension: d, rows: r, modelCount: m, k: chosen.k, beta: chosen.beta, index, values },
      leaveOneOut,
      grid,
      quality: chosen.quality,
      estimator: 'neighbours',
      estimatorQuality,
    };
  }
  // Classifier estimator: the classifier on every row; the neighbour term only when β > 0.
  const c = classOf.length;
  const cls = new Int32Array(n);
  for (const i of rows) cls[i] = compact[data.groups[i]!]!;
  const clf = fitGroupClassifier(data.embeddings, d, cls, c, rows, options.classifier);
  const groupValues = new Float32Array(c * m);
  for (let q = 0; q < c; q++)
    for (let j = 0; j < m; j++) groupValues[q * m + j] = (1 - chosen.beta) * groupMean(classOf[q]!, j, 0, 0);
  const withIndex = chosen.beta > 0;
  const values = new Float32Array(withIndex ? r * m : 0);
  if (withIndex) for (let a = 0; a < r * m; a++) values[a] = chosen.beta * own[a]!;
  return {
    prior: {
      dimension: d,
      rows: withIndex ? r : 0,
      modelCount: m,
      k: withIndex ? chosen.k : 0,
      beta: chosen.beta,
      index: withIndex ? index : new Uint16Array(0),
      values,
      classifier: { ...clf, groupValues },
    },
    leaveOneOut,
    grid,
    quality: chosen.quality,
    estimator: 'classifier',
    estimatorQuality,
  };
}

/**
 * The local prior of n prompts: mean of the values of their k nearest index rows, plus the classifier term
 * (1 − β) · Σ_g P(g | p) · Q̄_g when the prior has one (the function router.onnx's
 * `local_prior` output computes).
 *
 * @param prior - a fitted prior.
 * @param embeddings - row-major [n, D] (L2-normalized).
 * @param n - rows.
 * @returns [n, M] local prior.
 * @throws RangeError when sizes disagree.
 * @example
 * const local = localPriorForward(fit.prior, testEmbeddings, testCount);
 */
export function localPriorForward(prior: LocalPrior, embeddings: Float32Array, n: number): Float32Array {
  const { dimension: d, rows, modelCount: m, k } = prior;
  if (embeddings.length !== n * d)
    throw new RangeError(`localPriorForward: expected ${n} × ${d} embeddings, received ${embeddings.length}`);
  const clf = prior.classifier;
  const neighbours = rows > 0;
  if (
    prior.index.length !== rows * d ||
    prior.values.length !== rows * m ||
    (neighbours ? !(k >= 1 && k <= rows) : k !== 0 || !clf) ||
    (clf && (clf.dimension !== d || clf.groupValues.length !== clf.groupCount * m))
  ) {
    throw new RangeError(
      `localPriorForward: inconsistent prior (rows ${rows}, k ${k}, index ${prior.index.length}, values ${prior.values.length}, classifier ${clf ? clf.groupCount : 'none'})`,
    );
  }
  const out = new Float32Array(n * m);
  if (neighbours) {
    const vectors = float16ToFloat32(prior.index);
    const nb = topK(vectors, rows, d, embeddings, n, k, false);
    for (let q = 0; q < n; q++) {
      for (let t = 0; t < k; t++) {
        const b = nb.indices[q * k + t]!;
        for (let j = 0; j < m; j++) out[q * m + j] += prior.values[b * m + j]!;
      }
      for (let j = 0; j < m; j++) out[q * m + j] /= k;
    }
  }
  if (clf) {
    const c = clf.groupCount;
    const p = groupProbabilities(clf, embeddings, n);
    for (let q = 0; q < n; q++)
      for (let j = 0; j < m; j++) {
        let v = 0;
        for (let g = 0; g < c; g++) v += p[q * c + g]! * clf.groupValues[g * m + j]!;
        out[q * m + j] += v;
      }
  }
  return out;
}
