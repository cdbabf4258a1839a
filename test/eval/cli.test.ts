// `finerouter eval` end to end with the real MiniLM encoder and onnxruntime-node: train-first, then the
// written artifacts evaluated again through --artifacts, and a bad line counted, not averaged.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { mulberry32 } from '../../src/eval/baselines.js';

const TOPICS = [
  { words: ['integral', 'derivative', 'equation', 'matrix', 'prime'], best: 'mathy' },
  { words: ['poem', 'story', 'novel', 'metaphor', 'rhyme'], best: 'writer' },
  { words: ['python', 'function', 'compile', 'loop', 'array'], best: 'coder' },
];

function dataset(path: string): void {
  const rand = mulberry32(5);
  const lines: string[] = [];
  for (let i = 0; i < 150; i++) {
    const t = TOPICS[i % 3]!;
    const w = (): string => t.words[Math.floor(rand() * t.words.length)]!;
    const scores: Record<string, number> = {};
    for (const m of ['mathy', 'writer', 'coder']) scores[m] = rand() < (m === t.best ? 0.9 : 0.3) ? 1 : 0;
    lines.push(JSON.stringify({ id: `r${i}`, prompt: `Question ${i} about the ${w()} and the ${w()}: explain the ${w()}.`, scores, source: t.best, costs: { mathy: 1, writer: 2, coder: 3 } }));
  }
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
    const common = ['--data', data, '--cache', join(dir, 'cache'), '--seed', '3', '--epochs', '3', '--moe-hidden', '16', '--moe-projection', '16', '--moe-llm-embedding', '8'];
    expect(await evalCommand.run([...common, '--out', join(dir, 'a')])).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, 'a', 'report.json'), 'utf8'));
    expect(a.input.badLines).toBe(1);
    const names = a.methods.map((m: { name: string }) => m.name);
    for (const n of ['finerouter', 'oracle', 'random', 'knn', 'mlp', 'stage1-embedding', 'stage1-cls', 'stage2-only', 'general-only', 'model:mathy']) expect(names).toContain(n);
    expect(a.fineRouter.routeCheck.agreed).toBe(a.fineRouter.routeCheck.checked);
    expect(readFileSync(join(dir, 'a', 'report.md'), 'utf8')).toContain('| finerouter |');
    expect(readFileSync(join(dir, 'a', 'cost-quality.svg'), 'utf8')).toMatch(/^<svg/);

    expect(await evalCommand.run([...common, '--artifacts', join(dir, 'a', 'artifacts'), '--out', join(dir, 'b')])).toBe(0);
    const b = JSON.parse(readFileSync(join(dir, 'b', 'report.json'), 'utf8'));
    const quality = (r: { methods: { name: string; quality: number }[] }): [string, number][] => r.methods.map((m) => [m.name, m.quality]);
    // Same embeddings (cache), same split, same artifacts: the same numbers, except stage1-embedding, whose
    // centers come from discovery in the first run and from the classifier's relabelling in the second.
    expect(quality(b).filter(([n]) => n !== 'stage1-embedding')).toEqual(quality(a).filter(([n]) => n !== 'stage1-embedding'));
  }, 180_000);

  it('rejects a missing --data and a bad option value', async () => {
    expect(await evalCommand.run([])).toBe(2);
    await expect(evalCommand.run(['--data', data, '--sample', '2'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
