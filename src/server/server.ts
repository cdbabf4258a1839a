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
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';
import { FineRouterError } from '../errors.js';
import { callWithFallback, FALLBACK_DEFAULTS, routingSummary } from '../integrations/fallback.js';
import type { FallbackOptions, RoutingSummary } from '../integrations/fallback.js';
import { parseRequestRoutingOptions, splitRoutingOptions } from '../integrations/options.js';
import type { RequestRoutingOptions } from '../integrations/options.js';
import type { ModelPool } from '../pool/schema.js';
import type { ChatMessage, MessagesInputOptions } from '../router/messages.js';
import type { RouteOptions, RouteResult } from '../router/router.js';
import { RouterInService } from './generations.js';
import { errorResponse, HttpError, parseChatBody, readBody, requestRoutingOptions, sendJson } from './http.js';
import { ServerMetrics } from './metrics.js';
import { callUpstream, relay } from './upstream.js';

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

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** What a request needs of the server: fixed at creation except the router in service and the closing flag. */
interface ServingContext {
  readonly pool: ModelPool;
  readonly poolIds: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly maxBodyBytes: number;
  readonly upstreamTimeoutMs: number;
  readonly defaults: RequestRoutingOptions;
  readonly messages: MessagesInputOptions | undefined;
  readonly tokenDigest: Buffer | undefined;
  readonly metrics: ServerMetrics;
  readonly log: ((entry: Record<string, unknown>) => void) | undefined;
  readonly service: RouterInService;
  closing: boolean;
}

function authorized(ctx: ServingContext, req: IncomingMessage): boolean {
  if (ctx.tokenDigest === undefined) return true;
  const given = req.headers.authorization;
  return typeof given === 'string' && timingSafeEqual(digest(given), ctx.tokenDigest);
}

/** A request that names a pool model: one attempt at that model, no routing. */
async function passThrough(
  ctx: ServingContext,
  res: ServerResponse,
  forward: Record<string, unknown>,
  stream: boolean,
  clientSignal: AbortSignal,
  note: Record<string, unknown>,
): Promise<void> {
  const id = forward.model as string;
  const entry = ctx.pool.models[id];
  if (!entry)
    throw new HttpError(
      404,
      'invalid_request_error',
      `model ${JSON.stringify(id)} is neither "${ROUTING_SERVER_DEFAULTS.routingModel}" nor a model of the pool`,
      { code: 'model_not_found' },
    );
  note.passthrough = id;
  const decision = { model: id, scores: [] };
  const timeoutMs = entry.timeoutMs ?? ctx.upstreamTimeoutMs;
  const { value, attempts } = await callWithFallback(
    decision,
    () => true,
    (model, signal) => callUpstream(ctx.env, model, entry, forward, signal),
    {
      maxAttempts: 1,
      attemptTimeoutMs: timeoutMs,
      timeoutMs,
      signal: clientSignal,
      onAttempt: (a) => ctx.metrics.attempts.inc({ model: a.model, outcome: a.outcome }),
    },
  );
  const summary: RoutingSummary = {
    model: id,
    routed: id,
    task: null,
    explanation: 'pass-through: the request named this model',
    top: [],
    attempts: attempts.map((a) => ({ ...a })),
  };
  await relay(res, value, summary, entry, stream);
}

/** A request for `model: "finerouter"`: route on its messages, then call the choice with fallback. */
async function routedCompletion(
  ctx: ServingContext,
  req: IncomingMessage,
  res: ServerResponse,
  forward: Record<string, unknown>,
  fromBody: unknown,
  stream: boolean,
  clientSignal: AbortSignal,
  note: Record<string, unknown>,
): Promise<void> {
  const perRequest = requestRoutingOptions(req, fromBody);
  const split = splitRoutingOptions(ctx.defaults, perRequest, ctx.service.callable);
  const route: RouteOptions = { ...split.route, signal: clientSignal };
  if (ctx.messages !== undefined) route.messages = ctx.messages;
  const t0 = performance.now();
  const decision = await ctx.service.route(forward.messages as ChatMessage[], route);
  const routingMs = performance.now() - t0;
  ctx.metrics.routingSeconds.observe(routingMs / 1000);
  note.routed = decision.model;
  note.routingMs = Math.round(routingMs * 100) / 100;
  const fallback: FallbackOptions = {
    ...split.fallback,
    signal: clientSignal,
    attemptTimeoutMs: ctx.upstreamTimeoutMs,
    onAttempt: (a) => ctx.metrics.attempts.inc({ model: a.model, outcome: a.outcome }),
  };
  fallback.timeoutMs ??= FALLBACK_DEFAULTS.timeoutMs;
  const { value, model, attempts } = await callWithFallback(
    decision,
    (id) => id in ctx.pool.models,
    (id, signal) => callUpstream(ctx.env, id, ctx.pool.models[id]!, forward, signal),
    fallback,
  );
  ctx.metrics.routed.inc({ model });
  note.model = model;
  note.attempts = attempts.length;
  await relay(res, value, routingSummary(decision, attempts), ctx.pool.models[model]!, stream);
}

