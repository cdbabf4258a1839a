/**
 * End to end with real parts: a fake OpenAI-compatible server on 127.0.0.1 with three "models" of known
 * correctness → `finerouter label` (regex judge, per-prompt patterns) → `finerouter train` (real MiniLM
 * through onnxruntime-node, discovery, classifier, MoE) → loadFineRouter → route unseen prompts.
 * Labels and costs are checked exactly; routing is checked on unseen prompts of each task (each task has one
 * specialist that is strictly best on it; the expensive generalist is wrong on a quarter of all prompts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { labelCommand } from '../../src/cli/commands/label.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { loadFineRouter } from '../../src/adapters/node/artifacts.js';
import { readRoutingJsonl } from '../../src/adapters/node/jsonl.js';
import { fakeTokens, startFakeOpenAi, type FakeMessage, type FakeServer } from './fake-openai.js';

const COUNTRIES: [string, string][] = [
  ['France', 'Paris'],
  ['Germany', 'Berlin'],
  ['Italy', 'Rome'],
  ['Spain', 'Madrid'],
  ['Portugal', 'Lisbon'],
  ['Austria', 'Vienna'],
  ['Poland', 'Warsaw'],
  ['Greece', 'Athens'],
  ['Sweden', 'Stockholm'],
  ['Finland', 'Helsinki'],
  ['Denmark', 'Copenhagen'],
  ['Ireland', 'Dublin'],
  ['Hungary', 'Budapest'],
  ['Japan', 'Tokyo'],
  ['China', 'Beijing'],
  ['Egypt', 'Cairo'],
  ['Kenya', 'Nairobi'],
  ['Peru', 'Lima'],
  ['Chile', 'Santiago'],
  ['Canada', 'Ottawa'],
  ['Mexico', 'Mexico City'],
  ['Russia', 'Moscow'],
  ['Turkey', 'Ankara'],
  ['India', 'New Delhi'],
];
const CAPITAL = new Map(COUNTRIES);
const N = 24;

function parse(text: string): { kind: 'sum'; value: number } | { kind: 'capital'; value: string } | undefined {
  const sum = /^What is (\d+) \+ (\d+)\?$/.exec(text);
  if (sum) return { kind: 'sum', value: Number(sum[1]) + Number(sum[2]) };
  const cap = /^What is the capital of (.+)\?$/.exec(text);
  if (cap) return { kind: 'capital', value: CAPITAL.get(cap[1]!) ?? 'Nowhere' };
  return undefined;
}

/** The generalist is wrong on a quarter of the prompts (by prompt length), so each specialist is strictly best on its task. */
const bigWrong = (prompt: string): boolean => prompt.length % 4 === 0;

const ANSWER = {
  calc: (q: ReturnType<typeof parse>): string => (q?.kind === 'sum' ? `#### ${q.value}` : 'I do not know.'),
  geo: (q: ReturnType<typeof parse>): string =>
    q?.kind === 'capital' ? `The capital is ${q.value}.` : `#### ${(q?.kind === 'sum' ? q.value : 0) + 1}`,
  big: (q: ReturnType<typeof parse>, prompt: string): string =>
    bigWrong(prompt)
      ? 'It is hard to say.'
      : q?.kind === 'sum'
        ? `The sum is #### ${q.value}`
        : `The capital is ${q?.value ?? 'unknown'}.`,
};
const PRICES = {
  calc: { inputPer1M: 1, outputPer1M: 2 },
  geo: { inputPer1M: 1, outputPer1M: 2 },
  big: { inputPer1M: 20, outputPer1M: 60 },
};
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let server: FakeServer;
let dir: string;
beforeAll(async () => {
  const reply = (kind: keyof typeof ANSWER) => (messages: FakeMessage[]) =>
    ANSWER[kind](parse(messages.at(-1)!.content), messages.at(-1)!.content);
  server = await startFakeOpenAi({
    models: { 'up-calc': reply('calc'), 'up-geo': reply('geo'), 'up-big': reply('big') },
  });
  dir = mkdtempSync(join(tmpdir(), 'label-e2e-'));
});
afterAll(async () => {
  await server.close();
});

