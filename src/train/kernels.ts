/**
 * Dense kernels for training the FineRouter heads on CPU (paper Sect. 3.1.2 and 3.2 train these layers
 * with PyTorch on GPUs; here they are plain TypeScript on Float32Array).
 *
 * Layout: every matrix is row-major. A linear layer stores its weight as `[in, out]`, so the forward pass
 * is `Y[n, out] = X[n, in] · W[in, out] + b[out]` and needs no transpose. The three products a linear layer
 * needs are:
 *   - {@link matmul}        C = A · B         (forward)        loop order i-k-j over blocks of four rows of C: the inner
 *                                                              loop streams a row of B into four rows of C;
 *   - {@link matmulTransA}  C = Aᵀ · B        (weight grad)    loop over the shared row index first, then the same
 *                                                              contiguous row update;
 *   - {@link matmulTransB}  C = A · Bᵀ        (input grad)     dot products of two contiguous rows.
 * Register blocking (4 rows, or 2×2 dot products) reuses each loaded value several times. bench/train.bench.mjs measures them against ml-matrix's `mmul`
 * (the design names ml-matrix); the typed-array kernel is faster there and stays on the hot path.
 *
 * Losses: {@link sigmoidBce} is the numerically stable BCE-with-logits (log(1 + e^{-|z|}) form) used for the
 * multi-label classifier; {@link maskedMse} is the MSE of Sect. 3.2.2 with a mask so that a missing score is
 * never treated as 0. Activations: ReLU and the tanh approximation of GELU (ONNX opset 17 has no Gelu op and
 * JavaScript has no erf, so the tanh form is the one both the TS forward pass and the ONNX graph compute exactly).
 *
 * Nothing here allocates per example: callers pass preallocated output buffers.
 *
 * Speed: products (all three) of at least 2^16 multiply-adds run in WebAssembly SIMD (./kernels-wasm.ts) with bit-identical
 * results (the same float64 operations and float32 roundings in the same order); the loops below are the
 * reference, the fallback without WebAssembly, and the path for small products.
 */

import { WASM_MIN_WORK, matmulTransAWasm, matmulTransBWasm, matmulWasm } from './kernels-wasm.js';

function checkSize(fn: string, name: string, array: ArrayLike<number>, need: number): void {
  if (array.length < need) {
    throw new RangeError(`${fn}: expected ${name} to hold at least ${need} values, received ${array.length}`);
  }
}

/**
 * C[m×n] = A[m×k] · B[k×n] (or C += A·B when `accumulate`). Row-major, i-k-j loop order.
 *
 * @param a - A, row-major m×k.
 * @param b - B, row-major k×n.
 * @param c - output C, row-major m×n (overwritten unless `accumulate`).
 * @param m - rows of A and C.
 * @param k - columns of A, rows of B.
 * @param n - columns of B and C.
 * @param accumulate - add into C instead of overwriting it.
 * @returns `c`.
 * @throws RangeError when a buffer is too small.
 * @example
 * matmul(new Float32Array([1, 2]), new Float32Array([3, 4]), new Float32Array(1), 1, 2, 1); // [11]
 */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  accumulate = false,
): Float32Array {
  checkSize('matmul', 'A', a, m * k);
  checkSize('matmul', 'B', b, k * n);
  checkSize('matmul', 'C', c, m * n);
  // Large products: the bit-identical WebAssembly SIMD kernel (./kernels-wasm.ts); this loop is the reference.
  if (m >= 4 && m * k * n >= WASM_MIN_WORK && matmulWasm(a, b, c, m, k, n, accumulate)) return c;
  if (!accumulate) c.fill(0, 0, m * n);
  let i = 0;
  // Four rows of C at a time: each loaded value of B feeds four multiply-adds.
  for (; i + 4 <= m; i += 4) {
    const c0 = i * n;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let p = 0; p < k; p++) {
      const v0 = a[a0 + p];
      const v1 = a[a1 + p];
      const v2 = a[a2 + p];
      const v3 = a[a3 + p];
      const bp = p * n;
      for (let j = 0; j < n; j++) {
        const bv = b[bp + j];
        c[c0 + j] += v0 * bv;
        c[c1 + j] += v1 * bv;
        c[c2 + j] += v2 * bv;
        c[c3 + j] += v3 * bv;
      }
    }
  }
  for (; i < m; i++) {
    const ci = i * n;
    const ai = i * k;
    for (let p = 0; p < k; p++) {
      const av = a[ai + p];
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
    }
  }
  return c;
}

