/**
 * The exported (inference) form of the two FineRouter heads and their pure-TypeScript forward pass.
 * The ONNX graphs written by ./onnx-export.ts compute exactly these functions; tests compare them.
 *
 * Task classifier (paper Sect. 3.1.2, bilinear matching):
 *   z = e·W + b (trainable projection of the frozen prompt embedding e, D → D),
 *   logit_t = z · u_t + c_t, p_t = σ(logit_t). Deviation: a per-task bias c_t is added (it lets each task
 *   learn its own base rate; the paper's formula has only the bilinear term).
 *
 * MoE quality estimator (Sect. 3.2.1), for model j and task t:
 *   h = e·Wp + bp                                     (trainable prompt projection, D → P)
 *   general_j(h) = w2_j · act(h·W1_j + m_j·E_j + b1_j) + b2_j   (2-layer MLP on concat(h, m_j), m_j = LLM embedding)
 *   Q̃_t(p, M_j) = general_j(h) + δ_{t,j}(h)  if M_j ∈ ℒ_t,   general_j(h) otherwise (and for Others).
 * In the exported form the LLM-embedding term m_j·E_j + b1_j is folded into one bias per model (exact: m_j is
 * fixed after training). Deviation: a task adapter is written as the frozen general adapter plus a trainable
 * residual MLP δ_{t,j} whose output layer starts at zero, so each task adapter is "initialized from its model's
 * general adapter" (Sect. 3.2.2) while its width can be smaller than 512 (docs/training.md gives the reason).
 *
 * Task tensors are stacked over T + 1 rows (row T = Others, all zero) and padded to K = the largest candidate
 * count; `slots[t, k, j]` is 1 when slot k of task t is model j (a one-hot form of the per-task model-slot index
 * and mask; padded slots are all zero). Inference gathers one row per prompt, so its cost is independent of T.
 */
import { assignTaskRows } from '../router/contract.js';
import { activate, addBias, matmul, sigmoid, type Activation } from './kernels.js';

/** Classifier weights in exported form. */
export interface ClassifierHeads {
  /** Embedding dimension D. */
  readonly dimension: number;
  /** Number of tasks T. */
  readonly taskCount: number;
  /** W, row-major [D, D]. */
  readonly weight: Float32Array;
  /** b, [D]. */
  readonly bias: Float32Array;
  /** Task encodings U, row-major [D, T] (column t = u_t). */
  readonly taskEncodings: Float32Array;
  /** c, [T]. */
  readonly taskBias: Float32Array;
}

/** MoE quality-head weights in exported form. */
export interface QualityHeads {
  readonly dimension: number;
  /** Prompt projection width P. */
  readonly projection: number;
  /** Model count M. */
  readonly modelCount: number;
  /** General adapter hidden width H. */
  readonly hidden: number;
  /** Task count T (tensors have T + 1 rows; row T = Others). */
  readonly taskCount: number;
  /** Padded candidate slots per task K (≥ 1). */
  readonly slots: number;
  /** Task adapter hidden width Ht. */
  readonly taskHidden: number;
  readonly activation: Activation;
  /** Wp [D, P]. */
  readonly projWeight: Float32Array;
  /** bp [P]. */
  readonly projBias: Float32Array;
  /** General first layers side by side, [P, M·H] (columns j·H … j·H+H−1 belong to model j). */
  readonly w1: Float32Array;
  /** Folded first-layer bias (m_j·E_j + b1_j), [M·H]. */
  readonly b1: Float32Array;
  /** Output weights, [M·H]. */
  readonly w2: Float32Array;
  /** Output biases, [M]. */
  readonly b2: Float32Array;
  /** Task first layers, [T+1, P, K·Ht]. */
  readonly tw1: Float32Array;
  /** [T+1, K·Ht]. */
  readonly tb1: Float32Array;
  /** [T+1, K·Ht]. */
  readonly tw2: Float32Array;
  /** [T+1, K]. */
  readonly tb2: Float32Array;
  /** One-hot slot → model map, [T+1, K, M]. */
  readonly slotModels: Float32Array;
  /**
   * Observed score range [lo, hi] of the training data: the estimate is clipped to it (a Clip node in
   * router.onnx), so stage 2 never extrapolates past the scores it was trained on. Absent in artifacts written
   * before it existed (no clipping).
   */
  readonly scoreRange?: readonly [number, number];
}

