/**
 * Training of the MoE quality estimator (FineRouter, arXiv 2603.19415, Sect. 3.2.1–3.2.2, Appendix B).
 *
 * Architecture (./heads.ts): frozen prompt embedding e → trainable projection h = e·Wp + bp (width P);
 * an LLM embedding layer m_j (width E, default 512, as in Appendix B); one general adapter per model, a 2-layer
 * MLP on concat(h, m_j) (hidden H: paper 512, default 128 here, see docs/training.md); task adapters for each task's candidate models.
 *
 * Phase 1 (`trainGeneral`): projection + LLM embeddings + general adapters on all training prompts, masked MSE
 * against observed quality (a missing score is masked out, never treated as 0). AdamW, seeded shuffles, early
 * stopping on dev MSE with the best weights restored.
 * Phase 2 (`trainTaskAdapters`): the training set is relabelled by the classifier; everything from phase 1 is
 * frozen; each task's adapters train only on the prompts assigned to that task, masked MSE on its candidates.
 * Deviations (documented in docs/training.md):
 *   - a task adapter is the frozen general adapter of its model plus a residual MLP δ (hidden Ht) whose output
 *     layer starts at 0, so it starts equal to the general adapter (the paper's "initialize from") and can be
 *     narrower than 512;
 *   - the task adapter's input is h only: the LLM embedding half of concat(h, m_j) is constant in phase 2 and is
 *     exactly absorbed by the first-layer bias;
 *   - phase 2 early stopping is global (one dev MSE over all task-assigned dev prompts), not per task.
 */
import {
  activate,
  activateBackward,
  biasGrad,
  matmul,
  matmulTransA,
  matmulTransB,
  maskedMse,
  type Activation,
} from './kernels.js';
import { AdamW, createParam, type Param } from './optimizer.js';
import { EarlyStopping, minibatches, shuffledEpoch, shuffleInPlace, trainEpochs } from '../numeric/epochs.js';
import { createRandom, heNormal, xavierUniform, type Random } from './random.js';
import { addTaskResiduals, generalFromProjected, projectPrompts, type QualityHeads } from './heads.js';

/** Options of {@link trainGeneral} and {@link trainTaskAdapters}. */
export interface MoeOptions {
  /** Prompt projection width P. @defaultValue 256 */
  projection?: number;
  /** LLM embedding width E (paper: 512). @defaultValue 512 */
  llmEmbedding?: number;
  /** General adapter hidden width H (paper: 512; 128 here, see docs/training.md "Sizes"). @defaultValue 128 */
  hidden?: number;
  /** Task adapter hidden width Ht (paper: 512; smaller here, see docs/training.md "Sizes"). @defaultValue 32 */
  taskHidden?: number;
  /** Adapter activation. @defaultValue 'relu' */
  activation?: Activation;
  /** Maximum phase-1 epochs (paper: 10). @defaultValue 10 */
  epochs?: number;
  /** Maximum phase-2 epochs (paper: 10). @defaultValue 10 */
  taskEpochs?: number;
  /** Minibatch size. @defaultValue 64 */
  batchSize?: number;
  /** Phase-1 AdamW learning rate. @defaultValue 0.001 */
  learningRate?: number;
  /** Phase-2 AdamW learning rate. @defaultValue 0.001 */
  taskLearningRate?: number;
  /** AdamW decoupled weight decay. @defaultValue 0.01 */
  weightDecay?: number;
  /** Early-stopping patience in epochs. @defaultValue 2 */
  patience?: number;
  /** Seed of initialization and shuffles. @defaultValue 42 */
  seed?: number;
  /** Progress after each epoch: (phase, epoch, trainLoss, devLoss). */
  onEpoch?: (phase: 1 | 2, epoch: number, trainLoss: number, devLoss: number) => void;
}

/**
 * Defaults of {@link MoeOptions}.
 *
 * @example
 * trainRouter(records, embeddings, discovery, { encoder, moe: { ...MOE_DEFAULTS, hidden: 512 } }); // the paper's width
 */
export const MOE_DEFAULTS = Object.freeze({
  projection: 256,
  llmEmbedding: 512,
  hidden: 128,
  taskHidden: 32,
  activation: 'relu' as Activation,
  epochs: 10,
  taskEpochs: 10,
  batchSize: 64,
  learningRate: 1e-3,
  taskLearningRate: 1e-3,
  weightDecay: 0.01,
  patience: 2,
  seed: 42,
});

