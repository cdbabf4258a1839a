/**
 * Typed-array RBO kernel for task discovery's hot loop (FineRouter, arXiv 2603.19415, Sect. 3.1.1:
 * an RBO score for every candidate kNN edge between prompts, over rankings of the same model set).
 *
 * Same measure as `rankBiasedOverlap(...).ext` (Webber, Moffat & Zobel 2010, Eq. 32, with the
 * Sect. 4.4 tie agreement 2·X_d / (|S_:d| + |T_:d|)); both call `extFromCounts`, so the kernel's
 * value is bit-identical to the object API's `ext`. Only `ext` is offered: it is the value the
 * discovery graph filters on.
 *
 * Encoding of a ranking over model indices 0..M−1 (M = modelCount), `stride` = 1 + 2M Int32 slots:
 *   [0]            n, the number of ranked models (1..M)
 *   [1 + m]        0-based position where model m's tie group starts, or −1 when m is not ranked
 *   [1 + M + d−1]  |S_:d|, the number of models entered by depth d, for d = 1..n (0 after n)
 * `ext` then costs O(M + n) with no allocation: one pass over models builds the histogram of
 * "depth at which a shared model has entered both lists", one pass over depths sums agreements.
 */
import { extFromCounts, resolvePersistence } from './rbo.js';
import type { RboOptions } from './rbo.js';
import { describeValue, flattenRanking } from './ranking.js';
import type { RankedList } from './ranking.js';

/** A reusable RBO evaluator over rankings of a fixed model set; see {@link createRboKernel}. */
export interface RboKernel {
  /** Number of models M; items of encoded rankings are integers 0..M−1. */
  readonly modelCount: number;
  /** Persistence used by {@link RboKernel.ext}. */
  readonly p: number;
  /** Int32 slots per encoded ranking: 1 + 2·modelCount. */
  readonly stride: number;
  /**
   * Encodes one ranking of model indices (tie groups allowed; models may be missing).
   * @throws TypeError / RangeError for an invalid ranking (see {@link RboKernel.encodeInto}).
   */
  encode(ranking: RankedList<number>): Int32Array;
  /**
   * Encodes one ranking into `target[offset .. offset + stride)`.
   * @throws TypeError when `ranking` is not a ranked list or `target` not an Int32Array.
   * @throws RangeError when the ranking is empty, repeats a model, holds a model index that is not an
   *   integer in [0, modelCount), or does not fit in `target` at `offset`.
   */
  encodeInto(ranking: RankedList<number>, target: Int32Array, offset?: number): void;
  /** Encodes many rankings back to back: ranking i occupies `[i·stride, (i + 1)·stride)`. */
  encodeAll(rankings: readonly RankedList<number>[]): Int32Array;
  /**
   * Extrapolated RBO between two encoded rankings, read at `a[offsetA ..]` and `b[offsetB ..]`
   * (offsets in Int32 slots, default 0; pass `i * stride` to address a packed ranking). No allocation
   * and no validation beyond what the encoding guarantees: pass only encodings made by this kernel.
   */
  ext(a: Int32Array, b: Int32Array, offsetA?: number, offsetB?: number): number;
}

/**
 * Creates an allocation-free evaluator of extrapolated RBO for many pairs of rankings over the same
 * `modelCount` models. Encode each ranking once (`encode` / `encodeAll`), then call `ext` per pair;
 * `ext` agrees exactly (bit for bit) with `rankBiasedOverlap(a, b, { p }).ext`.
 *
 * @param modelCount - number of models M (a positive integer); rankings hold indices 0..M−1
 * @param options - {@link RboOptions}; `p` defaults to 0.9
 * @returns An {@link RboKernel}. Not safe to share between concurrent workers (one scratch buffer).
 * @throws TypeError when `modelCount` is not a number or `options.p` is not a number.
 * @throws RangeError when `modelCount` is not a positive integer or `p` is outside (0, 1).
 * @example
 * ```ts
 * const kernel = createRboKernel(3, { p: 0.9 });
 * const packed = kernel.encodeAll([[[0, 1], 2], [1, 0, 2]]);
 * kernel.ext(packed, packed, 0, kernel.stride); // === rankBiasedOverlap([[0, 1], 2], [1, 0, 2]).ext
 * ```
 */
