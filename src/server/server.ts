/**
 * `finerouter serve`: an OpenAI-compatible routing server on node:http (no framework: one route table, and the
 * overhead measured in docs/integrations.md). Endpoints:
 *
 *   POST /v1/chat/completions   `model: "finerouter"` routes on `messages` (options in the body field `finerouter`
 *                               or the header `x-finerouter-options`, JSON); any other model id of the pool passes
 *                               through to it. Streaming (SSE) and not. The decision is in the response headers
 *                               `x-finerouter-model`, `x-finerouter-routed`, `x-finerouter-task`, `x-finerouter-attempts`
 *                               and in the body field `finerouter` (non-streaming: the completion; streaming: the
 *                               first chunk).
 *   GET  /v1/models             the pool's model ids plus "finerouter".
 *   GET  /healthz               liveness and the loaded artifacts (no auth).
 *   GET  /metrics               Prometheus text.
 *
 * Behaviour:
 *   - Upstreams come from a pool (src/pool/schema.ts): id → baseUrl, upstream model name, apiKeyEnv, prices. The key
 *     is read from the environment per request and only sent to its own endpoint; it is never logged nor echoed
 *     (upstream error bodies are not relayed: a failed upstream becomes our own 502 listing attempts and statuses).
 *   - Fallback (src/integrations/fallback.ts) on timeout, 408, 429, 5xx and network errors, to the next model by final
 *     score, until a response starts; a stream is never switched midway.
 *   - Limits: request body size (413), per-attempt upstream timeout (pool `timeoutMs`, else the server's), total time.
 *   - A client that disconnects aborts the upstream request.
 *   - `close()` stops accepting connections, lets in-flight requests finish (up to a grace period), then disposes the
 *     router: SIGTERM in the CLI.
 *   - `reload()` loads new artifacts completely, then swaps them in one assignment; requests already routing keep the
 *     old router, which is disposed once they are done. A failed reload keeps serving the old artifacts.
 *   - Optional bearer-token auth for clients (constant-time comparison); /healthz stays open for load balancers.
 *   - Stateless: the routing decision depends only on the artifacts, the pool and the request, so N replicas behind
 *     any load balancer route identically.
 */
