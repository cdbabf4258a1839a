import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { labelCommand } from '../../src/cli/commands/label.js';
import { COMMANDS } from '../../src/cli/commands/registry.js';
import { FineRouterError } from '../../src/errors.js';
import { startFakeOpenAi, type FakeServer } from './fake-openai.js';
import { question, sums, worldModels, worldPool } from './world.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

async function setup(poolExtra: Record<string, unknown> = {}, keys?: Record<string, string>) {
  server = await startFakeOpenAi({ models: worldModels, ...(keys ? { keys } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'label-cli-'));
  const prompts = join(dir, 'prompts.csv');
  writeFileSync(
    prompts,
    `id,prompt,reference\n${sums(6)
      .map((s) => `${s.id},"${question(s)}",${s.a + s.b}`)
      .join('\n')}\n`,
  );
  const pool = join(dir, 'pool.json');
  writeFileSync(pool, JSON.stringify(worldPool(server.url, true, poolExtra)));
  return { dir, prompts, pool, out: join(dir, 'routing.jsonl') };
}

function capture(): { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  return { stdout: () => out, stderr: () => err };
}

describe('finerouter label (command)', () => {
  it('is registered', () => expect(COMMANDS.map((c) => c.name)).toEqual(expect.arrayContaining(['label', 'convert'])));

  it('--dry-run estimates calls and cost and calls nothing', async () => {
    const { prompts, pool, out } = await setup();
    const io = capture();
    expect(
      await labelCommand.run([
        '--prompts',
        prompts,
        '--pool',
        pool,
        '--judge',
        'llm-rubric',
        '--judge-model',
        'judge',
        '--out',
        out,
        '--dry-run',
        '--json',
        '--max-tokens',
        '1000',
      ]),
    ).toBe(0);
    const plan = JSON.parse(io.stdout()) as {
      pairs: number;
      generationCalls: number;
      judgeCalls: number;
      maxUsd: number;
      typicalUsd: number;
      models: { model: string }[];
    };
    expect(plan).toMatchObject({ pairs: 18, generationCalls: 18, judgeCalls: 18 });
    expect(plan.models.map((m) => m.model)).toEqual(['oracle', 'half', 'never']); // the judge is not a candidate
    expect(plan.maxUsd).toBeGreaterThan(plan.typicalUsd);
    expect(server!.requests).toHaveLength(0);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.store.jsonl`)).toBe(false); // a dry run creates no store
  });

  it('exits 3 at the spend limit with outputs written, and a rerun finishes', async () => {
    const { prompts, pool, out } = await setup();
    const io = capture();
    const args = [
      '--prompts',
      prompts,
      '--pool',
      pool,
      '--judge',
      'numeric',
      '--models',
      'oracle,half,never',
      '--out',
      out,
      '--max-tokens',
      '8',
      '--concurrency',
      '1',
    ];
    expect(await labelCommand.run([...args, '--spend-limit', '0.0008'])).toBe(3);
    const first = server!.requests.length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(18);
    const summary = JSON.parse(readFileSync(`${out}.summary.json`, 'utf8')) as { stopped: string; spentUsd: number };
    expect(summary.stopped).toBe('spend-limit');
    expect(summary.spentUsd).toBeLessThanOrEqual(0.0008);
    expect(io.stdout()).toMatch(/stopped at the spend limit/);
    expect(await labelCommand.run(args)).toBe(0);
    expect(server!.requests).toHaveLength(18);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(6);
  });

  it('sends keys only to their endpoint and never prints them', async () => {
    const secret = 'sk-test-abcdef123456';
    process.env.FINEROUTER_TEST_KEY = secret;
    try {
      const { prompts, pool, out, dir } = await setup(
        { apiKeyEnv: 'FINEROUTER_TEST_KEY' },
        { 'up-oracle': 'other-key' },
      );
      const io = capture();
      expect(
        await labelCommand.run([
          '--prompts',
          prompts,
          '--pool',
          pool,
          '--judge',
          'numeric',
          '--models',
          'oracle,half,never',
          '--out',
          out,
          '--retries',
          '0',
        ]),
      ).toBe(0);
      expect(server!.requests.every((r) => r.authorization === `Bearer ${secret}`)).toBe(true);
      // oracle's endpoint wants another key: 401 on every oracle call, reported without the key
      const summary = readFileSync(`${out}.summary.json`, 'utf8');
      expect(summary).toMatch(/HTTP 401/);
      for (const text of [
        io.stdout(),
        io.stderr(),
        summary,
        readFileSync(`${out}.store.jsonl`, 'utf8'),
        readFileSync(out, 'utf8'),
        readFileSync(join(dir, 'pool.json'), 'utf8'),
      ]) {
        expect(text).not.toContain(secret);
      }
    } finally {
      delete process.env.FINEROUTER_TEST_KEY;
    }
  });

  it('rejects missing or bad arguments before calling anything', async () => {
    const { prompts, pool, out } = await setup();
    for (const args of [
      ['--pool', pool, '--judge', 'numeric', '--out', out],
      ['--prompts', prompts, '--pool', pool, '--judge', 'vibes', '--out', out],
      ['--prompts', prompts, '--pool', pool, '--judge', 'llm-rubric', '--out', out],
      ['--prompts', prompts, '--pool', pool, '--judge', 'llm-pairwise', '--judge-model', 'judge', '--out', out],
      ['--prompts', prompts, '--pool', pool, '--judge', 'numeric', '--models', 'gpt-9', '--out', out],
      ['--prompts', prompts, '--pool', pool, '--judge', 'numeric', '--spend-limit=-1', '--out', out],
    ]) {
      const e = await labelCommand.run(args).catch((error: unknown) => error);
      expect(e, args.join(' ')).toBeInstanceOf(FineRouterError);
      expect((e as FineRouterError).code).toBe('INVALID_ARGUMENT');
    }
    writeFileSync(pool, JSON.stringify({ models: { a: { baseUrl: 'http://127.0.0.1:1/v1', model: 'a' } } }));
    await expect(
      labelCommand.run(['--prompts', prompts, '--pool', pool, '--judge', 'numeric', '--out', out]),
    ).rejects.toMatchObject({ code: 'POOL_INVALID' });
    expect(server!.requests).toHaveLength(0);
  });
});