/** Training data of the quality estimator. */
export interface MoeData {
  /** Row-major [n, D] frozen prompt embeddings. */
  embeddings: Float32Array;
  dimension: number;
  /** Row-major [n, M] observed quality (value ignored where `mask` is 0). */
  scores: Float32Array;
  /** Row-major [n, M]: 1 where the score is observed. */
  mask: Uint8Array;
  modelCount: number;
  train: Int32Array;
  /** Dev rows for early stopping (may be empty: then the train rows are used). */
  dev: Int32Array;
}

/** Phase-1 result: exported-form weights without task adapters, and figures. */
export interface GeneralResult {
  heads: QualityHeads;
  devMse: number;
  epochs: number;
  bestEpoch: number;
  history: { train: number; dev: number }[];
}

/** Parameters of one bank of 2-layer heads sharing an input (Q heads, hidden Hh each). */
export interface Bank {
  q: number;
  hh: number;
  w1: Param;
  b1: Param;
  w2: Param;
  b2: Param;
}

function bankForward(
  bank: Bank,
  input: Float32Array,
  extraBias: Float32Array | null,
  a: Float32Array,
  g: Float32Array,
  out: Float32Array,
  rows: number,
  p: number,
  act: Activation,
): void {
  const qh = bank.q * bank.hh;
  matmul(input, bank.w1.value, a, rows, p, qh);
  const b1 = bank.b1.value;
  for (let r = 0; r < rows; r++) {
    const base = r * qh;
    if (extraBias) for (let c = 0; c < qh; c++) a[base + c] += b1[c] + extraBias[c];
    else for (let c = 0; c < qh; c++) a[base + c] += b1[c];
  }
  activate(act, a, g, rows * qh);
  const w2 = bank.w2.value;
  const b2 = bank.b2.value;
  const hh = bank.hh;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < bank.q; j++) {
      let s = b2[j];
      const gb = r * qh + j * hh;
      const wb = j * hh;
      for (let h = 0; h < hh; h++) s += g[gb + h] * w2[wb + h];
      out[r * bank.q + j] = s;
    }
  }
}

/** Accumulates bank gradients from dOut; writes dA (pre-activation gradient) into `da`; returns nothing. */
function bankBackward(
  bank: Bank,
  input: Float32Array,
  a: Float32Array,
  g: Float32Array,
  dOut: Float32Array,
  da: Float32Array,
  rows: number,
  p: number,
  act: Activation,
): void {
  const { q, hh } = bank;
  const qh = q * hh;
  const w2 = bank.w2.value;
  const dw2 = bank.w2.grad;
  const db2 = bank.b2.grad;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < q; j++) {
      const d = dOut[r * q + j];
      db2[j] += d;
      if (d === 0) {
        da.fill(0, r * qh + j * hh, r * qh + j * hh + hh);
        continue;
      }
      const gb = r * qh + j * hh;
      const wb = j * hh;
      for (let h = 0; h < hh; h++) {
        dw2[wb + h] += d * g[gb + h];
        da[gb + h] = d * w2[wb + h];
      }
    }
  }
  activateBackward(act, a, da, da, rows * qh);
  matmulTransA(input, da, bank.w1.grad, rows, p, qh, true);
  biasGrad(da, bank.b1.grad, rows, qh, true);
}

function newBank(
  prefix: string,
  q: number,
  p: number,
  hh: number,
  fanIn: number,
  rng: Random,
  zeroOutput: boolean,
): Bank {
  const w1 = heNormal(new Float32Array(p * q * hh), fanIn, rng);
  const w2 = new Float32Array(q * hh);
  if (!zeroOutput) xavierUniform(w2, hh, 1, rng);
  return {
    q,
    hh,
    w1: createParam(`${prefix}.w1`, w1, true),
    b1: createParam(`${prefix}.b1`, new Float32Array(q * hh), false),
    w2: createParam(`${prefix}.w2`, w2, true),
    b2: createParam(`${prefix}.b2`, new Float32Array(q), false),
  };
}

function checkData(fn: string, data: MoeData): void {
  const n = data.scores.length / data.modelCount;
  if (
    !Number.isInteger(n) ||
    data.mask.length !== data.scores.length ||
    data.embeddings.length !== n * data.dimension
  ) {
    throw new RangeError(
      `${fn}: expected embeddings [n, ${data.dimension}], scores and mask [n, ${data.modelCount}], received ${data.embeddings.length}, ${data.scores.length}, ${data.mask.length} values`,
    );
  }
  if (data.train.length === 0) throw new RangeError(`${fn}: expected at least one training row, received 0`);
  for (let i = 0; i < data.scores.length; i++) {
    if (data.mask[i] !== 0 && !Number.isFinite(data.scores[i]))
      throw new RangeError(`${fn}: observed score ${i} is not finite (${data.scores[i]})`);
  }
}

