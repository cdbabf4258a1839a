import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { callCost, validatePool } from '../../src/pool/schema.js';
import { readPoolFile } from '../../src/adapters/node/pool-file.js';

const good = {
  models: {
    small: { baseURL: 'http://127.0.0.1:8000/v1/', model: 'qwen', prices: { inputPer1M: 0.1, outputPer1M: 0.4 } },
    big: {
      baseUrl: 'https://api.example.com/v1',
      model: 'gpt-x',
      apiKeyEnv: 'EXAMPLE_KEY',
      prices: { inputPer1M: 5, outputPer1M: 15 },
      headers: { 'X-Team': 'routing' },
      timeoutMs: 1000,
      maxConcurrency: 2,
    },
  },
};

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FineRouterError);
    return { code: (error as FineRouterError).code, message: (error as Error).message };
  }
  throw new Error('expected a throw');
}

const with_ = (patch: (m: Record<string, unknown>) => void): unknown => {
  const copy = JSON.parse(JSON.stringify(good)) as { models: Record<string, Record<string, unknown>> };
  patch(copy.models.big!);
  return copy;
};

describe('validatePool', () => {
  it('normalizes baseURL → baseUrl, strips trailing slashes, keeps optional fields', () => {
    const pool = validatePool(good);
    expect(pool.models.small).toEqual({
      baseUrl: 'http://127.0.0.1:8000/v1',
      model: 'qwen',
      prices: { inputPer1M: 0.1, outputPer1M: 0.4 },
    });
    expect(pool.models.big!.headers).toEqual({ 'X-Team': 'routing' });
    expect(pool.models.big!.maxConcurrency).toBe(2);
    expect(pool.models.big!.timeoutMs).toBe(1000);
    expect(pool.models.big!.apiKeyEnv).toBe('EXAMPLE_KEY');
  });

  it('does not mutate its input', () => {
    const input = JSON.parse(JSON.stringify(good));
    validatePool(input);
    expect(input).toEqual(good);
  });

  it.each([
    ['not an object', () => validatePool([]), 'the pool'],
    ['unknown top-level field', () => validatePool({ ...good, extra: 1 }), '"extra"'],
    ['empty models', () => validatePool({ models: {} }), 'models'],
    ['missing baseUrl', () => validatePool(with_((m) => delete m.baseUrl)), 'models["big"].baseUrl'],
    ['ftp url', () => validatePool(with_((m) => (m.baseUrl = 'ftp://x/v1'))), 'models["big"].baseUrl'],
    [
      'url with credentials',
      () => validatePool(with_((m) => (m.baseUrl = 'https://u:secret@x/v1'))),
      'models["big"].baseUrl',
    ],
    ['both spellings', () => validatePool(with_((m) => (m.baseURL = 'https://x/v1'))), 'models["big"].baseURL'],
    ['empty model', () => validatePool(with_((m) => (m.model = ''))), 'models["big"].model'],
    [
      'key instead of env name',
      () => validatePool(with_((m) => (m.apiKeyEnv = 'sk-abc123-xyz'))),
      'models["big"].apiKeyEnv',
    ],
    [
      'negative price',
      () => validatePool(with_((m) => (m.prices = { inputPer1M: -1, outputPer1M: 1 }))),
      'models["big"].prices.inputPer1M',
    ],
    [
      'missing output price',
      () => validatePool(with_((m) => (m.prices = { inputPer1M: 1 }))),
      'models["big"].prices.outputPer1M',
    ],
    [
      'typo in prices',
      () => validatePool(with_((m) => (m.prices = { inputPer1M: 1, outputPer1m: 1 }))),
      'models["big"].prices.outputPer1m',
    ],
    ['typo in a field', () => validatePool(with_((m) => (m.maxConcurency = 3))), 'models["big"].maxConcurency'],
    [
      'secret header',
      () => validatePool(with_((m) => (m.headers = { Authorization: 'Bearer sk-1' }))),
      'models["big"].headers.Authorization',
    ],
    [
      'header injection',
      () => validatePool(with_((m) => (m.headers = { 'X-A': 'a\r\nB: c' }))),
      'models["big"].headers.X-A',
    ],
    ['zero timeout', () => validatePool(with_((m) => (m.timeoutMs = 0))), 'models["big"].timeoutMs'],
    [
      'fractional concurrency',
      () => validatePool(with_((m) => (m.maxConcurrency = 1.5))),
      'models["big"].maxConcurrency',
    ],
  ])('rejects %s with POOL_INVALID naming the field', (_name, fn, field) => {
    const { code, message } = codeOf(fn);
    expect(code).toBe('POOL_INVALID');
    expect(message).toContain(field);
  });

  it('never echoes a secret-looking value in its message', () => {
    expect(codeOf(() => validatePool(with_((m) => (m.apiKeyEnv = 'sk-abc123-xyz')))).message).not.toContain(
      'sk-abc123',
    );
    expect(
      codeOf(() => validatePool(with_((m) => (m.headers = { Authorization: 'Bearer sk-1' })))).message,
    ).not.toContain('sk-1');
    expect(codeOf(() => validatePool(with_((m) => (m.baseUrl = 'https://u:secret@x/v1')))).message).not.toContain(
      'secret',
    );
  });
});

describe('callCost', () => {
  it('is usage × price per 1M tokens', () => {
    expect(callCost({ inputPer1M: 1, outputPer1M: 2 }, 1000, 500)).toBeCloseTo(0.002, 15);
    expect(callCost({ inputPer1M: 0, outputPer1M: 0 }, 10, 10)).toBe(0);
    expect(() => callCost({ inputPer1M: 1, outputPer1M: 1 }, -1, 0)).toThrow(RangeError);
  });
});

describe('readPoolFile', () => {
  it('reads JSON and names the file in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pool-'));
    const path = join(dir, 'pool.json');
    writeFileSync(path, JSON.stringify(good));
    expect(Object.keys((await readPoolFile(path)).models)).toEqual(['small', 'big']);
    writeFileSync(path, '{ nope');
    await expect(readPoolFile(path)).rejects.toMatchObject({ code: 'POOL_INVALID' });
    await expect(readPoolFile(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'POOL_INVALID' });
    writeFileSync(path, JSON.stringify({ models: { a: { baseUrl: 'http://x', model: 'a' } } }));
    await expect(readPoolFile(path)).rejects.toThrow(/pool\.json: models\["a"\]\.prices/);
  });
});