/**
 * C[k×n] = Aᵀ · B where A is m×k and B is m×n (or C += Aᵀ·B when `accumulate`): the weight gradient
 * Xᵀ · dY of a linear layer.
 *
 * @param a - A, row-major m×k.
 * @param b - B, row-major m×n.
 * @param c - output, row-major k×n.
 * @param m - shared row count.
 * @param k - columns of A.
 * @param n - columns of B.
 * @param accumulate - add into C.
 * @returns `c`.
 * @throws RangeError when a buffer is too small.
 * @example
 * matmulTransA(new Float32Array([1, 2]), new Float32Array([3, 4]), new Float32Array(1), 2, 1, 1); // [11]
 */
export function matmulTransA(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  accumulate = false,
): Float32Array {
  checkSize('matmulTransA', 'A', a, m * k);
  checkSize('matmulTransA', 'B', b, m * n);
  checkSize('matmulTransA', 'C', c, k * n);
  if (m >= 4 && m * k * n >= WASM_MIN_WORK && matmulTransAWasm(a, b, c, m, k, n, accumulate)) return c;
  if (!accumulate) c.fill(0, 0, k * n);
  let r = 0;
  // Four shared rows at a time: each row of C is loaded once per four updates.
  for (; r + 4 <= m; r += 4) {
    const a0 = r * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    const b0 = r * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    for (let p = 0; p < k; p++) {
      const v0 = a[a0 + p];
      const v1 = a[a1 + p];
      const v2 = a[a2 + p];
      const v3 = a[a3 + p];
      const cp = p * n;
      for (let j = 0; j < n; j++) {
        c[cp + j] += v0 * b[b0 + j] + v1 * b[b1 + j] + v2 * b[b2 + j] + v3 * b[b3 + j];
      }
    }
  }
  for (; r < m; r++) {
    const ar = r * k;
    const br = r * n;
    for (let p = 0; p < k; p++) {
      const av = a[ar + p];
      const cp = p * n;
      for (let j = 0; j < n; j++) c[cp + j] += av * b[br + j];
    }
  }
  return c;
}

/**
 * C[m×n] = A · Bᵀ where A is m×k and B is n×k (or C += A·Bᵀ when `accumulate`): the input gradient
 * dY · Wᵀ of a linear layer.
 *
 * @param a - A, row-major m×k.
 * @param b - B, row-major n×k.
 * @param c - output, row-major m×n.
 * @param m - rows of A.
 * @param k - shared column count.
 * @param n - rows of B.
 * @param accumulate - add into C.
 * @returns `c`.
 * @throws RangeError when a buffer is too small.
 * @example
 * matmulTransB(new Float32Array([1, 2]), new Float32Array([3, 4]), new Float32Array(1), 1, 2, 1); // [11]
 */