import { Agent as HttpAgent, createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';
import { FineRouterError } from '../errors.js';
import { callWithFallback, FALLBACK_DEFAULTS, routingSummary } from '../integrations/fallback.js';
import type { FallbackOptions, RoutingSummary } from '../integrations/fallback.js';
import { parseRequestRoutingOptions, splitRoutingOptions } from '../integrations/options.js';
import type { RequestRoutingOptions } from '../integrations/options.js';
import type { ModelPool, PoolModel } from '../pool/schema.js';
import { callCost } from '../pool/schema.js';
import type { ChatMessage, MessagesInputOptions } from '../router/messages.js';
import type { RouteOptions, RouteResult } from '../router/router.js';
import { batchingRoute } from './batching.js';
import type { BatchableRouter } from './batching.js';
import { ServerMetrics } from './metrics.js';

/** The router as the server uses it (a `FineRouter` satisfies it). */
export interface ServedRouter {
  readonly models: readonly string[];
  readonly manifest?: { readonly files?: Readonly<Record<string, string>> };
  route(prompt: string | readonly ChatMessage[], options?: RouteOptions): Promise<RouteResult>;
  dispose(): Promise<void>;
}

/** Options of {@link createRoutingServer}. */
export interface RoutingServerOptions {
  /** The router serving `model: "finerouter"`. */
  router: ServedRouter;
  /** The upstreams. Router models missing from the pool are never chosen; pool models unknown to the router pass through only. */
  pool: ModelPool;
  /** Loads fresh artifacts for {@link RoutingServer.reload}. @defaultValue reload unsupported */
  loadRouter?: () => Promise<ServedRouter>;
  /** Where API keys are read (`apiKeyEnv`). @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Clients must send `Authorization: Bearer <token>` (all paths but /healthz). @defaultValue no auth */
  authToken?: string;
  /** Largest request body, bytes (413 above). @defaultValue 1048576 */
  maxBodyBytes?: number;
  /** Per-attempt upstream timeout, ms, for pool entries without `timeoutMs`. @defaultValue 60000 */
  upstreamTimeoutMs?: number;
  /** Routing and fallback defaults (per request: body field `finerouter` or header `x-finerouter-options`). @defaultValue {} */
  routing?: RequestRoutingOptions;
  /** How messages become the router's input text. @defaultValue MESSAGES_INPUT_DEFAULTS */
  messages?: MessagesInputOptions;
  /** How long `close()` waits for in-flight requests, ms. @defaultValue 30000 */
  shutdownGraceMs?: number;
  /**
   * Concurrent requests share encoder calls (./batching.ts) when the router exposes `encoder` and `routeEmbeddings`
   * (a FineRouter does); at most this many prompts per call; 1 disables batching. @defaultValue 16
   */
  maxEncoderBatch?: number;
  /** One JSON object per request and event (never keys, never message text). @defaultValue no logging */
  log?: (entry: Record<string, unknown>) => void;
}

/** Defaults of {@link RoutingServerOptions}. */
export const ROUTING_SERVER_DEFAULTS = Object.freeze({
  maxBodyBytes: 1_048_576,
  maxEncoderBatch: 16,
  upstreamTimeoutMs: 60_000,
  shutdownGraceMs: 30_000,
  routingModel: 'finerouter',
});

/** A running (or ready) routing server. */
export interface RoutingServer {
  readonly server: Server;
  readonly metrics: ServerMetrics;
  /** The router currently serving. */
  readonly router: ServedRouter;
  /** Starts listening; resolves to the base URL (`http://host:port`). */
  listen(port?: number, host?: string): Promise<string>;
  /** Loads new artifacts with `loadRouter` and swaps them in atomically. */
  reload(): Promise<void>;
  /** Graceful shutdown: stop accepting, finish in-flight requests, dispose the router. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

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

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(
        new HttpError(
          413,
          'invalid_request_error',
          `request body of ${declared} bytes exceeds the limit of ${limit} bytes`,
        ),
      );
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'invalid_request_error', `request body exceeds the limit of ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
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

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** An upstream response whose status is 2xx, body not yet read. */
interface UpstreamResponse {
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
async function callUpstream(
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
async function relay(
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

/** A chat-completions request body: a JSON object with a string `model` and non-empty `messages` (else 400). */
function parseChatBody(raw: Buffer): Record<string, unknown> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'invalid_request_error', 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'invalid_request_error', 'the request body must be a JSON object');
  if (typeof body.model !== 'string') throw new HttpError(400, 'invalid_request_error', 'model: expected a string');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw new HttpError(400, 'invalid_request_error', 'messages: expected a non-empty array');
  return body;
}

/** Per-request routing options: header `x-finerouter-options` (JSON), then the body's `finerouter` field over it. */
function requestRoutingOptions(req: IncomingMessage, fromBody: unknown): ReturnType<typeof parseRequestRoutingOptions> {
  let fromHeader: unknown;
  const header = req.headers['x-finerouter-options'];
  if (typeof header === 'string') {
    try {
      fromHeader = JSON.parse(header);
    } catch {
      throw new HttpError(400, 'invalid_request_error', 'header x-finerouter-options: expected JSON');
    }
  }
  return {
    ...parseRequestRoutingOptions(fromHeader, 'header x-finerouter-options'),
    ...parseRequestRoutingOptions(fromBody, 'body field "finerouter"'),
  };
}

/** The HTTP status, OpenAI-style error body and headers for an error thrown while handling a request. */
function errorResponse(error: unknown): {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
} {
  let status = 500;
  let body: Record<string, unknown> = { message: 'internal error', type: 'server_error' };
  let headers: Record<string, string> = {};
  if (error instanceof HttpError) {
    status = error.status;
    const { headers: extraHeaders, ...extra } = error.extra as { headers?: Record<string, string> };
    headers = extraHeaders ?? {};
    body = { message: error.message, type: error.type, ...extra };
  } else if (error instanceof FineRouterError) {
    if (error.code === 'UPSTREAM_FAILED') {
      status = 502;
      body = {
        message: error.message,
        type: 'upstream_error',
        code: 'upstream_failed',
        attempts: (error as FineRouterError & { attempts?: unknown }).attempts ?? [],
      };
    } else if (error.code === 'BUDGET_EXCEEDED') {
      status = 400;
      body = { message: error.message, type: 'invalid_request_error', code: 'budget_exceeded' };
    } else if (error.code === 'INVALID_ARGUMENT') {
      status = 400;
      body = { message: error.message, type: 'invalid_request_error', code: 'invalid_argument' };
    } else {
      body = { message: error.message, type: 'server_error', code: error.code.toLowerCase() };
    }
  }
  return { status, body, headers };
}

/** The server's size and time limits over the defaults, each an integer ≥ 1, and the auth token's shape. */
function checkedServerLimits(options: RoutingServerOptions): {
  maxBodyBytes: number;
  upstreamTimeoutMs: number;
  grace: number;
  maxEncoderBatch: number;
} {
  const limits = {
    maxBodyBytes: options.maxBodyBytes ?? ROUTING_SERVER_DEFAULTS.maxBodyBytes,
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? ROUTING_SERVER_DEFAULTS.upstreamTimeoutMs,
    shutdownGraceMs: options.shutdownGraceMs ?? ROUTING_SERVER_DEFAULTS.shutdownGraceMs,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1)
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        `createRoutingServer: ${name}: expected an integer ≥ 1, received ${String(value)}`,
      );
  }
  if (options.authToken !== undefined && (typeof options.authToken !== 'string' || options.authToken.length === 0)) {
    throw new FineRouterError('INVALID_ARGUMENT', 'createRoutingServer: authToken: expected a non-empty string');
  }
  const maxEncoderBatch = options.maxEncoderBatch ?? ROUTING_SERVER_DEFAULTS.maxEncoderBatch;
  if (!Number.isInteger(maxEncoderBatch) || maxEncoderBatch < 1)
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createRoutingServer: maxEncoderBatch: expected an integer ≥ 1, received ${String(maxEncoderBatch)}`,
    );
  return {
    maxBodyBytes: limits.maxBodyBytes,
    upstreamTimeoutMs: limits.upstreamTimeoutMs,
    grace: limits.shutdownGraceMs,
    maxEncoderBatch,
  };
}

/**
 * Creates the routing server (not yet listening).
 *
 * @param options - see {@link RoutingServerOptions}.
 * @returns the server; call `listen()`.
 * @throws FineRouterError INVALID_ARGUMENT when no router model is in the pool or an option is out of range.
 * @example
 * const router = await loadFineRouter('artifacts');
 * const pool = await readPoolFile('pool.json');
 * const serving = createRoutingServer({ router, pool, loadRouter: () => loadFineRouter('artifacts') });
 * const url = await serving.listen(8080, '127.0.0.1');
 * process.on('SIGTERM', () => serving.close());
 */
export function createRoutingServer(options: RoutingServerOptions): RoutingServer {
  const { pool } = options;
  let router = options.router;
  const env = options.env ?? process.env;
  const { maxBodyBytes, upstreamTimeoutMs, grace, maxEncoderBatch } = checkedServerLimits(options);
  const defaults = parseRequestRoutingOptions(options.routing, 'createRoutingServer: routing');
  const poolIds = Object.keys(pool.models);
  const callableOf = (r: ServedRouter): string[] => r.models.filter((id) => id in pool.models);
  let callable = callableOf(router);
  if (callable.length === 0) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createRoutingServer: none of the router's models (${router.models.join(', ')}) is in the pool (${poolIds.join(', ')})`,
    );
  }
  const routingModel = ROUTING_SERVER_DEFAULTS.routingModel;
  const metrics = new ServerMetrics();
  const log = options.log;
  const inFlight = new Set<Promise<void>>();
  const tokenDigest = options.authToken !== undefined ? digest(`Bearer ${options.authToken}`) : undefined;
  let closing = false;
  let loadedAt = new Date().toISOString();
  /** The router in service, its route function and the routes running on it (awaited before it is disposed). */
  interface Generation {
    router: ServedRouter;
    route: ServedRouter['route'];
    running: Set<Promise<unknown>>;
  }
  const generationOf = (r: ServedRouter): Generation => {
    const batchable = r as Partial<BatchableRouter>;
    const route =
      maxEncoderBatch > 1 && batchable.encoder && typeof batchable.routeEmbeddings === 'function'
        ? batchingRoute(r as unknown as BatchableRouter, maxEncoderBatch)
        : r.route.bind(r);
    return { router: r, route, running: new Set() };
  };
  let generation = generationOf(router);
  const routeOn = async (
    g: Generation,
    input: readonly ChatMessage[],
    routeOptions: RouteOptions,
  ): Promise<RouteResult> => {
    const work = g.route(input, routeOptions);
    g.running.add(work);
    try {
      return await work;
    } finally {
      g.running.delete(work);
    }
  };
  const retire = async (g: Generation): Promise<void> => {
    await Promise.allSettled([...g.running]);
    await g.router.dispose();
  };

  function authorized(req: IncomingMessage): boolean {
    if (tokenDigest === undefined) return true;
    const given = req.headers.authorization;
    return typeof given === 'string' && timingSafeEqual(digest(given), tokenDigest);
  }

  async function chatCompletions(
    req: IncomingMessage,
    res: ServerResponse,
    clientSignal: AbortSignal,
    note: Record<string, unknown>,
  ): Promise<void> {
    const body = parseChatBody(await readBody(req, maxBodyBytes));
    const { finerouter: fromBody, ...forward } = body;
    const stream = forward.stream === true;
    note.stream = stream;
    const current = generation;
    if (forward.model !== routingModel) {
      const entry = pool.models[forward.model as string];
      if (!entry)
        throw new HttpError(
          404,
          'invalid_request_error',
          `model ${JSON.stringify(forward.model)} is neither "${routingModel}" nor a model of the pool`,
          { code: 'model_not_found' },
        );
      note.passthrough = forward.model;
      const decision = { model: forward.model as string, scores: [] };
      const { value, attempts } = await callWithFallback(
        decision,
        () => true,
        (id, signal) => callUpstream(env, id, entry, forward, signal),
        {
          maxAttempts: 1,
          attemptTimeoutMs: entry.timeoutMs ?? upstreamTimeoutMs,
          timeoutMs: entry.timeoutMs ?? upstreamTimeoutMs,
          signal: clientSignal,
          onAttempt: (a) => metrics.attempts.inc({ model: a.model, outcome: a.outcome }),
        },
      );
      const summary: RoutingSummary = {
        model: decision.model,
        routed: decision.model,
        task: null,
        explanation: 'pass-through: the request named this model',
        top: [],
        attempts: attempts.map((a) => ({ ...a })),
      };
      await relay(res, value, summary, entry, stream);
      return;
    }
    const perRequest = requestRoutingOptions(req, fromBody);
    const split = splitRoutingOptions(defaults, perRequest, callable);
    const route: RouteOptions = { ...split.route, signal: clientSignal };
    if (options.messages !== undefined) route.messages = options.messages;
    const t0 = performance.now();
    const decision = await routeOn(current, forward.messages as ChatMessage[], route);
    const routingMs = performance.now() - t0;
    metrics.routingSeconds.observe(routingMs / 1000);
    note.routed = decision.model;
    note.routingMs = Math.round(routingMs * 100) / 100;
    const fallback: FallbackOptions = {
      ...split.fallback,
      signal: clientSignal,
      attemptTimeoutMs: upstreamTimeoutMs,
      onAttempt: (a) => metrics.attempts.inc({ model: a.model, outcome: a.outcome }),
    };
    fallback.timeoutMs ??= FALLBACK_DEFAULTS.timeoutMs;
    const { value, model, attempts } = await callWithFallback(
      decision,
      (id) => id in pool.models,
      (id, signal) => callUpstream(env, id, pool.models[id]!, forward, signal),
      fallback,
    );
    metrics.routed.inc({ model });
    note.model = model;
    note.attempts = attempts.length;
    await relay(res, value, routingSummary(decision, attempts), pool.models[model]!, stream);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const note: Record<string, unknown> = { method: req.method, path };
    // A client that goes away aborts routing and the upstream call.
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new FineRouterError('ABORTED', 'the client disconnected'));
    });
    metrics.inFlight.value++;
    try {
      if (closing)
        throw new HttpError(503, 'server_error', 'the server is shutting down', { headers: { connection: 'close' } });
      if (path === '/healthz' && req.method === 'GET') {
        sendJson(res, 200, {
          status: 'ok',
          models: router.models,
          pool: poolIds,
          loadedAt,
          files: router.manifest?.files ?? {},
        });
        return;
      }
      if (!authorized(req))
        throw new HttpError(401, 'invalid_request_error', 'missing or wrong bearer token', { code: 'invalid_api_key' });
      if (path === '/metrics' && req.method === 'GET') {
        const text = metrics.render();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      if (path === '/v1/models' && req.method === 'GET') {
        const data = [routingModel, ...poolIds].map((id) => ({
          id,
          object: 'model',
          created: 0,
          owned_by: 'finerouter',
        }));
        sendJson(res, 200, { object: 'list', data });
        return;
      }
      if (path === '/v1/chat/completions') {
        if (req.method !== 'POST') throw new HttpError(405, 'invalid_request_error', 'use POST');
        await chatCompletions(req, res, controller.signal, note);
        return;
      }
      throw new HttpError(404, 'invalid_request_error', `no route ${req.method} ${path}`);
    } catch (error) {
      if (controller.signal.aborted) {
        note.aborted = true;
        if (!res.destroyed) res.destroy();
        return;
      }
      const { status, body, headers } = errorResponse(error);
      if (!(error instanceof HttpError) && !(error instanceof FineRouterError))
        note.error = error instanceof Error ? error.name : 'unknown';
      if (res.headersSent) {
        res.destroy();
      } else {
        sendJson(res, status, { error: body }, headers);
      }
    } finally {
      metrics.inFlight.value--;
      const ms = performance.now() - t0;
      metrics.requestSeconds.observe(ms / 1000);
      const status = res.headersSent ? res.statusCode : 0;
      metrics.requests.inc({
        path: path.startsWith('/v1/') || path === '/healthz' || path === '/metrics' ? path : 'other',
        status: String(status),
      });
      log?.({ ...note, status, ms: Math.round(ms * 100) / 100 });
    }
  }

  const server = createServer((req, res) => {
    const work = handle(req, res);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // streams may last long; per-attempt upstream timeouts bound the waiting instead

  let reloading: Promise<void> | undefined;

  return {
    server,
    metrics,
    get router() {
      return router;
    },
    listen(port = 8080, host = '127.0.0.1') {
      return new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          resolve(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
        });
      });
    },
    reload() {
      if (!options.loadRouter)
        return Promise.reject(new FineRouterError('INVALID_ARGUMENT', 'RoutingServer.reload: no loadRouter was given'));
      // One reload at a time; a second call waits for the first and then loads again.
      const run = async (): Promise<void> => {
        try {
          const next = await options.loadRouter!();
          const nextCallable = callableOf(next);
          if (nextCallable.length === 0) {
            await next.dispose();
            throw new FineRouterError(
              'INVALID_ARGUMENT',
              `RoutingServer.reload: none of the new router's models is in the pool`,
            );
          }
          const previous = generation;
          generation = generationOf(next);
          router = next;
          callable = nextCallable;
          loadedAt = new Date().toISOString();
          metrics.reloads.inc({ result: 'ok' });
          log?.({ event: 'reload', result: 'ok', files: next.manifest?.files ?? {} });
          await retire(previous); // waits for the routes still running on it
        } catch (error) {
          metrics.reloads.inc({ result: 'error' });
          log?.({ event: 'reload', result: 'error', error: error instanceof Error ? error.message : String(error) });
          throw error;
        }
      };
      const next = (reloading ?? Promise.resolve()).catch(() => undefined).then(run);
      reloading = next;
      return next;
    },
    async close() {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => (timer = setTimeout(resolve, grace))),
      ]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      await reloading?.catch(() => undefined);
      await retire(generation);
    },
  };
}