/**
 * The phase-1 network (projection, LLM embeddings, general adapters) with preallocated batch buffers.
 * Exposed for gradient checks; {@link trainGeneral} is the way to train it.
 */
export class GeneralNet {
  readonly d: number;
  readonly m: number;
  readonly p: number;
  readonly e: number;
  readonly hd: number;
  readonly act: Activation;
  readonly projW: Param;
  readonly projB: Param;
  readonly llm: Param;
  readonly w1e: Param;
  readonly bank: Bank;
  /** All trainable parameters. */
  readonly params: readonly Param[];
  private readonly capacity: number;
  private readonly hp: Float32Array;
  private readonly a: Float32Array;
  private readonly g: Float32Array;
  private readonly da: Float32Array;
  private readonly dOut: Float32Array;
  private readonly dhp: Float32Array;
  private readonly llmBias: Float32Array;
  private readonly colSums: Float32Array;
  /** Predictions of the last {@link GeneralNet.batchLoss}, [count, M]. */
  readonly out: Float32Array;

  /**
   * @param d - embedding dimension.
   * @param m - model count.
   * @param sizes - projection P, LLM embedding E, hidden H, activation.
   * @param capacity - largest batch.
   * @param rng - seeded initialization source.
   */
  constructor(
    d: number,
    m: number,
    sizes: { projection: number; llmEmbedding: number; hidden: number; activation: Activation },
    capacity: number,
    rng: Random,
  ) {
    const dims = {
      d,
      m,
      capacity,
      projection: sizes.projection,
      llmEmbedding: sizes.llmEmbedding,
      hidden: sizes.hidden,
    };
    for (const [k, v] of Object.entries(dims)) {
      if (!(Number.isInteger(v) && v >= 1))
        throw new RangeError(`GeneralNet: expected ${k} to be a positive integer, received ${String(v)}`);
    }
    if (sizes.activation !== 'relu' && sizes.activation !== 'gelu')
      throw new TypeError(`GeneralNet: expected activation 'relu' or 'gelu', received ${String(sizes.activation)}`);
    this.d = d;
    this.m = m;
    const p = (this.p = sizes.projection);
    const e = (this.e = sizes.llmEmbedding);
    const hd = (this.hd = sizes.hidden);
    this.act = sizes.activation;
    this.capacity = capacity;
    this.projW = createParam('moe.projWeight', xavierUniform(new Float32Array(d * p), d, p, rng), true);
    this.projB = createParam('moe.projBias', new Float32Array(p), false);
    const llm = new Float32Array(m * e);
    for (let i = 0; i < llm.length; i++) llm[i] = rng.normal() / Math.sqrt(e);
    this.llm = createParam('moe.llmEmbedding', llm, false);
    this.bank = newBank('moe.general', m, p, hd, p + e, rng, false);
    this.w1e = createParam('moe.general.w1llm', heNormal(new Float32Array(m * e * hd), p + e, rng), true);
    this.params = [this.projW, this.projB, this.llm, this.bank.w1, this.bank.b1, this.bank.w2, this.bank.b2, this.w1e];
    const mh = m * hd;
    this.hp = new Float32Array(capacity * p);
    this.a = new Float32Array(capacity * mh);
    this.g = new Float32Array(capacity * mh);
    this.da = new Float32Array(capacity * mh);
    this.out = new Float32Array(capacity * m);
    this.dOut = new Float32Array(capacity * m);
    this.dhp = new Float32Array(capacity * p);
    this.llmBias = new Float32Array(mh);
    this.colSums = new Float32Array(mh);
  }

  /** llmBias[j·H + h] = Σ_e m_j[e] · E_j[e, h] (the LLM-embedding half of concat(h, m_j) through layer 1). */
  private computeLlmBias(): void {
    const { m, e, hd } = this;
    for (let j = 0; j < m; j++) {
      matmul(
        this.llm.value.subarray(j * e, j * e + e),
        this.w1e.value.subarray(j * e * hd, (j + 1) * e * hd),
        this.llmBias.subarray(j * hd, j * hd + hd),
        1,
        e,
        hd,
      );
    }
  }