function checkEmbeddings(fn: string, embeddings: Float32Array, n: number, d: number): void {
  if (!(embeddings instanceof Float32Array))
    throw new TypeError(`${fn}: expected embeddings as a Float32Array, received ${typeof embeddings}`);
  if (!Number.isInteger(n) || n < 0 || embeddings.length !== n * d) {
    throw new RangeError(`${fn}: expected ${n} × ${d} = ${n * d} embedding values, received ${embeddings.length}`);
  }
}

/**
 * Classifier forward pass: task probabilities σ(logits), row-major [n, T].
 *
 * @param heads - classifier weights.
 * @param embeddings - row-major [n, D] frozen prompt embeddings.
 * @param n - prompt count.
 * @returns probabilities, [n, T].
 * @throws RangeError when `embeddings` has the wrong size.
 * @example
 * const probs = classifierForward(heads, embeddings, embeddings.length / heads.dimension);
 */
export function classifierForward(heads: ClassifierHeads, embeddings: Float32Array, n: number): Float32Array {
  const d = heads.dimension;
  const t = heads.taskCount;
  checkEmbeddings('classifierForward', embeddings, n, d);
  const z = addBias(matmul(embeddings, heads.weight, new Float32Array(n * d), n, d, d), heads.bias, n, d);
  const logits = addBias(matmul(z, heads.taskEncodings, new Float32Array(n * t), n, d, t), heads.taskBias, n, t);
  for (let i = 0; i < logits.length; i++) logits[i] = sigmoid(logits[i]);
  return logits;
}

/**
 * Turns task probabilities into task positions: the arg-max task when its probability is ≥ `threshold`,
 * else T (Others). Ties go to the lower task position.
 *
 * @param probs - [n, T] probabilities.
 * @param n - rows.
 * @param taskCount - T.
 * @param threshold - assignment threshold.
 * @returns Int32Array of positions in 0..T.
 * @throws RangeError when `probs` has the wrong size.
 * @example
 * assignTasks(new Float32Array([0.2, 0.9]), 1, 2, 0.5); // [1]
 */
export function assignTasks(probs: Float32Array, n: number, taskCount: number, threshold: number): Int32Array {
  // The router's rule, from the one inference contract (src/router/contract.ts).
  return assignTaskRows(probs, n, taskCount, threshold).task;
}

/**
 * General-adapter predictions only (what a prompt assigned to Others gets), [n, M], from projected prompts.
 *
 * @param heads - quality-head weights.
 * @param projected - [n, P] projected prompts (h).
 * @param n - rows.
 * @returns [n, M] predictions.
 */
export function generalFromProjected(heads: QualityHeads, projected: Float32Array, n: number): Float32Array {
  const { projection: p, modelCount: m, hidden: hd } = heads;
  const mh = m * hd;
  const a = addBias(matmul(projected, heads.w1, new Float32Array(n * mh), n, p, mh), heads.b1, n, mh);
  activate(heads.activation, a, a, n * mh);
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      const base = i * mh + j * hd;
      for (let h = 0; h < hd; h++) s += a[base + h] * heads.w2[j * hd + h];
      out[i * m + j] = s + heads.b2[j];
    }
  }
  return out;
}

/**
 * Projects prompts: h = e·Wp + bp, [n, P].
 *
 * @param heads - quality-head weights.
 * @param embeddings - [n, D].
 * @param n - rows.
 * @returns [n, P].
 * @throws RangeError when `embeddings` has the wrong size.
 */
export function projectPrompts(heads: QualityHeads, embeddings: Float32Array, n: number): Float32Array {
  checkEmbeddings('projectPrompts', embeddings, n, heads.dimension);
  return addBias(
    matmul(embeddings, heads.projWeight, new Float32Array(n * heads.projection), n, heads.dimension, heads.projection),
    heads.projBias,
    n,
    heads.projection,
  );
}

