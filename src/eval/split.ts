/**
 * Deterministic train/dev/test splits for routing evaluation.
 *
 * Policy (documented in docs/EVALUATION.md):
 * 1. When the records carry their own `split` field with both a `train` and a `test` value (llmrouter-dcrouter,
 *    routerdc-7model), those are used as given. Any other split value (routerdc's `ood`) becomes an extra named
 *    split, reported separately. Records without a split value are counted in `unlabelled` and left out.
 * 2. Otherwise (no split field, or only one value such as routeprofile-test's all-`test`), every record is placed
 *    by a hash of its id: FNV-1a 32-bit of `${seed}:${id}`, divided by 2^32, cut at the cumulative fractions
 *    (default 80/10/10 train/dev/test).
 * 3. Where the data has no dev split, dev is carved from train by the same hash (default 10% of train), so dev
 *    prompts are never trained on.
 *
 * The hash split depends only on the ids and the seed: the same file gives the same split on every machine, and
 * adding records never moves existing ones.
 */
import type { RoutingRecord } from '../data/types.js';

/** Options of {@link splitRecords}. */
export interface SplitOptions {
  /** Salt of the id hash. @defaultValue 0 */
  seed?: number;
  /** train/dev/test fractions of a hash split (must sum to 1). @defaultValue [0.8, 0.1, 0.1] */
  fractions?: readonly [number, number, number];
  /** Fraction of the given train split carved out as dev when the data has its own split. @defaultValue 0.1 */
  devFraction?: number;
}

/** Defaults of {@link splitRecords}. @example splitRecords(records, { ...SPLIT_DEFAULTS, seed: 1 }) */
export const SPLIT_DEFAULTS: Readonly<Required<SplitOptions>> = Object.freeze({
  seed: 0,
  fractions: Object.freeze([0.8, 0.1, 0.1]) as unknown as readonly [number, number, number],
  devFraction: 0.1,
});

/** Record indices per split. */
export interface RecordSplit {
  /** `field` = the data's own split field, `hash` = id-hash split. */
  scheme: 'field' | 'hash';
  train: Int32Array;
  dev: Int32Array;
  test: Int32Array;
  /** Other split values of the data (e.g. `ood`), by name. */
  extra: Record<string, Int32Array>;
  /** Records without a split value when the field scheme is used (left out). */
  unlabelled: number;
  /** One-line human description of how the split was made. */
  description: string;
}

/**
 * FNV-1a 32-bit hash of a string's UTF-16 code units, as a number in [0, 1).
 * @param text - any string
 * @returns the hash divided by 2^32
 * @example hashUnit('0:abc') // a stable number in [0, 1)
 */
export function hashUnit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // One extra avalanche round (murmur3 fmix32) so ids that differ in the last character spread evenly.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/**
 * Splits routing records into train/dev/test (+ extra) by the policy in this file's header.
 * @param records - routing records (ids should be unique; duplicates are placed independently by the field or hash)
 * @param options - {@link SplitOptions}
 * @returns record indices per split, ascending
 * @throws TypeError when records is not an array or an id is not a string
 * @throws RangeError when fractions are negative or do not sum to 1, or devFraction is outside [0, 1)
 * @example
 * const s = splitRecords(records); // s.train, s.dev, s.test are Int32Array of record indices
 */
