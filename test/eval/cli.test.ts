// `finerouter eval` end to end with the real MiniLM encoder and onnxruntime-node: train-first, then the
// written artifacts evaluated again through --artifacts, and a bad line counted, not averaged.
import { UsageError } from '../../src/cli/options.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { topicDatasetLines } from './topic-dataset.js';

function dataset(path: string): void {
  const lines = topicDatasetLines({
    seed: 5,
    count: 150,
    prompt: (i, word) => `Question ${i} about the ${word()} and the ${word()}: explain the ${word()}.`,
    extra: (best) => ({ source: best, costs: { mathy: 1, writer: 2, coder: 3 } }),
  });
  lines.splice(7, 0, '{"id": "broken", "prompt": ');
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('finerouter eval (real encoder, real runtime)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finerouter-eval-'));
  const data = join(dir, 'routing.jsonl');
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  beforeAll(() => dataset(data));
  afterAll(() => {
    stdout.mockRestore();
    stderr.mockRestore();
  });

  it('trains on the train split, writes the report and artifacts, and re-evaluates the artifacts identically', async () => {
    const common = [
      '--data',
      data,
      '--cache',
      join(dir, 'cache'),
      '--seed',
      '3',
      '--epochs',
      '3',
      '--moe-hidden',
      '16',
      '--moe-projection',
      '16',
      '--moe-llm-embedding',
      '8',
    ];
    expect(await evalCommand.run([...common, '--out', join(dir, 'a')])).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, 'a', 'report.json'), 'utf8'));
    expect(a.input.badLines).toBe(1);
    const names = a.methods.map((m: { name: string }) => m.name);
    for (const n of [
      'finerouter',
      'oracle',
      'random',
      'knn',
      'mlp',
      'stage1-embedding',
      'stage1-cls',
      'stage2-only',
      'general-only',
      'model:mathy',
    ])
      expect(names).toContain(n);
    expect(a.fineRouter.routeCheck.agreed).toBe(a.fineRouter.routeCheck.checked);
    expect(readFileSync(join(dir, 'a', 'report.md'), 'utf8')).toContain('| finerouter |');
    expect(readFileSync(join(dir, 'a', 'cost-quality.svg'), 'utf8')).toMatch(/^<svg/);

    expect(
      await evalCommand.run([...common, '--artifacts', join(dir, 'a', 'artifacts'), '--out', join(dir, 'b')]),
    ).toBe(0);
    const b = JSON.parse(readFileSync(join(dir, 'b', 'report.json'), 'utf8'));
    const quality = (r: { methods: { name: string; quality: number }[] }): [string, number][] =>
      r.methods.map((m) => [m.name, m.quality]);
    // Same embeddings (cache), same split, same artifacts: the same numbers, except stage1-embedding, whose
    // centers come from discovery in the first run and from the classifier's relabelling in the second.
    expect(quality(b).filter(([n]) => n !== 'stage1-embedding')).toEqual(
      quality(a).filter(([n]) => n !== 'stage1-embedding'),
    );
  }, 180_000);

  it('rejects a missing --data and a bad option value', async () => {
    await expect(evalCommand.run([])).rejects.toBeInstanceOf(UsageError); // `finerouter` exits 2 on usage errors
    await expect(evalCommand.run(['--data', data, '--sample', '2'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('--folds K: cross-validates every method on the whole file and writes crossval.json / crossval.md', async () => {
    const out = join(dir, 'cv');
    const args = [
      '--data',
      data,
      '--cache',
      join(dir, 'cache'),
      '--folds',
      '3',
      '--seed',
      '1',
      '--bootstrap',
      '200',
      '--epochs',
      '3',
      '--moe-hidden',
      '16',
      '--moe-projection',
      '16',
      '--moe-llm-embedding',
      '8',
      '--out',
      out,
    ];
    expect(await evalCommand.run(args)).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'crossval.json'), 'utf8'));
    expect(r.schema).toBe('finerouter/crossval-report');
    expect(r.prompts).toBe(150);
    expect(r.folds).toBe(3);
    expect(r.failures).toEqual([]);
    const names = r.rows.map((x: { name: string }) => x.name);
    for (const n of [
      'best single (train folds)',
      'random',
      'per-source-oracle',
      'knn',
      'mlp',
      'finerouter',
      'task-oracle:finerouter',
      'stage1-only',
      'stage2-only',
      'general-only',
      'oracle',
      'model:mathy',
    ])
      expect(names).toContain(n);
    const row = (n: string) => r.rows.find((x: { name: string }) => x.name === n);
    // Topic-specialist data: the per-source oracle and kNN beat the best single model; the oracle bounds everything.
    expect(row('per-source-oracle').vsBestSingle.significant).toBe(true);
    expect(row('per-source-oracle').vsBestSingle.value).toBeGreaterThan(0.2);
    for (const x of r.rows) expect(x.quality.value).toBeLessThanOrEqual(row('oracle').quality.value + 1e-12);
    expect(row('finerouter').cost).not.toBeNull();
    expect(row('finerouter').curve.length).toBeGreaterThan(1);
    // Stratified by source: every fold holds 16 or 17 prompts of each of the three sources.
    for (const counts of Object.values(r.strata) as number[][]) for (const c of counts) expect([16, 17]).toContain(c);
    const md = readFileSync(join(out, 'crossval.md'), 'utf8');
    expect(md).toContain('| finerouter |');
    expect(md).toContain('Zero router');
    // Same seed, same numbers (embeddings from the cache now).
    expect(await evalCommand.run([...args.slice(0, -1), join(dir, 'cv2')])).toBe(0);
    const r2 = JSON.parse(readFileSync(join(dir, 'cv2', 'crossval.json'), 'utf8'));
    expect(r2.rows.map((x: { quality: unknown }) => x.quality)).toEqual(
      r.rows.map((x: { quality: unknown }) => x.quality),
    );
    // --jobs 2 (the built CLI, folds in two worker processes): the same figures.
    const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
    await promisify(execFile)(process.execPath, [cli, 'eval', ...args.slice(0, -1), join(dir, 'cv3'), '--jobs', '2']);
    const r3 = JSON.parse(readFileSync(join(dir, 'cv3', 'crossval.json'), 'utf8'));
    expect(r3.rows.map((x: { quality: unknown; vsBestSingle: unknown }) => [x.quality, x.vsBestSingle])).toEqual(
      r.rows.map((x: { quality: unknown; vsBestSingle: unknown }) => [x.quality, x.vsBestSingle]),
    );
    await expect(evalCommand.run(['--data', data, '--folds', '3', '--jobs', '0'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(evalCommand.run(['--data', data, '--jobs', '2'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(evalCommand.run(['--data', data, '--folds', '1'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(evalCommand.run(['--data', data, '--folds', '3', '--methods', 'knn,nope'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  }, 300_000);
});