/**
 * Adds the task-adapter residuals for prompt rows whose task position is < T, in place on `quality` [n, M].
 *
 * @param heads - quality-head weights.
 * @param projected - [n, P].
 * @param tasks - task position per row (0..T, T = Others).
 * @param quality - [n, M] general predictions, updated.
 * @param n - rows.
 * @returns `quality`.
 * @throws RangeError when a task position is outside 0..T.
 */
export function addTaskResiduals(
  heads: QualityHeads,
  projected: Float32Array,
  tasks: ArrayLike<number>,
  quality: Float32Array,
  n: number,
): Float32Array {
  const { projection: p, modelCount: m, taskCount: tc, slots: k, taskHidden: ht } = heads;
  const kh = k * ht;
  const hidden = new Float32Array(kh);
  for (let i = 0; i < n; i++) {
    const t = Number(tasks[i]);
    if (!Number.isInteger(t) || t < 0 || t > tc)
      throw new RangeError(`qualityHeadForward: expected task positions in 0..${tc}, received ${t} at row ${i}`);
    if (t === tc) continue;
    // hidden = h_i · V1_t + c1_t, without per-row views (no allocation per prompt).
    for (let c = 0; c < kh; c++) hidden[c] = heads.tb1[t * kh + c];
    const w = heads.tw1;
    const base = t * p * kh;
    for (let r = 0; r < p; r++) {
      const hv = projected[i * p + r];
      if (hv === 0) continue;
      const row = base + r * kh;
      for (let c = 0; c < kh; c++) hidden[c] += hv * w[row + c];
    }
    activate(heads.activation, hidden, hidden, kh);
    for (let s = 0; s < k; s++) {
      let d = heads.tb2[t * k + s];
      for (let h = 0; h < ht; h++) d += hidden[s * ht + h] * heads.tw2[t * kh + s * ht + h];
      const onehot = (t * k + s) * m;
      for (let j = 0; j < m; j++) {
        const w = heads.slotModels[onehot + j];
        if (w !== 0) quality[i * m + j] += w * d;
      }
    }
  }
  return quality;
}

/**
 * Router forward pass (the function router.onnx computes): quality estimates [n, M].
 *
 * @param heads - quality-head weights.
 * @param embeddings - [n, D] frozen prompt embeddings.
 * @param tasks - task position per prompt, 0..T−1 for a task, T for Others.
 * @param n - prompt count.
 * @returns [n, M] estimated quality.
 * @throws RangeError when sizes disagree or a task position is out of range.
 * @example
 * const q = qualityHeadForward(heads, embeddings, Int32Array.of(3), 1);
 */
export function qualityHeadForward(
  heads: QualityHeads,
  embeddings: Float32Array,
  tasks: ArrayLike<number>,
  n: number,
): Float32Array {
  if (tasks.length !== n)
    throw new RangeError(`qualityHeadForward: expected ${n} task positions, received ${tasks.length}`);
  const projected = projectPrompts(heads, embeddings, n);
  const quality = addTaskResiduals(heads, projected, tasks, generalFromProjected(heads, projected, n), n);
  return heads.scoreRange ? clipScores(quality, heads.scoreRange) : quality;
}

/**
 * Clips estimates in place to a score range (what router.onnx's Clip node does). NaN stays NaN.
 *
 * @param values - estimates, modified in place.
 * @param range - [lo, hi] with lo ≤ hi.
 * @returns `values`.
 * @throws RangeError when lo > hi or a bound is not finite.
 * @example
 * clipScores(Float32Array.of(-0.2, 0.5, 1.3), [0, 1]); // [0, 0.5, 1]
 */
export function clipScores(values: Float32Array, range: readonly [number, number]): Float32Array {
  const [lo, hi] = range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi))
    throw new RangeError(`clipScores: expected finite lo ≤ hi, received [${lo}, ${hi}]`);
  const flo = Math.fround(lo);
  const fhi = Math.fround(hi);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < flo) values[i] = flo;
    else if (v > fhi) values[i] = fhi;
  }
  return values;
}
