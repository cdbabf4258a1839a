import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { modelsOf, parseRoutingLine, rankingIndices } from '../../src/data/parse.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof FineRouterError ? error.code : `not FineRouterError: ${String(error)}`;
  }
  return undefined;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('parseRoutingLine', () => {
  it('parses a full record and drops unknown fields', () => {
    const r = parseRoutingLine(
      JSON.stringify({
        id: 'x1',
        prompt: 'What is 2+2?',
        scores: { a: 1, b: 0.25 },
        costs: { a: 0.001 },
        source: 'gsm8k',
        split: 'train',
        cluster_id: 2,
      }),
      7,
    );
    expect(r).toEqual({
      id: 'x1',
      prompt: 'What is 2+2?',
      scores: { a: 1, b: 0.25 },
      costs: { a: 0.001 },
      source: 'gsm8k',
      split: 'train',
    });
  });

  it('treats null optional fields as absent', () => {
    const r = parseRoutingLine('{"id":"1","prompt":"p","scores":{"a":0},"costs":null,"source":null}', 1);
    expect(r).toEqual({ id: '1', prompt: 'p', scores: { a: 0 } });
  });

  it.each([
    ['malformed JSON', '{"id": "1", "prompt": '],
    ['an array', '[1,2]'],
    ['a number', '3'],
    ['missing id', '{"prompt":"p","scores":{"a":1}}'],
    ['numeric id', '{"id":3,"prompt":"p","scores":{"a":1}}'],
    ['empty id', '{"id":"","prompt":"p","scores":{"a":1}}'],
    ['missing prompt', '{"id":"1","scores":{"a":1}}'],
    ['scores not an object', '{"id":"1","prompt":"p","scores":[1]}'],
    ['empty scores', '{"id":"1","prompt":"p","scores":{}}'],
    ['score above 1', '{"id":"1","prompt":"p","scores":{"a":1.5}}'],
    ['negative score', '{"id":"1","prompt":"p","scores":{"a":-0.1}}'],
    ['string score', '{"id":"1","prompt":"p","scores":{"a":"1"}}'],
    ['null score (NaN in JSON)', '{"id":"1","prompt":"p","scores":{"a":null}}'],
    ['negative cost', '{"id":"1","prompt":"p","scores":{"a":1},"costs":{"a":-1}}'],
    ['non-string source', '{"id":"1","prompt":"p","scores":{"a":1},"source":5}'],
  ])('rejects %s with DATA_INVALID naming the line', (_name, line) => {
    expect(codeOf(() => parseRoutingLine(line, 42))).toBe('DATA_INVALID');
    expect(messageOf(() => parseRoutingLine(line, 42))).toMatch(/^line 42:/);
  });

  it('rejects bad arguments with TypeError / RangeError', () => {
    expect(() => parseRoutingLine(5 as unknown as string, 1)).toThrow(TypeError);
    expect(() => parseRoutingLine('{}', 0)).toThrow(RangeError);
  });
});

describe('modelsOf', () => {
  it('is the sorted union of scored models (models missing from some lines included)', () => {
    const records = [
      { id: '1', prompt: '', scores: { zeta: 1, alpha: 0 } },
      { id: '2', prompt: '', scores: { mid: 0.5 } },
      { id: '3', prompt: '', scores: { alpha: 1 } },
    ];
    expect(modelsOf(records)).toEqual(['alpha', 'mid', 'zeta']);
    expect(modelsOf([])).toEqual([]);
  });
});

describe('rankingIndices', () => {
  const index = new Map([
    ['a', 0],
    ['b', 1],
    ['c', 2],
    ['d', 3],
  ]);
  it('groups ties best first, indices ascending, absent models left out', () => {
    expect(rankingIndices({ id: '1', prompt: '', scores: { c: 1, a: 1, b: 0 } }, index)).toEqual([[0, 2], [1]]);
    expect(rankingIndices({ id: '1', prompt: '', scores: { d: 0.2, b: 0.9, a: 0.5 } }, index)).toEqual([[1], [0], [3]]);
  });
  it('throws RangeError for a model outside the index', () => {
    expect(() => rankingIndices({ id: '1', prompt: '', scores: { q: 1 } }, index)).toThrow(RangeError);
  });
});