  /**
   * Forward (and optionally backward) on one batch: masked MSE of predictions vs targets. With `backward`, ADDS
   * the gradients into the parameters' `grad` (call `zeroGrad` first).
   *
   * @param x - [count, D] embeddings.
   * @param target - [count, M] scores.
   * @param tmask - [count, M] observed mask.
   * @param count - rows (≤ capacity).
   * @param backward - compute gradients.
   * @returns masked MSE and observed count.
   */
  batchLoss(
    x: Float32Array,
    target: Float32Array,
    tmask: Uint8Array,
    count: number,
    backward: boolean,
  ): { loss: number; count: number } {
    if (count > this.capacity)
      throw new RangeError(`GeneralNet.batchLoss: expected at most ${this.capacity} rows, received ${count}`);
    const { d, m, p, e, hd, act, bank, hp } = this;
    const mh = m * hd;
    this.computeLlmBias();
    matmul(x, this.projW.value, hp, count, d, p);
    for (let r = 0; r < count; r++) for (let c = 0; c < p; c++) hp[r * p + c] += this.projB.value[c];
    bankForward(bank, hp, this.llmBias, this.a, this.g, this.out, count, p, act);
    const r = maskedMse(this.out, target, tmask, count * m, backward ? this.dOut : undefined);
    if (!backward || r.count === 0) return r;
    bankBackward(bank, hp, this.a, this.g, this.dOut, this.da, count, p, act);
    // The LLM-embedding path: d(llmBias) = column sums of dA (= what bankBackward added to b1.grad this call).
    const colSums = this.colSums;
    biasGrad(this.da, colSums, count, mh);
    for (let j = 0; j < m; j++) {
      const mj = this.llm.value.subarray(j * e, j * e + e);
      const gj = colSums.subarray(j * hd, j * hd + hd);
      const ej = this.w1e.value.subarray(j * e * hd, (j + 1) * e * hd);
      matmulTransA(mj, gj, this.w1e.grad.subarray(j * e * hd, (j + 1) * e * hd), 1, e, hd, true);
      matmulTransB(gj, ej, this.llm.grad.subarray(j * e, j * e + e), 1, hd, e, true);
    }
    matmulTransB(this.da, bank.w1.value, this.dhp, count, mh, p);
    matmulTransA(x, this.dhp, this.projW.grad, count, d, p, true);
    biasGrad(this.dhp, this.projB.grad, count, p, true);
    return r;
  }

  /** The exported form of the general part (task tensors empty, T = 0). */
  exportHeads(taskHidden: number): QualityHeads {
    this.computeLlmBias();
    const { d, m, p, hd, bank } = this;
    const mh = m * hd;
    const b1 = new Float32Array(mh);
    for (let c = 0; c < mh; c++) b1[c] = bank.b1.value[c] + this.llmBias[c];
    return {
      dimension: d,
      projection: p,
      modelCount: m,
      hidden: hd,
      taskCount: 0,
      slots: 1,
      taskHidden,
      activation: this.act,
      projWeight: this.projW.value.slice(),
      projBias: this.projB.value.slice(),
      w1: bank.w1.value.slice(),
      b1,
      w2: bank.w2.value.slice(),
      b2: bank.b2.value.slice(),
      tw1: new Float32Array(p * taskHidden),
      tb1: new Float32Array(taskHidden),
      tw2: new Float32Array(taskHidden),
      tb2: new Float32Array(1),
      slotModels: new Float32Array(m),
    };
  }
}

/**
 * Phase 1: trains the prompt projection, the LLM embeddings and one general adapter per model on all training
 * rows (masked MSE, AdamW, early stopping on dev MSE). Pure: inputs are not modified.
 *
 * @param data - embeddings, scores, mask and split.
 * @param options - see {@link MoeOptions}.
 * @returns exported-form weights (task tensors empty: T = 0) and figures.
 * @throws RangeError on inconsistent sizes, no training rows or a non-finite observed score.
 * @example
 * const { heads } = trainGeneral({ embeddings, dimension: 384, scores, mask, modelCount: 9, train, dev });
 */