export function matmulTransB(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  accumulate = false,
): Float32Array {
  checkSize('matmulTransB', 'A', a, m * k);
  checkSize('matmulTransB', 'B', b, n * k);
  checkSize('matmulTransB', 'C', c, m * n);
  if (m >= 4 && m * k * n >= WASM_MIN_WORK && matmulTransBWasm(a, b, c, m, k, n, accumulate)) return c;
  let i = 0;
  // 2×2 blocks of C: four dot products share each pair of loaded rows.
  for (; i + 2 <= m; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    const r0 = i * n;
    const r1 = r0 + n;
    let j = 0;
    for (; j + 2 <= n; j += 2) {
      const b0 = j * k;
      const b1 = b0 + k;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p];
        const x1 = a[a1 + p];
        const y0 = b[b0 + p];
        const y1 = b[b1 + p];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      c[r0 + j] = (accumulate ? c[r0 + j] : 0) + s00;
      c[r0 + j + 1] = (accumulate ? c[r0 + j + 1] : 0) + s01;
      c[r1 + j] = (accumulate ? c[r1 + j] : 0) + s10;
      c[r1 + j + 1] = (accumulate ? c[r1 + j + 1] : 0) + s11;
    }
    for (; j < n; j++) {
      const b0 = j * k;
      let s0 = 0;
      let s1 = 0;
      for (let p = 0; p < k; p++) {
        s0 += a[a0 + p] * b[b0 + p];
        s1 += a[a1 + p] * b[b0 + p];
      }
      c[r0 + j] = (accumulate ? c[r0 + j] : 0) + s0;
      c[r1 + j] = (accumulate ? c[r1 + j] : 0) + s1;
    }
  }
  for (; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
      c[i * n + j] = (accumulate ? c[i * n + j] : 0) + s;
    }
  }
  return c;
}

/**
 * Adds `bias[n]` to every row of `y[m×n]` in place.
 *
 * @param y - row-major m×n, modified.
 * @param bias - length n.
 * @param m - rows.
 * @param n - columns.
 * @returns `y`.
 * @throws RangeError when a buffer is too small.
 * @example
 * addBias(new Float32Array([1, 2]), new Float32Array([10, 20]), 1, 2); // [11, 22]
 */
export function addBias(y: Float32Array, bias: Float32Array, m: number, n: number): Float32Array {
  checkSize('addBias', 'y', y, m * n);
  checkSize('addBias', 'bias', bias, n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) y[row + j] += bias[j];
  }
  return y;
}

/**
 * Bias gradient: column sums of `dy[m×n]` written (or added) into `grad[n]`.
 *
 * @param dy - row-major m×n upstream gradient.
 * @param grad - length n output.
 * @param m - rows.
 * @param n - columns.
 * @param accumulate - add into `grad`.
 * @returns `grad`.
 * @throws RangeError when a buffer is too small.
 * @example
 * biasGrad(new Float32Array([1, 2, 3, 4]), new Float32Array(2), 2, 2); // [4, 6]
 */
export function biasGrad(dy: Float32Array, grad: Float32Array, m: number, n: number, accumulate = false): Float32Array {
  checkSize('biasGrad', 'dy', dy, m * n);
  checkSize('biasGrad', 'grad', grad, n);
  if (!accumulate) grad.fill(0, 0, n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) grad[j] += dy[row + j];
  }
  return grad;
}

/** Activation functions of the adapters. `gelu` is the tanh approximation (see the file header). */
export type Activation = 'relu' | 'gelu';

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * Applies an activation: `out[i] = f(x[i])` for the first `length` values (`out` may be `x`).
 *
 * @param kind - 'relu' or 'gelu' (tanh approximation).
 * @param x - pre-activations.
 * @param out - output buffer.
 * @param length - number of values.
 * @returns `out`.
 * @throws RangeError when a buffer is too small.
 * @example
 * activate('relu', new Float32Array([-1, 2]), new Float32Array(2), 2); // [0, 2]
 */
export function activate(kind: Activation, x: Float32Array, out: Float32Array, length: number): Float32Array {
  checkSize('activate', 'x', x, length);
  checkSize('activate', 'out', out, length);
  if (kind === 'relu') {
    for (let i = 0; i < length; i++) {
      const v = x[i];
      out[i] = v > 0 ? v : 0;
    }
  } else {
    for (let i = 0; i < length; i++) {
      const v = x[i];
      out[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + GELU_A * v * v * v)));
    }
  }
  return out;
}

/**
 * Backward of {@link activate}: `dx[i] = dy[i] · f'(x[i])` where `x` are the pre-activations (`dx` may be `dy`).
 *
 * @param kind - 'relu' or 'gelu'.
 * @param x - pre-activations saved from the forward pass.
 * @param dy - upstream gradient.
 * @param dx - output buffer.
 * @param length - number of values.
 * @returns `dx`.
 * @throws RangeError when a buffer is too small.
 * @example
 * activateBackward('relu', new Float32Array([-1, 2]), new Float32Array([5, 5]), new Float32Array(2), 2); // [0, 5]
 */
