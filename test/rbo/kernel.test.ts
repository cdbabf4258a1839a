import { describe, expect, it } from 'vitest';
import { createRboKernel, rankBiasedOverlap } from '../../src/rbo/index.js';
import type { RankedList } from '../../src/rbo/index.js';
import { createRandom, randomRanking } from './random.js';

describe('createRboKernel', () => {
  it('agrees bit for bit with rankBiasedOverlap(...).ext on seeded random tied, untied and partial rankings', () => {
    const random = createRandom(7);
    let compared = 0;
    for (const modelCount of [1, 2, 3, 5, 11, 20, 64]) {
      for (const p of [0.5, 0.9, 0.98]) {
        const kernel = createRboKernel(modelCount, { p });
        const rankings: RankedList<number>[] = [];
        for (let i = 0; i < 60; i++) {
          const tieProbability = i % 3 === 0 ? 0 : i % 3 === 1 ? 0.3 : 0.8;
          rankings.push(randomRanking(random, modelCount, { tieProbability, full: i % 4 === 0 }));
        }
        const packed = kernel.encodeAll(rankings);
        expect(packed).toHaveLength(rankings.length * kernel.stride);
        for (let i = 0; i < rankings.length; i++) {
          for (let j = i; j < rankings.length; j += 3) {
            const expected = rankBiasedOverlap(rankings[i]!, rankings[j]!, { p }).ext;
            expect(kernel.ext(packed, packed, i * kernel.stride, j * kernel.stride)).toBe(expected);
            expect(kernel.ext(packed, packed, j * kernel.stride, i * kernel.stride)).toBe(expected);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('encode() and separate buffers give the same value as the packed form', () => {
    const kernel = createRboKernel(4);
    const a: RankedList<number> = [[0, 2], 1];
    const b: RankedList<number> = [3, 2, [0, 1]];
    const packed = kernel.encodeAll([a, b]);
    const value = kernel.ext(kernel.encode(a), kernel.encode(b));
    expect(value).toBe(kernel.ext(packed, packed, 0, kernel.stride));
    expect(value).toBe(rankBiasedOverlap(a, b).ext);
    expect(kernel.p).toBe(0.9);
  });

  it('documents its encoding: n, tie-group start per model (−1 when absent), entered counts per depth', () => {
    const kernel = createRboKernel(4);
    expect(kernel.stride).toBe(9);
    expect(Array.from(kernel.encode([[2, 0], 3]))).toEqual([3, 0, -1, 0, 2, 2, 2, 3, 0]);
  });

  it('encodeInto writes at an offset and leaves the rest of the buffer alone', () => {
    const kernel = createRboKernel(2);
    const buffer = new Int32Array(2 + kernel.stride).fill(99);
    kernel.encodeInto([1], buffer, 2);
    expect(Array.from(buffer)).toEqual([99, 99, 1, -1, 0, 1, 0]);
    expect(() => kernel.encodeInto([1], buffer, 3)).toThrow(RangeError);
  });

  it('rejects bad arguments with TypeError / RangeError', () => {
    expect(() => createRboKernel(0)).toThrow(RangeError);
    expect(() => createRboKernel(2.5)).toThrow(RangeError);
    expect(() => createRboKernel('3' as unknown as number)).toThrow(TypeError);
    expect(() => createRboKernel(3, { p: 1 })).toThrow(RangeError);
    const kernel = createRboKernel(3);
    expect(() => kernel.encode([0, 3])).toThrow(RangeError);
    expect(() => kernel.encode([0, 1.5])).toThrow(RangeError);
    expect(() => kernel.encode([0, 0])).toThrow(RangeError);
    expect(() => kernel.encode([])).toThrow(RangeError);
    expect(() => kernel.encode(['0'] as unknown as number[])).toThrow(TypeError);
    expect(() => kernel.encode('0' as unknown as number[])).toThrow(TypeError);
    expect(() => kernel.encodeInto([0], [0, 0, 0] as unknown as Int32Array)).toThrow(TypeError);
    expect(() => kernel.encodeAll(null as unknown as number[][])).toThrow(TypeError);
  });

  it('does not mutate the ranking it encodes', () => {
    const kernel = createRboKernel(3);
    const ranking = Object.freeze([Object.freeze([2, 0]), 1]);
    kernel.encode(ranking);
    expect(ranking).toEqual([[2, 0], 1]);
  });
});