export function trainGeneral(data: MoeData, options: MoeOptions = {}): GeneralResult {
  checkData('trainGeneral', data);
  const o = { ...MOE_DEFAULTS, ...options };
  const { embeddings, dimension: d, scores, mask, modelCount: m } = data;
  const rng = createRandom(o.seed);
  const bs = Math.max(1, Math.min(o.batchSize, data.train.length));
  const net = new GeneralNet(d, m, o, bs, rng);
  // Start every output bias at the model's mean observed training score.
  for (let j = 0; j < m; j++) {
    let s = 0;
    let c = 0;
    for (const idx of data.train)
      if (mask[idx * m + j]) {
        s += scores[idx * m + j];
        c += 1;
      }
    net.bank.b2.value[j] = c > 0 ? s / c : 0;
  }
  const opt = new AdamW(net.params, { learningRate: o.learningRate, weightDecay: o.weightDecay });
  const stop = new EarlyStopping(net.params, o.patience);
  const x = new Float32Array(bs * d);
  const target = new Float32Array(bs * m);
  const tmask = new Uint8Array(bs * m);
  const load = (rows: Int32Array, from: number, count: number): void => {
    for (let r = 0; r < count; r++) {
      const idx = rows[from + r];
      x.set(embeddings.subarray(idx * d, idx * d + d), r * d);
      target.set(scores.subarray(idx * m, idx * m + m), r * m);
      tmask.set(mask.subarray(idx * m, idx * m + m), r * m);
    }
  };
  const evaluate = (rows: Int32Array): number => {
    let sse = 0;
    let cnt = 0;
    for (let from = 0; from < rows.length; from += bs) {
      const count = Math.min(bs, rows.length - from);
      load(rows, from, count);
      const r = net.batchLoss(x, target, tmask, count, false);
      sse += r.loss * r.count;
      cnt += r.count;
    }
    return cnt > 0 ? sse / cnt : 0;
  };

  const dev = data.dev.length > 0 ? data.dev : data.train;
  const order = Int32Array.from(data.train);
  const { epochs, history } = trainEpochs({
    epochs: o.epochs,
    stopping: stop,
    runEpoch: () =>
      shuffledEpoch(order, rng, bs, (rows, from, count) => {
        load(rows, from, count);
        opt.zeroGrad();
        const r = net.batchLoss(x, target, tmask, count, true);
        if (r.count === 0) return { loss: 0, weight: 0 };
        opt.step();
        return { loss: r.loss * r.count, weight: r.count };
      }),
    devLoss: () => evaluate(dev),
    onEpoch: (epoch, trainLoss, devLoss) => o.onEpoch?.(1, epoch, trainLoss, devLoss),
  });
  const heads = net.exportHeads(o.taskHidden);
  return { heads, devMse: stop.bestLoss, epochs, bestEpoch: stop.bestEpoch, history };
}

/** Result of {@link trainTaskAdapters}. */
export interface TaskAdapterResult {
  heads: QualityHeads;
  /** Dev MSE (all observed scores of task-assigned dev prompts) with the general adapters only. */
  devMseGeneral: number;
  /** The same with the task adapters. */
  devMseTask: number;
  epochs: number;
  bestEpoch: number;
}

/**
 * Phase 2: trains one residual task adapter per (task, candidate) on the prompts the classifier assigns to the
 * task, with the projection, LLM embeddings and general adapters frozen. Pure: `general` is not modified.
 *
 * @param general - phase-1 heads (taskCount 0).
 * @param data - the same data as phase 1.
 * @param assigned - task position per row from the classifier (0..T−1, T = Others).
 * @param candidates - per task, its candidate model indices (non-empty).
 * @param options - see {@link MoeOptions}.
 * @returns heads with the stacked task tensors, and dev figures.
 * @throws RangeError on inconsistent sizes or an empty candidate list.
 * @example
 * const { heads } = trainTaskAdapters(phase1.heads, data, assigned, [[0, 2], [1]]);
 */
