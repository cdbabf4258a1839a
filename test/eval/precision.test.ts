// Paired comparisons in cross-validation: the share of identical routing decisions against the reference (pure,
// hand-checked on synthetic data), and `finerouter eval --folds K --precision/--compare-precision/--train-seeds`
// end to end with the real MiniLM encoder (fp32 and int8 graphs) and onnxruntime-node.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { crossValidate } from '../../src/eval/crossval.js';
import { summarizeCrossVal } from '../../src/eval/bootstrap.js';
import { crossValMarkdown } from '../../src/eval/crossval-report.js';
import { knnMethod, randomMethod } from '../../src/eval/methods/baselines.js';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { UsageError } from '../../src/cli/options.js';
import { D, synthetic } from './synthetic.js';
import { topicDatasetLines } from './topic-dataset.js';

describe('summarizeCrossVal: identical decisions against the reference', () => {
  const { records, embeddings } = synthetic(180, 11);
  it('is 1 for a method that chooses as the reference does, the hand-counted share otherwise', async () => {
    const copy = { ...knnMethod({ kGrid: [5] }), name: 'knn-copy' };
    const cv = await crossValidate({
      records,
      embeddings,
      dimension: D,
      methods: [knnMethod({ kGrid: [5] }), copy, randomMethod()],
      folds: 3,
      seed: 1,
    });
    const s = summarizeCrossVal(cv, { resamples: 300, seed: 2, reference: 'knn' });
    const row = (n: string) => s.rows.find((r) => r.name === n)!;
    expect(row('knn').agreement).toBeUndefined();
    expect(row('knn-copy').agreement).toEqual({ value: 1, lo: 1, hi: 1 });
    const knn = cv.methods.find((m) => m.name === 'knn')!;
    const random = cv.methods.find((m) => m.name === 'random')!;
    let same = 0;
    for (let i = 0; i < knn.choice.length; i++) if (knn.choice[i] === random.choice[i]) same++;
    const a = row('random').agreement!;
    expect(a.value).toBeCloseTo(same / knn.choice.length, 12);
    expect(a.value).toBeGreaterThan(0);
    expect(a.value).toBeLessThan(1);
    expect(a.lo).toBeLessThanOrEqual(a.value);
    expect(a.hi).toBeGreaterThanOrEqual(a.value);
    expect(a.hi - a.lo).toBeGreaterThan(0);
    // Rows that are not methods carry none; without a reference no row does.
    expect(row('oracle').agreement).toBeUndefined();
    const none = summarizeCrossVal(cv, { resamples: 50, reference: 'absent' });
    expect(none.rows.every((r) => r.agreement === undefined)).toBe(true);
    const md = crossValMarkdown(s);
    expect(md).toContain('same choice as knn % [95% CI]');
    expect(md).toMatch(/\| knn-copy \|.*\| 100\.0 \[100\.0, 100\.0\] \|/);
  });
  it('adding the agreement columns leaves every other figure as it was (same resampling stream)', async () => {
    const cv = await crossValidate({
      records,
      embeddings,
      dimension: D,
      methods: [knnMethod({ kGrid: [5] }), randomMethod()],
      folds: 3,
      seed: 5,
    });
    const withRef = summarizeCrossVal(cv, { resamples: 200, seed: 3, reference: 'knn' });
    const withoutRef = summarizeCrossVal(cv, { resamples: 200, seed: 3, reference: 'absent' });
    expect(withRef.rows.map((r) => [r.quality, r.vsBestSingle, r.headroom])).toEqual(
      withoutRef.rows.map((r) => [r.quality, r.vsBestSingle, r.headroom]),
    );
  });
});

