// `finerouter demo` end to end on the shipped sample (real MiniLM, real onnxruntime-node): the held-out report in
// --json, then --cv, whose cross-validation must cover every prompt of the file with coherent intervals.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { demoCommand } from '../../src/cli/commands/demo.js';

interface Interval {
  value: number;
  lo: number;
  hi: number;
}

describe('finerouter demo (shipped sample, real encoder and runtime)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finerouter-demo-'));
  const written: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  afterAll(() => {
    stdout.mockRestore();
    stderr.mockRestore();
  });
  const lastJson = (): Record<string, unknown> => JSON.parse(written.at(-1)!) as Record<string, unknown>;

  it('--cv cross-validates FineRouter and kNN over all 999 prompts; intervals contain their estimates', async () => {
    const out = join(dir, 'run');
    const args = ['--out', out, '--cache', join(dir, 'cache'), '--json'];
    expect(await demoCommand.run([...args, '--cv'])).toBe(0);
    const summary = lastJson();
    expect(summary.train).toBe(931);
    expect(summary.test).toBe(68);
    expect(JSON.parse(readFileSync(join(out, 'artifacts', 'manifest.json'), 'utf8')).models).toHaveLength(9);
    const cv = summary.crossValidation as {
      folds: number;
      prompts: number;
      rows: { name: string; quality: Interval; vsBestSingle: (Interval & { significant: boolean }) | null }[];
    };
    expect(cv.folds).toBe(5);
    expect(cv.prompts).toBe(999);
    const names = cv.rows.map((r) => r.name);
    for (const n of ['best single (train folds)', 'finerouter', 'knn', 'oracle']) expect(names).toContain(n);
    for (const row of cv.rows) {
      expect(row.quality.value).toBeGreaterThanOrEqual(0);
      expect(row.quality.value).toBeLessThanOrEqual(1);
      expect(row.quality.lo).toBeLessThanOrEqual(row.quality.value);
      expect(row.quality.hi).toBeGreaterThanOrEqual(row.quality.value);
    }
    const byName = new Map(cv.rows.map((r) => [r.name, r]));
    const oracle = byName.get('oracle')!.quality.value;
    const fr = byName.get('finerouter')!;
    expect(fr.quality.value).toBeLessThanOrEqual(oracle);
    // The difference to the best single model is paired: its point equals the difference of the two means.
    const best = byName.get('best single (train folds)')!.quality.value;
    expect(fr.vsBestSingle!.value).toBeCloseTo(fr.quality.value - best, 12);
    expect(fr.vsBestSingle!.significant).toBe(fr.vsBestSingle!.lo > 0 || fr.vsBestSingle!.hi < 0);

    // Without --cv: the same held-out figures and no cross-validation (the run above is the same training).
    written.length = 0;
    expect(await demoCommand.run(args)).toBe(0);
    const plain = lastJson();
    expect(plain.crossValidation).toBeUndefined();
    expect(plain.comparison).toEqual(summary.comparison);
  }, 300_000);
});
