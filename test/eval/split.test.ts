import { describe, expect, it } from 'vitest';
import type { RoutingRecord } from '../../src/data/types.js';
import { hashUnit, splitRecords } from '../../src/eval/split.js';

const make = (n: number, split?: (i: number) => string | undefined): RoutingRecord[] =>
  Array.from({ length: n }, (_, i) => {
    const s = split?.(i);
    return { id: `id-${i}`, prompt: `p${i}`, scores: { a: 1 }, ...(s === undefined ? {} : { split: s }) };
  });

describe('splitRecords', () => {
  it('hash-splits ids 80/10/10, deterministically, independent of record order', () => {
    const records = make(5000);
    const a = splitRecords(records);
    const b = splitRecords([...records].reverse());
    expect(a.scheme).toBe('hash');
    expect(a.train.length + a.dev.length + a.test.length).toBe(5000);
    expect(a.train.length / 5000).toBeGreaterThan(0.77);
    expect(a.train.length / 5000).toBeLessThan(0.83);
    expect(a.test.length / 5000).toBeGreaterThan(0.08);
    expect(a.test.length / 5000).toBeLessThan(0.12);
    const idsA = new Set(Array.from(a.test, (i) => records[i]!.id));
    const idsB = new Set(Array.from(b.test, (i) => [...records].reverse()[i]!.id));
    expect(idsA).toEqual(idsB);
    expect(splitRecords(records)).toEqual(a);
  });
  it('changes with the seed', () => {
    const records = make(500);
    expect(Array.from(splitRecords(records, { seed: 1 }).test)).not.toEqual(
      Array.from(splitRecords(records, { seed: 2 }).test),
    );
  });
  it("uses the data's own train/test field, carves dev from train and keeps other values separate", () => {
    const records = make(1000, (i) => (i % 10 === 0 ? 'test' : i % 10 === 1 ? 'ood' : i === 999 ? undefined : 'train'));
    const s = splitRecords(records);
    expect(s.scheme).toBe('field');
    expect(s.test.length).toBe(100);
    expect(s.extra.ood!.length).toBe(100);
    expect(s.unlabelled).toBe(1);
    expect(s.train.length + s.dev.length).toBe(799);
    expect(s.dev.length).toBeGreaterThan(50);
    for (const i of s.dev) expect(records[i]!.split).toBe('train');
  });
  it('falls back to the hash split when the field has only one value (routeprofile-test)', () => {
    const s = splitRecords(make(200, () => 'test'));
    expect(s.scheme).toBe('hash');
    expect(s.train.length).toBeGreaterThan(100);
  });
  it('rejects bad fractions and ids', () => {
    expect(() => splitRecords(make(3), { fractions: [0.5, 0.5, 0.5] })).toThrow(RangeError);
    expect(() => splitRecords(make(3), { devFraction: 1 })).toThrow(RangeError);
    expect(() => splitRecords([{ id: 3 } as unknown as RoutingRecord])).toThrow(TypeError);
  });
  it('hashUnit is stable and in [0, 1)', () => {
    expect(hashUnit('0:abc')).toBe(hashUnit('0:abc'));
    expect(hashUnit('0:abc')).not.toBe(hashUnit('0:abd'));
    for (let i = 0; i < 100; i++) {
      const u = hashUnit(`x${i}`);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });
});
