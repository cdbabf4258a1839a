/**
 * Seeded randomness for training: a 32-bit PRNG (the Mulberry32 mixing function), Gaussian draws
 * (Box–Muller), Xavier/Glorot (Glorot & Bengio 2010) and He (He et al. 2015) initialization, and
 * Fisher–Yates shuffles. Same seed ⇒ same numbers on every platform (integer arithmetic via Math.imul;
 * Math.log/Math.cos/Math.sqrt are only used on the Box–Muller path, whose last-bit differences between
 * engines can change weights by ~1 ulp).
 */
import { mulberry32 } from '../random.js';

/** A seeded random source. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * Creates a seeded PRNG.
 *
 * @param seed - any finite number; its low 32 bits are used.
 * @returns a {@link Random}.
 * @throws TypeError when `seed` is not a finite number.
 * @example
 * const rng = createRandom(42); rng.next(); // same value every run
 */
export function createRandom(seed: number): Random {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new TypeError(`createRandom: expected a finite number seed, received ${String(seed)}`);
  }
  // The seed is mixed with the golden-ratio constant so that training streams differ from discovery's.
  const next = mulberry32((Math.trunc(seed) ^ 0x9e3779b9) >>> 0);
  let spare: number | null = null;
  return {
    next,
    normal(): number {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = next();
      while (u <= 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(n: number): number {
      return Math.floor(next() * n);
    },
  };
}

/**
 * Fills `out` with Xavier/Glorot-uniform values for a `fanIn → fanOut` layer: U(−a, a), a = √(6 / (fanIn + fanOut)).
 *
 * @param out - buffer to fill.
 * @param fanIn - inputs of the layer.
 * @param fanOut - outputs of the layer.
 * @param rng - seeded source.
 * @returns `out`.
 * @throws RangeError when a fan is not a positive integer.
 * @example
 * xavierUniform(new Float32Array(384 * 64), 384, 64, createRandom(1));
 */
export function xavierUniform<A extends Float32Array | Float64Array>(
  out: A,
  fanIn: number,
  fanOut: number,
  rng: Pick<Random, 'next'>,
): A {
  checkFans('xavierUniform', fanIn, fanOut);
  const a = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * a;
  return out;
}

/**
 * Fills `out` with He-normal values for a ReLU layer with `fanIn` inputs: N(0, 2 / fanIn).
 *
 * @param out - buffer to fill.
 * @param fanIn - inputs of the layer.
 * @param rng - seeded source.
 * @returns `out`.
 * @throws RangeError when `fanIn` is not a positive integer.
 * @example
 * heNormal(new Float32Array(384 * 64), 384, createRandom(1));
 */
export function heNormal(out: Float32Array, fanIn: number, rng: Random): Float32Array {
  checkFans('heNormal', fanIn, 1);
  const s = Math.sqrt(2 / fanIn);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * s;
  return out;
}

function checkFans(fn: string, fanIn: number, fanOut: number): void {
  if (!Number.isInteger(fanIn) || fanIn < 1 || !Number.isInteger(fanOut) || fanOut < 1) {
    throw new RangeError(`${fn}: expected positive integer fans, received ${fanIn}, ${fanOut}`);
  }
}

// The shuffle of every trainer lives with the shared epoch loop.
import { shuffleInPlace } from '../numeric/epochs.js';
export { shuffleInPlace };

/**
 * Seeded split of `0..n-1` into parts of the given fractions (remaining indices go to the first part).
 * Each part is sorted ascending.
 *
 * @param n - number of items.
 * @param fractions - share of each part after the first, each in [0, 1), summing to < 1.
 * @param seed - PRNG seed.
 * @returns one Int32Array per part (`fractions.length + 1` parts).
 * @throws RangeError on bad fractions.
 * @example
 * const [train, dev] = splitIndices(100, [0.1], 42); // 90 and 10 indices
 */
export function splitIndices(n: number, fractions: readonly number[], seed: number): Int32Array[] {
  let total = 0;
  for (const f of fractions) {
    if (!(f >= 0 && f < 1)) throw new RangeError(`splitIndices: expected fractions in [0, 1), received ${f}`);
    total += f;
  }
  if (total >= 1) throw new RangeError(`splitIndices: expected fractions summing to < 1, received ${total}`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffleInPlace(order, createRandom(seed));
  const parts: Int32Array[] = [];
  let end = n;
  const sizes = fractions.map((f) => Math.floor(n * f));
  const tail: Int32Array[] = [];
  for (const size of sizes) {
    tail.push(order.slice(end - size, end).sort());
    end -= size;
  }
  parts.push(order.slice(0, end).sort());
  return parts.concat(tail);
}
