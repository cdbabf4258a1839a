/**
 * Training of the task type classifier (FineRouter, arXiv 2603.19415, Sect. 3.1.2 and Appendix C).
 *
 * Model: bilinear matching between a trainable projection of the FROZEN prompt embedding and trainable task
 * encodings (./heads.ts). The paper fine-tunes a stella_en_400M_v5 encoder; here the encoder is frozen and only
 * W, b, U, c train (docs/training.md).
 *
 * Initialization: W = s·I, b = 0 (s = `initScale`), u_t = the task's description embedding (or its discovery
 * center), c_t = −s/2, so the first logits are s·(cos(e, u_t) − ½): a prompt starts closest to the task whose
 * description it resembles.
 *
 * Loss: multi-label BCE with logits, summed over tasks and averaged over the batch. Target: 1 for the prompt's
 * discovered task, 0 for every other task; an Others prompt has all-zero targets (it teaches the model to stay
 * below the threshold). Choice: neighbours' tasks are NOT soft positives: discovery's assignment is a hard
 * partition and soft neighbours would blur the ∅ decision the threshold is tuned on.
 *
 * Threshold: predicted task = arg-max probability if it is ≥ θ, else ∅ (Others). θ is picked on the dev split
 * from a grid (0.05 … 0.95, step 0.01) to maximize macro-F1 over the T + 1 classes (Others included); ties go
 * to the lower θ. Early stopping: dev BCE, patience epochs, best weights restored.
 */
import { AdamW, createParam, type Param } from './optimizer.js';
import { EarlyStopping, shuffledEpoch, trainEpochs } from '../numeric/epochs.js';
import { macroF1 } from '../numeric/f1.js';
import { gatherRows } from '../numeric/rows.js';
import { addBias, biasGrad, matmul, matmulTransA, matmulTransB, sigmoidBce } from './kernels.js';
import { createRandom } from './random.js';
import { assignTasks, classifierForward, type ClassifierHeads } from './heads.js';

/** Options of {@link trainClassifier}. */
export interface ClassifierOptions {
  /** Maximum epochs (paper: 10). @defaultValue 10 */
  epochs?: number;
  /** Minibatch size. @defaultValue 64 */
  batchSize?: number;
  /** AdamW learning rate. @defaultValue 0.001 */
  learningRate?: number;
  /** AdamW decoupled weight decay. @defaultValue 0.0001 */
  weightDecay?: number;
  /** Early-stopping patience in epochs. @defaultValue 2 */
  patience?: number;
  /** Initial scale s of the projection (W = s·I). @defaultValue 10 */
  initScale?: number;
  /** Seed for shuffling. @defaultValue 42 */
  seed?: number;
  /** Progress after each epoch. */
  onEpoch?: (epoch: number, trainLoss: number, devLoss: number) => void;
}

/**
 * Defaults of {@link ClassifierOptions}.
 *
 * @example
 * trainRouter(records, embeddings, discovery, { encoder, classifier: { ...CLASSIFIER_DEFAULTS, epochs: 20 } });
 */
export const CLASSIFIER_DEFAULTS = Object.freeze({
  epochs: 10,
  batchSize: 64,
  learningRate: 1e-3,
  weightDecay: 1e-4,
  patience: 2,
  initScale: 10,
  seed: 42,
});

/** Data of {@link trainClassifier}. */
export interface ClassifierData {
  /** Row-major [n, D] prompt embeddings. */
  embeddings: Float32Array;
  dimension: number;
  /** Task position per prompt, 0..T−1, or −1 for Others. */
  labels: Int32Array;
  taskCount: number;
  /** Row-major [T, D] initial task encodings (description embeddings or centers). */
  taskInit: Float32Array;
  /** Indices of training prompts. */
  train: Int32Array;
  /** Indices of dev prompts (early stopping and threshold); may be empty (then the train set is used). */
  dev: Int32Array;
}

/** Result of {@link trainClassifier}. */
export interface ClassifierResult {
  heads: ClassifierHeads;
  threshold: number;
  /** Macro-F1 (T + 1 classes) on the dev split at the chosen threshold. */
  devMacroF1: number;
  epochs: number;
  bestEpoch: number;
  history: { train: number; dev: number }[];
}