export function createRboKernel(modelCount: number, options?: RboOptions): RboKernel {
  const fn = 'createRboKernel';
  if (typeof modelCount !== 'number') {
    throw new TypeError(`${fn}: expected modelCount to be a positive integer, received ${describeValue(modelCount)}`);
  }
  if (!Number.isInteger(modelCount) || modelCount < 1 || modelCount > 0x3fffffff) {
    throw new RangeError(`${fn}: expected modelCount to be a positive integer, received ${String(modelCount)}`);
  }
  const p = resolvePersistence(fn, options);
  const M = modelCount;
  const stride = 1 + 2 * M;
  const sizes0 = 1 + M;
  const common = new Int32Array(M);

  function encodeInto(ranking: RankedList<number>, target: Int32Array, offset = 0): void {
    const where = 'RboKernel.encodeInto';
    if (!(target instanceof Int32Array)) {
      throw new TypeError(`${where}: expected target to be an Int32Array, received ${describeValue(target)}`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + stride > target.length) {
      throw new RangeError(
        `${where}: expected offset to be an integer in [0, ${target.length - stride}], received ${String(offset)}`,
      );
    }
    const flat = flattenRanking(where, 'ranking', ranking, false);
    const n = flat.items.length;
    for (let i = 0; i < n; i++) {
      const model = flat.items[i];
      if (typeof model !== 'number') {
        throw new TypeError(
          `${where}: expected ranking items to be model indices (integers in [0, ${M})), received ${describeValue(model)}`,
        );
      }
      if (!Number.isInteger(model) || model < 0 || model >= M) {
        throw new RangeError(
          `${where}: expected ranking items to be integers in [0, ${M}), received ${describeValue(model)}`,
        );
      }
    }
    target.fill(0, offset, offset + stride);
    target[offset] = n;
    target.fill(-1, offset + 1, offset + 1 + M);
    for (let i = 0; i < n; i++) {
      const top = flat.tops[i] as number;
      target[offset + 1 + (flat.items[i] as number)] = top;
      target[offset + sizes0 + top]++;
    }
    for (let d = 1; d < n; d++) target[offset + sizes0 + d] += target[offset + sizes0 + d - 1] as number;
  }

  return Object.freeze({
    modelCount: M,
    p,
    stride,
    encodeInto,
    encode(ranking: RankedList<number>): Int32Array {
      const out = new Int32Array(stride);
      encodeInto(ranking, out, 0);
      return out;
    },
    encodeAll(rankings: readonly RankedList<number>[]): Int32Array {
      if (!Array.isArray(rankings)) {
        throw new TypeError(
          `RboKernel.encodeAll: expected rankings to be an array of ranked lists, received ${describeValue(rankings)}`,
        );
      }
      const out = new Int32Array(rankings.length * stride);
      for (let i = 0; i < rankings.length; i++) encodeInto(rankings[i] as RankedList<number>, out, i * stride);
      return out;
    },
    ext(a: Int32Array, b: Int32Array, offsetA = 0, offsetB = 0): number {
      const na = a[offsetA] as number;
      const nb = b[offsetB] as number;
      const aIsShort = na <= nb;
      const l = aIsShort ? nb : na;
      common.fill(0, 0, l);
      const ta0 = offsetA + 1;
      const tb0 = offsetB + 1;
      for (let m = 0; m < M; m++) {
        const ta = a[ta0 + m] as number;
        const tb = b[tb0 + m] as number;
        // Both ranked iff neither is −1, i.e. the sign bit of (ta | tb) is clear.
        if ((ta | tb) >= 0) common[ta > tb ? ta : tb]++;
      }
      return aIsShort
        ? extFromCounts(p, na, nb, common, 0, a, offsetA + sizes0, b, offsetB + sizes0)
        : extFromCounts(p, nb, na, common, 0, b, offsetB + sizes0, a, offsetA + sizes0);
    },
  });
}
