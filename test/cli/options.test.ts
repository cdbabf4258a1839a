import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError, choiceFlag, integerAtLeast, numberFlag, parseFlags, suggestFlag } from '../../src/cli/options.js';
import { createProgress } from '../../src/cli/progress.js';
import { cachePaths, defaultCacheDir } from '../../src/adapters/node/cache-dir.js';

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
    expect(codeOf(() => numberFlag('train', 'epochs', '0', 'an integer ≥ 1', integerAtLeast(1)))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(() => numberFlag('train', 'epochs', '2.5', 'an integer ≥ 1', integerAtLeast(1)))).toBe(
      'INVALID_ARGUMENT',
    );
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

describe('parseFlags (the one option layer)', () => {
  const flags = { data: { type: 'string' }, epochs: { type: 'string' }, json: { type: 'boolean' } } as const;
  const usage = (fn: () => unknown): UsageError => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).code).toBe('INVALID_ARGUMENT');
      return error as UsageError;
    }
    throw new Error('expected a UsageError');
  };

  it('parses declared flags and positionals', () => {
    const { values, positionals } = parseFlags('x', ['--data', 'f', '--json', 'p'], flags, { positionals: true });
    expect(values).toEqual({ data: 'f', json: true });
    expect(positionals).toEqual(['p']);
  });

  it('suggests the closest flag for an unknown one', () => {
    expect(usage(() => parseFlags('train', ['--epoch', '3'], flags)).message).toMatch(
      /unknown option --epoch; did you mean --epochs\?/,
    );
    expect(usage(() => parseFlags('train', ['--zzzzzz'], flags)).message).not.toMatch(/did you mean/);
  });

  it('rejects missing values, unexpected positionals and missing required flags', () => {
    usage(() => parseFlags('train', ['--data'], flags));
    usage(() => parseFlags('train', ['stray'], flags));
    expect(usage(() => parseFlags('train', [], flags, { required: ['data'] })).message).toMatch(/--data is required/);
  });

  it('choiceFlag accepts listed words only', () => {
    expect(choiceFlag('x', 'objective', 'cpm', ['cpm', 'modularity'] as const)).toBe('cpm');
    expect(choiceFlag('x', 'objective', undefined, ['cpm'] as const)).toBeUndefined();
    usage(() => choiceFlag('x', 'objective', 'other', ['cpm', 'modularity'] as const));
  });

  it('suggestFlag finds typos and prefixes', () => {
    expect(suggestFlag('tolerence', ['tolerance', 'artifacts'])).toBe('tolerance');
    expect(suggestFlag('cache-dir', ['cache', 'data'])).toBe('cache');
    expect(suggestFlag('q', ['tolerance'])).toBeUndefined();
  });
});

describe('createProgress (the one progress renderer)', () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, write: (c: string) => chunks.push(c) } };
  };

  it('writes plain lines, one per tenth, without carriage returns when not a TTY', () => {
    const { chunks, stream } = sink(false);
    const p = createProgress({ stream, env: {} });
    for (let i = 0; i <= 100; i++) p.update('embed', i, 100);
    p.note('done');
    const text = chunks.join('');
    expect(text).not.toMatch(/\r/);
    expect(text.split('\n').filter((l) => l.startsWith('embed'))).toHaveLength(11);
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('redraws in place on a TTY, colours details unless NO_COLOR, and ends the bar with a newline', () => {
    const tty = sink(true);
    const p = createProgress({ stream: tty.stream, env: {} });
    p.update('train', 1, 2, 'loss 0.1');
    p.update('train', 2, 2, 'loss 0.05');
    expect(tty.chunks.join('')).toMatch(/^\r\x1b\[2K/);
    expect(tty.chunks.join('')).toMatch(/\x1b\[2m/);
    expect(tty.chunks.join('').endsWith('\n')).toBe(true);
    const plain = sink(true);
    createProgress({ stream: plain.stream, env: { NO_COLOR: '1' } }).update('train', 1, 2, 'loss');
    expect(plain.chunks.join('')).not.toMatch(/\x1b\[2m/);
  });
});

describe('defaultCacheDir', () => {
  it('follows FINEROUTER_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(defaultCacheDir({ FINEROUTER_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' })).toBe('/a');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/b' })).toBe(join('/b', 'finerouter'));
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'finerouter'));
    expect(cachePaths('/r')).toEqual({
      encoder: join('/r', 'minilm'),
      embeddings: join('/r', 'embeddings'),
      descriptions: join('/r', 'descriptions'),
    });
  });
});
