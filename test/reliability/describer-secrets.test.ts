/**
 * Issue #13 item 4: the describer sends a key only where the user asked for it, never echoes it or URL
 * credentials in errors, and rejects replies longer than maxResponseBytes. A real HTTP server on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiDescriber } from '../../src/adapters/describer-openai.js';
import { FineRouterError } from '../../src/errors.js';

let server: Server;
let baseUrl: string;
const seen: (string | undefined)[] = [];
let mode: 'ok' | 'echo-401' | 'huge' = 'ok';

function handle(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    seen.push(req.headers.authorization);
    if (mode === 'echo-401') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `bad header ${req.headers.authorization ?? ''}` }));
      return;
    }
    const content = mode === 'huge' ? 'x'.repeat(2_000_000) : 'A one-sentence description.';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ message: { content } }] }));
  });
}

const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };
beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterEach(() => {
  seen.length = 0;
  mode = 'ok';
  if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = saved.key;
  if (saved.base === undefined) delete process.env.OPENAI_BASE_URL;
  else process.env.OPENAI_BASE_URL = saved.base;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const fast = { retries: 0, retryBaseMs: 1, timeoutMs: 5000 };

describe('describer secrets', () => {
  it('the OPENAI_API_KEY env key is not sent to a base URL other than the env-configured endpoint', async () => {
    process.env.OPENAI_API_KEY = 'sk-env-secret';
    delete process.env.OPENAI_BASE_URL;
    await createOpenAiDescriber({ baseUrl, model: 'm', ...fast }).describe(['hello']);
    expect(seen).toEqual([undefined]);
  });

  it('the env key is sent to the endpoint OPENAI_BASE_URL names, and an explicit apiKey or apiKeyEnv is sent as asked', async () => {
    process.env.OPENAI_API_KEY = 'sk-env-secret';
    process.env.OPENAI_BASE_URL = `${baseUrl}/`;
    await createOpenAiDescriber({ baseUrl, model: 'm', ...fast }).describe(['a']);
    process.env.OTHER_KEY = 'sk-other';
    await createOpenAiDescriber({ baseUrl, model: 'm', apiKeyEnv: 'OTHER_KEY', ...fast }).describe(['b']);
    await createOpenAiDescriber({ baseUrl, model: 'm', apiKey: 'sk-explicit', ...fast }).describe(['c']);
    expect(seen).toEqual(['Bearer sk-env-secret', 'Bearer sk-other', 'Bearer sk-explicit']);
  });

  it('a key over plain http to a non-loopback host is refused before any request', () => {
    const make = (): unknown =>
      createOpenAiDescriber({ baseUrl: 'http://llm.example.com/v1', model: 'm', apiKey: 'sk-explicit' });
    expect(make).toThrow(FineRouterError);
    expect(() => make()).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() =>
      createOpenAiDescriber({ baseUrl: 'https://llm.example.com/v1', model: 'm', apiKey: 'sk-explicit' }),
    ).not.toThrow();
  });

  it('credentials in the base URL are refused and never echoed', async () => {
    const withCredentials = baseUrl.replace('http://', 'http://user:hunter2-secret@');
    let error: unknown;
    try {
      await createOpenAiDescriber({ baseUrl: withCredentials, model: 'm', ...fast }).describe(['x']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe('INVALID_ARGUMENT');
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect(seen).toEqual([]);
  });

  it('a server that echoes the Authorization header does not put the key into the error message', async () => {
    mode = 'echo-401';
    const error = await createOpenAiDescriber({ baseUrl, model: 'm', apiKey: 'sk-echoed-secret', ...fast })
      .describe(['x'])
      .catch((e: unknown) => e);
    expect((error as FineRouterError).code).toBe('HTTP_ERROR');
    expect((error as Error).message).not.toContain('sk-echoed-secret');
  });

  it('a reply longer than maxResponseBytes is rejected with HTTP_ERROR', async () => {
    mode = 'huge';
    const error = await createOpenAiDescriber({ baseUrl, model: 'm', ...fast, retries: 2 })
      .describe(['x'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe('HTTP_ERROR');
    expect(seen).toHaveLength(1); // not retried
  });
});