export function splitRecords(records: readonly RoutingRecord[], options: SplitOptions = {}): RecordSplit {
  if (!Array.isArray(records))
    throw new TypeError(`splitRecords: expected an array of records, received ${typeof records}`);
  const seed = options.seed ?? SPLIT_DEFAULTS.seed;
  const fractions = options.fractions ?? SPLIT_DEFAULTS.fractions;
  const devFraction = options.devFraction ?? SPLIT_DEFAULTS.devFraction;
  if (!Number.isFinite(seed)) throw new RangeError(`splitRecords: expected a finite seed, received ${seed}`);
  if (
    fractions.length !== 3 ||
    fractions.some((f) => !(f >= 0)) ||
    Math.abs(fractions[0] + fractions[1] + fractions[2] - 1) > 1e-9
  ) {
    throw new RangeError(
      `splitRecords: expected three non-negative fractions summing to 1, received [${fractions.join(', ')}]`,
    );
  }
  if (!(devFraction >= 0 && devFraction < 1))
    throw new RangeError(`splitRecords: expected devFraction in [0, 1), received ${devFraction}`);
  for (let i = 0; i < records.length; i++) {
    if (typeof records[i]?.id !== 'string')
      throw new TypeError(`splitRecords: expected record ${i} to have a string id, received ${typeof records[i]?.id}`);
  }
  const values = new Set<string>();
  for (const r of records) if (typeof r.split === 'string') values.add(r.split);
  const hashOf = (id: string): number => hashUnit(`${seed}:${id}`);

  if (values.has('train') && values.has('test')) {
    const train: number[] = [];
    const dev: number[] = [];
    const test: number[] = [];
    const extra: Record<string, number[]> = {};
    let unlabelled = 0;
    for (let i = 0; i < records.length; i++) {
      const s = records[i]!.split;
      if (s === 'train') (hashOf(records[i]!.id) < devFraction ? dev : train).push(i);
      else if (s === 'test') test.push(i);
      else if (s === 'dev' || s === 'validation' || s === 'val') dev.push(i);
      else if (typeof s === 'string') (extra[s] ??= []).push(i);
      else unlabelled++;
    }
    const hasOwnDev = values.has('dev') || values.has('validation') || values.has('val');
    const extraOut: Record<string, Int32Array> = {};
    for (const [k, v] of Object.entries(extra)) extraOut[k] = Int32Array.from(v);
    return {
      scheme: 'field',
      train: Int32Array.from(train),
      dev: Int32Array.from(dev),
      test: Int32Array.from(test),
      extra: extraOut,
      unlabelled,
      description: hasOwnDev
        ? "the data's own split field (train/dev/test)"
        : `the data's own split field (train/test); dev = ${Math.round(devFraction * 100)}% of train by id hash (seed ${seed})`,
    };
  }
  const train: number[] = [];
  const dev: number[] = [];
  const test: number[] = [];
  const cut1 = fractions[0];
  const cut2 = fractions[0] + fractions[1];
  for (let i = 0; i < records.length; i++) {
    const u = hashOf(records[i]!.id);
    (u < cut1 ? train : u < cut2 ? dev : test).push(i);
  }
  const pct = fractions.map((f) => Math.round(f * 100)).join('/');
  return {
    scheme: 'hash',
    train: Int32Array.from(train),
    dev: Int32Array.from(dev),
    test: Int32Array.from(test),
    extra: {},
    unlabelled: 0,
    description: `id hash split ${pct} train/dev/test (FNV-1a + fmix32 of "seed:id", seed ${seed})${values.size > 0 ? `; the data's split field has only [${[...values].join(', ')}]` : ''}`,
  };
}

/**
 * A deterministic subsample of the records: record i is kept when hashUnit(`sample:${id}`) < fraction. The hash
 * ignores the seed on purpose, so a larger fraction always contains a smaller one (embedding caches filled in
 * this order serve every fraction up to their coverage).
 * @param records - routing records
 * @param fraction - share to keep, in (0, 1]
 * @returns kept record indices, ascending
 * @throws RangeError when fraction is outside (0, 1]
 * @example sampleIndices(records, 0.25)
 */
export function sampleIndices(records: readonly RoutingRecord[], fraction: number): Int32Array {
  if (!(fraction > 0 && fraction <= 1))
    throw new RangeError(`sampleIndices: expected a fraction in (0, 1], received ${fraction}`);
  const out: number[] = [];
  for (let i = 0; i < records.length; i++)
    if (fraction === 1 || hashUnit(`sample:${records[i]!.id}`) < fraction) out.push(i);
  return Int32Array.from(out);
}
