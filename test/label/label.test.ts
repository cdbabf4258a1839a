import { mkdtempSync, readFileSync, appendFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { createPoolClients } from '../../src/pool/client.js';
import { validatePool } from '../../src/pool/schema.js';
import { functionJudge, numericJudge } from '../../src/label/judges.js';
import { pairwiseJudge, rubricJudge } from '../../src/label/llm-judge.js';
import { labelPrompts, planLabel } from '../../src/label/label.js';
import { createMemoryStore } from '../../src/label/store.js';
import type { LabelPrompt } from '../../src/label/prompts.js';
import { openLabelStore } from '../../src/adapters/node/label-store.js';
import { parseRoutingLine } from '../../src/data/parse.js';
import { startFakeOpenAi, type Fault, type FakeRequest, type FakeServer } from './fake-openai.js';
import { expectedCorrect, expectedCost, question, sums, worldModels, worldPool, type Sum } from './world.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function world(fault?: (r: FakeRequest, i: number) => Fault | undefined) {
  server = await startFakeOpenAi({ models: worldModels, ...(fault ? { fault } : {}) });
  const pool = validatePool(worldPool(server.url));
  const clients = createPoolClients(pool, { retryBaseMs: 1, maxRetryDelayMs: 20, retries: 3 });
  const { judge, ...candidates } = clients;
  return { server, clients, candidates, judgeClient: judge! };
}

const promptsOf = (list: Sum[]): LabelPrompt[] =>
  list.map((s) => ({ id: s.id, prompt: question(s), reference: String(s.a + s.b), source: 'arith' }));
const kinds = ['oracle', 'half', 'never'] as const;

