/**
 * Group classifier for the local prior: multinomial logistic regression (softmax regression) from the frozen prompt
 * embedding to the prompt's group (its `source` label, or its discovered task when the data has no source),
 *
 *   P(g | e) = softmax(e·W + b)_g,   loss = −(1/n) Σ_i log P(g_i | e_i) + (λ/2)·‖W‖²   (b unpenalized),
 *
 * fitted full-batch with L-BFGS (Nocedal 1980; Liu & Nocedal 1989, two-loop recursion, memory 10) from zero weights
 * with a backtracking Armijo line search. It plays the role of FineRouter's Stage-1 task classifier (arXiv
 * 2603.19415, Sect. 3.1.2) with two deliberate differences: its classes are the data's own `source` labels when
 * every record has one (supervision the data already carries, instead of discovered tasks), and it is a softmax
 * over the groups (every prompt belongs to exactly one group) instead of the paper's per-task sigmoids with an ∅
 * threshold. Its probabilities weight the groups' shrunk mean scores in the local prior (./local-prior.ts):
 * Σ_g P(g | e)·Q̄_g(M), a soft Stage-1 prior. Cross-validated against the neighbour-vote estimate of P(g | e) in
 * bench/research/group.py and docs/training.md.
 *
 * Deliberate choices: λ = 1e-5 by default (the research scripts chose it by cross-fitted log-loss in 9 of 10 folds
 * on the two datasets measured; the iteration cap then acts as the main regularizer); a fixed iteration cap (100:
 * on llmrouter-dcrouter 5-fold CV the routed quality of Σ_g P(g | x)·Q̄_g was 65.92 / 65.98 / 66.00 % after 30 / 100 /
 * 300 scipy L-BFGS-B iterations) so training time is bounded; float32 matrix products with float64 softmax, loss
 * and optimizer state.
 */
import { matmul, matmulTransA, matmulTransB } from './kernels.js';

/** Options of {@link fitGroupClassifier}. */
export interface GroupClassifierOptions {
  /** L2 penalty λ on the weights (not the biases). @defaultValue 1e-5 */
  l2?: number;
  /** L-BFGS iterations (each one gradient plus line-search evaluations). @defaultValue 100 */
  iterations?: number;
  /** L-BFGS memory (correction pairs kept). @defaultValue 10 */
  memory?: number;
}

/** Defaults of {@link GroupClassifierOptions}. */
export const GROUP_CLASSIFIER_DEFAULTS = Object.freeze({ l2: 1e-5, iterations: 100, memory: 10 });

/** A fitted group classifier: logits = e·weight + bias. */
export interface GroupClassifier {
  dimension: number;
  groupCount: number;
  /** [D, G] row-major. */
  weight: Float32Array;
  /** [G]. */
  bias: Float32Array;
}

/**
 * Fits softmax regression of `groups[rows]` on `embeddings[rows]`.
 *
 * @param embeddings - row-major [n, D].
 * @param dimension - D.
 * @param groups - group id in [0, groupCount) per row of `embeddings`.
 * @param groupCount - G ≥ 1 (groups without rows get a very negative bias through the fit).
 * @param rows - the training rows.
 * @param options - see {@link GroupClassifierOptions}.
 * @returns the classifier.
 * @throws RangeError on mismatched sizes, no rows, a group id out of range or bad options.
 * @example
 * const clf = fitGroupClassifier(embeddings, 384, sourceIds, 16, trainRows);
 */