function dataset(path: string): void {
  const lines = topicDatasetLines({
    seed: 9,
    count: 120,
    prompt: (i, word) => `Tell me about the ${word()}, the ${word()} and the ${word()} (${i}).`,
  });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('finerouter eval --folds K with --precision, --compare-precision, --train-seeds (real encoders)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finerouter-eval-precision-'));
  const data = join(dir, 'routing.jsonl');
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  beforeAll(() => dataset(data));
  afterAll(() => {
    stdout.mockRestore();
    stderr.mockRestore();
  });

  it('rejects bad values and flags that do not apply', async () => {
    const cv = ['--data', data, '--folds', '2'];
    const bad = [
      [...cv, '--precision', 'int4'],
      [...cv, '--precision', 'INT8'],
      [...cv, '--compare-precision', 'fp16'],
      [...cv, '--compare-precision', 'fp32'], // the run's own precision
      [...cv, '--precision', 'int8', '--compare-precision', 'int8'],
      [...cv, '--train-seeds', '1,x'],
      [...cv, '--train-seeds', '1.5'],
      [...cv, '--train-seeds', ''],
      [...cv, '--train-seeds', '2,2'],
      ['--data', data, '--compare-precision', 'int8'], // without --folds
      ['--data', data, '--train-seeds', '1'],
    ];
    for (const argv of bad) {
      const run = evalCommand.run(argv);
      await expect(run, argv.join(' ')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(evalCommand.run([...cv, '--precision', 'int4'])).rejects.toBeInstanceOf(UsageError);
  });

  it('trains and routes on int8 vectors, records the encoder ids, and pairs the fp32 and seed rows', async () => {
    const out = join(dir, 'cv');
    const cache = join(dir, 'cache');
    const args = [
      '--data',
      data,
      '--cache',
      cache,
      '--folds',
      '2',
      '--seed',
      '4',
      '--bootstrap',
      '100',
      '--methods',
      'finerouter,knn',
      '--precision',
      'int8',
      '--compare-precision',
      'fp32',
      '--train-seeds',
      '7',
      '--epochs',
      '2',
      '--moe-hidden',
      '8',
      '--moe-projection',
      '8',
      '--moe-llm-embedding',
      '4',
      '--out',
      out,
    ];
    expect(await evalCommand.run(args)).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'crossval.json'), 'utf8'));
    expect(r.failures).toEqual([]);
    expect(r.encoder).toEqual({ id: 'sentence-transformers/all-MiniLM-L6-v2#int8', precision: 'int8', dimension: 384 });
    expect(r.compare).toEqual({
      encoder: { id: 'sentence-transformers/all-MiniLM-L6-v2', precision: 'fp32' },
      trainSeeds: [7],
    });
    // Each fold's trained manifest names the encoder its vectors came from, and the seed it was trained with.
    const info = r.methodInfo as Record<string, { encoder: string; trainSeed: number }[]>;
    expect(info.finerouter!.map((x) => [x.encoder, x.trainSeed])).toEqual([
      ['sentence-transformers/all-MiniLM-L6-v2#int8', 4],
      ['sentence-transformers/all-MiniLM-L6-v2#int8', 4],
    ]);
    expect(info['finerouter@fp32']!.map((x) => [x.encoder, x.trainSeed])).toEqual([
      ['sentence-transformers/all-MiniLM-L6-v2', 4],
      ['sentence-transformers/all-MiniLM-L6-v2', 4],
    ]);
    expect(info['finerouter@seed=7']!.map((x) => [x.encoder, x.trainSeed])).toEqual([
      ['sentence-transformers/all-MiniLM-L6-v2#int8', 7],
      ['sentence-transformers/all-MiniLM-L6-v2#int8', 7],
    ]);
    // Both precisions' vectors went to their own cache files (keyed by encoder id).
    const files = readdirSync(join(cache, 'embeddings'));
    expect(files.some((f) => f.includes('MiniLM-L6-v2_int8-384'))).toBe(true);
    expect(files.some((f) => f.startsWith('sentence-transformers_all-MiniLM-L6-v2-384'))).toBe(true);
    const row = (n: string) => r.rows.find((x: { name: string }) => x.name === n);
    for (const n of ['finerouter@fp32', 'finerouter@seed=7', 'knn']) {
      const a = row(n).agreement;
      expect(a.value).toBeGreaterThanOrEqual(0);
      expect(a.value).toBeLessThanOrEqual(1);
      expect(a.lo).toBeLessThanOrEqual(a.value);
      expect(a.hi).toBeGreaterThanOrEqual(a.value);
      expect(row(n).vsReference).not.toBeNull();
    }
    expect(row('finerouter').agreement).toBeUndefined();
    const md = readFileSync(join(out, 'crossval.md'), 'utf8');
    expect(md).toContain('--precision int8 --compare-precision fp32 --train-seeds 7');
    expect(md).toContain('Encoder sentence-transformers/all-MiniLM-L6-v2#int8');
    expect(md).toContain('| finerouter@fp32 |');
    expect(existsSync(join(out, 'crossval.json'))).toBe(true);
  }, 300_000);
});
