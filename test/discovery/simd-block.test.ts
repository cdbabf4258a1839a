// Blocked SIMD dot products: bit-identical to the per-pair SIMD dot, for any block shape.
import { describe, expect, it } from 'vitest';
import {
  BLOCK_DOT_ROWS,
  BLOCK_QUERIES,
  blockDotsModuleBytes,
  createBlockDots,
} from '../../src/discovery/simd-block.js';
import { createSimdRows } from '../../src/discovery/simd.js';
import { mulberry32 } from '../../src/random.js';

describe('createBlockDots', () => {
  it('assembles a valid module', () => {
    expect(WebAssembly.validate(blockDotsModuleBytes())).toBe(true);
  });
  it('returns the same float32 values as one SIMD dot per pair, for every block size and row range', () => {
    const rand = mulberry32(5);
    const n = BLOCK_DOT_ROWS + 77;
    const d = 20;
    const x = Float32Array.from({ length: n * d }, () => rand() * 2 - 1);
    const block = createBlockDots(x, d)!;
    const pairs = createSimdRows(x, d)!;
    expect(block).not.toBeNull();
    for (const count of [1, 3, 4, 7, BLOCK_QUERIES]) {
      block.setQueries(x, 11 * d, count);
      expect(block.stride % 4).toBe(0);
      for (const [from, to] of [
        [0, BLOCK_DOT_ROWS],
        [BLOCK_DOT_ROWS, n],
        [5, 6],
        [9, 9],
      ] as const) {
        const out = block.dots(from, to);
        expect(out.length).toBe((to - from) * block.stride);
        for (let j = from; j < to; j++)
          for (let i = 0; i < count; i++)
            expect(out[(j - from) * block.stride + i]).toBe(Math.fround(pairs.dot(11 + i, j)));
      }
    }
  });
  it('rejects bad shapes', () => {
    expect(createBlockDots(new Float32Array(6), 3)).toBeNull();
    const block = createBlockDots(new Float32Array(8), 4)!;
    expect(() => block.setQueries(new Float32Array(4), 0, 0)).toThrow(RangeError);
    expect(() => block.setQueries(new Float32Array(4 * 17), 0, BLOCK_QUERIES + 1)).toThrow(RangeError);
    expect(() => block.dots(0, 3)).toThrow(RangeError);
  });
});
