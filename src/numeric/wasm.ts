/**
 * A minimal WebAssembly assembler for the hand-written SIMD kernels (src/discovery/simd-block.ts,
 * src/train/kernels-wasm.ts): instruction encodings from the WebAssembly core specification 2.0 (with the
 * fixed-width SIMD proposal), one-function-per-export modules with one memory. The kernels are written as
 * instruction lists in TypeScript, so they are reviewed as code, not as binary blobs, and need no toolchain.
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Opcodes (single byte, or 0xfd-prefixed SIMD with a LEB128 sub-opcode). */
export const OP = Object.freeze({
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: [0x0c],
  brIf: [0x0d],
  localGet: [0x20],
  localSet: [0x21],
  localTee: [0x22],
  f32Load: [0x2a],
  f32Store: [0x38],
  i32Const: [0x41],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  f32Add: [0x92],
  f64PromoteF32: [0xbb],
  v128Load: [0xfd, 0x00],
  v128Store: [0xfd, 0x0b],
  v128Const: [0xfd, 0x0c],
  i8x16Shuffle: [0xfd, 0x0d],
  f32x4ExtractLane: [0xfd, 0x1f],
  f64x2Splat: [0xfd, 0x14],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
  f64x2Add: [0xfd, 0xf0, 0x01],
  f64x2Mul: [0xfd, 0xf2, 0x01],
  f32x4DemoteF64x2Zero: [0xfd, 0x5e],
  f64x2PromoteLowF32x4: [0xfd, 0x5f],
} as const);

/**
 * Unsigned LEB128.
 * @param value - a non-negative integer below 2^32.
 * @returns its bytes.
 * @example unsignedLeb(624485); // [0xe5, 0x8e, 0x26]
 */
export function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/**
 * Signed LEB128 (i32 immediates).
 * @param value - a 32-bit integer.
 * @returns its bytes.
 * @example signedLeb(-1); // [0x7f]
 */
export function signedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/**
 * Memory argument of a load or store: alignment hint 2^2 (float32 data is 4-byte aligned) and a byte offset.
 * @param offset - constant byte offset.
 * @returns its bytes.
 * @example memarg(16); // [2, 16]
 */
export function memarg(offset = 0): number[] {
  return [0x02, ...unsignedLeb(offset)];
}

/** Small instruction helpers. */
export const get = (local: number): number[] => [...OP.localGet, ...unsignedLeb(local)];
export const set = (local: number): number[] => [...OP.localSet, ...unsignedLeb(local)];
export const i32 = (value: number): number[] => [...OP.i32Const, ...signedLeb(value)];
/** `local += value` for an i32 local. */
export const addTo = (local: number, value: number[]): number[] => [
  ...get(local),
  ...value,
  ...OP.i32Add,
  ...set(local),
];
/** A `block (loop ... )` pair whose loop exits when `exitIf` (an i32 condition) is true. */
export const whileNot = (exitIf: number[], body: number[]): number[] => [
  ...OP.block,
  ...OP.loop,
  ...exitIf,
  ...OP.brIf,
  1,
  ...body,
  ...OP.br,
  0,
  ...OP.end,
  ...OP.end,
];

/** One exported function of a module. */
export interface WasmFunction {
  name: string;
  params: readonly number[];
  /** Local declarations after the params: [count, type] pairs. */
  locals: readonly (readonly [number, number])[];
  /** The instructions (without the final `end`). */
  body: readonly number[];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...unsignedLeb(payload.length), ...payload];
}

function utf8(text: string): number[] {
  const bytes = Array.from(text, (c) => c.charCodeAt(0));
  return [...unsignedLeb(bytes.length), ...bytes];
}

/**
 * A module of functions without results, each exported under its name, and one exported memory `memory`.
 * @param functions - the functions.
 * @returns the module's bytes.
 * @throws RangeError on a function without a name.
 * @example WebAssembly.validate(moduleBytes([{ name: 'f', params: [], locals: [], body: [] }])); // true
 */
export function moduleBytes(functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  for (const f of functions) if (!f.name) throw new RangeError('moduleBytes: expected every function to have a name');
  const types = functions.flatMap((f) => [0x60, ...unsignedLeb(f.params.length), ...f.params, 0]);
  const exports = [
    ...unsignedLeb(functions.length + 1),
    ...functions.flatMap((f, i) => [...utf8(f.name), 0x00, ...unsignedLeb(i)]),
    ...utf8('memory'),
    0x02,
    0,
  ];
  const bodies = functions.flatMap((f) => {
    const locals = [
      ...unsignedLeb(f.locals.length),
      ...f.locals.flatMap(([count, type]) => [...unsignedLeb(count), type]),
    ];
    const body = [...locals, ...f.body, ...OP.end];
    return [...unsignedLeb(body.length), ...body];
  });
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [...unsignedLeb(functions.length), ...types]),
    ...section(3, [...unsignedLeb(functions.length), ...functions.flatMap((_, i) => unsignedLeb(i))]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, exports),
    ...section(10, [...unsignedLeb(functions.length), ...bodies]),
  ];
  const out = new Uint8Array(new ArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}

/**
 * Compiles module bytes, or returns null where WebAssembly (or its SIMD) is unavailable or the bytes do not
 * validate; callers then keep their JavaScript loops.
 * @param bytes - module bytes.
 * @returns the compiled module or null.
 * @example const m = compileOrNull(moduleBytes([...]));
 */
export function compileOrNull(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    if (typeof WebAssembly === 'object' && typeof WebAssembly.Module === 'function' && WebAssembly.validate(bytes))
      return new WebAssembly.Module(bytes);
  } catch {
    // no WebAssembly SIMD here
  }
  return null;
}