export function trainTaskAdapters(
  general: QualityHeads,
  data: MoeData,
  assigned: Int32Array,
  candidates: readonly (readonly number[])[],
  options: MoeOptions = {},
): TaskAdapterResult {
  checkData('trainTaskAdapters', data);
  const o = { ...MOE_DEFAULTS, ...options };
  const { scores, mask, modelCount: m } = data;
  const n = assigned.length;
  const tc = candidates.length;
  const p = general.projection;
  const ht = o.taskHidden;
  const act = general.activation;
  if (n * m !== scores.length)
    throw new RangeError(`trainTaskAdapters: expected ${scores.length / m} task assignments, received ${n}`);
  for (let i = 0; i < n; i++)
    if (!(assigned[i] >= 0 && assigned[i] <= tc))
      throw new RangeError(`trainTaskAdapters: expected task positions in 0..${tc}, received ${assigned[i]} at ${i}`);
  candidates.forEach((list, t) => {
    if (list.length === 0) throw new RangeError(`trainTaskAdapters: task ${t} has no candidate models`);
    for (const j of list)
      if (!(Number.isInteger(j) && j >= 0 && j < m))
        throw new RangeError(`trainTaskAdapters: task ${t} candidate ${j} is not a model index`);
  });
  const k = Math.max(1, ...candidates.map((c) => c.length));
  const rng = createRandom(o.seed + 1);

  const hpAll = projectPrompts(general, data.embeddings, n);
  const base = generalFromProjected(general, hpAll, n);

  const members: Int32Array[] = [];
  const devMembers: Int32Array[] = [];
  const inTrain = new Uint8Array(n);
  for (const i of data.train) inTrain[i] = 1;
  const devRows = data.dev.length > 0 ? data.dev : data.train;
  {
    const tr: number[][] = candidates.map(() => []);
    const dv: number[][] = candidates.map(() => []);
    for (const i of data.train) if (assigned[i] < tc) tr[assigned[i]].push(i);
    for (const i of devRows) if (assigned[i] < tc) dv[assigned[i]].push(i);
    for (let t = 0; t < tc; t++) {
      members.push(Int32Array.from(tr[t]));
      devMembers.push(Int32Array.from(dv[t]));
    }
  }
  const banks = candidates.map((list, t) => newBank(`moe.task${t}`, list.length, p, ht, p, rng, true));
  const opts = banks.map(
    (b) => new AdamW([b.w1, b.b1, b.w2, b.b2], { learningRate: o.taskLearningRate, weightDecay: o.weightDecay }),
  );
  const all = banks.flatMap((b) => [b.w1, b.b1, b.w2, b.b2]);
  const stop = new EarlyStopping(all, o.patience);

  const bs = Math.max(1, o.batchSize);
  const x = new Float32Array(bs * p);
  const a = new Float32Array(bs * k * ht);
  const g = new Float32Array(bs * k * ht);
  const da = new Float32Array(bs * k * ht);
  const out = new Float32Array(bs * k);
  const target = new Float32Array(bs * k);
  const tmask = new Uint8Array(bs * k);
  const dOut = new Float32Array(bs * k);

  const load = (t: number, rows: Int32Array, from: number, count: number): void => {
    const list = candidates[t];
    const q = list.length;
    for (let r = 0; r < count; r++) {
      const idx = rows[from + r];
      x.set(hpAll.subarray(idx * p, idx * p + p), r * p);
      for (let s = 0; s < q; s++) {
        const j = list[s];
        const observed = mask[idx * m + j];
        tmask[r * q + s] = observed;
        target[r * q + s] = observed ? scores[idx * m + j] - base[idx * m + j] : 0;
      }
    }
  };
  const evaluate = (): { general: number; task: number } => {
    let sseTask = 0;
    let sseGeneral = 0;
    let cnt = 0;
    for (let t = 0; t < tc; t++) {
      const rows = devMembers[t];
      const q = candidates[t].length;
      for (let from = 0; from < rows.length; from += bs) {
        const count = Math.min(bs, rows.length - from);
        load(t, rows, from, count);
        bankForward(banks[t], x, null, a, g, out, count, p, act);
        const rTask = maskedMse(out, target, tmask, count * q);
        sseTask += rTask.loss * rTask.count;
        for (let i = 0; i < count * q; i++) if (tmask[i]) sseGeneral += target[i] * target[i];
      }
      // Non-candidate models of assigned dev prompts keep their general prediction: same error in both.
      for (const idx of rows) {
        for (let j = 0; j < m; j++) {
          if (!mask[idx * m + j]) continue;
          cnt += 1;
          if (!candidates[t].includes(j)) {
            const dlt = scores[idx * m + j] - base[idx * m + j];
            sseGeneral += dlt * dlt;
            sseTask += dlt * dlt;
          }
        }
      }
    }
    return cnt > 0 ? { general: sseGeneral / cnt, task: sseTask / cnt } : { general: 0, task: 0 };
  };

  const devGeneral = evaluate().general;
  const anyDev = devMembers.some((r) => r.length > 0);
  const { epochs } = trainEpochs({
    epochs: o.taskEpochs,
    ...(anyDev ? { stopping: stop } : {}),
    runEpoch: () => {
      let sse = 0;
      let cnt = 0;
      for (let t = 0; t < tc; t++) {
        const order = members[t];
        if (order.length === 0) continue;
        shuffleInPlace(order, rng);
        const q = candidates[t].length;
        const pass = minibatches(order, bs, (rows, from, count) => {
          load(t, rows, from, count);
          bankForward(banks[t], x, null, a, g, out, count, p, act);
          const r = maskedMse(out, target, tmask, count * q, dOut);
          if (r.count === 0) return { loss: 0, weight: 0 };
          opts[t].zeroGrad();
          bankBackward(banks[t], x, a, g, dOut, da, count, p, act);
          opts[t].step();
          return { loss: r.loss * r.count, weight: r.count };
        });
        sse += pass.loss;
        cnt += pass.weight;
      }
      return cnt > 0 ? sse / cnt : 0;
    },
    devLoss: () => evaluate().task,
    onEpoch: (epoch, trainLoss, devLoss) => o.onEpoch?.(2, epoch, trainLoss, devLoss),
  });
  const devTask = evaluate().task;

  // Stack into [T+1, …] tensors padded to K slots; row T (Others) stays zero.
  const kh = k * ht;
  const tw1 = new Float32Array((tc + 1) * p * kh);
  const tb1 = new Float32Array((tc + 1) * kh);
  const tw2 = new Float32Array((tc + 1) * kh);
  const tb2 = new Float32Array((tc + 1) * k);
  const slotModels = new Float32Array((tc + 1) * k * m);
  for (let t = 0; t < tc; t++) {
    const b = banks[t];
    const qh = b.q * ht;
    for (let row = 0; row < p; row++) tw1.set(b.w1.value.subarray(row * qh, row * qh + qh), (t * p + row) * kh);
    tb1.set(b.b1.value, t * kh);
    tw2.set(b.w2.value, t * kh);
    tb2.set(b.b2.value, t * k);
    candidates[t].forEach((j, s) => {
      slotModels[(t * k + s) * m + j] = 1;
    });
  }
  const heads: QualityHeads = { ...general, taskCount: tc, slots: k, taskHidden: ht, tw1, tb1, tw2, tb2, slotModels };
  return {
    heads,
    devMseGeneral: devGeneral,
    devMseTask: devTask,
    epochs,
    bestEpoch: anyDev ? stop.bestEpoch : epochs - 1,
  };
}

