/**
 * IEEE 754 binary16 <-> binary32 conversion on typed arrays (bit patterns in Uint16Array).
 * Source: IEEE 754-2008 Sect. 3.6 (binary16: 1 sign, 5 exponent, 10 fraction bits, bias 15).
 * float32 -> float16 rounds to nearest, ties to even; overflow goes to ±Infinity; NaN stays NaN.
 * Pure: no imports.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Lookup-free decode of one half-precision bit pattern. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let table: Float32Array | undefined;

/**
 * The float32 value of every float16 bit pattern (64 Ki entries, 256 KiB), built on first use.
 * @returns The shared table; do not modify it.
 * @example float16Table()[0x3c00] // 1
 */
export function float16Table(): Float32Array {
  if (table === undefined) {
    table = new Float32Array(1 << 16);
    for (let i = 0; i < table.length; i++) table[i] = halfToFloat(i);
  }
  return table;
}

/**
 * Decodes float16 bit patterns to float32 values.
 * @param half - Bit patterns.
 * @returns A new Float32Array of the same length.
 * @example float16ToFloat32(Uint16Array.of(0x3c00)) // Float32Array [1]
 */
export function float16ToFloat32(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  if (half.length < 4096 && table === undefined) {
    for (let i = 0; i < half.length; i++) out[i] = halfToFloat(half[i]!);
    return out;
  }
  const t = float16Table();
  for (let i = 0; i < half.length; i++) out[i] = t[half[i]!]!;
  return out;
}

/**
 * Encodes float32 values as float16 bit patterns (round to nearest even).
 * @param values - Values.
 * @returns A new Uint16Array of the same length.
 * @example float32ToFloat16(Float32Array.of(1)) // Uint16Array [0x3c00]
 */
export function float32ToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && (half & 1) === 1)) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
    out[i] = sign | half;
  }
  return out;
}
