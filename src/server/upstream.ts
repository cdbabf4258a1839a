/**
 * Upstream calls of the routing server (./server.ts): one POST per attempt over keep-alive agents, error statuses
 * turned into retryable errors without their bodies, and the answer relayed to the client (JSON or SSE) with the
 * routing decision added.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { RoutingSummary } from '../integrations/fallback.js';
import type { PoolModel } from '../pool/schema.js';
import { callCost } from '../pool/schema.js';
import { HttpError, sendJson } from './http.js';

/** An upstream answered with an error status (its body is dropped: it may echo request headers). */
class UpstreamStatusError extends Error {
  constructor(
    readonly status: number,
    model: string,
  ) {
    super(`upstream ${model} answered HTTP ${status}`);
    this.name = 'UpstreamStatusError';
  }
}

const headerSafe = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);

function decisionHeaders(summary: RoutingSummary): Record<string, string> {
  const headers: Record<string, string> = {
    'x-finerouter-model': summary.model,
    'x-finerouter-routed': summary.routed,
    'x-finerouter-attempts': String(summary.attempts.length),
  };
  if (summary.task) headers['x-finerouter-task'] = headerSafe(`${summary.task.id} ${summary.task.description}`);
  return headers;
}

/** An upstream response whose status is 2xx, body not yet read. */
export interface UpstreamResponse {
  readonly body: IncomingMessage;
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// node:http with keep-alive agents rather than fetch: measured in bench/server.bench.mjs, fetch (undici, Node 20)
// cost several times more server CPU per proxied request (docs/integrations.md).
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 256 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
};

/** POSTs JSON; resolves with the response once its headers arrive; `signal` aborts the request and its body. */
function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<{ status: number; body: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const request = (secure ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      agent: secure ? agents.https : agents.http,
      signal,
    });
    request.on('response', (response) => resolve({ status: response.statusCode ?? 0, body: response }));
    request.on('error', reject);
    request.end(body);
  });
}

/** One upstream call; resolves once the upstream answered 2xx (headers in hand), throws on anything else. */
export async function callUpstream(
  env: Readonly<Record<string, string | undefined>>,
  id: string,
  entry: PoolModel,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(entry.headers ?? {}) };
  if (entry.apiKeyEnv !== undefined) {
    const key = env[entry.apiKeyEnv];
    if (key === undefined || key === '')
      throw new HttpError(
        500,
        'server_error',
        `the API key variable ${entry.apiKeyEnv} of model ${id} is not set on the server`,
      );
    headers.authorization = `Bearer ${key}`;
  }
  const response = await postJson(
    `${entry.baseUrl}/chat/completions`,
    headers,
    JSON.stringify({ ...body, model: entry.model }),
    signal,
  );
  if (response.status < 200 || response.status > 299) {
    response.body.resume(); // drain and drop: error bodies may echo request headers
    throw new UpstreamStatusError(response.status, id);
  }
  return { body: response.body };
}

/** Sends the upstream's answer: JSON with a `finerouter` field, or SSE relayed with the field in the first event. */
export async function relay(
  res: ServerResponse,
  response: UpstreamResponse,
  summary: RoutingSummary,
  entry: PoolModel,
  stream: boolean,
): Promise<void> {
  const headers = decisionHeaders(summary);
  if (!stream) {
    const text = await readAll(response.body);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new HttpError(502, 'upstream_error', `upstream ${summary.model} returned a body that is not JSON`);
    }
    const usage = json.usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | undefined;
    const field: Record<string, unknown> = { ...summary };
    if (typeof usage?.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number')
      field.costUsd = callCost(entry.prices, usage.prompt_tokens, usage.completion_tokens);
    json.finerouter = field;
    sendJson(res, 200, json, headers);
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  const decoder = new TextDecoder();
  // The first SSE event gets the `finerouter` field; everything after it is relayed byte for byte.
  let head = '';
  let injected = false;
  for await (const value of response.body as AsyncIterable<Buffer>) {
    if (res.destroyed) {
      response.body.destroy();
      return;
    }
    if (injected) {
      res.write(value);
      continue;
    }
    head += decoder.decode(value, { stream: true });
    const end = head.indexOf('\n\n');
    if (end < 0) continue;
    const event = head.slice(0, end);
    const rest = head.slice(end);
    let out = event;
    if (event.startsWith('data: ') && event !== 'data: [DONE]') {
      try {
        const chunk = JSON.parse(event.slice(6)) as Record<string, unknown>;
        chunk.finerouter = summary;
        out = `data: ${JSON.stringify(chunk)}`;
      } catch {
        out = event;
      }
    }
    res.write(out + rest);
    injected = true;
  }
  if (!injected && head.length > 0) res.write(head);
  res.end();
}