/**
 * Masked dev MSE of full router predictions (general + task adapters) on the given rows.
 *
 * @param heads - quality-head weights.
 * @param data - the data.
 * @param assigned - task position per row (0..T).
 * @param rows - row indices to score.
 * @returns mean squared error over observed scores (0 when none).
 */
export function qualityHeadMse(heads: QualityHeads, data: MoeData, assigned: Int32Array, rows: Int32Array): number {
  const { embeddings, dimension: d, scores, mask, modelCount: m } = data;
  const emb = new Float32Array(rows.length * d);
  const tasks = new Int32Array(rows.length);
  rows.forEach((idx, r) => {
    emb.set(embeddings.subarray(idx * d, idx * d + d), r * d);
    tasks[r] = assigned[idx];
  });
  const hp = projectPrompts(heads, emb, rows.length);
  const q = addTaskResiduals(heads, hp, tasks, generalFromProjected(heads, hp, rows.length), rows.length);
  let sse = 0;
  let cnt = 0;
  rows.forEach((idx, r) => {
    for (let j = 0; j < m; j++) {
      if (!mask[idx * m + j]) continue;
      const dlt = q[r * m + j] - scores[idx * m + j];
      sse += dlt * dlt;
      cnt += 1;
    }
  });
  return cnt > 0 ? sse / cnt : 0;
}

/** Result of {@link trainAddedModel}. */
export interface AddedModelResult {
  /** The heads with one more model (last column); every other output is bit-identical. */
  heads: QualityHeads;
  devMse: number;
  epochs: number;
}

/**
 * Trains a general adapter for one new model on frozen projected prompts (everything else frozen) and appends
 * it as the last model. Used by `finerouter add-model`: a small sample of the new model's scores suffices.
 *
 * @param heads - trained quality head (not modified).
 * @param embeddings - [n, D] embeddings of the sample prompts.
 * @param scores - [n] the new model's scores.
 * @param options - `hidden` is taken from `heads`; epochs, batchSize, learningRate, weightDecay, patience, seed apply.
 * @returns the extended heads and dev MSE on a seeded 10% split (the train rows when the sample is < 10).
 * @throws RangeError when sizes disagree, the sample is empty or a score is not finite.
 * @example
 * const { heads: extended } = trainAddedModel(heads, sampleEmbeddings, sampleScores);
 */
