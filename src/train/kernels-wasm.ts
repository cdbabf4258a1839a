/**
 * WebAssembly SIMD versions of ./kernels.ts `matmul` and `matmulTransA` that return bit-identical results
 * (performance only; the JavaScript kernels stay the reference and the fallback).
 *
 * Why identical: the JavaScript kernels compute in float64 and round to float32 at every store. For `matmul`
 * every C element evolves as c ← f32(c + a·b) over p = 0..k−1 in order (the product of two float32 values is
 * exact in float64); for `matmulTransA` as c ← f32(c + (((a₀b₀ + a₁b₁) + a₂b₂) + a₃b₃)) over blocks of four
 * shared rows, then c ← f32(c + a·b) for the remaining rows. The kernels here do the same operations in the same
 * order on f64x2 lanes (f64x2.mul / f64x2.add, then f32x4.demote_f64x2_zero + f64x2.promote_low_f32x4 for the
 * rounding to float32), keeping a 4 × 4 (matmul) or 1 × 4 (matmulTransA) tile of C in registers instead of
 * loading and storing it at every step. IEEE-754 arithmetic in WebAssembly is deterministic, so the float32
 * results equal the JavaScript ones exactly (tested on random shapes, with and without accumulation).
 *
 * Inputs are copied into the module's memory (rows padded with zeros to a multiple of four columns, and for
 * `matmul` to a multiple of four rows); the copies cost O(mk + kn + mn) against O(mkn) arithmetic, so only
 * products of at least {@link WASM_MIN_WORK} multiply-adds come here.
 */
import {
  F64,
  I32,
  OP,
  V128,
  addTo,
  compileOrNull,
  get,
  i32,
  memarg,
  moduleBytes,
  set,
  whileNot,
  type WasmFunction,
} from '../numeric/wasm.js';

/** Smallest m·k·n (multiply-adds) sent to WebAssembly; below it the copies cost more than they save. */
export const WASM_MIN_WORK = 1 << 16;

const LOW = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const JOIN_LOWS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
void LOW;

/** Pushes f64x2 of lanes 0–1 (`high` false) or 2–3 of the f32x4 on the stack. */
const promoteHalf = (vector: number[], high: boolean): number[] =>
  high
    ? [...vector, ...vector, ...OP.i8x16Shuffle, ...HIGH_TO_LOW, ...OP.f64x2PromoteLowF32x4]
    : [...vector, ...OP.f64x2PromoteLowF32x4];
/** Rounds the f64x2 on the stack to float32 and back (JavaScript's store into a Float32Array). */
const roundF32 = [...OP.f32x4DemoteF64x2Zero, ...OP.f64x2PromoteLowF32x4];
/** f64x2 splat of the float32 at the address on the stack. */
const splatF32 = [...OP.f32Load, ...memarg(0), ...OP.f64PromoteF32, ...OP.f64x2Splat];
/** Stores two f64x2 (holding float32 values) as one f32x4 at the address pushed by `address`. */
const storeJoined = (address: number[], lo: number, hi: number): number[] => [
  ...address,
  ...get(lo),
  ...OP.f32x4DemoteF64x2Zero,
  ...get(hi),
  ...OP.f32x4DemoteF64x2Zero,
  ...OP.i8x16Shuffle,
  ...JOIN_LOWS,
  ...OP.v128Store,
  ...memarg(0),
];
const plus = (a: number[], b: number[]): number[] => [...a, ...b, ...OP.i32Add];
const load = (address: number[]): number[] => [...address, ...OP.v128Load, ...memarg(0)];

/**
 * mm(a, b, c, m4, k, n4): C[m4×n4] ← C + A[m4×k]·B[k×n4] rounding C to float32 after every step (./kernels.ts
 * matmul); with `sumThenRound` (mtb), C ← f32(C + Σ_p A·B) with the sum in float64 (./kernels.ts matmulTransB,
 * B given transposed). Byte offsets; m4, n4 multiples of 4.
 */