describe('prompts → finerouter label → finerouter train → route', () => {
  it('labels exactly and trains a router that sends each task to its specialist', async () => {
    const prompts: { id: string; prompt: string; reference: string; source: string }[] = [];
    for (let i = 0; i < N; i++)
      prompts.push({
        id: `sum-${i}`,
        prompt: `What is ${3 * i + 2} + ${5 * i + 1}?`,
        reference: `(^|\\D)${8 * i + 3}(\\D|$)`,
        source: 'arithmetic',
      });
    for (const [country, capital] of COUNTRIES)
      prompts.push({
        id: `cap-${country}`,
        prompt: `What is the capital of ${country}?`,
        reference: `\\b${escape(capital)}\\b`,
        source: 'capitals',
      });
    const promptsPath = join(dir, 'prompts.jsonl');
    writeFileSync(promptsPath, prompts.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const poolPath = join(dir, 'pool.json');
    writeFileSync(
      poolPath,
      JSON.stringify({
        models: Object.fromEntries(
          Object.entries(PRICES).map(([id, prices]) => [id, { baseUrl: server.url, model: `up-${id}`, prices }]),
        ),
      }),
    );
    const out = join(dir, 'routing.jsonl');

    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(
        await labelCommand.run([
          '--prompts',
          promptsPath,
          '--pool',
          poolPath,
          '--judge',
          'regex',
          '--out',
          out,
          '--max-tokens',
          '32',
        ]),
      ).toBe(0);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(server.requests).toHaveLength(prompts.length * 3);

    // Labels and costs, exactly.
    const { records } = await readRoutingJsonl(out);
    expect(records.map((r) => r.id)).toEqual(prompts.map((p) => p.id));
    for (const r of records) {
      const q = parse(r.prompt)!;
      const big = bigWrong(r.prompt) ? 0 : 1;
      expect(r.scores).toEqual(q.kind === 'sum' ? { calc: 1, geo: 0, big } : { calc: 0, geo: 1, big });
      for (const [model, prices] of Object.entries(PRICES)) {
        const answer = ANSWER[model as keyof typeof ANSWER](q, r.prompt);
        expect(r.costs![model]).toBeCloseTo(
          (fakeTokens(r.prompt) * prices.inputPer1M + fakeTokens(answer) * prices.outputPer1M) / 1e6,
          15,
        );
      }
    }
    const bigMean = prompts.filter((p) => !bigWrong(p.prompt)).length / prompts.length;
    expect(bigMean).toBeGreaterThan(0.5);
    expect(bigMean).toBeLessThan(0.95);
    const summary = JSON.parse(readFileSync(`${out}.summary.json`, 'utf8')) as {
      models: { model: string; meanScore: number }[];
    };
    expect(Object.fromEntries(summary.models.map((m) => [m.model, m.meanScore]))).toEqual({
      calc: 0.5,
      geo: 0.5,
      big: bigMean,
    });

    // Train on the labels (all records: label writes no split), small epochs.
    const artifacts = join(dir, 'artifacts');
    const quiet = [
      vi.spyOn(process.stdout, 'write').mockImplementation(() => true),
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
    ];
    try {
      expect(
        await trainCommand.run([
          '--data',
          out,
          '--split',
          '',
          '--out',
          artifacts,
          '--cache',
          join(dir, 'cache'),
          '--epochs',
          '4',
          '--holdout',
          '0',
          '--threads',
          '1',
        ]),
      ).toBe(0);
    } finally {
      for (const s of quiet) s.mockRestore();
    }

    const router = await loadFineRouter(artifacts, { intraOpNumThreads: 1 });
    try {
      for (const prompt of ['What is 41 + 17?', 'What is 250 + 99?']) {
        const route = await router.route(prompt, { tolerance: 0 });
        expect(route.model, `${prompt}: ${route.explanation}`).toBe('calc');
      }
      for (const prompt of ['What is the capital of Norway?', 'What is the capital of Brazil?']) {
        const route = await router.route(prompt, { tolerance: 0 });
        expect(route.model, `${prompt}: ${route.explanation}`).toBe('geo');
      }
    } finally {
      await router.dispose();
    }
  }, 120_000);
});
