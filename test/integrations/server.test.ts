/**
 * `finerouter serve` with real parts: the real `openai` client → the routing server (node:http on 127.0.0.1, real
 * FineRouter on onnxruntime-node + MiniLM) → the fake OpenAI-compatible upstream on 127.0.0.1. Plus the built CLI
 * (`node dist/cli.js serve`) started as a process and stopped with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../bench/fake-upstream.mjs';
import type { FakeUpstream } from '../../bench/fake-upstream.mjs';
import { loadFineRouter } from '../../src/adapters/node/artifacts.js';
import type { RoutingSummary } from '../../src/integrations/fallback.js';
import { validatePool } from '../../src/pool/schema.js';
import type { ModelPool } from '../../src/pool/schema.js';
import { batchingRoute } from '../../src/server/batching.js';
import { createRoutingServer } from '../../src/server/server.js';
import type { RoutingServer, RoutingServerOptions } from '../../src/server/server.js';
import { createRouterFixture, MATH, POEM, TRANSLATE } from './router-fixture.js';
import type { RouterFixture } from './router-fixture.js';

const SECRET = 'sk-test-secret-0123456789';
let fx: RouterFixture;
let upstream: FakeUpstream;
let pool: ModelPool;
let tmp: string;
const servers: RoutingServer[] = [];

const poolJson = (url: string) => ({
  models: {
    small: {
      baseUrl: url,
      model: 'small',
      apiKeyEnv: 'FINEROUTER_TEST_KEY',
      prices: { inputPer1M: 0.1, outputPer1M: 0.2 },
    },
    medium: { baseUrl: url, model: 'medium', prices: { inputPer1M: 1, outputPer1M: 2 } },
    large: { baseUrl: url, model: 'large', prices: { inputPer1M: 10, outputPer1M: 20 } },
    extra: { baseUrl: url, model: 'extra-upstream-name', prices: { inputPer1M: 0, outputPer1M: 0 } },
  },
});

async function serve(
  extra: Partial<RoutingServerOptions> = {},
  router = fx.router,
): Promise<{ serving: RoutingServer; url: string; client: OpenAI; logs: Record<string, unknown>[] }> {
  const logs: Record<string, unknown>[] = [];
  // The shared fixture router, without dispose (each server's close() would dispose it otherwise).
  const shared = {
    models: router.models,
    manifest: router.manifest,
    encoder: router.encoder,
    route: router.route.bind(router),
    routeEmbeddings: router.routeEmbeddings.bind(router),
    dispose: async () => undefined,
  };
  const serving = createRoutingServer({
    router: shared,
    pool,
    env: { FINEROUTER_TEST_KEY: SECRET },
    log: (e) => logs.push(e),
    ...extra,
  });
  servers.push(serving);
  const url = await serving.listen(0, '127.0.0.1');
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: extra.authToken ?? 'unused', maxRetries: 0 });
  return { serving, url, client, logs };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  [fx, upstream] = await Promise.all([createRouterFixture(), startFakeUpstream()]);
  pool = validatePool(poolJson(upstream.url));
  tmp = await mkdtemp(join(tmpdir(), 'finerouter-serve-'));
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  await upstream?.close();
  await fx?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => upstream.reset());

describe('finerouter serve with the real openai client', () => {
  it('routes model "finerouter" (non-streaming): body field, headers, cost', async () => {
    const { client } = await serve();
    const { data, response } = await client.chat.completions
      .create({
        model: 'finerouter',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: MATH },
        ],
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe(`[large] ${MATH}`);
    const field = (data as unknown as { finerouter: RoutingSummary & { costUsd: number } }).finerouter;
    expect(field.model).toBe('large');
    expect(field.task?.description).toBe('arithmetic: multiply or add numbers');
    // fake usage: prompt = words of all messages (2 + 5), completion = 6 words; large costs 10 / 20 USD per 1M
    expect(field.costUsd).toBeCloseTo((7 * 10 + 6 * 20) / 1e6, 12);
    expect(response.headers.get('x-finerouter-model')).toBe('large');
    expect(response.headers.get('x-finerouter-task')).toBe('3 arithmetic: multiply or add numbers');
    expect(upstream.requests[0]!.body).not.toHaveProperty('finerouter');
    expect(upstream.requests[0]!.body.model).toBe('large');
  });

  it('streams, with the decision in the first chunk and the headers', async () => {
    const { client } = await serve();
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'finerouter', messages: [{ role: 'user', content: TRANSLATE }], stream: true })
      .withResponse();
    expect(response.headers.get('x-finerouter-model')).toBe('small');
    let text = '';
    let first: unknown;
    for await (const chunk of stream) {
      first ??= chunk;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe(`[small] ${TRANSLATE}`);
    expect((first as { finerouter: RoutingSummary }).finerouter.model).toBe('small');
    // the key of 'small' went to its upstream only, as a bearer token
    expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('passes other pool ids through under their upstream name; lists models; health and metrics', async () => {
    const { client, url } = await serve();
    const direct = await client.chat.completions.create({
      model: 'extra',
      messages: [{ role: 'user', content: POEM }],
    });
    expect(direct.choices[0]!.message.content).toBe(`[extra-upstream-name] ${POEM}`);
    const unknown = await client.chat.completions
      .create({ model: 'nope', messages: [{ role: 'user', content: POEM }] })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    const models = [];
    for await (const m of client.models.list()) models.push(m.id);
    expect(models).toEqual(['finerouter', 'small', 'medium', 'large', 'extra']);
    const health = (await (await fetch(`${url}/healthz`)).json()) as { status: string; models: string[] };
    expect(health).toMatchObject({ status: 'ok', models: ['small', 'medium', 'large'] });
    await client.chat.completions.create({ model: 'finerouter', messages: [{ role: 'user', content: POEM }] });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('finerouter_routed_total{model="medium"} 1');
    expect(metrics).toContain('finerouter_requests_total{path="/v1/chat/completions",status="200"} 2');
    expect(metrics).toMatch(/finerouter_routing_seconds_count 1\n/);
  });

  it('falls back on 5xx, reports every attempt, answers 502 when all fail, never echoing keys', async () => {
    const { client, logs } = await serve();
    upstream.behave('large', { status: 503 });
    const ok = await client.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
    });
    expect(ok.choices[0]!.message.content).toBe(`[medium] ${MATH}`);
    expect(
      (ok as unknown as { finerouter: RoutingSummary }).finerouter.attempts.map(
        (a) => `${a.model}:${a.outcome}:${a.status}`,
      ),
    ).toEqual(['large:server-error:503', 'medium:ok:undefined']);
    upstream.behave('medium', { status: 500 });
    upstream.behave('small', { status: 401 });
    const failed = await client.chat.completions
      .create({ model: 'finerouter', messages: [{ role: 'user', content: MATH }] })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    const text = JSON.stringify((failed as InstanceType<typeof OpenAI.APIError>).error);
    expect(text).toContain('large: server-error 503; medium: server-error 500; small: client-error 401');
    expect(text).not.toContain(SECRET);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });

  it('applies budgets and allow lists from the body field or the header; rejects bad options', async () => {
    const { client } = await serve();
    const budget = await client.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
      finerouter: { maxCost: 0.001 },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(budget.choices[0]!.message.content).toBe(`[medium] ${MATH}`);
    const header = await client.chat.completions.create(
      { model: 'finerouter', messages: [{ role: 'user', content: MATH }] },
      { headers: { 'x-finerouter-options': JSON.stringify({ allowedModels: ['small'] }) } },
    );
    expect(header.choices[0]!.message.content).toBe(`[small] ${MATH}`);
    const over = await client.chat.completions
      .create({
        model: 'finerouter',
        messages: [{ role: 'user', content: MATH }],
        finerouter: { maxCost: 0 },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect((over as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((over as InstanceType<typeof OpenAI.APIError>).code).toBe('budget_exceeded');
    const typo = await client.chat.completions
      .create({
        model: 'finerouter',
        messages: [{ role: 'user', content: MATH }],
        finerouter: { tolerence: 1 },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect((typo as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
  });

  it('requires the bearer token when configured (except /healthz) and limits the body size', async () => {
    const { url } = await serve({ authToken: 'client-token', maxBodyBytes: 2_000 });
    const wrong = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await expect(
      wrong.chat.completions.create({ model: 'finerouter', messages: [{ role: 'user', content: MATH }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const right = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'client-token', maxRetries: 0 });
    const ok = await right.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
    });
    expect(ok.choices[0]!.message.content).toBe(`[large] ${MATH}`);
    const big = await right.chat.completions
      .create({ model: 'finerouter', messages: [{ role: 'user', content: 'x'.repeat(5_000) }] })
      .catch((e: unknown) => e);
    expect((big as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
  });

  it('propagates a client disconnect to the upstream (abort) and times out a hung upstream', async () => {
    const { client } = await serve({ upstreamTimeoutMs: 200 });
    upstream.behave('medium', { chunkDelayMs: 200 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: 'finerouter',
        messages: [{ role: 'user', content: `${POEM} with many many words in it` }],
        stream: true,
      },
      { signal: controller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await waitFor(() => upstream.state.aborted === 1, 'the upstream to see the disconnect');

    upstream.reset();
    upstream.behave('large', { hangMs: 3_000 });
    const result = await client.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
    });
    expect(
      (result as unknown as { finerouter: RoutingSummary }).finerouter.attempts.map((a) => `${a.model}:${a.outcome}`),
    ).toEqual(['large:timeout', 'medium:ok']);
  });

  it('reloads artifacts atomically without a restart', async () => {
    const variant = await fx.writeVariant('variant', 'small');
    const { client, serving } = await serve({
      loadRouter: () => loadFineRouter(variant, { encoder: fx.encoder, intraOpNumThreads: 1 }),
    });
    const before = await client.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: POEM }],
    });
    expect(before.choices[0]!.message.content).toBe(`[medium] ${POEM}`);
    // requests in flight during the reload all succeed, each with one of the two routers
    const during = Array.from({ length: 6 }, () =>
      client.chat.completions.create({ model: 'finerouter', messages: [{ role: 'user', content: POEM }] }),
    );
    await serving.reload();
    const answers = (await Promise.all(during)).map((c) => c.choices[0]!.message.content);
    for (const a of answers) expect([`[medium] ${POEM}`, `[small] ${POEM}`]).toContain(a);
    const after = await client.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: POEM }],
    });
    expect(after.choices[0]!.message.content).toBe(`[small] ${POEM}`);
    expect(serving.metrics.reloads.get({ result: 'ok' })).toBe(1);
  });

  it('a reload whose router has no model in the pool is refused and disposed; the old router keeps serving', async () => {
    let disposed = 0;
    const foreign = {
      models: ['not-in-pool'],
      route: () => Promise.reject(new Error('never routed')),
      dispose: async () => {
        disposed++;
      },
    };
    const { client, serving, logs } = await serve({ loadRouter: async () => foreign });
    const error = await serving.reload().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((error as Error).message).toMatch(/RoutingServer\.reload: none of the router's models \(not-in-pool\)/);
    expect(disposed).toBe(1);
    expect(serving.metrics.reloads.get({ result: 'error' })).toBe(1);
    expect(serving.metrics.reloads.get({ result: 'ok' })).toBe(0);
    expect(logs.some((l) => l.event === 'reload' && l.result === 'error')).toBe(true);
    expect(serving.router.models).toEqual(fx.router.models);
    const still = await client.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: POEM }],
    });
    expect(still.choices[0]!.message.content).toBe(`[medium] ${POEM}`);
  });

  it('graceful shutdown: an in-flight request finishes, new connections are refused', async () => {
    const { client, serving, url } = await serve();
    upstream.behave('large', { latencyMs: 300 });
    const pending = client.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
    });
    await waitFor(() => upstream.requests.length === 1, 'the upstream request');
    const closed = serving.close();
    const done = await pending;
    expect(done.choices[0]!.message.content).toBe(`[large] ${MATH}`);
    await closed;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('encoder micro-batching (batchingRoute)', () => {
  it('concurrent routes share encoder calls and equal router.route exactly', async () => {
    let calls = 0;
    const encoder = {
      id: fx.encoder.id,
      dimension: fx.encoder.dimension,
      dispose: async () => undefined,
      embed: (texts: readonly string[], o?: { batchSize?: number }) => (calls++, fx.encoder.embed(texts, o)),
    };
    const route = batchingRoute({ encoder, routeEmbeddings: fx.router.routeEmbeddings.bind(fx.router) }, 16);
    const inputs = [MATH, TRANSLATE, POEM, MATH, TRANSLATE, POEM, MATH, TRANSLATE];
    const batched = await Promise.all(
      inputs.map((p, i) => route([{ role: 'user', content: p }], { tolerance: i % 2 === 0 ? 0 : 0.5 })),
    );
    expect(calls).toBeLessThan(inputs.length);
    for (const [i, p] of inputs.entries()) {
      const single = await fx.router.route(p, { tolerance: i % 2 === 0 ? 0 : 0.5 });
      expect(batched[i]!.model).toBe(single.model);
      expect(batched[i]!.task?.id).toBe(single.task?.id);
      batched[i]!.scores.forEach((s, k) => expect(s.final).toBeCloseTo(single.scores[k]!.final, 5));
    }
    await expect(route([{ role: 'system', content: 'x' }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('finerouter serve (built CLI process)', () => {
  it('starts, answers the openai client, and exits 0 on SIGTERM', async () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
    const poolFile = join(tmp, 'pool.json');
    await writeFile(poolFile, JSON.stringify(poolJson(upstream.url)));
    const child = spawn(
      process.execPath,
      [join(root, 'dist/cli.js'), 'serve', '--artifacts', fx.dir, '--pool', poolFile, '--port', '0', '--threads', '1'],
      {
        env: { ...process.env, FINEROUTER_TEST_KEY: SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      for (let i = 0; i < 600 && !stdout.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stdout, stderr).toContain('"url"');
      const { url } = JSON.parse(stdout.split('\n')[0]!) as { url: string };
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const reply = await client.chat.completions.create({
        model: 'finerouter',
        messages: [{ role: 'user', content: TRANSLATE }],
      });
      expect(reply.choices[0]!.message.content).toBe(`[small] ${TRANSLATE}`);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('"event":"shutdown"');
    expect(stderr).not.toContain(SECRET);
  }, 60_000);
});