function matmulFunction(sumThenRound = false): WasmFunction {
  const [A, B, C, M, K, N] = [0, 1, 2, 3, 4, 5];
  const [KA, NB, ROWA, ROWC, I, J, P, AP, BP, CP] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const ACC = [16, 17, 18, 19, 20, 21, 22, 23]; // row r: lo = ACC[2r], hi = ACC[2r + 1]
  const [BV, BLO, BHI, AV] = [24, 25, 26, 27];
  const rowOffset = (base: number, stride: number, r: number): number[] =>
    r === 0 ? get(base) : plus(get(base), [...get(stride), ...i32(r), ...OP.i32Mul]);
  const tile: number[] = [];
  for (let r = 0; r < 4; r++) {
    if (sumThenRound) {
      for (const acc of [ACC[2 * r]!, ACC[2 * r + 1]!])
        tile.push(...OP.v128Const, ...new Array<number>(16).fill(0), ...set(acc));
      continue;
    }
    tile.push(...load(rowOffset(CP, NB, r)), ...set(BV));
    tile.push(...promoteHalf(get(BV), false), ...set(ACC[2 * r]!));
    tile.push(...promoteHalf(get(BV), true), ...set(ACC[2 * r + 1]!));
  }
  const step: number[] = [
    ...load(get(BP)),
    ...set(BV),
    ...promoteHalf(get(BV), false),
    ...set(BLO),
    ...promoteHalf(get(BV), true),
    ...set(BHI),
  ];
  for (let r = 0; r < 4; r++) {
    step.push(...rowOffset(AP, KA, r), ...splatF32, ...set(AV));
    for (const [acc, half] of [
      [ACC[2 * r]!, BLO],
      [ACC[2 * r + 1]!, BHI],
    ] as const) {
      step.push(
        ...get(acc),
        ...get(AV),
        ...get(half),
        ...OP.f64x2Mul,
        ...OP.f64x2Add,
        ...(sumThenRound ? [] : roundF32),
        ...set(acc),
      );
    }
  }
  step.push(...addTo(AP, i32(4)), ...addTo(BP, get(NB)), ...get(P), ...i32(1), ...OP.i32Sub, ...set(P));
  const store: number[] = [];
  for (let r = 0; r < 4; r++) {
    if (sumThenRound) {
      // C + sum (the JavaScript kernel's `(accumulate ? c : 0) + s`; C holds 0 when not accumulating).
      store.push(...load(rowOffset(CP, NB, r)), ...set(BV));
      store.push(...promoteHalf(get(BV), false), ...get(ACC[2 * r]!), ...OP.f64x2Add, ...set(ACC[2 * r]!));
      store.push(...promoteHalf(get(BV), true), ...get(ACC[2 * r + 1]!), ...OP.f64x2Add, ...set(ACC[2 * r + 1]!));
    }
    store.push(...storeJoined(rowOffset(CP, NB, r), ACC[2 * r]!, ACC[2 * r + 1]!));
  }
  const columns = whileNot(
    [...get(J), ...get(NB), ...OP.i32GeU],
    [
      ...plus(get(ROWC), get(J)),
      ...set(CP),
      ...tile,
      ...get(ROWA),
      ...set(AP),
      ...plus(get(B), get(J)),
      ...set(BP),
      ...get(K),
      ...set(P),
      ...whileNot([...get(P), ...OP.i32Eqz], step),
      ...store,
      ...addTo(J, i32(16)),
    ],
  );
  const body = [
    ...get(K),
    ...i32(2),
    ...OP.i32Shl,
    ...set(KA),
    ...get(N),
    ...i32(2),
    ...OP.i32Shl,
    ...set(NB),
    ...get(A),
    ...set(ROWA),
    ...get(C),
    ...set(ROWC),
    ...get(M),
    ...set(I),
    ...whileNot(
      [...get(I), ...OP.i32Eqz],
      [
        ...i32(0),
        ...set(J),
        ...columns,
        ...addTo(ROWA, [...get(KA), ...i32(4), ...OP.i32Mul]),
        ...addTo(ROWC, [...get(NB), ...i32(4), ...OP.i32Mul]),
        ...get(I),
        ...i32(4),
        ...OP.i32Sub,
        ...set(I),
      ],
    ),
  ];
  return {
    name: sumThenRound ? 'mtb' : 'mm',
    params: [I32, I32, I32, I32, I32, I32],
    locals: [
      [10, I32],
      [12, V128],
    ],
    body,
  };
}

