/**
 * Blocked WebAssembly SIMD dot products: every (query, row) dot product of a block of queries against a range of
 * rows in ONE call, for the exact all-pairs searches (the local prior's leave-one-out top-k in
 * src/train/local-prior.ts, the kNN baseline's all-pairs lists in ./knn.ts).
 *
 * Each dot product is computed exactly as ./simd.ts `dot` computes it: four f32x4 lanes accumulated in order over
 * the vector, then (l0 + l1) + (l2 + l3) in float32. WebAssembly float arithmetic is IEEE-754 exact, so the values
 * are bit-identical to one `dot` call per pair, on every engine; only the speed differs. What is faster: one call per
 * block instead of one per pair, and four queries share every load of a row, so a row is read from memory once
 * per four queries instead of once per query (the all-pairs searches were bound by memory traffic and call
 * overhead: routerdc's 16.5k × 16.5k leave-one-out search, 2 cores, ≈ 4× faster; bench figures in docs/EVALUATION.md).
 *
 * The module is assembled here from its instructions (../numeric/wasm.ts; no toolchain, no binary blob). Its text:
 *
 *   (func (export "dots") (param $q i32) (param $qn i32) (param $r i32) (param $rn i32) (param $d i32)
 *                         (param $out i32)
 *     ;; out[j·qn + i] = dot(query i, row j) for i < qn (a multiple of 4), j < rn; vectors of d floats
 *     ;; (a multiple of 4) at byte offsets q + i·4d and r + j·4d.
 *     (local $db i32) (local $qp i32) (local $i i32) (local $t i32) (local $q1 i32) (local $q2 i32)
 *     (local $q3 i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $v v128)
 *     (local.set $db (i32.shl (local.get $d) (i32.const 2)))
 *     (block (loop                                                  ;; rows
 *       (br_if 1 (i32.eqz (local.get $rn)))
 *       (local.set $qp (local.get $q)) (local.set $i (local.get $qn))
 *       (block (loop                                                ;; groups of four queries
 *         (br_if 1 (i32.eqz (local.get $i)))
 *         (local.set $q1 (i32.add (local.get $qp) (local.get $db)))
 *         (local.set $q2 (i32.add (local.get $q1) (local.get $db)))
 *         (local.set $q3 (i32.add (local.get $q2) (local.get $db)))
 *         (local.set $a0 (v128.const 0)) ... (local.set $a3 (v128.const 0)) (local.set $t (i32.const 0))
 *         (block (loop                                              ;; the vector, 4 floats a step
 *           (br_if 1 (i32.ge_u (local.get $t) (local.get $db)))
 *           (local.set $v (v128.load (i32.add (local.get $r) (local.get $t))))
 *           (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $qp) (local.get $t))) (local.get $v))))
 *           ... $a1 with $q1, $a2 with $q2, $a3 with $q3
 *           (local.set $t (i32.add (local.get $t) (i32.const 16)))
 *           (br 0)))
 *         (f32.store offset=0  (local.get $out) (lanesum $a0)) ... offset=12 (lanesum $a3)
 *         ;; lanesum a = (f32.add (f32.add lane0 lane1) (f32.add lane2 lane3))
 *         (local.set $out (i32.add (local.get $out) (i32.const 16)))
 *         (local.set $qp (i32.add (local.get $q3) (local.get $db)))
 *         (local.set $i (i32.sub (local.get $i) (i32.const 4)))
 *         (br 0)))
 *       (local.set $r (i32.add (local.get $r) (local.get $db)))
 *       (local.set $rn (i32.sub (local.get $rn) (i32.const 1)))
 *       (br 0))))
 *   (memory (export "memory") 1)
 *
 * In ./simd.ts `dot(a, b)` multiplies load(a) · load(b) with a the first row; here query · row. Float
 * multiplication and addition are commutative in IEEE-754, so the products and sums are the same values.
 */

import { I32, V128, compileOrNull, memarg, moduleBytes, signedLeb } from '../numeric/wasm.js';