export function trainAddedModel(
  heads: QualityHeads,
  embeddings: Float32Array,
  scores: Float32Array,
  options: MoeOptions = {},
): AddedModelResult {
  const o = { ...MOE_DEFAULTS, ...options };
  const n = scores.length;
  if (n === 0) throw new RangeError('trainAddedModel: expected at least one scored prompt, received 0');
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(scores[i])) throw new RangeError(`trainAddedModel: score ${i} is not finite (${scores[i]})`);
  const { projection: p, hidden: hd, modelCount: m, activation: act } = heads;
  const hp = projectPrompts(heads, embeddings, n);
  const rng = createRandom(o.seed);
  const bank = newBank('added', 1, p, hd, p + o.llmEmbedding, rng, false);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[i];
  bank.b2.value[0] = mean / n;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffleInPlace(order, createRandom(o.seed + 7));
  const devCount = n >= 10 ? Math.floor(n / 10) : 0;
  const dev = devCount > 0 ? order.slice(0, devCount) : order.slice();
  const train = devCount > 0 ? order.slice(devCount) : order.slice();
  const params = [bank.w1, bank.b1, bank.w2, bank.b2];
  const opt = new AdamW(params, { learningRate: o.learningRate, weightDecay: o.weightDecay });
  const stop = new EarlyStopping(params, o.patience);
  const bs = Math.max(1, Math.min(o.batchSize, train.length));
  const x = new Float32Array(bs * p);
  const a = new Float32Array(bs * hd);
  const g = new Float32Array(bs * hd);
  const da = new Float32Array(bs * hd);
  const out = new Float32Array(bs);
  const target = new Float32Array(bs);
  const tmask = new Uint8Array(bs).fill(1);
  const dOut = new Float32Array(bs);
  const load = (rows: Int32Array, from: number, count: number): void => {
    for (let r = 0; r < count; r++) {
      const idx = rows[from + r];
      x.set(hp.subarray(idx * p, idx * p + p), r * p);
      target[r] = scores[idx];
    }
  };
  const evaluate = (): number => {
    let sse = 0;
    for (let from = 0; from < dev.length; from += bs) {
      const count = Math.min(bs, dev.length - from);
      load(dev, from, count);
      bankForward(bank, x, null, a, g, out, count, p, act);
      sse += maskedMse(out, target, tmask, count).loss * count;
    }
    return sse / dev.length;
  };
  const { epochs } = trainEpochs({
    epochs: o.epochs,
    stopping: stop,
    runEpoch: () =>
      shuffledEpoch(train, rng, bs, (rows, from, count) => {
        load(rows, from, count);
        bankForward(bank, x, null, a, g, out, count, p, act);
        const r = maskedMse(out, target, tmask, count, dOut);
        opt.zeroGrad();
        bankBackward(bank, x, a, g, dOut, da, count, p, act);
        opt.step();
        return { loss: r.loss * count, weight: count };
      }),
    devLoss: evaluate,
    onEpoch: (epoch, trainLoss, devLoss) => o.onEpoch?.(1, epoch, trainLoss, devLoss),
  });
  const m2 = m + 1;
  const w1 = new Float32Array(p * m2 * hd);
  for (let r = 0; r < p; r++) {
    w1.set(heads.w1.subarray(r * m * hd, (r + 1) * m * hd), r * m2 * hd);
    w1.set(bank.w1.value.subarray(r * hd, (r + 1) * hd), r * m2 * hd + m * hd);
  }
  const concat = (x0: Float32Array, x1: Float32Array): Float32Array => {
    const c = new Float32Array(x0.length + x1.length);
    c.set(x0);
    c.set(x1, x0.length);
    return c;
  };
  const rowsK = (heads.taskCount + 1) * heads.slots;
  const slotModels = new Float32Array(rowsK * m2);
  for (let r = 0; r < rowsK; r++) slotModels.set(heads.slotModels.subarray(r * m, (r + 1) * m), r * m2);
  return {
    heads: {
      ...heads,
      modelCount: m2,
      w1,
      b1: concat(heads.b1, bank.b1.value),
      w2: concat(heads.w2, bank.w2.value),
      b2: concat(heads.b2, bank.b2.value),
      slotModels,
    },
    devMse: stop.bestLoss,
    epochs,
  };
}