/** mta(a, b, c, m, k, n4): C[k×n4] ← C + A[m×k]ᵀ·B[m×n4], byte offsets; n4 a multiple of 4. */
function matmulTransAFunction(): WasmFunction {
  const [A, B, C, M, K, N] = [0, 1, 2, 3, 4, 5];
  const [KA, NB, P, CROW, J, R, AP, BP, ACOL] = [6, 7, 8, 9, 10, 11, 12, 13, 14];
  const [CLO, CHI, V, BV, TLO, THI] = [15, 16, 17, 18, 19, 20];
  const block: number[] = [];
  for (let q = 0; q < 4; q++) {
    const aAddr = q === 0 ? get(AP) : plus(get(AP), [...get(KA), ...i32(q), ...OP.i32Mul]);
    const bAddr = q === 0 ? get(BP) : plus(get(BP), [...get(NB), ...i32(q), ...OP.i32Mul]);
    block.push(...aAddr, ...splatF32, ...set(V), ...load(bAddr), ...set(BV));
    for (const [t, high] of [
      [TLO, false],
      [THI, true],
    ] as const) {
      if (q === 0) block.push(...get(V), ...promoteHalf(get(BV), high), ...OP.f64x2Mul, ...set(t));
      else block.push(...get(t), ...get(V), ...promoteHalf(get(BV), high), ...OP.f64x2Mul, ...OP.f64x2Add, ...set(t));
    }
  }
  for (const [c, t] of [
    [CLO, TLO],
    [CHI, THI],
  ] as const)
    block.push(...get(c), ...get(t), ...OP.f64x2Add, ...roundF32, ...set(c));
  block.push(
    ...addTo(AP, [...get(KA), ...i32(4), ...OP.i32Mul]),
    ...addTo(BP, [...get(NB), ...i32(4), ...OP.i32Mul]),
    ...get(R),
    ...i32(4),
    ...OP.i32Sub,
    ...set(R),
  );
  const tail: number[] = [...get(AP), ...splatF32, ...set(V), ...load(get(BP)), ...set(BV)];
  for (const [c, high] of [
    [CLO, false],
    [CHI, true],
  ] as const)
    tail.push(
      ...get(c),
      ...get(V),
      ...promoteHalf(get(BV), high),
      ...OP.f64x2Mul,
      ...OP.f64x2Add,
      ...roundF32,
      ...set(c),
    );
  tail.push(...addTo(AP, get(KA)), ...addTo(BP, get(NB)), ...get(R), ...i32(1), ...OP.i32Sub, ...set(R));
  const columns = whileNot(
    [...get(J), ...get(NB), ...OP.i32GeU],
    [
      ...load(plus(get(CROW), get(J))),
      ...set(BV),
      ...promoteHalf(get(BV), false),
      ...set(CLO),
      ...promoteHalf(get(BV), true),
      ...set(CHI),
      ...get(ACOL),
      ...set(AP),
      ...plus(get(B), get(J)),
      ...set(BP),
      ...get(M),
      ...set(R),
      ...whileNot([...get(R), ...i32(4), ...OP.i32LtU], block),
      ...whileNot([...get(R), ...OP.i32Eqz], tail),
      ...storeJoined(plus(get(CROW), get(J)), CLO, CHI),
      ...addTo(J, i32(16)),
    ],
  );
  const body = [
    ...get(K),
    ...i32(2),
    ...OP.i32Shl,
    ...set(KA),
    ...get(N),
    ...i32(2),
    ...OP.i32Shl,
    ...set(NB),
    ...get(C),
    ...set(CROW),
    ...get(A),
    ...set(ACOL),
    ...get(K),
    ...set(P),
    ...whileNot(
      [...get(P), ...OP.i32Eqz],
      [
        ...i32(0),
        ...set(J),
        ...columns,
        ...addTo(CROW, get(NB)),
        ...addTo(ACOL, i32(4)),
        ...get(P),
        ...i32(1),
        ...OP.i32Sub,
        ...set(P),
      ],
    ),
  ];
  return {
    name: 'mta',
    params: [I32, I32, I32, I32, I32, I32],
    locals: [
      [9, I32],
      [6, V128],
    ],
    body,
  };
}
void F64;

interface Kernels {
  memory: WebAssembly.Memory;
  mm: (a: number, b: number, c: number, m: number, k: number, n: number) => void;
  mta: (a: number, b: number, c: number, m: number, k: number, n: number) => void;
  mtb: (a: number, b: number, c: number, m: number, k: number, n: number) => void;
}

let kernels: Kernels | null | undefined;

function kernelsOrNull(): Kernels | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  const module = compileOrNull(moduleBytes([matmulFunction(), matmulTransAFunction(), matmulFunction(true)]));
  if (module === null) return null;
  try {
    const instance = new WebAssembly.Instance(module, {});
    kernels = {
      memory: instance.exports.memory as WebAssembly.Memory,
      mm: instance.exports.mm as Kernels['mm'],
      mta: instance.exports.mta as Kernels['mta'],
      mtb: instance.exports.mtb as Kernels['mtb'],
    };
  } catch {
    kernels = null;
  }
  return kernels;
}

/** Float32 view of the module memory holding at least `floats` values (grown as needed), or null. */
function memoryFloats(k: Kernels, floats: number): Float32Array | null {
  const bytes = floats * 4;
  if (bytes > 0x7fff0000) return null;
  const have = k.memory.buffer.byteLength;
  if (bytes > have) {
    try {
      k.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return null;
    }
  }
  return new Float32Array(k.memory.buffer);
}