// Opcodes (WebAssembly core spec 1.0 + fixed-width SIMD).
const BLOCK = 0x02;
const LOOP = 0x03;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const VOID = 0x40;
const GET = 0x20;
const SET = 0x21;
const I32_CONST = 0x41;
const I32_EQZ = 0x45;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_SHL = 0x74;
const F32_ADD = 0x92;
const F32_STORE = 0x38;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00];
const V128_CONST = [SIMD, 0x0c];
const F32X4_EXTRACT = [SIMD, 0x1f];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];

// Locals: params 0..5, then i32 locals 6..12, v128 locals 13..17.
const [Q, QN, R, RN, , OUT] = [0, 1, 2, 3, 4, 5];
const D = 4;
const [DB, QP, I, T, Q1, Q2, Q3] = [6, 7, 8, 9, 10, 11, 12];
const ACC = [13, 14, 15, 16];
const V = 17;

function functionBody(): number[] {
  const get = (l: number): number[] => [GET, l];
  const set = (l: number): number[] => [SET, l];
  const add = (a: number[], b: number[]): number[] => [...a, ...b, I32_ADD];
  const zero = [...V128_CONST, ...new Array<number>(16).fill(0)];
  const lanesum = (acc: number): number[] => [
    ...get(acc),
    ...F32X4_EXTRACT,
    0,
    ...get(acc),
    ...F32X4_EXTRACT,
    1,
    F32_ADD,
    ...get(acc),
    ...F32X4_EXTRACT,
    2,
    ...get(acc),
    ...F32X4_EXTRACT,
    3,
    F32_ADD,
    F32_ADD,
  ];
  const queryPointers = [QP, Q1, Q2, Q3];
  const code: number[] = [
    ...get(D),
    I32_CONST,
    ...signedLeb(2),
    I32_SHL,
    ...set(DB),
    // rows
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(RN),
    I32_EQZ,
    BR_IF,
    1,
    ...get(Q),
    ...set(QP),
    ...get(QN),
    ...set(I),
    // groups of four queries
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(I),
    I32_EQZ,
    BR_IF,
    1,
    ...add(get(QP), get(DB)),
    ...set(Q1),
    ...add(get(Q1), get(DB)),
    ...set(Q2),
    ...add(get(Q2), get(DB)),
    ...set(Q3),
    ...ACC.flatMap((a) => [...zero, ...set(a)]),
    I32_CONST,
    ...signedLeb(0),
    ...set(T),
    // the vector
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(T),
    ...get(DB),
    I32_GE_U,
    BR_IF,
    1,
    ...add(get(R), get(T)),
    ...V128_LOAD,
    ...memarg(0),
    ...set(V),
    ...ACC.flatMap((a, k) => [
      ...get(a),
      ...add(get(queryPointers[k]!), get(T)),
      ...V128_LOAD,
      ...memarg(0),
      ...get(V),
      ...F32X4_MUL,
      ...F32X4_ADD,
      ...set(a),
    ]),
    ...add(get(T), [I32_CONST, ...signedLeb(16)]),
    ...set(T),
    BR,
    0,
    END,
    END,
    ...ACC.flatMap((a, k) => [...get(OUT), ...lanesum(a), F32_STORE, ...memarg(4 * k)]),
    ...add(get(OUT), [I32_CONST, ...signedLeb(16)]),
    ...set(OUT),
    ...add(get(Q3), get(DB)),
    ...set(QP),
    ...get(I),
    I32_CONST,
    ...signedLeb(4),
    I32_SUB,
    ...set(I),
    BR,
    0,
    END,
    END,
    ...add(get(R), get(DB)),
    ...set(R),
    ...get(RN),
    I32_CONST,
    ...signedLeb(1),
    I32_SUB,
    ...set(RN),
    BR,
    0,
    END,
    END,
  ];
  return code;
}

/** The module's bytes (see the file header). */
export function blockDotsModuleBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes([
    {
      name: 'dots',
      params: [I32, I32, I32, I32, I32, I32],
      locals: [
        [7, I32],
        [5, V128],
      ],
      body: functionBody(),
    },
  ]);
}

let compiled: WebAssembly.Module | null | undefined;

function moduleOrNull(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = compileOrNull(blockDotsModuleBytes()); // null: callers use their per-pair loops
  return compiled;
}

