/**
 * WebAssembly SIMD dot products for the kNN hot loops (src/discovery/knn.ts). A 152-byte module,
 * written by hand here (no toolchain), exports `dot(a, b, d) → f32`: the dot product of the float32
 * rows at byte offsets a and b of its memory, d a multiple of 4, four f32x4 lanes accumulated in
 * order and summed as (l0 + l1) + (l2 + l3). WebAssembly float arithmetic is IEEE-754 exact, so
 * the result is the same on every engine; it differs from a float64 JavaScript sum by float32
 * rounding (≈1e-7 relative), which only matters for near-exact ties.
 *
 * Measured (2 cores, loaded): 2000 × 384 all pairs, 542 ms vs 6124 ms for a plain JavaScript loop.
 *
 * Module text (for review):
 *   (func (export "dot") (param $a i32) (param $b i32) (param $d i32) (result f32) (local $acc v128)
 *     (local.set $acc (v128.const i32x4 0 0 0 0))
 *     (block (loop
 *       (br_if 1 (i32.eqz (local.get $d)))
 *       (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
 *       (local.set $a (i32.add (local.get $a) (i32.const 16)))
 *       (local.set $b (i32.add (local.get $b) (i32.const 16)))
 *       (local.set $d (i32.sub (local.get $d) (i32.const 4)))
 *       (br 0)))
 *     (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
 *              (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
 *   (memory (export "memory") 1)
 */

const MODULE_BASE64 =
  'AGFzbQEAAAABCAFgA39/fwF9AwIBAAUDAQABBxACA2RvdAAABm1lbW9yeQIACmkBZwEBe/0MAAAAAAAAAAAAAAAAAAAAACEDAkADQCACRQ0BIAMgAP0AAgAgAf0AAgD95gH95AEhAyAAQRBqIQAgAUEQaiEBIAJBBGshAgwACwsgA/0fACAD/R8BkiAD/R8CIAP9HwOSkgs=';

let compiled: WebAssembly.Module | null | undefined;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(new ArrayBuffer(Math.floor((clean.length * 3) / 4)));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const ch of clean) {
    value = (value << 6) | alphabet.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

function moduleOrNull(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (typeof WebAssembly === 'object' && typeof WebAssembly.Module === 'function') {
      const bytes = decodeBase64(MODULE_BASE64);
      if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
    }
  } catch {
    compiled = null; // no WebAssembly SIMD here: callers use the JavaScript loops
  }
  return compiled;
}

/** Row dot products over a private float32 copy of the vectors in WebAssembly memory. */
export interface SimdRows {
  /** Dot product of rows i and j. */
  dot(i: number, j: number): number;
  /** Dot product of row i and the scratch vector (set with `setScratch`). */
  dotScratch(i: number): number;
  /** Stores a d-vector (rounded to float32) as the scratch vector. */
  setScratch(values: ArrayLike<number>): void;
}

/**
 * Copies `vectors` (n × d float32) into WebAssembly memory and returns SIMD dot products over its
 * rows, or null when WebAssembly SIMD is unavailable, d is not a multiple of 4, or the memory cannot
 * grow to n·d·4 bytes; callers then use their JavaScript loops.
 *
 * @param vectors - row-major float32 rows.
 * @param d - row length.
 * @returns the SIMD row accessor or null.
 * @example
 * const rows = createSimdRows(x, 384); const s = rows ? rows.dot(0, 1) : jsDot(x, 0, 384, 384);
 */
export function createSimdRows(vectors: Float32Array, d: number): SimdRows | null {
  if (d % 4 !== 0 || d === 0) return null;
  const module = moduleOrNull();
  if (module === null) return null;
  const n = vectors.length / d;
  const rowBytes = d * 4;
  const needed = (n + 1) * rowBytes; // + one scratch row
  if (needed > 0xffff0000) return null;
  try {
    const instance = new WebAssembly.Instance(module, {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const have = memory.buffer.byteLength;
    if (needed > have) memory.grow(Math.ceil((needed - have) / 65536));
    new Float32Array(memory.buffer, 0, n * d).set(vectors);
    const view = new Float32Array(memory.buffer, n * rowBytes, d);
    const dot = instance.exports.dot as (a: number, b: number, length: number) => number;
    const scratch = n * rowBytes;
    return {
      dot: (i: number, j: number): number => dot(i * rowBytes, j * rowBytes, d),
      dotScratch: (i: number): number => dot(i * rowBytes, scratch, d),
      setScratch: (values: ArrayLike<number>): void => {
        for (let t = 0; t < d; t++) view[t] = values[t]!;
      },
    };
  } catch {
    return null; // memory could not grow: fall back to JavaScript
  }
}
