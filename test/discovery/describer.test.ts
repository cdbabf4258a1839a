import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { createOpenAiDescriber, sha256Hex } from '../../src/adapters/describer-openai.js';
import { createFileDescriptionCache } from '../../src/adapters/node/describer-cache.js';
import { DESCRIPTION_INSTRUCTION, promptDescriber, truncateText } from '../../src/discovery/describer.js';

// A real OpenAI-compatible server on 127.0.0.1: the user message selects a behaviour.
// "fail:<status>:<n>" fails n times with <status> then answers; "hang:<n>" never answers the first n times;
// "malformed:<n>" sends broken JSON n times; "empty" sends no content; anything else answers at once.
let server: Server;
let baseUrl: string;
const seen = new Map<string, number>();
const requests: { auth: string | undefined; body: { model: string; messages: { role: string; content: string }[] } }[] =
  [];
let inFlight = 0;
let maxInFlight = 0;

function handle(req: IncomingMessage, res: ServerResponse): void {
  let raw = '';
  req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  req.on('end', () => {
    if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
      res.writeHead(404).end('no route');
      return;
    }
    const body = JSON.parse(raw) as (typeof requests)[number]['body'];
    requests.push({ auth: req.headers.authorization, body });
    const user = body.messages.find((m) => m.role === 'user')!.content;
    const count = (seen.get(user) ?? 0) + 1;
    seen.set(user, count);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const finish = (status: number, payload: string, headers: Record<string, string> = {}): void => {
      setTimeout(() => {
        inFlight--;
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(payload);
      }, 5);
    };
    const ok = (content: string): void =>
      finish(
        200,
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content } }],
        }),
      );
    const [kind, a, b] = user.split(':');
    if (kind === 'fail' && count <= Number(b)) {
      finish(
        Number(a),
        JSON.stringify({ error: { message: 'injected' } }),
        Number(a) === 429 ? { 'retry-after': '0.1' } : {},
      );
    } else if (kind === 'hang' && count <= Number(a)) {
      res.on('close', () => inFlight--); // never answered; the client times out
    } else if (kind === 'malformed' && count <= Number(a)) {
      finish(200, '{"choices": [ {"message": ');
    } else if (kind === 'empty') {
      finish(200, JSON.stringify({ choices: [] }));
    } else {
      ok(`  "Describe: ${user}"  `);
    }
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.clear();
  requests.length = 0;
  maxInFlight = 0;
});

const fast = { retryBaseMs: 1, timeoutMs: 2000, apiKey: 'k-test' };

async function rejection(promise: Promise<unknown>): Promise<FineRouterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FineRouterError);
  return error as FineRouterError;
}

describe('promptDescriber', () => {
  it('returns the prompt itself, whitespace collapsed, truncated at a word boundary', async () => {
    const d = promptDescriber({ maxChars: 12 });
    expect(await d.describe(['  What is\n 2+2? ', 'one two three four'])).toEqual(['What is 2+2?', 'one two…']);
    expect(d.id).toBe('prompt:12');
    expect(promptDescriber().id).toBe('prompt');
    expect(truncateText('abcdefghijkl', 5)).toBe('abcd…');
    expect(() => promptDescriber({ maxChars: 1 })).toThrow(RangeError);
  });
});