export function activateBackward(
  kind: Activation,
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  length: number,
): Float32Array {
  checkSize('activateBackward', 'x', x, length);
  checkSize('activateBackward', 'dy', dy, length);
  checkSize('activateBackward', 'dx', dx, length);
  if (kind === 'relu') {
    for (let i = 0; i < length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
  } else {
    for (let i = 0; i < length; i++) {
      const v = x[i];
      const u = GELU_C * (v + GELU_A * v * v * v);
      const t = Math.tanh(u);
      const du = GELU_C * (1 + 3 * GELU_A * v * v);
      dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
    }
  }
  return dx;
}

/**
 * Logistic sigmoid of one value, stable for large |z|.
 *
 * @param z - logit.
 * @returns 1 / (1 + e^{-z}).
 * @example
 * sigmoid(0); // 0.5
 */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Binary cross-entropy with logits, summed over `length` entries and divided by `denominator`; writes
 * d(loss)/d(logit) = (σ(z) − y) / denominator into `grad` when given.
 *
 * @param logits - z values.
 * @param targets - y values in [0, 1].
 * @param length - number of entries.
 * @param denominator - normalizer (e.g. batch size × classes).
 * @param grad - optional gradient output.
 * @returns the loss.
 * @throws RangeError when a buffer is too small or `denominator` ≤ 0.
 * @example
 * sigmoidBce(new Float32Array([0]), new Float32Array([1]), 1, 1); // ln 2
 */
export function sigmoidBce(
  logits: Float32Array,
  targets: Float32Array,
  length: number,
  denominator: number,
  grad?: Float32Array,
): number {
  checkSize('sigmoidBce', 'logits', logits, length);
  checkSize('sigmoidBce', 'targets', targets, length);
  if (!(denominator > 0)) throw new RangeError(`sigmoidBce: expected denominator > 0, received ${denominator}`);
  if (grad) checkSize('sigmoidBce', 'grad', grad, length);
  let loss = 0;
  for (let i = 0; i < length; i++) {
    const z = logits[i];
    const y = targets[i];
    // log(1 + e^z) − y z, computed without overflow.
    loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    if (grad) grad[i] = (sigmoid(z) - y) / denominator;
  }
  return loss / denominator;
}

/**
 * Masked mean squared error: Σ mask·(pred − target)² / Σ mask. Entries with mask 0 (missing scores) add
 * nothing to the loss and get a zero gradient. Writes d(loss)/d(pred) into `grad` when given. Returns 0
 * (and a zero gradient) when no entry is observed.
 *
 * @param pred - predictions.
 * @param target - targets (ignored where masked).
 * @param mask - 1 where observed, 0 where missing.
 * @param length - number of entries.
 * @param grad - optional gradient output.
 * @returns `{ loss, count }` where count is the number of observed entries.
 * @throws RangeError when a buffer is too small.
 * @example
 * maskedMse(new Float32Array([1, 5]), new Float32Array([0, 0]), new Uint8Array([1, 0]), 2).loss; // 1
 */
export function maskedMse(
  pred: Float32Array,
  target: Float32Array,
  mask: Uint8Array,
  length: number,
  grad?: Float32Array,
): { loss: number; count: number } {
  checkSize('maskedMse', 'pred', pred, length);
  checkSize('maskedMse', 'target', target, length);
  checkSize('maskedMse', 'mask', mask, length);
  if (grad) checkSize('maskedMse', 'grad', grad, length);
  let count = 0;
  for (let i = 0; i < length; i++) count += mask[i] !== 0 ? 1 : 0;
  let loss = 0;
  const scale = count > 0 ? 2 / count : 0;
  for (let i = 0; i < length; i++) {
    if (mask[i] !== 0) {
      const d = pred[i] - target[i];
      loss += d * d;
      if (grad) grad[i] = scale * d;
    } else if (grad) {
      grad[i] = 0;
    }
  }
  return { loss: count > 0 ? loss / count : 0, count };
}