/** Queries per block: a multiple of 4; 16 rows of 384 floats (24 KiB) stay in the first-level cache. */
export const BLOCK_QUERIES = 16;
/** Rows per call: the block's output (rows × queries floats) stays small. */
const BLOCK_ROWS = 1024;

/** Block dot products over a private float32 copy of `rows` in WebAssembly memory. */
export interface BlockDots {
  /** Rows in the copy. */
  readonly rows: number;
  /** Row length d. */
  readonly dimension: number;
  /** The vectors the copy was made from (for queries that are rows of the same set). */
  readonly source: Float32Array;
  /**
   * Sets the query block: `count` ≤ {@link BLOCK_QUERIES} vectors of d floats, row-major from `offset` of `source`
   * (rounded to float32; the block is zero-padded to a multiple of 4).
   */
  setQueries(source: ArrayLike<number>, offset: number, count: number): void;
  /**
   * Dot products of the query block with rows [from, to) (to − from ≤ 1024): returns a view (valid until the next
   * call) where element (j − from) · stride + i is dot(query i, row j); stride = the padded block size.
   */
  dots(from: number, to: number): Float32Array;
  /** Floats between consecutive rows of `dots`' output (the padded query count). */
  readonly stride: number;
}

/**
 * Copies `vectors` (n × d float32) into WebAssembly memory and returns blocked SIMD dot products over its rows
 * (bit-identical to ./simd.ts `dot`), or null when WebAssembly SIMD is unavailable, d is not a multiple of 4 or
 * the memory cannot grow; callers then use their per-pair loops.
 *
 * @param vectors - row-major float32 rows.
 * @param d - row length.
 * @returns the accessor, or null.
 * @example
 * const b = createBlockDots(index, 384); b?.setQueries(queries, 0, 16); const sims = b?.dots(0, 1024);
 */
export function createBlockDots(vectors: Float32Array, d: number): BlockDots | null {
  if (d % 4 !== 0 || d === 0) return null;
  const module = moduleOrNull();
  if (module === null) return null;
  const n = vectors.length / d;
  const rowBytes = d * 4;
  const queryBase = n * rowBytes;
  const outBase = queryBase + BLOCK_QUERIES * rowBytes;
  const needed = outBase + BLOCK_ROWS * BLOCK_QUERIES * 4;
  if (needed > 0xffff0000) return null;
  try {
    const instance = new WebAssembly.Instance(module, {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const have = memory.buffer.byteLength;
    if (needed > have) memory.grow(Math.ceil((needed - have) / 65536));
    new Float32Array(memory.buffer, 0, n * d).set(vectors);
    const queries = new Float32Array(memory.buffer, queryBase, BLOCK_QUERIES * d);
    const out = new Float32Array(memory.buffer, outBase, BLOCK_ROWS * BLOCK_QUERIES);
    const dots = instance.exports.dots as (q: number, qn: number, r: number, rn: number, d: number, o: number) => void;
    let stride = 4;
    return {
      rows: n,
      dimension: d,
      source: vectors,
      get stride() {
        return stride;
      },
      setQueries(source, offset, count) {
        if (!(Number.isInteger(count) && count >= 1 && count <= BLOCK_QUERIES))
          throw new RangeError(`BlockDots.setQueries: expected 1..${BLOCK_QUERIES} queries, received ${count}`);
        stride = Math.ceil(count / 4) * 4;
        for (let k = 0; k < count * d; k++) queries[k] = source[offset + k]!;
        queries.fill(0, count * d, stride * d);
      },
      dots(from, to) {
        if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to <= n && to - from <= BLOCK_ROWS))
          throw new RangeError(
            `BlockDots.dots: expected 0 ≤ from ≤ to ≤ ${n} and at most ${BLOCK_ROWS} rows, received [${from}, ${to})`,
          );
        if (to > from) dots(queryBase, stride, from * rowBytes, to - from, d, outBase);
        return out.subarray(0, (to - from) * stride);
      },
    };
  } catch {
    return null; // memory could not grow: fall back to the per-pair loops
  }
}

/** Rows per {@link BlockDots.dots} call. */
export const BLOCK_DOT_ROWS = BLOCK_ROWS;