export function fitGroupClassifier(
  embeddings: Float32Array,
  dimension: number,
  groups: Int32Array,
  groupCount: number,
  rows: ArrayLike<number>,
  options: GroupClassifierOptions = {},
): GroupClassifier {
  const fn = 'fitGroupClassifier';
  const d = dimension;
  const n = embeddings.length / d;
  if (!Number.isInteger(d) || d < 1 || !Number.isInteger(n) || groups.length !== n)
    throw new RangeError(
      `${fn}: expected [n, D] embeddings and n groups, received ${embeddings.length} and ${groups.length} (D ${d})`,
    );
  if (!Number.isInteger(groupCount) || groupCount < 1)
    throw new RangeError(`${fn}: expected groupCount ≥ 1, received ${groupCount}`);
  const l2 = options.l2 ?? GROUP_CLASSIFIER_DEFAULTS.l2;
  const iterations = options.iterations ?? GROUP_CLASSIFIER_DEFAULTS.iterations;
  const memory = options.memory ?? GROUP_CLASSIFIER_DEFAULTS.memory;
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new RangeError(`${fn}: expected l2 ≥ 0, received ${l2}`);
  if (!(Number.isInteger(iterations) && iterations >= 0))
    throw new RangeError(`${fn}: expected integer iterations ≥ 0, received ${iterations}`);
  if (!(Number.isInteger(memory) && memory >= 1))
    throw new RangeError(`${fn}: expected integer memory ≥ 1, received ${memory}`);
  const r = rows.length;
  if (r < 1) throw new RangeError(`${fn}: expected at least one row, received 0`);
  const g = groupCount;
  const x = new Float32Array(r * d);
  const label = new Int32Array(r);
  for (let a = 0; a < r; a++) {
    const i = rows[a]!;
    if (!(Number.isInteger(i) && i >= 0 && i < n))
      throw new RangeError(`${fn}: expected row indices in [0, ${n}), received ${i}`);
    const c = groups[i]!;
    if (!(Number.isInteger(c) && c >= 0 && c < g))
      throw new RangeError(`${fn}: expected group ids in [0, ${g}), received ${c}`);
    x.set(embeddings.subarray(i * d, (i + 1) * d), a * d);
    label[a] = c;
  }
  const size = d * g + g;
  // θ holds Wᵀ ([G, D] row-major, so both products run their inner loop over D) and then the biases.
  const wt = new Float32Array(g * d);
  const z = new Float32Array(r * g);
  const resid = new Float32Array(r * g);
  const gwt = new Float32Array(g * d);
  // Loss and gradient at θ.
  const evaluate = (theta: Float64Array, grad: Float64Array): number => {
    for (let t = 0; t < d * g; t++) wt[t] = theta[t]!;
    matmulTransB(x, wt, z, r, d, g);
    let loss = 0;
    const gb = new Float64Array(g);
    for (let a = 0; a < r; a++) {
      const o = a * g;
      let max = -Infinity;
      for (let c = 0; c < g; c++) {
        const v = z[o + c]! + theta[d * g + c]!;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let c = 0; c < g; c++) sum += Math.exp(z[o + c]! + theta[d * g + c]! - max);
      const lse = max + Math.log(sum);
      loss += lse - (z[o + label[a]!]! + theta[d * g + label[a]!]!);
      for (let c = 0; c < g; c++) {
        const p = Math.exp(z[o + c]! + theta[d * g + c]! - lse);
        const rc = (p - (c === label[a] ? 1 : 0)) / r;
        resid[o + c] = rc;
        gb[c] += rc;
      }
    }
    matmulTransA(resid, x, gwt, r, g, d);
    let penalty = 0;
    for (let t = 0; t < d * g; t++) {
      penalty += theta[t]! * theta[t]!;
      grad[t] = gwt[t]! + l2 * theta[t]!;
    }
    for (let c = 0; c < g; c++) grad[d * g + c] = gb[c]!;
    return loss / r + 0.5 * l2 * penalty;
  };
  const theta = lbfgs(evaluate, new Float64Array(size), iterations, memory);
  const weight = new Float32Array(d * g);
  for (let c = 0; c < g; c++) for (let t = 0; t < d; t++) weight[t * g + c] = theta[c * d + t]!;
  const bias = Float32Array.from(theta.subarray(d * g));
  return { dimension: d, groupCount: g, weight, bias };
}

/**
 * Minimizes a smooth function with L-BFGS (two-loop recursion) and a backtracking Armijo line search; stops after
 * `iterations` steps, at a gradient below 1e-7 (max norm) or when the line search finds no decrease.
 */