describe('createOpenAiDescriber against a local server', () => {
  it('sends model, instruction and prompt, and cleans the reply', async () => {
    const d = createOpenAiDescriber({ baseUrl, model: 'm1', ...fast });
    expect(await d.describe(['alpha', 'beta'])).toEqual(['Describe: alpha', 'Describe: beta']);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.auth).toBe('Bearer k-test');
    expect(requests[0]!.body.model).toBe('m1');
    expect(requests[0]!.body.messages[0]).toEqual({ role: 'system', content: DESCRIPTION_INSTRUCTION });
    expect(d.id).toBe('openai:m1');
  });

  it('retries 429 (Retry-After) and 500, then succeeds', async () => {
    const d = createOpenAiDescriber({ baseUrl, model: 'm1', ...fast });
    const start = performance.now();
    expect(await d.describe(['fail:429:2', 'fail:500:1'])).toEqual(['Describe: fail:429:2', 'Describe: fail:500:1']);
    expect(performance.now() - start).toBeGreaterThanOrEqual(190); // two waits of Retry-After 0.1 s, not the 1 ms backoff
    expect(seen.get('fail:429:2')).toBe(3);
    expect(seen.get('fail:500:1')).toBe(2);
    expect(d.stats.retries).toBe(3);
  });

  it('retries a timed-out request and a malformed JSON body', async () => {
    const d = createOpenAiDescriber({ baseUrl, model: 'm1', ...fast, timeoutMs: 1000 });
    expect(await d.describe(['hang:1', 'malformed:2'])).toEqual(['Describe: hang:1', 'Describe: malformed:2']);
    expect(seen.get('hang:1')).toBe(2);
    expect(seen.get('malformed:2')).toBe(3);
  });

  it('fails with HTTP_ERROR after the retries run out, and at once on 4xx', async () => {
    const d = createOpenAiDescriber({ baseUrl, model: 'm1', ...fast, retries: 2 });
    expect((await rejection(d.describe(['fail:503:9']))).code).toBe('HTTP_ERROR');
    expect(seen.get('fail:503:9')).toBe(3);
    expect((await rejection(d.describe(['fail:401:9']))).code).toBe('HTTP_ERROR');
    expect(seen.get('fail:401:9')).toBe(1);
    expect((await rejection(d.describe(['empty']))).code).toBe('HTTP_ERROR');
    const bad = createOpenAiDescriber({ baseUrl: `${baseUrl}/nowhere`, model: 'm1', ...fast });
    expect((await rejection(bad.describe(['x']))).code).toBe('HTTP_ERROR');
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const d = createOpenAiDescriber({ baseUrl, model: 'm1', ...fast, concurrency: 3 });
    const texts = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const progress: number[] = [];
    const out = await d.describe(texts, { onProgress: (done) => progress.push(done) });
    expect(out).toEqual(texts.map((t) => `Describe: ${t}`));
    expect(maxInFlight).toBe(3);
    expect(progress.at(-1)).toBe(20);
  });

  it('caches on disk: a second run makes zero requests; a different model misses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finerouter-desc-'));
    try {
      const texts = ['one', 'two', 'one', 'three'];
      const first = createOpenAiDescriber({ baseUrl, model: 'm1', ...fast, cache: createFileDescriptionCache(dir) });
      const a = await first.describe(texts);
      expect(requests).toHaveLength(3); // duplicates asked once
      requests.length = 0;
      const second = createOpenAiDescriber({ baseUrl, model: 'm1', ...fast, cache: createFileDescriptionCache(dir) });
      expect(await second.describe(texts)).toEqual(a);
      expect(requests).toHaveLength(0);
      expect(second.stats.cacheHits).toBe(4);
      const other = createOpenAiDescriber({ baseUrl, model: 'm2', ...fast, cache: createFileDescriptionCache(dir) });
      await other.describe(['one']);
      expect(requests).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('aborts with ABORTED', async () => {
    const controller = new AbortController();
    const d = createOpenAiDescriber({ baseUrl, model: 'm1', ...fast, timeoutMs: 5000 });
    const pending = d.describe(['hang:5'], { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await rejection(pending)).code).toBe('ABORTED');
  });

  it('summarizes groups with the summary instruction', async () => {
    const d = createOpenAiDescriber({ baseUrl, model: 'm1', ...fast });
    const [summary] = await d.summarize!([['a task', 'b task']]);
    expect(summary).toBe('Describe: - a task\n- b task'.replace(/\s+/g, ' '));
    expect(requests[0]!.body.messages[0]!.content).not.toBe(DESCRIPTION_INSTRUCTION);
  });

  it('rejects bad options with INVALID_ARGUMENT and hashes with sha256', async () => {
    expect(() => createOpenAiDescriber({ baseUrl: 'ftp://x', model: 'm' })).toThrow(FineRouterError);
    expect(() => createOpenAiDescriber({ baseUrl, model: 'm', concurrency: 0 })).toThrow(FineRouterError);
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
