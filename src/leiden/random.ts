/**
 * Seeded, platform-independent pseudo-random numbers for Leiden.
 *
 * xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018/2021),
 * seeded through splitmix32 so that nearby seeds give unrelated streams. Only 32-bit integer
 * operations (`Math.imul`, shifts, `| 0`) are used, so every JavaScript engine on every platform
 * produces the same sequence for the same seed.
 *
 * @internal Not part of the public API; `leiden` takes a numeric `seed`.
 */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed any integer; only its low 32 bits matter. */
  constructor(seed: number) {
    let s = seed | 0;
    const next = (): number => {
      // splitmix32
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next 32-bit output as a signed int. */
  nextInt32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result | 0;
  }

  /** Uniform double in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return (this.nextInt32() >>> 0) * 2.3283064365386963e-10;
  }

  /** Uniform integer in [0, bound) for 0 < bound ≤ 2^32 (multiply-shift; bias < bound / 2^32). */
  nextBelow(bound: number): number {
    return Math.floor((this.nextInt32() >>> 0) * 2.3283064365386963e-10 * bound);
  }

  /** Shuffles `array[start..end)` in place (Fisher–Yates, from the end). */
  shuffle(array: Int32Array, start: number, end: number): void {
    for (let i = end - 1; i > start; i--) {
      const j = start + this.nextBelow(i - start + 1);
      const t = array[i]!;
      array[i] = array[j]!;
      array[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
