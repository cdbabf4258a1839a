import { afterEach, describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { createChatClient, createLimiter, createPoolClients, retryAfterMs } from '../../src/pool/client.js';
import { validatePool } from '../../src/pool/schema.js';
import { fakeTokens, startFakeOpenAi, type FakeServer } from '../label/fake-openai.js';

let servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(options: Parameters<typeof startFakeOpenAi>[0]): Promise<FakeServer> {
  const s = await startFakeOpenAi(options);
  servers.push(s);
  return s;
}

const echo = (messages: { content: string }[]): string => `you said ${messages.at(-1)!.content}`;
const fast = { retryBaseMs: 1, maxRetryDelayMs: 50 };
const user = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

describe('createChatClient against a real HTTP server on 127.0.0.1', () => {
  it('returns content, exact usage and cost from the prices', async () => {
    const s = await serve({ models: { up: echo } });
    const client = createChatClient(
      'm',
      { baseUrl: s.url, model: 'up', prices: { inputPer1M: 2, outputPer1M: 10 } },
      fast,
    );
    const r = await client.complete({ ...user('two plus two'), maxTokens: 8, temperature: 0 });
    expect(r.content).toBe('you said two plus two');
    expect(r.usage).toEqual({ promptTokens: 3, completionTokens: 5 });
    expect(r.usageReported).toBe(true);
    expect(r.costUsd).toBeCloseTo((3 * 2 + 5 * 10) / 1e6, 18);
    expect(r.attempts).toBe(1);
    expect(s.requests[0]!.body).toMatchObject({ model: 'up', max_tokens: 8, temperature: 0 });
  });

  it('retries 429 honouring Retry-After, 500 and malformed bodies, then succeeds', async () => {
    const faults = [
      { kind: 'status' as const, status: 429, retryAfter: '0.05' },
      { kind: 'status' as const, status: 500 },
      { kind: 'malformed' as const },
    ];
    const s = await serve({ models: { up: echo }, fault: (_r, i) => faults[i] });
    const delays: number[] = [];
    const client = createChatClient(
      'm',
      { baseUrl: s.url, model: 'up', prices: { inputPer1M: 0, outputPer1M: 0 } },
      {
        ...fast,
        maxRetryDelayMs: 1000,
        random: () => 0,
        onRetry: (info) => delays.push(info.delayMs),
      },
    );
    const r = await client.complete(user('hi'));
    expect(r.attempts).toBe(4);
    expect(s.requests.map((q) => q.outcome)).toEqual(['429', '500', 'malformed', 'ok']);
    expect(delays[0]).toBe(50); // Retry-After 0.05 s beats the zero jitter
    expect(client.stats).toEqual({ requests: 4, retries: 3, failures: 0 });
  });

  it('times out a hanging request and retries it', async () => {
    const s = await serve({
      models: { up: echo },
      fault: (_r, i) => (i === 0 ? { kind: 'hang', ms: 5000 } : undefined),
    });
    const client = createChatClient(
      'm',
      { baseUrl: s.url, model: 'up', prices: { inputPer1M: 0, outputPer1M: 0 }, timeoutMs: 500 },
      fast,
    );
    const r = await client.complete(user('hi'));
    expect(r.content).toBe('you said hi');
    expect(r.attempts).toBeGreaterThanOrEqual(2); // ≥: on a loaded machine a healthy attempt may time out too
    expect(s.requests[0]!.outcome).toBe('hang');
  });

  it('fails at once on 400 and after the retries on persistent 500, with HTTP_ERROR', async () => {
    const s = await serve({
      models: { up: echo },
      fault: (r) =>
        r.messages[0]!.content === 'bad' ? { kind: 'status', status: 400 } : { kind: 'status', status: 503 },
    });
    const client = createChatClient(
      'm',
      { baseUrl: s.url, model: 'up', prices: { inputPer1M: 0, outputPer1M: 0 } },
      { ...fast, retries: 2 },
    );
    await expect(client.complete(user('bad'))).rejects.toMatchObject({ code: 'HTTP_ERROR' });
    expect(s.requests).toHaveLength(1);
    await expect(client.complete(user('other'))).rejects.toMatchObject({ code: 'HTTP_ERROR' });
    expect(s.requests).toHaveLength(4);
    expect(client.stats.failures).toBe(2);
  });

  it('sends each key only to its own endpoint and never puts it in errors', async () => {
    const a = await serve({ models: { up: echo }, keys: { up: 'sk-alpha-secret' } });
    // b echoes whatever authorization it got back in an error body, to check redaction
    const b = await serve({
      models: { up: echo },
      fault: (r) => ({ kind: 'status', status: 400, body: `got ${r.authorization}` }),
    });
    const pool = validatePool({
      models: {
        a: { baseUrl: a.url, model: 'up', apiKeyEnv: 'KEY_A', prices: { inputPer1M: 0, outputPer1M: 0 } },
        b: { baseUrl: b.url, model: 'up', apiKeyEnv: 'KEY_B', prices: { inputPer1M: 0, outputPer1M: 0 } },
        c: { baseUrl: b.url, model: 'up', prices: { inputPer1M: 0, outputPer1M: 0 } },
      },
    });
    const clients = createPoolClients(pool, { ...fast, env: { KEY_A: 'sk-alpha-secret', KEY_B: 'sk-beta-secret' } });
    await clients.a!.complete(user('hi'));
    const error = await clients.b!.complete(user('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as Error).message).not.toContain('sk-beta-secret');
    expect((error as Error).message).toContain('<redacted>');
    await clients.c!.complete(user('hi')).catch(() => undefined);
    expect(a.requests.map((r) => r.authorization)).toEqual(['Bearer sk-alpha-secret']);
    expect(b.requests.map((r) => r.authorization)).toEqual(['Bearer sk-beta-secret', undefined]);
    for (const r of [...a.requests, ...b.requests]) expect(JSON.stringify(r.body)).not.toMatch(/secret/);
  });

  it('401 tells which variable to check', async () => {
    const s = await serve({ models: { up: echo }, keys: { up: 'right' } });
    const client = createChatClient(
      'm',
      { baseUrl: s.url, model: 'up', apiKeyEnv: 'MY_KEY', prices: { inputPer1M: 0, outputPer1M: 0 } },
      { ...fast, env: { MY_KEY: 'wrong' } },
    );
    await expect(client.complete(user('hi'))).rejects.toThrow(/\$MY_KEY/);
  });

  it('estimates usage when the server omits it', async () => {
    const s = await serve({ models: { up: () => 'abcdefgh' }, omitUsage: true });
    const client = createChatClient(
      'm',
      { baseUrl: s.url, model: 'up', prices: { inputPer1M: 1e6, outputPer1M: 1e6 } },
      fast,
    );
    const r = await client.complete(user('abcd'));
    expect(r.usageReported).toBe(false);
    expect(r.usage).toEqual({ promptTokens: 5, completionTokens: 2 });
    expect(r.costUsd).toBe(7);
  });

  it('bounds concurrency per endpoint across models sharing it', async () => {
    let inFlight = 0;
    let peak = 0;
    const s = await serve({ models: { x: echo, y: echo }, fault: () => undefined });
    const pool = validatePool({
      models: {
        x: { baseUrl: s.url, model: 'x', maxConcurrency: 2, prices: { inputPer1M: 0, outputPer1M: 0 } },
        y: { baseUrl: s.url, model: 'y', maxConcurrency: 3, prices: { inputPer1M: 0, outputPer1M: 0 } },
      },
    });
    const slowFetch: typeof fetch = async (...args) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      try {
        return await fetch(...args);
      } finally {
        inFlight--;
      }
    };
    const clients = createPoolClients(pool, { ...fast, fetch: slowFetch });
    await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 2 ? 'x' : 'y']!.complete(user(`q${i}`))));
    expect(peak).toBe(2);
    expect(s.requests).toHaveLength(10);
  });

  it('aborts with ABORTED while waiting for a retry', async () => {
    const s = await serve({ models: { up: echo }, fault: () => ({ kind: 'status', status: 429, retryAfter: '10' }) });
    const client = createChatClient(
      'm',
      { baseUrl: s.url, model: 'up', prices: { inputPer1M: 0, outputPer1M: 0 } },
      { ...fast, maxRetryDelayMs: 10_000 },
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client.complete(user('hi'), { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects malformed requests with TypeError / RangeError', async () => {
    const client = createChatClient('m', {
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'up',
      prices: { inputPer1M: 0, outputPer1M: 0 },
    });
    await expect(client.complete({ messages: [] })).rejects.toThrow(TypeError);
    await expect(client.complete({ ...user('x'), maxTokens: 0 })).rejects.toThrow(RangeError);
  });
});

describe('helpers', () => {
  it('retryAfterMs parses seconds and dates', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
  });
  it('createLimiter is FIFO and bounded', async () => {
    const limiter = createLimiter(1);
    const order: number[] = [];
    const r1 = await limiter.acquire();
    const p2 = limiter.acquire().then((r) => (order.push(2), r));
    const p3 = limiter.acquire().then((r) => (order.push(3), r));
    expect(order).toEqual([]);
    r1();
    (await p2)();
    (await p3)();
    expect(order).toEqual([2, 3]);
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
  it('fakeTokens counts words', () => expect(fakeTokens(' a b  c ')).toBe(3));
});
