import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import {
  convertLlmRouter,
  convertLong,
  convertRouteLlm,
  convertRouterBench,
  convertScoreArray,
} from '../../src/label/convert.js';
import { readTableFile } from '../../src/adapters/node/label-files.js';
import { readRoutingJsonl } from '../../src/adapters/node/jsonl.js';
import { convertCommand } from '../../src/cli/commands/convert.js';
import { parseRoutingLine } from '../../src/data/parse.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/label/${name}`, import.meta.url));
const valid = (records: unknown[]): void =>
  records.forEach((r, i) => expect(parseRoutingLine(JSON.stringify(r), i + 1)).toEqual(r));

describe('converters on published layouts', () => {
  it('RouteLLM mmlu table (real rows): True/False → 1/0, ids from the prompt hash', async () => {
    const { rows } = await readTableFile(fixture('routellm-mmlu_anatomy-head.csv'));
    const { records, report } = await convertRouteLlm(rows, { source: 'mmlu/anatomy' });
    expect(records).toHaveLength(4);
    expect(report.models).toEqual(['gpt-4-1106-preview', 'mistralai/Mixtral-8x7B-Instruct-v0.1']);
    expect(records[3]!.scores).toEqual({ 'mistralai/Mixtral-8x7B-Instruct-v0.1': 0, 'gpt-4-1106-preview': 1 });
    expect(records[0]!.prompt.startsWith('A lesion causing compression of the facial nerve')).toBe(true);
    expect(records[0]!.id).toMatch(/^h[0-9a-f]{16}$/);
    expect(records.every((r) => r.source === 'mmlu/anatomy' && r.costs === undefined)).toBe(true);
    expect(report.dropped).toEqual([]);
    valid(records);
    // the same rows again give the same ids (stable across files)
    const again = await convertRouteLlm(rows);
    expect(again.records.map((r) => r.id)).toEqual(records.map((r) => r.id));
  });

  it('LLMRouter dcrouter_preprocessed (real items): Python-dict score strings', async () => {
    const json = JSON.parse(readFileSync(fixture('dcrouter-test-head.json'), 'utf8')) as unknown[];
    const { records, report } = await convertScoreArray(json, { split: 'test' });
    expect(records).toHaveLength(3);
    expect(report.models).toHaveLength(9);
    for (const r of records) expect(Object.keys(r.scores)).toHaveLength(9);
    expect(records[0]!.split).toBe('test');
    valid(records);
  });

  it('RouterBench wide export: scores, M|total_cost costs, eval_name source, dropped cells reported', async () => {
    const { rows } = await readTableFile(fixture('routerbench-mini.csv'));
    const { records, report } = await convertRouterBench(rows);
    expect(report.models).toEqual(['gpt-4-1106-preview', 'mistralai/mistral-7b-chat']);
    const byId = Object.fromEntries(records.map((r) => [r.id, r]));
    expect(byId['mmlu-1']).toEqual({
      id: 'mmlu-1',
      prompt: 'What is 2+2? A. 3 B. 4',
      scores: { 'gpt-4-1106-preview': 1, 'mistralai/mistral-7b-chat': 0 },
      costs: { 'gpt-4-1106-preview': 0.00031, 'mistralai/mistral-7b-chat': 0.000002 },
      source: 'mmlu',
    });
    expect(byId['mtbench-3']!.scores).toEqual({ 'gpt-4-1106-preview': 0.9 });
    expect(byId['bad-1']!.scores).toEqual({ 'mistralai/mistral-7b-chat': 0 });
    expect(report.dropped).toEqual([
      { line: 4, reason: "no score for 'mistralai/mistral-7b-chat'" },
      { line: 5, reason: 'cost of \'gpt-4-1106-preview\' is not a number ≥ 0: "free"' },
    ]);
    valid(records);
  });

  it('LLMRouter routing JSONL (long): conflicting duplicate rows merged by mean and reported, null dropped', async () => {
    const { rows } = await readTableFile(fixture('llmrouter-routing-mini.jsonl'));
    const { records, report } = await convertLlmRouter(rows);
    expect(records).toHaveLength(2);
    expect(records[0]!.scores).toEqual({ 'llama3-chatqa-1.5-8b': 1, 'qwen2.5-7b-instruct': 0 });
    expect(records[0]!.source).toBe('gsm8k');
    expect(records[1]!.scores).toEqual({ 'qwen2.5-7b-instruct': 0.5 });
    expect(report.conflicts).toHaveLength(1);
    expect(report.conflicts[0]).toMatchObject({ line: 4, model: 'qwen2.5-7b-instruct' });
    expect(report.dropped).toEqual([{ line: 5, reason: "no score for 'llama3-chatqa-1.5-8b'" }]);
    const first = await convertLlmRouter(rows, { onConflict: 'first' });
    expect(first.records[1]!.scores['qwen2.5-7b-instruct']).toBe(1);
    await expect(convertLlmRouter(rows, { onConflict: 'error' })).rejects.toMatchObject({ code: 'DATA_INVALID' });
  });

  it('long CSV with named columns and a 1–10 rating range: every bad row reported with its line', async () => {
    const { rows } = await readTableFile(fixture('long-log.csv'));
    const { records, report } = await convertLong(
      rows,
      { id: 'request_id', prompt: 'user_prompt', model: 'llm', score: 'rating', cost: 'usd', source: 'task' },
      { scoreRange: [1, 10] },
    );
    const byId = Object.fromEntries(records.map((r) => [r.id, r]));
    expect(Object.keys(byId)).toEqual(['r1', 'r2']); // r3 and r5 lose every row
    expect(byId.r1!.scores).toEqual({ small: 6 / 9, big: 8 / 9 });
    expect(byId.r1!.costs).toEqual({ small: 0.0001, big: 0.002 });
    expect(byId.r2!.scores.big).toBeCloseTo((1 + 7 / 9) / 2, 15);
    expect(byId.r3).toBeUndefined();
    expect(report.conflicts.map((c) => c.line)).toEqual([6]);
    expect(report.dropped.map((d) => d.line)).toEqual([7, 8, 9, 10, 11]);
    expect(report.dropped.map((d) => d.reason)).toEqual([
      'score of \'small\' is not a number: "eleven"',
      "score 12 of 'big' is outside [1, 10]",
      'empty prompt',
      'cost of \'small\' is not a number ≥ 0: "-1"',
      "no score for 'big'",
    ]);
    await expect(convertLong(rows, { prompt: 'nope', model: 'llm', score: 'rating' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('the same id with another prompt text is a reported conflict', async () => {
    const rows = [
      { line: 1, row: { id: 'a', prompt: 'x', model: 'm', score: 1 } },
      { line: 2, row: { id: 'a', prompt: 'y', model: 'n', score: 0 } },
    ];
    const { records, report } = await convertLong(rows, { id: 'id', prompt: 'prompt', model: 'model', score: 'score' });
    expect(records).toEqual([{ id: 'a', prompt: 'x', scores: { m: 1, n: 0 } }]);
    expect(report.conflicts).toEqual([
      { line: 2, id: 'a', reason: 'same id with a different prompt text: kept the first text' },
    ]);
  });
});

describe('finerouter convert', () => {
  it('converts several RouteLLM files into one routing JSONL that the reader accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convert-'));
    const second = join(dir, 'mmlu_virology.csv');
    writeFileSync(
      second,
      'prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview\n"What causes flu?",False,True\n"Bad row",maybe,True\n',
    );
    const out = join(dir, 'routing.jsonl');
    const reportPath = join(dir, 'report.json');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await convertCommand.run([
        '--from',
        'routellm',
        '--in',
        fixture('routellm-mmlu_anatomy-head.csv'),
        '--in',
        second,
        '--out',
        out,
        '--report',
        reportPath,
      ]);
      expect(code).toBe(0);
    } finally {
      write.mockRestore();
    }
    const { records } = await readRoutingJsonl(out);
    expect(records).toHaveLength(6);
    expect(records.slice(0, 4).every((r) => r.source === 'routellm-mmlu_anatomy-head')).toBe(true);
    expect(records[4]!.source).toBe('mmlu_virology');
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { dropped: { at: string; reason: string }[] };
    expect(report.dropped).toEqual([
      { at: `${second}:3`, reason: 'score of \'mistralai/Mixtral-8x7B-Instruct-v0.1\' is not a number: "maybe"' },
    ]);
  });

  it('rejects bad arguments with INVALID_ARGUMENT', async () => {
    for (const args of [
      ['--in', 'x', '--out', 'y'],
      ['--from', 'excel', '--in', 'x', '--out', 'y'],
      ['--from', 'long', '--in', fixture('long-log.csv'), '--out', '/tmp/never.jsonl', '--score-range', '10,1'],
      ['--from', 'long', '--in', fixture('long-log.csv'), '--out', '/tmp/never.jsonl', '--on-conflict', 'max'],
    ]) {
      const e = await convertCommand.run(args).catch((error: unknown) => error);
      expect(e).toBeInstanceOf(FineRouterError);
      expect((e as FineRouterError).code).toBe('INVALID_ARGUMENT');
    }
  });
});
