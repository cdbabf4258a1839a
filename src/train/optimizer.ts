/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", Algorithm 2) with Adam's bias
 * correction (Kingma & Ba 2015). Early stopping is in src/numeric/epochs.ts.
 *
 * Decoupled decay: θ ← θ − lr·(m̂ / (√v̂ + ε) + λ·θ); the decay is not added to the gradient and is applied
 * only to parameters marked `decay` (weights, not biases or embeddings), as PyTorch users usually configure it.
 */

/** Float storage of parameters: float32 for the exported heads, float64 for the evaluation baselines. */
export type FloatArray = Float32Array | Float64Array;

/** A trainable tensor with its gradient and AdamW moments. */
export interface Param<A extends FloatArray = Float32Array> {
  readonly name: string;
  readonly value: A;
  readonly grad: A;
  readonly m: A;
  readonly v: A;
  /** Whether weight decay applies. */
  readonly decay: boolean;
}

/**
 * Wraps a value buffer as a trainable parameter (moments and gradient zeroed, same array type).
 *
 * @param name - for diagnostics.
 * @param value - the weights (kept by reference and updated in place).
 * @param decay - apply weight decay.
 * @returns the parameter.
 * @example
 * const w = createParam('w', new Float32Array(4), true);
 */
export function createParam<A extends FloatArray>(name: string, value: A, decay: boolean): Param<A> {
  const make = (): A => new (value.constructor as new (n: number) => A)(value.length);
  return { name, value, grad: make(), m: make(), v: make(), decay };
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
export const ADAMW_DEFAULTS = Object.freeze({
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0.01,
});

/** AdamW over a fixed list of parameters. */
export class AdamW {
  readonly params: readonly Param<FloatArray>[];
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
  constructor(params: readonly Param<FloatArray>[], options: AdamWOptions = {}) {
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
        value[i] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps) + decay * value[i];
      }
    }
  }
}

// Early stopping lives with the shared epoch loop (src/numeric/epochs.ts); re-exported for the trainers.
export { EarlyStopping } from '../numeric/epochs.js';