describe('labelPrompts against the fake OpenAI server', () => {
  it('labels every prompt × model with exact scores and real costs (numeric judge)', async () => {
    const { candidates, server } = await world();
    const list = sums(8);
    const store = createMemoryStore();
    const progress: number[] = [];
    const { records, summary } = await labelPrompts({
      prompts: promptsOf(list),
      clients: candidates,
      judge: numericJudge(),
      store,
      onProgress: (p) => progress.push(p.done),
    });
    expect(records).toHaveLength(8);
    records.forEach((r, i) => {
      const s = list[i]!;
      expect(r.id).toBe(s.id);
      expect(r.prompt).toBe(question(s));
      expect(r.source).toBe('arith');
      for (const k of kinds) {
        expect(r.scores[k]).toBe(expectedCorrect(k, s));
        expect(r.costs![k]).toBeCloseTo(expectedCost(k, s), 15);
      }
      // the record is valid routing JSONL
      expect(parseRoutingLine(JSON.stringify(r), 1)).toEqual(r);
    });
    expect(server.requests).toHaveLength(24);
    expect(progress.at(-1)).toBe(24);
    const byModel = Object.fromEntries(summary.models.map((m) => [m.model, m]));
    expect(byModel.oracle!.meanScore).toBe(1);
    expect(byModel.half!.meanScore).toBe(0.5);
    expect(byModel.never!.meanScore).toBe(0);
    const oracleCost = list.reduce((s, q) => s + expectedCost('oracle', q), 0);
    expect(byModel.oracle!.costUsd).toBeCloseTo(oracleCost, 15);
    expect(summary.spentUsd).toBeCloseTo(
      kinds.reduce((t, k) => t + list.reduce((s, q) => s + expectedCost(k, q), 0), 0),
      15,
    );
    expect(summary.newAnswers).toBe(24);
    expect(summary.stopped).toBeNull();
  });

  it('re-judging with another judge reuses every stored answer (no new generation)', async () => {
    const { candidates, judgeClient, server } = await world();
    const prompts = promptsOf(sums(4));
    const store = createMemoryStore();
    await labelPrompts({ prompts, clients: candidates, judge: numericJudge(), store });
    expect(server.requests).toHaveLength(12);
    const again = await labelPrompts({ prompts, clients: candidates, judge: numericJudge(), store });
    expect(server.requests).toHaveLength(12);
    expect(again.summary.spentUsd).toBe(0);
    expect(again.summary.models.every((m) => m.storedAnswers === 4 && m.newAnswers === 0)).toBe(true);
    const rubric = await labelPrompts({
      prompts,
      clients: candidates,
      judge: rubricJudge({ client: judgeClient }),
      store,
    });
    expect(server.requests.slice(12).every((r) => r.model === 'up-judge')).toBe(true);
    expect(server.requests).toHaveLength(24);
    // rubric: 10 → 1, 2 → (2 − 1) / 9
    for (const [i, r] of rubric.records.entries()) {
      const s = sums(4)[i]!;
      for (const k of kinds) expect(r.scores[k]).toBeCloseTo(expectedCorrect(k, s) ? 1 : 1 / 9, 12);
    }
    expect(rubric.summary.judgeSpentUsd).toBeGreaterThan(0);
    expect(rubric.summary.generationSpentUsd).toBe(0);
  });

  it('pairwise judging swaps positions: a pure position bias cancels to 0.5', async () => {
    const { candidates, judgeClient, server } = await world();
    const list = sums(4);
    const { records } = await labelPrompts({
      prompts: promptsOf(list),
      clients: candidates,
      judge: pairwiseJudge({ client: judgeClient, referenceModel: 'half' }),
      store: createMemoryStore(),
    });
    records.forEach((r, i) => {
      const s = list[i]!;
      expect(r.scores.half).toBe(0.5); // against itself, no call
      const halfRight = expectedCorrect('half', s) === 1;
      // oracle: wins when half is wrong; both right → the biased judge says A both times → 0.5
      expect(r.scores.oracle).toBe(halfRight ? 0.5 : 1);
      // never: loses when half is right; both wrong → 0.5
      expect(r.scores.never).toBe(halfRight ? 0 : 0.5);
    });
    const judgeCalls = server.requests.filter((q) => q.model === 'up-judge');
    expect(judgeCalls).toHaveLength(4 * 2 * 2); // 4 prompts × 2 non-reference models × 2 orders
  });

  it('retries injected 429 (Retry-After), 500 and timeouts; a model that keeps failing leaves its scores absent', async () => {
    const seen = new Map<string, number>();
    const fault = (r: FakeRequest): Fault | undefined => {
      const k = `${r.model}|${r.messages.at(-1)!.content}`;
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      if (r.model === 'up-never') return { kind: 'status', status: 500 };
      if (n === 1 && r.model === 'up-oracle') return { kind: 'status', status: 429, retryAfter: '0' };
      if (n === 1 && r.model === 'up-half') return { kind: 'hang', ms: 3000 };
      return undefined;
    };
    server = await startFakeOpenAi({ models: worldModels, fault });
    const pool = validatePool(worldPool(server.url, false, { timeoutMs: 400 }));
    const clients = createPoolClients(pool, { retryBaseMs: 1, maxRetryDelayMs: 10, retries: 2 });
    const list = sums(3);
    const { records, summary } = await labelPrompts({
      prompts: promptsOf(list),
      clients,
      judge: numericJudge(),
      store: createMemoryStore(),
    });
    for (const r of records) expect(Object.keys(r.scores).sort()).toEqual(['half', 'oracle']);
    const never = summary.models.find((m) => m.model === 'never')!;
    expect(never.generationFailures).toBe(3);
    expect(never.meanScore).toBeNull();
    expect(summary.failures.filter((f) => f.model === 'never')).toHaveLength(3);
    expect(summary.failures[0]!.error).toMatch(/HTTP 500/);
    // oracle: 429 then ok; half: timeout then ok; never: 3 attempts each
    expect(server.requests.filter((q) => q.model === 'up-oracle' && q.outcome === '429')).toHaveLength(3);
    expect(server.requests.filter((q) => q.model === 'up-oracle' && q.outcome === 'ok').length).toBeGreaterThanOrEqual(
      3,
    );
    expect(server.requests.filter((q) => q.model === 'up-half' && q.outcome === 'hang')).toHaveLength(3);
    expect(server.requests.filter((q) => q.model === 'up-half' && q.outcome === 'ok').length).toBeGreaterThanOrEqual(3);
    expect(server.requests.filter((q) => q.model === 'up-never')).toHaveLength(9);
  });

  it('stops cleanly at the spend limit and never passes it; a resumed run finishes without paying twice', async () => {
    const { candidates, server } = await world();
    const prompts = promptsOf(sums(10));
    const store = createMemoryStore();
    // max_tokens 8 → upper estimate per oracle call ≈ (9 × 10 + 8 × 30) / 1e6
    const limit = 0.0012;
    const first = await labelPrompts({
      prompts,
      clients: candidates,
      judge: numericJudge(),
      store,
      spendLimitUsd: limit,
      generation: { maxTokens: 8 },
      concurrency: 3,
    });
    expect(first.summary.stopped).toBe('spend-limit');
    expect(first.summary.spentUsd).toBeLessThanOrEqual(limit);
    expect(first.summary.newAnswers).toBeGreaterThan(0);
    expect(first.summary.newAnswers).toBeLessThan(30);
    const paid = server.requests.length;
    expect(paid).toBe(first.summary.newAnswers);
    const second = await labelPrompts({
      prompts,
      clients: candidates,
      judge: numericJudge(),
      store,
      generation: { maxTokens: 8 },
    });
    expect(second.summary.stopped).toBeNull();
    expect(server.requests.length).toBe(30); // every pair paid exactly once over both runs
    expect(second.summary.newAnswers).toBe(30 - paid);
    const keys = server.requests.map((r) => `${r.model}|${r.messages.at(-1)!.content}`);
    expect(new Set(keys).size).toBe(30);
    expect(second.records).toHaveLength(10);
  });

  it('aborting resolves with stopped = aborted and what was finished', async () => {
    const { candidates } = await world((_r, i) => (i >= 3 ? { kind: 'hang', ms: 2000 } : undefined));
    const controller = new AbortController();
    const run = labelPrompts({
      prompts: promptsOf(sums(5)),
      clients: candidates,
      judge: numericJudge(),
      store: createMemoryStore(),
      signal: controller.signal,
      concurrency: 2,
    });
    setTimeout(() => controller.abort(), 150);
    const { summary } = await run;
    expect(summary.stopped).toBe('aborted');
  });

  it('checks its inputs before spending', async () => {
    const { candidates, judgeClient, server } = await world();
    const noRef: LabelPrompt[] = [{ id: 'a', prompt: 'What is 1 + 2?' }];
    const err = await labelPrompts({
      prompts: noRef,
      clients: candidates,
      judge: numericJudge(),
      store: createMemoryStore(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FineRouterError);
    expect((err as FineRouterError).code).toBe('DATA_INVALID');
    const err2 = await labelPrompts({
      prompts: noRef,
      clients: candidates,
      judge: pairwiseJudge({ client: judgeClient, referenceModel: 'gpt-9' }),
      store: createMemoryStore(),
    }).catch((e: unknown) => e);
    expect((err2 as FineRouterError).code).toBe('INVALID_ARGUMENT');
    await expect(
      labelPrompts({
        prompts: promptsOf(sums(1)),
        clients: candidates,
        judge: numericJudge(),
        store: createMemoryStore(),
        spendLimitUsd: -1,
      }),
    ).rejects.toThrow(RangeError);
    expect(server.requests).toHaveLength(0);
  });

  it('a user function judge that returns an out-of-range score fails that pair only', async () => {
    const { candidates } = await world();
    const judge = functionJudge('len', ({ answer, model }) =>
      model === 'never' ? 2 : Math.min(1, answer.length / 100),
    );
    const { records, summary } = await labelPrompts({
      prompts: promptsOf(sums(2)),
      clients: candidates,
      judge,
      store: createMemoryStore(),
    });
    for (const r of records) expect(Object.keys(r.scores).sort()).toEqual(['half', 'oracle']);
    expect(summary.models.find((m) => m.model === 'never')!.judgeFailures).toBe(2);
  });

  it('sends chat messages as given and trains on the router input text; an edited prompt is answered again', async () => {
    const { candidates, server } = await world();
    const chat: LabelPrompt = {
      id: 'chat',
      messages: [
        { role: 'system', content: 'Answer with the number only.' },
        { role: 'user', content: 'What is 2 + 3?' },
      ],
      reference: '5',
    };
    const store = createMemoryStore();
    const { records } = await labelPrompts({
      prompts: [chat],
      clients: { oracle: candidates.oracle! },
      judge: numericJudge(),
      store,
      generation: { system: 'ignored for messages' },
    });
    expect(server.requests[0]!.messages).toEqual(chat.messages);
    expect(records[0]).toMatchObject({ id: 'chat', prompt: 'What is 2 + 3?', scores: { oracle: 1 } });
    const edited: LabelPrompt = {
      ...chat,
      messages: [chat.messages![0]!, { role: 'user', content: 'What is 2 + 4?' }],
      reference: '6',
    };
    const again = await labelPrompts({
      prompts: [edited],
      clients: { oracle: candidates.oracle! },
      judge: numericJudge(),
      store,
    });
    expect(server.requests).toHaveLength(2);
    expect(again.records[0]!.scores.oracle).toBe(1);
  });

  it('planLabel counts calls and bounds cost; after a run everything is stored', async () => {
    const { candidates, judgeClient, server } = await world();
    const prompts = promptsOf(sums(5));
    const store = createMemoryStore();
    const judge = rubricJudge({ client: judgeClient, maxTokens: 64 });
    const plan = await planLabel({ prompts, clients: candidates, judge, store, generation: { maxTokens: 16 } });
    expect(plan).toMatchObject({
      pairs: 15,
      storedAnswers: 0,
      generationCalls: 15,
      judgeCalls: 15,
      storedJudgements: 0,
    });
    expect(server.requests).toHaveLength(0);
    const run = await labelPrompts({ prompts, clients: candidates, judge, store, generation: { maxTokens: 16 } });
    expect(run.summary.generationSpentUsd).toBeLessThanOrEqual(plan.generationMaxUsd);
    expect(run.summary.spentUsd).toBeLessThanOrEqual(plan.maxUsd);
    const after = await planLabel({ prompts, clients: candidates, judge, store, generation: { maxTokens: 16 } });
    expect(after).toMatchObject({
      storedAnswers: 15,
      generationCalls: 0,
      storedJudgements: 15,
      judgeCalls: 0,
      typicalUsd: 0,
    });
    // a new max_tokens is a new generation setting: nothing is reused
    const changed = await planLabel({ prompts, clients: candidates, judge, store, generation: { maxTokens: 32 } });
    expect(changed.generationCalls).toBe(15);
  });
});

describe('openLabelStore (file)', () => {
  it('persists, repairs a torn last line, skips a corrupt line and locks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'label-store-'));
    const path = join(dir, 'store.jsonl');
    const { candidates } = await world();
    const prompts = promptsOf(sums(3));
    const store = await openLabelStore(path);
    await expect(openLabelStore(path)).resolves.toBeDefined(); // same process: the lock is taken over
    await labelPrompts({ prompts, clients: candidates, judge: numericJudge(), store });
    await store.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(18); // 9 answers + 9 verdicts
    // a kill in the middle of a write leaves a torn tail; a corrupt line in the middle is skipped
    writeFileSync(path, [lines[0], '{"type":"generation",', ...lines.slice(1)].join('\n') + '\n');
    appendFileSync(path, '{"type":"judgement","key":"abc');
    const reopened = await openLabelStore(path);
    expect(reopened.repairedBytes).toBe(Buffer.byteLength('{"type":"judgement","key":"abc'));
    expect(reopened.badLines).toEqual([2]);
    expect(reopened.loaded).toBe(18);
    const again = await labelPrompts({ prompts, clients: candidates, judge: numericJudge(), store: reopened });
    expect(again.summary.newAnswers).toBe(0);
    await reopened.close();
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
  });

  it('refuses a store held by another live process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'label-store-'));
    const path = join(dir, 'store.jsonl');
    writeFileSync(`${path}.lock`, String(process.ppid));
    await expect(openLabelStore(path)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    writeFileSync(`${path}.lock`, '999999999'); // a dead pid: taken over
    const store = await openLabelStore(path);
    await store.close();
  });
});