async function chatCompletions(
  ctx: ServingContext,
  req: IncomingMessage,
  res: ServerResponse,
  clientSignal: AbortSignal,
  note: Record<string, unknown>,
): Promise<void> {
  const body = parseChatBody(await readBody(req, ctx.maxBodyBytes));
  const { finerouter: fromBody, ...forward } = body;
  const stream = forward.stream === true;
  note.stream = stream;
  if (forward.model !== ROUTING_SERVER_DEFAULTS.routingModel)
    return passThrough(ctx, res, forward, stream, clientSignal, note);
  return routedCompletion(ctx, req, res, forward, fromBody, stream, clientSignal, note);
}

/** The body of GET /v1/models: the routing model, then the pool's model ids. */
function modelsList(ctx: ServingContext): unknown {
  const data = [ROUTING_SERVER_DEFAULTS.routingModel, ...ctx.poolIds].map((id) => ({
    id,
    object: 'model',
    created: 0,
    owned_by: 'finerouter',
  }));
  return { object: 'list', data };
}

/** Dispatches one request by path and method; every error becomes an OpenAI-style body (./http.ts). */
async function dispatch(
  ctx: ServingContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  signal: AbortSignal,
  note: Record<string, unknown>,
): Promise<void> {
  if (ctx.closing)
    throw new HttpError(503, 'server_error', 'the server is shutting down', { headers: { connection: 'close' } });
  if (path === '/healthz' && req.method === 'GET') {
    const router = ctx.service.router;
    sendJson(res, 200, {
      status: 'ok',
      models: router.models,
      pool: ctx.poolIds,
      loadedAt: ctx.service.loadedAt,
      files: router.manifest?.files ?? {},
    });
    return;
  }
  if (!authorized(ctx, req))
    throw new HttpError(401, 'invalid_request_error', 'missing or wrong bearer token', { code: 'invalid_api_key' });
  if (path === '/metrics' && req.method === 'GET') {
    const text = ctx.metrics.render();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  if (path === '/v1/models' && req.method === 'GET') {
    sendJson(res, 200, modelsList(ctx));
    return;
  }
  if (path === '/v1/chat/completions') {
    if (req.method !== 'POST') throw new HttpError(405, 'invalid_request_error', 'use POST');
    await chatCompletions(ctx, req, res, signal, note);
    return;
  }
  throw new HttpError(404, 'invalid_request_error', `no route ${req.method} ${path}`);
}

/** One request end to end: abort on client disconnect, dispatch, error body, metrics and the log line. */
async function handleRequest(ctx: ServingContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const t0 = performance.now();
  const path = (req.url ?? '/').split('?')[0]!;
  const note: Record<string, unknown> = { method: req.method, path };
  // A client that goes away aborts routing and the upstream call.
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new FineRouterError('ABORTED', 'the client disconnected'));
  });
  ctx.metrics.inFlight.value++;
  try {
    await dispatch(ctx, req, res, path, controller.signal, note);
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
    ctx.metrics.inFlight.value--;
    const ms = performance.now() - t0;
    ctx.metrics.requestSeconds.observe(ms / 1000);
    const status = res.headersSent ? res.statusCode : 0;
    ctx.metrics.requests.inc({
      path: path.startsWith('/v1/') || path === '/healthz' || path === '/metrics' ? path : 'other',
      status: String(status),
    });
    ctx.log?.({ ...note, status, ms: Math.round(ms * 100) / 100 });
  }
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
  const { maxBodyBytes, upstreamTimeoutMs, grace, maxEncoderBatch } = checkedServerLimits(options);
  const poolIds = Object.keys(options.pool.models);
  const ctx: ServingContext = {
    pool: options.pool,
    poolIds,
    env: options.env ?? process.env,
    maxBodyBytes,
    upstreamTimeoutMs,
    defaults: parseRequestRoutingOptions(options.routing, 'createRoutingServer: routing'),
    messages: options.messages,
    tokenDigest: options.authToken !== undefined ? digest(`Bearer ${options.authToken}`) : undefined,
    metrics: new ServerMetrics(),
    log: options.log,
    service: new RouterInService(options.router, new Set(poolIds), maxEncoderBatch),
    closing: false,
  };
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const work = handleRequest(ctx, req, res);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // streams may last long; per-attempt upstream timeouts bound the waiting instead

  let reloading: Promise<void> | undefined;
  const reloadOnce = async (loadRouter: () => Promise<ServedRouter>): Promise<void> => {
    try {
      const next = await loadRouter();
      let retired: Promise<void>;
      try {
        retired = ctx.service.install(next);
      } catch (error) {
        await next.dispose();
        throw error;
      }
      ctx.metrics.reloads.inc({ result: 'ok' });
      ctx.log?.({ event: 'reload', result: 'ok', files: next.manifest?.files ?? {} });
      await retired; // the old router goes once the routes still running on it are done
    } catch (error) {
      ctx.metrics.reloads.inc({ result: 'error' });
      ctx.log?.({ event: 'reload', result: 'error', error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  };

  return {
    server,
    metrics: ctx.metrics,
    get router() {
      return ctx.service.router;
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
      const { loadRouter } = options;
      if (!loadRouter)
        return Promise.reject(new FineRouterError('INVALID_ARGUMENT', 'RoutingServer.reload: no loadRouter was given'));
      // One reload at a time; a second call waits for the first and then loads again.
      const next = (reloading ?? Promise.resolve()).catch(() => undefined).then(() => reloadOnce(loadRouter));
      reloading = next;
      return next;
    },
    async close() {
      if (ctx.closing) return;
      ctx.closing = true;
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
      await ctx.service.retire();
    },
  };
}
