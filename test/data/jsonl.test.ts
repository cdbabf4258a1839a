import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { itWithShared, sharedPath } from '../shared-data.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { readRoutingJsonl } from '../../src/adapters/node/jsonl.js';

const dir = mkdtempSync(join(tmpdir(), 'finerouter-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const good = (id: string, split?: string) =>
  JSON.stringify({ id, prompt: `prompt ${id}`, scores: { a: 1, b: 0 }, ...(split ? { split } : {}) });

describe('readRoutingJsonl', () => {
  it('reads valid lines in order and filters by split', async () => {
    const path = file('ok.jsonl', [good('1', 'train'), good('2', 'test'), '', good('3', 'train'), good('4')]);
    const all = await readRoutingJsonl(path);
    expect(all.records.map((r) => r.id)).toEqual(['1', '2', '3', '4']);
    expect(all.blank).toBe(1);
    const train = await readRoutingJsonl(path, { split: 'train' });
    expect(train.records.map((r) => r.id)).toEqual(['1', '3']);
    expect(train.filtered).toBe(2);
  });

  it('throws DATA_INVALID on the first bad line by default', async () => {
    const path = file('bad.jsonl', [good('1'), '{"id":"2","prompt":"p","scores":{"a":2}}', 'not json']);
    const error = await readRoutingJsonl(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe('DATA_INVALID');
    expect((error as FineRouterError).message).toMatch(/line 2/);
  });

  it('skips and reports bad lines and duplicate ids with line numbers', async () => {
    const path = file('skip.jsonl', [
      good('1'),
      '{"id":"2","prompt":"p","scores":{"a":2}}',
      'not json',
      good('1'),
      good('5'),
    ]);
    const result = await readRoutingJsonl(path, { onBadLine: 'skip' });
    expect(result.records.map((r) => r.id)).toEqual(['1', '5']);
    expect(result.skipped.map((s) => s.line)).toEqual([2, 3, 4]);
    expect(result.skipped[2]!.reason).toMatch(/duplicate id '1' \(first on line 1\)/);
  });

  it('reports a missing file as DATA_INVALID and rejects bad options', async () => {
    const missing = await readRoutingJsonl(join(dir, 'nope.jsonl')).catch((e: unknown) => e);
    expect((missing as FineRouterError).code).toBe('DATA_INVALID');
    const bad = await readRoutingJsonl(join(dir, 'ok.jsonl'), { onBadLine: 'ignore' as 'skip' }).catch(
      (e: unknown) => e,
    );
    expect((bad as FineRouterError).code).toBe('INVALID_ARGUMENT');
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await readRoutingJsonl(join(dir, 'ok.jsonl'), { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as FineRouterError).code).toBe('ABORTED');
  });

  const real = sharedPath('data/llmrouter-dcrouter/routing.jsonl');
  itWithShared(
    'reads the real llmrouter-dcrouter train split without bad lines',
    ['data/llmrouter-dcrouter/routing.jsonl'],
    async () => {
      const result = await readRoutingJsonl(real, { split: 'train' });
      expect(result.records.length).toBe(5608);
      expect(result.skipped).toEqual([]);
    },
  );
});
