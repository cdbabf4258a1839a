import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { integerAtLeast, numberFlag } from '../../src/cli/options.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof FineRouterError ? error.code : 'not a FineRouterError';
  }
  return undefined;
}

describe('numberFlag', () => {
  it('returns undefined for an absent flag and the number for a valid one', () => {
    expect(numberFlag('train', 'epochs', undefined)).toBeUndefined();
    expect(numberFlag('train', 'epochs', '12', 'an integer ≥ 1', integerAtLeast(1))).toBe(12);
    expect(numberFlag('route', 'tolerance', '0.25')).toBe(0.25);
  });

  it('rejects empty, non-numeric, non-finite and out-of-rule values with INVALID_ARGUMENT', () => {
    for (const raw of ['', '  ', 'abc', 'NaN', 'Infinity']) {
      expect(codeOf(() => numberFlag('eval', 'sample', raw))).toBe('INVALID_ARGUMENT');
    }
    expect(codeOf(() => numberFlag('train', 'epochs', '0', 'an integer ≥ 1', integerAtLeast(1)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => numberFlag('train', 'epochs', '2.5', 'an integer ≥ 1', integerAtLeast(1)))).toBe('INVALID_ARGUMENT');
  });

  it('lets a command accept Infinity explicitly', () => {
    expect(numberFlag('leiden', 'max-iterations', 'Infinity', 'a number', (x) => !Number.isNaN(x))).toBe(Infinity);
  });
});

describe('integerAtLeast', () => {
  it('accepts integers at or above the bound only', () => {
    const check = integerAtLeast(0);
    expect([0, 3].map(check)).toEqual([true, true]);
    expect([-1, 0.5, Number.NaN].map(check)).toEqual([false, false, false]);
  });
});