/** Copies rows×cols row-major `src` into `dst` at `offset` with row stride `stride` ≥ cols, zero padding. */
function copyPadded(dst: Float32Array, offset: number, src: Float32Array, rows: number, cols: number, stride: number) {
  if (stride === cols) dst.set(src.subarray(0, rows * cols), offset);
  else
    for (let r = 0; r < rows; r++) {
      dst.set(src.subarray(r * cols, (r + 1) * cols), offset + r * stride);
      dst.fill(0, offset + r * stride + cols, offset + (r + 1) * stride);
    }
}

function copyOut(dst: Float32Array, src: Float32Array, offset: number, rows: number, cols: number, stride: number) {
  if (stride === cols) dst.set(src.subarray(offset, offset + rows * cols));
  else for (let r = 0; r < rows; r++) dst.set(src.subarray(offset + r * stride, offset + r * stride + cols), r * cols);
}

const pad4 = (x: number): number => (x + 3) & ~3;

/**
 * C = A·B (or C += A·B) in WebAssembly, bit-identical to ./kernels.ts `matmul`; false when WebAssembly SIMD is
 * unavailable or the memory cannot grow (the caller then runs the JavaScript kernel). Sizes are checked by the
 * caller.
 * @returns whether C was computed.
 */
export function matmulWasm(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): boolean {
  const kern = kernelsOrNull();
  if (kern === null) return false;
  const m4 = pad4(m);
  const n4 = pad4(n);
  const aOff = 0;
  const bOff = m4 * k;
  const cOff = bOff + k * n4;
  const mem = memoryFloats(kern, cOff + m4 * n4);
  if (mem === null) return false;
  mem.set(a.subarray(0, m * k), aOff);
  mem.fill(0, aOff + m * k, aOff + m4 * k);
  copyPadded(mem, bOff, b, k, n, n4);
  if (accumulate) copyPadded(mem, cOff, c, m, n, n4);
  else mem.fill(0, cOff, cOff + m * n4);
  mem.fill(0, cOff + m * n4, cOff + m4 * n4);
  kern.mm(aOff * 4, bOff * 4, cOff * 4, m4, k, n4);
  copyOut(c, mem, cOff, m, n, n4);
  return true;
}

/**
 * C = Aᵀ·B (or C += Aᵀ·B) in WebAssembly, bit-identical to ./kernels.ts `matmulTransA`; false when unavailable.
 * @returns whether C was computed.
 */
export function matmulTransAWasm(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): boolean {
  const kern = kernelsOrNull();
  if (kern === null) return false;
  const n4 = pad4(n);
  const aOff = 0;
  const bOff = m * k;
  const cOff = bOff + m * n4;
  const mem = memoryFloats(kern, cOff + k * n4);
  if (mem === null) return false;
  mem.set(a.subarray(0, m * k), aOff);
  copyPadded(mem, bOff, b, m, n, n4);
  if (accumulate) copyPadded(mem, cOff, c, k, n, n4);
  else mem.fill(0, cOff, cOff + k * n4);
  kern.mta(aOff * 4, bOff * 4, cOff * 4, m, k, n4);
  copyOut(c, mem, cOff, k, n, n4);
  return true;
}

/**
 * C = A·Bᵀ (or C += A·Bᵀ) in WebAssembly, bit-identical to ./kernels.ts `matmulTransB` (each element the float64
 * sum over the shared index in order, added to C and rounded once); B is transposed into the module's memory.
 * @returns whether C was computed (false when WebAssembly SIMD is unavailable).
 */
export function matmulTransBWasm(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): boolean {
  const kern = kernelsOrNull();
  if (kern === null) return false;
  const m4 = pad4(m);
  const n4 = pad4(n);
  const aOff = 0;
  const bOff = m4 * k;
  const cOff = bOff + k * n4;
  const mem = memoryFloats(kern, cOff + m4 * n4);
  if (mem === null) return false;
  mem.set(a.subarray(0, m * k), aOff);
  mem.fill(0, aOff + m * k, aOff + m4 * k);
  // Bᵀ: k rows of n4 (B is n×k row-major).
  for (let p = 0; p < k; p++) {
    const row = bOff + p * n4;
    for (let j = 0; j < n; j++) mem[row + j] = b[j * k + p]!;
    mem.fill(0, row + n, row + n4);
  }
  if (accumulate) copyPadded(mem, cOff, c, m, n, n4);
  else mem.fill(0, cOff, cOff + m * n4);
  mem.fill(0, cOff + m * n4, cOff + m4 * n4);
  kern.mtb(aOff * 4, bOff * 4, cOff * 4, m4, k, n4);
  copyOut(c, mem, cOff, m, n, n4);
  return true;
}
