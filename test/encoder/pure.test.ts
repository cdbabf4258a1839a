import { describe, expect, it } from 'vitest';
import { createTruncatingTokenizer, padBatch } from '../../src/encoder/tokenize.js';
import type { TokenizerLike } from '../../src/encoder/tokenize.js';
import { assertTexts, createSentenceEncoder, poolAndNormalize } from '../../src/encoder/sentence-encoder.js';
import type { RuntimeSession, RuntimeTensor } from '../../src/runtime/types.js';
import { FineRouterError } from '../../src/errors.js';

/** Fake RoBERTa-like tokenizer: one id per whitespace word (id = word length + 10), template <s>=0 … </s>=2. */
const fake: TokenizerLike = {
  encodeIds(text, special) {
    const ids = text
      .split(/\s+/)
      .filter((w) => w.length > 0)
      .map((w) => 10 + w.length);
    return special ? [0, ...ids, 2] : ids;
  },
};

describe('createTruncatingTokenizer', () => {
  it('learns the template and keeps the closing token last', () => {
    const t = createTruncatingTokenizer(fake, { maxTokens: 5 });
    expect(t.prefix).toEqual([0]);
    expect(t.suffix).toEqual([2]);
    expect(Array.from(t.encode('a bb ccc dddd eeeee'))).toEqual([0, 11, 12, 13, 2]);
    expect(Array.from(t.encode(''))).toEqual([0, 2]);
  });

  it('long texts through growing prefixes give the same ids as the whole text', () => {
    const t = createTruncatingTokenizer(fake, { maxTokens: 10 });
    const words = Array.from({ length: 5000 }, (_, i) => 'w'.repeat((i % 5) + 1)).join(' ');
    const whole = [0, ...fake.encodeIds(words, false).slice(0, 8), 2];
    expect(Array.from(t.encode(words))).toEqual(whole);
  });

  it('rejects a budget without room for text and templates that drop the text ids', () => {
    expect(() => createTruncatingTokenizer(fake, { maxTokens: 2 })).toThrow(RangeError);
    const dropping: TokenizerLike = { encodeIds: (t, s) => (s ? [0, 2] : fake.encodeIds(t, false)) };
    expect(() => createTruncatingTokenizer(dropping)).toThrow(TypeError);
  });
});

describe('padBatch', () => {
  it('right-pads with the pad id and a zero mask', () => {
    const b = padBatch([Int32Array.of(101, 7, 102), Int32Array.of(101, 102)], 0);
    expect(b.length).toBe(3);
    expect(Array.from(b.inputIds, Number)).toEqual([101, 7, 102, 101, 102, 0]);
    expect(Array.from(b.attentionMask, Number)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(() => padBatch([], 0)).toThrow(RangeError);
  });
});

describe('poolAndNormalize', () => {
  // rows=1, seq=3 (last padded), hidden=2
  const states: RuntimeTensor = { type: 'float32', data: Float32Array.of(3, 0, 1, 4, 100, 100), dims: [1, 3, 2] };
  const mask = BigInt64Array.of(1n, 1n, 0n);
  it('mean, cls, max and lasttoken by hand', () => {
    const close = (a: Float32Array, b: number[]) => b.forEach((x, i) => expect(a[i]).toBeCloseTo(x, 6));
    close(poolAndNormalize(states, mask, 'mean'), [2 / Math.hypot(2, 2), 2 / Math.hypot(2, 2)]); // mean (2, 2)
    close(poolAndNormalize(states, mask, 'cls'), [1, 0]);
    close(poolAndNormalize(states, mask, 'max'), [3 / 5, 4 / 5]);
    close(poolAndNormalize(states, mask, 'lasttoken'), [1 / Math.hypot(1, 4), 4 / Math.hypot(1, 4)]);
  });
  it('normalizes pooled outputs and rejects NaN and bad ranks', () => {
    expect(
      Array.from(poolAndNormalize({ type: 'float32', data: Float32Array.of(0, 2), dims: [1, 2] }, mask, 'mean')),
    ).toEqual([0, 1]);
    expect(() =>
      poolAndNormalize({ type: 'float32', data: Float32Array.of(NaN, 1), dims: [1, 2] }, mask, 'mean'),
    ).toThrow(FineRouterError);
    expect(() => poolAndNormalize({ type: 'float32', data: Float32Array.of(1), dims: [1] }, mask, 'mean')).toThrow(
      FineRouterError,
    );
  });
});

describe('createSentenceEncoder with a fake session', () => {
  /** Fake model: the vector of a row is (number of real tokens, 1). Records batch shapes. */
  function fakeSession(shapes: number[][]): RuntimeSession {
    return {
      inputNames: ['input_ids', 'attention_mask', 'token_type_ids'],
      outputNames: ['sentence_embedding'],
      executionProvider: 'fake',
      async run(feeds) {
        const dims = feeds['attention_mask']!.dims;
        shapes.push([...dims]);
        if (feeds['token_type_ids'] === undefined) throw new Error('token_type_ids not fed');
        const m = feeds['attention_mask']!.data as BigInt64Array;
        const out = new Float32Array(dims[0]! * 2);
        for (let r = 0; r < dims[0]!; r++) {
          let n = 0;
          for (let s = 0; s < dims[1]!; s++) n += Number(m[r * dims[1]! + s]);
          out[r * 2] = n;
          out[r * 2 + 1] = 1;
        }
        return { sentence_embedding: { type: 'float32', data: out, dims: [dims[0]!, 2] } };
      },
      async release() {},
    };
  }
  it('sorts by length for batching, restores order, and feeds token_type_ids', async () => {
    const shapes: number[][] = [];
    const enc = await createSentenceEncoder({
      id: 'fake',
      session: fakeSession(shapes),
      tokenizer: createTruncatingTokenizer(fake),
      padId: 1,
    });
    expect(enc.dimension).toBe(2);
    shapes.length = 0;
    const texts = ['a', 'a b c d e', 'a b', 'a b c d', 'a b c'];
    const v = await enc.embed(texts, { batchSize: 2 });
    // longest first: token counts 7,6 | 5,4 | 3 (with <s></s>), each batch padded to its longest
    expect(shapes).toEqual([
      [2, 7],
      [2, 5],
      [1, 3],
    ]);
    texts.forEach((t, i) => {
      const n = t.split(' ').length + 2;
      expect(v[i * 2]).toBeCloseTo(n / Math.hypot(n, 1), 6);
    });
    // Batch plan: a 40-token text does not pad the short ones; 20 and 19 words stay together (one pad token is cheaper
    // than another run).
    shapes.length = 0;
    const long = Array.from({ length: 38 }, () => 'w').join(' ');
    const mid = Array.from({ length: 20 }, () => 'w').join(' ');
    const mid2 = Array.from({ length: 19 }, () => 'w').join(' ');
    const mixed = ['a b', long, 'a', mid, 'a b c', mid2];
    const seen: number[] = [];
    const w = await enc.embed(mixed, { batchSize: 32, onProgress: (done) => seen.push(done) });
    expect(shapes).toEqual([
      [1, 40],
      [2, 22],
      [3, 5],
    ]);
    expect(seen).toEqual([1, 3, 6]);
    mixed.forEach((t, i) => {
      const n = t.split(' ').length + 2;
      expect(w[i * 2]).toBeCloseTo(n / Math.hypot(n, 1), 6);
    });
    await enc.dispose();
    await expect(enc.embed(['a'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
  it('assertTexts names the index', () => {
    expect(() => assertTexts(['a', 3], 'embed')).toThrow(/index 1/);
  });
});
