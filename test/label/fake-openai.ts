/**
 * A fake OpenAI-compatible chat-completions server on 127.0.0.1 for tests: several "models" whose
 * answers are deterministic functions of the request, exact usage (tokens = whitespace-separated
 * words, so costs are computable by hand), a log of every request, and injected faults
 * (429 with Retry-After, 500, a hang past the client's timeout, a malformed body).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMessage {
  role: string;
  content: string;
}

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'hang'; ms: number }
  | { kind: 'malformed' };

export interface FakeRequest {
  model: string;
  messages: FakeMessage[];
  body: Record<string, unknown>;
  authorization: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  path: string;
  /** What the server answered: 'ok' or the fault kind/status. */
  outcome: string;
}

export interface FakeServerOptions {
  /** Upstream model name → answer for the request messages. */
  models: Record<string, (messages: FakeMessage[], body: Record<string, unknown>) => string>;
  /** Called per request (after logging); return a fault to inject one. */
  fault?: (request: FakeRequest, index: number) => Fault | undefined;
  /** Required bearer key per model (401 otherwise). */
  keys?: Record<string, string>;
  /** Leave `usage` out of responses. */
  omitUsage?: boolean;
}

export interface FakeServer {
  /** Base URL including /v1. */
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

/** Tokens of a text as the fake counts them: whitespace-separated words. */
export function fakeTokens(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeOpenAi(options: FakeServerOptions): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof json === 'string' ? json : JSON.stringify(json));
    };
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      send(404, { error: { message: `no route ${req.method} ${req.url}` } });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      send(400, { error: { message: 'bad json' } });
      return;
    }
    const model = String(body.model);
    const messages = (body.messages ?? []) as FakeMessage[];
    const auth = req.headers.authorization;
    const record: FakeRequest = {
      model,
      messages,
      body,
      authorization: auth,
      headers: req.headers,
      path: req.url,
      outcome: 'ok',
    };
    const index = requests.length;
    requests.push(record);
    const fault = options.fault?.(record, index);
    if (fault?.kind === 'status') {
      record.outcome = String(fault.status);
      send(
        fault.status,
        fault.body ?? { error: { message: `injected ${fault.status}` } },
        fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {},
      );
      return;
    }
    if (fault?.kind === 'hang') {
      record.outcome = 'hang';
      await new Promise((r) => setTimeout(r, fault.ms));
      send(500, { error: { message: 'late' } });
      return;
    }
    if (fault?.kind === 'malformed') {
      record.outcome = 'malformed';
      send(200, '{"choices": [ {"mess');
      return;
    }
    const required = options.keys?.[model];
    if (required !== undefined && auth !== `Bearer ${required}`) {
      record.outcome = '401';
      send(401, { error: { message: 'bad key' } });
      return;
    }
    const answerFn = options.models[model];
    if (!answerFn) {
      record.outcome = '404';
      send(404, { error: { message: `unknown model ${model}` } });
      return;
    }
    const answer = answerFn(messages, body);
    const json: Record<string, unknown> = {
      id: `fake-${index}`,
      object: 'chat.completion',
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
    };
    if (!options.omitUsage) {
      const promptTokens = messages.reduce((s, m) => s + fakeTokens(m.content), 0);
      json.usage = {
        prompt_tokens: promptTokens,
        completion_tokens: fakeTokens(answer),
        total_tokens: promptTokens + fakeTokens(answer),
      };
    }
    send(200, json);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