/**
 * Picks the assignment threshold that maximizes macro-F1 (Others included) on labelled data.
 *
 * @param probs - [n, T] probabilities.
 * @param n - rows.
 * @param taskCount - T.
 * @param truth - true task position per row, 0..T−1, or −1 / T for Others.
 * @returns the threshold and its macro-F1.
 * @throws RangeError when sizes disagree.
 * @example
 * selectThreshold(new Float32Array([0.9, 0.3]), 2, 1, Int32Array.of(0, -1)); // { threshold: 0.31, macroF1: 1 }
 */
export function selectThreshold(
  probs: Float32Array,
  n: number,
  taskCount: number,
  truth: ArrayLike<number>,
): { threshold: number; macroF1: number } {
  if (probs.length !== n * taskCount || truth.length !== n) {
    throw new RangeError(
      `selectThreshold: expected ${n}×${taskCount} probabilities and ${n} labels, received ${probs.length} and ${truth.length}`,
    );
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = truth[i] < 0 ? taskCount : truth[i];
  let best = { threshold: 0.5, macroF1: -1 };
  for (let g = 5; g <= 95; g++) {
    const threshold = g / 100;
    const pred = assignTasks(probs, n, taskCount, threshold);
    const f1 = macroF1(labels, pred);
    if (f1 > best.macroF1 + 1e-12) best = { threshold, macroF1: f1 };
  }
  return best;
}

/**
 * The classifier network over shared weight buffers, with preallocated batch buffers. Exposed for gradient
 * checks; {@link trainClassifier} is the way to train it.
 */
export class ClassifierNet {
  readonly heads: ClassifierHeads;
  readonly capacity: number;
  readonly params: readonly Param[];
  private readonly z: Float32Array;
  private readonly dz: Float32Array;
  private readonly dLogits: Float32Array;
  /** Logits of the last {@link ClassifierNet.batchLoss}, [count, T]. */
  readonly logits: Float32Array;

  /**
   * @param heads - weights, trained in place.
   * @param capacity - largest batch.
   */
  constructor(heads: ClassifierHeads, capacity: number) {
    const { dimension: d, taskCount: tc } = heads;
    this.heads = heads;
    this.capacity = capacity;
    this.params = [
      createParam('classifier.weight', heads.weight, true),
      createParam('classifier.bias', heads.bias, false),
      createParam('classifier.taskEncodings', heads.taskEncodings, true),
      createParam('classifier.taskBias', heads.taskBias, false),
    ];
    this.z = new Float32Array(capacity * d);
    this.dz = new Float32Array(capacity * d);
    this.logits = new Float32Array(capacity * tc);
    this.dLogits = new Float32Array(capacity * tc);
  }

  /**
   * BCE (summed over tasks, averaged over rows) of one batch; with `backward`, ADDS gradients into the
   * parameters' `grad`.
   *
   * @param x - [count, D] embeddings.
   * @param targets - [count, T] 0/1 targets.
   * @param count - rows (≤ capacity).
   * @param backward - compute gradients.
   * @returns the loss.
   */
  batchLoss(x: Float32Array, targets: Float32Array, count: number, backward: boolean): number {
    if (count > this.capacity)
      throw new RangeError(`ClassifierNet.batchLoss: expected at most ${this.capacity} rows, received ${count}`);
    const { dimension: d, taskCount: tc, weight, bias, taskEncodings, taskBias } = this.heads;
    const { z, logits, dLogits, dz } = this;
    const [pW, pB, pU, pC] = this.params;
    addBias(matmul(x, weight, z, count, d, d), bias, count, d);
    addBias(matmul(z, taskEncodings, logits, count, d, tc), taskBias, count, tc);
    const loss = sigmoidBce(logits, targets, count * tc, count, backward ? dLogits : undefined);
    if (!backward) return loss;
    matmulTransA(z, dLogits, pU.grad, count, d, tc, true);
    biasGrad(dLogits, pC.grad, count, tc, true);
    matmulTransB(dLogits, taskEncodings, dz, count, tc, d);
    matmulTransA(x, dz, pW.grad, count, d, d, true);
    biasGrad(dz, pB.grad, count, d, true);
    return loss;
  }
}

/**
 * Trains the bilinear task classifier on frozen embeddings (seeded, AdamW, early stopping on dev BCE) and picks
 * the ∅ threshold on the dev split. Pure: inputs are not modified.
 *
 * @param data - embeddings, labels, task initializations and the split.
 * @param options - see {@link ClassifierOptions}.
 * @returns exported-form weights, threshold and training history.
 * @throws RangeError on inconsistent sizes or no training rows.
 * @example
 * const { heads, threshold } = trainClassifier({ embeddings, dimension: 384, labels, taskCount, taskInit, train, dev });
 */
export function trainClassifier(data: ClassifierData, options: ClassifierOptions = {}): ClassifierResult {
  const o = { ...CLASSIFIER_DEFAULTS, ...options };
  const { embeddings, dimension: d, labels, taskCount: tc, taskInit } = data;
  const n = labels.length;
  if (embeddings.length !== n * d)
    throw new RangeError(`trainClassifier: expected ${n}×${d} embeddings, received ${embeddings.length}`);
  if (tc < 1) throw new RangeError(`trainClassifier: expected at least one task, received ${tc}`);
  if (taskInit.length !== tc * d)
    throw new RangeError(`trainClassifier: expected ${tc}×${d} task initializations, received ${taskInit.length}`);
  if (data.train.length === 0) throw new RangeError('trainClassifier: expected at least one training row, received 0');
  for (let i = 0; i < n; i++) {
    if (!(labels[i] >= -1 && labels[i] < tc))
      throw new RangeError(`trainClassifier: expected labels in −1..${tc - 1}, received ${labels[i]} at ${i}`);
  }
  const dev = data.dev.length > 0 ? data.dev : data.train;

  const weight = new Float32Array(d * d);
  for (let i = 0; i < d; i++) weight[i * d + i] = o.initScale;
  const bias = new Float32Array(d);
  const taskEncodings = new Float32Array(d * tc);
  for (let t = 0; t < tc; t++) for (let i = 0; i < d; i++) taskEncodings[i * tc + t] = taskInit[t * d + i];
  const taskBias = new Float32Array(tc).fill(-o.initScale / 2);
  const heads: ClassifierHeads = { dimension: d, taskCount: tc, weight, bias, taskEncodings, taskBias };

  const net = new ClassifierNet(heads, Math.max(1, Math.min(o.batchSize, data.train.length)));
  const opt = new AdamW(net.params, { learningRate: o.learningRate, weightDecay: o.weightDecay });
  const stop = new EarlyStopping(net.params, o.patience);
  const rng = createRandom(o.seed);
  const bs = net.capacity;
  const x = new Float32Array(bs * d);
  const targets = new Float32Array(bs * tc);
  const order = Int32Array.from(data.train);
  const load = (rows: Int32Array, from: number, count: number): void => {
    targets.fill(0, 0, count * tc);
    for (let r = 0; r < count; r++) {
      const idx = rows[from + r];
      x.set(embeddings.subarray(idx * d, idx * d + d), r * d);
      if (labels[idx] >= 0) targets[r * tc + labels[idx]] = 1;
    }
  };
  const evaluate = (rows: Int32Array): number => {
    let total = 0;
    for (let from = 0; from < rows.length; from += bs) {
      const count = Math.min(bs, rows.length - from);
      load(rows, from, count);
      total += net.batchLoss(x, targets, count, false) * count;
    }
    return total / rows.length;
  };

  const { epochs, history } = trainEpochs({
    epochs: o.epochs,
    stopping: stop,
    runEpoch: () =>
      shuffledEpoch(order, rng, bs, (rows, from, count) => {
        load(rows, from, count);
        opt.zeroGrad();
        const loss = net.batchLoss(x, targets, count, true) * count;
        opt.step();
        return { loss, weight: count };
      }),
    devLoss: () => evaluate(dev),
    ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
  });

  const devEmb = gatherRows(embeddings, d, dev);
  const devProbs = classifierForward(heads, devEmb, dev.length);
  const devTruth = new Int32Array(dev.length);
  for (let i = 0; i < dev.length; i++) devTruth[i] = labels[dev[i]];
  const { threshold, macroF1: devMacroF1 } = selectThreshold(devProbs, dev.length, tc, devTruth);
  return { heads, threshold, devMacroF1, epochs, bestEpoch: stop.bestEpoch, history };
}
