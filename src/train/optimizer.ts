/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", Algorithm 2) with Adam's bias
 * correction (Kingma & Ba 2015), and early stopping on a dev loss that restores the best weights.
 *
 * Decoupled decay: θ ← θ − lr·(m̂ / (√v̂ + ε) + λ·θ); the decay is not added to the gradient and is applied
 * only to parameters marked `decay` (weights, not biases or embeddings), as PyTorch users usually configure it.
 */

/** A trainable tensor with its gradient and AdamW moments. */
export interface Param {
  readonly name: string;
  readonly value: Float32Array;
  readonly grad: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Whether weight decay applies. */
  readonly decay: boolean;
}

/**
 * Wraps a value buffer as a trainable parameter (moments and gradient zeroed).
 *
 * @param name - for diagnostics.
 * @param value - the weights (kept by reference and updated in place).
 * @param decay - apply weight decay.
 * @returns the parameter.
 * @example
 * const w = createParam('w', new Float32Array(4), true);
 */
export function createParam(name: string, value: Float32Array, decay: boolean): Param {
  const n = value.length;
  return { name, value, grad: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n), decay };
}

/** Options of {@link AdamW}. */
export interface AdamWOptions {
  /** Learning rate. @defaultValue 1e-3 */
  learningRate?: number;
  /** β1. @defaultValue 0.9 */
  beta1?: number;
  /** β2. @defaultValue 0.999 */
  beta2?: number;
  /** ε. @defaultValue 1e-8 */
  epsilon?: number;
  /** Decoupled weight decay λ. @defaultValue 0.01 */
  weightDecay?: number;
}

/** Defaults of {@link AdamWOptions} (PyTorch's AdamW defaults). */
export const ADAMW_DEFAULTS = Object.freeze({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 });

/** AdamW over a fixed list of parameters. */
export class AdamW {
  readonly params: readonly Param[];
  private readonly lr: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  private readonly wd: number;
  private t = 0;

  /**
   * @param params - parameters updated by {@link AdamW.step}.
   * @param options - hyper-parameters.
   * @throws RangeError on a non-positive learning rate or β outside [0, 1).
   * @example
   * const opt = new AdamW([w], { learningRate: 1e-3 }); opt.zeroGrad(); ...; opt.step();
   */
  constructor(params: readonly Param[], options: AdamWOptions = {}) {
    const o = { ...ADAMW_DEFAULTS, ...options };
    if (!(o.learningRate > 0)) throw new RangeError(`AdamW: expected learningRate > 0, received ${o.learningRate}`);
    if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1)) {
      throw new RangeError(`AdamW: expected betas in [0, 1), received ${o.beta1}, ${o.beta2}`);
    }
    if (!(o.weightDecay >= 0)) throw new RangeError(`AdamW: expected weightDecay ≥ 0, received ${o.weightDecay}`);
    this.params = params;
    this.lr = o.learningRate;
    this.b1 = o.beta1;
    this.b2 = o.beta2;
    this.eps = o.epsilon;
    this.wd = o.weightDecay;
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /** One AdamW update from the current gradients. */
  step(): void {
    this.t += 1;
    const c1 = 1 - Math.pow(this.b1, this.t);
    const c2 = 1 - Math.pow(this.b2, this.t);
    const { b1, b2, eps, lr } = this;
    for (const p of this.params) {
      const { value, grad, m, v } = p;
      const decay = p.decay ? lr * this.wd : 0;
      for (let i = 0; i < value.length; i++) {
        const g = grad[i];
        const mi = b1 * m[i] + (1 - b1) * g;
        const vi = b2 * v[i] + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        value[i] -= lr * (mi / c1) / (Math.sqrt(vi / c2) + eps) + decay * value[i];
      }
    }
  }
}

/** Tracks the best dev loss, snapshots the best weights and says when to stop. */
export class EarlyStopping {
  private readonly params: readonly Param[];
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly best: Float32Array[];
  private bad = 0;
  /** Best dev loss seen so far (Infinity before the first report). */
  bestLoss = Infinity;
  /** Epoch (0-based) of the best dev loss, −1 before the first report. */
  bestEpoch = -1;

  /**
   * @param params - parameters to snapshot and restore.
   * @param patience - epochs without improvement before stopping (≥ 1).
   * @param minDelta - smallest decrease that counts as an improvement.
   * @throws RangeError when patience < 1.
   * @example
   * const stop = new EarlyStopping(params, 3); if (stop.report(epoch, devLoss)) break; stop.restore();
   */
  constructor(params: readonly Param[], patience: number, minDelta = 0) {
    if (!Number.isInteger(patience) || patience < 1) throw new RangeError(`EarlyStopping: expected patience ≥ 1, received ${patience}`);
    this.params = params;
    this.patience = patience;
    this.minDelta = minDelta;
    this.best = params.map((p) => p.value.slice());
  }

  /**
   * Records the dev loss of an epoch; snapshots the weights when it is the best so far.
   * @returns true when training should stop.
   */
  report(epoch: number, loss: number): boolean {
    if (!Number.isFinite(loss)) throw new RangeError(`EarlyStopping: dev loss is not finite (${loss}); lower the learning rate`);
    if (loss < this.bestLoss - this.minDelta) {
      this.bestLoss = loss;
      this.bestEpoch = epoch;
      this.bad = 0;
      this.params.forEach((p, i) => this.best[i].set(p.value));
      return false;
    }
    this.bad += 1;
    return this.bad >= this.patience;
  }

  /** Copies the best snapshot back into the parameters. */
  restore(): void {
    this.params.forEach((p, i) => p.value.set(this.best[i]));
  }
}