function lbfgs(
  evaluate: (theta: Float64Array, grad: Float64Array) => number,
  start: Float64Array,
  iterations: number,
  memory: number,
): Float64Array {
  const size = start.length;
  let x = Float64Array.from(start);
  let grad = new Float64Array(size);
  let f = evaluate(x, grad);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(memory);
  const dir = new Float64Array(size);
  const next = new Float64Array(size);
  let nextGrad = new Float64Array(size);
  const dot = (a: Float64Array, b: Float64Array): number => {
    let v = 0;
    for (let t = 0; t < size; t++) v += a[t]! * b[t]!;
    return v;
  };
  for (let it = 0; it < iterations; it++) {
    let gmax = 0;
    for (let t = 0; t < size; t++) gmax = Math.max(gmax, Math.abs(grad[t]!));
    if (gmax < 1e-7) break;
    // Two-loop recursion: dir = −H·grad.
    for (let t = 0; t < size; t++) dir[t] = -grad[t]!;
    for (let j = s.length - 1; j >= 0; j--) {
      alpha[j] = rho[j]! * dot(s[j]!, dir);
      const yj = y[j]!;
      for (let t = 0; t < size; t++) dir[t] -= alpha[j]! * yj[t]!;
    }
    let scale: number;
    if (s.length > 0) {
      const last = s.length - 1;
      scale = dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!);
    } else {
      let norm = 0;
      for (let t = 0; t < size; t++) norm += grad[t]! * grad[t]!;
      scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
    }
    for (let t = 0; t < size; t++) dir[t] *= scale;
    for (let j = 0; j < s.length; j++) {
      const beta = rho[j]! * dot(y[j]!, dir);
      const sj = s[j]!;
      for (let t = 0; t < size; t++) dir[t] += (alpha[j]! - beta) * sj[t]!;
    }
    let slope = dot(grad, dir);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = 0;
      y.length = 0;
      rho.length = 0;
      for (let t = 0; t < size; t++) dir[t] = -grad[t]!;
      slope = dot(grad, dir);
    }
    let step = 1;
    let fNext = Number.NaN;
    let accepted = false;
    for (let tries = 0; tries < 30; tries++) {
      for (let t = 0; t < size; t++) next[t] = x[t]! + step * dir[t]!;
      fNext = evaluate(next, nextGrad);
      if (Number.isFinite(fNext) && fNext <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const sk = new Float64Array(size);
    const yk = new Float64Array(size);
    for (let t = 0; t < size; t++) {
      sk[t] = next[t]! - x[t]!;
      yk[t] = nextGrad[t]! - grad[t]!;
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const improvement = f - fNext;
    x = Float64Array.from(next);
    const swap = grad;
    grad = nextGrad;
    nextGrad = swap;
    f = fNext;
    if (improvement <= 1e-12 * Math.max(1, Math.abs(f))) break;
  }
  return x;
}

/**
 * Group probabilities P(g | e) of n prompts (what router.onnx computes with Gemm → Softmax).
 *
 * @param clf - a fitted classifier.
 * @param embeddings - row-major [n, D].
 * @param n - rows.
 * @returns [n, G] probabilities (rows sum to 1).
 * @throws RangeError when sizes disagree.
 * @example
 * const p = groupProbabilities(clf, testEmbeddings, testCount);
 */
export function groupProbabilities(clf: GroupClassifier, embeddings: Float32Array, n: number): Float32Array {
  const { dimension: d, groupCount: g } = clf;
  if (embeddings.length !== n * d)
    throw new RangeError(`groupProbabilities: expected ${n} × ${d} embeddings, received ${embeddings.length}`);
  if (clf.weight.length !== d * g || clf.bias.length !== g)
    throw new RangeError(
      `groupProbabilities: inconsistent classifier (${clf.weight.length} weights, ${clf.bias.length} biases for ${d} × ${g})`,
    );
  const z = matmul(embeddings, clf.weight, new Float32Array(n * g), n, d, g);
  const out = new Float32Array(n * g);
  for (let a = 0; a < n; a++) {
    const o = a * g;
    let max = -Infinity;
    for (let c = 0; c < g; c++) max = Math.max(max, z[o + c]! + clf.bias[c]!);
    let sum = 0;
    for (let c = 0; c < g; c++) sum += Math.exp(z[o + c]! + clf.bias[c]! - max);
    for (let c = 0; c < g; c++) out[o + c] = Math.exp(z[o + c]! + clf.bias[c]! - max) / sum;
  }
  return out;
}
