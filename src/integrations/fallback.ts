/**
 * Fallback chain shared by the adapters (AI SDK, OpenAI SDK, LangChain) and `finerouter serve`: call the routed
 * model; on an upstream failure that another model could fix (timeout, 408, 429, 5xx, a network error, a refusal),
 * try the next model by final score, bounded by a number of attempts and a total time. Every attempt is reported.
 *
 * Pure: no runtime, fs or network import; the caller passes the function that calls one model.
 *
 * Deliberate choices:
 *   - Order: the routed model, then the other models of `decision.scores` (already restricted to the allowed,
 *     in-budget models and sorted by final score, best first), skipping those the caller cannot call. Tolerance
 *     eligibility is not required of fallbacks: once the pick has failed, the next best model is the best choice.
 *   - Not retried: client errors (400, 401, 403, 404, 422 …) and unknown exceptions (a bug does not get better on
 *     another model), and the caller's own abort (it stops the chain at once with ABORTED).
 *   - A refusal (the caller's `isRefusal` says so) moves on to the next model; when every attempt refuses, the last
 *     refusal is returned (it is still a valid answer), with every attempt reported.
 *   - Time: each attempt gets min(attemptTimeoutMs, time left of timeoutMs); timers are cleared as soon as an
 *     attempt resolves, so a stream established in time is never cut by them afterwards (the caller's abort still
 *     reaches it).
 */
import { FineRouterError } from '../errors.js';
import type { RouteResult } from '../router/router.js';

/** Why an attempt failed (or 'ok'). */
export type AttemptOutcome =
  'ok' | 'timeout' | 'rate-limit' | 'server-error' | 'network' | 'refusal' | 'client-error' | 'error';

/** One upstream attempt. */
export interface Attempt {
  /** Pool model id called. */
  readonly model: string;
  readonly outcome: AttemptOutcome;
  /** HTTP status when the upstream answered with one. */
  readonly status?: number;
  /** Short error text (no headers, no keys). */
  readonly error?: string;
  /** Milliseconds from the start of this attempt to its result. */
  readonly ms: number;
}

/** The part of a routing result the fallback chain reads: the pick and the scored models, best first. */
export interface RoutedModels {
  readonly model: string;
  readonly scores: readonly { readonly model: string }[];
}

/** Options of {@link callWithFallback}. */
export interface FallbackOptions {
  /** Most models tried per request (1 disables fallback). @defaultValue 3 */
  maxAttempts?: number;
  /** Time for all attempts together, ms. @defaultValue 120000 */
  timeoutMs?: number;
  /** Time for one attempt until it resolves (for a stream: until it is established), ms. @defaultValue 60000 */
  attemptTimeoutMs?: number;
  /** The caller's abort: stops the current attempt and the chain (FineRouterError ABORTED). */
  signal?: AbortSignal;
  /** Receives each attempt as it ends. */
  onAttempt?: (attempt: Attempt) => void;
}

/**
 * Defaults of {@link FallbackOptions}.
 *
 * @example
 * await callWithFallback(decision, () => true, call, { maxAttempts: FALLBACK_DEFAULTS.maxAttempts + 1 });
 */
export const FALLBACK_DEFAULTS = Object.freeze({ maxAttempts: 3, timeoutMs: 120_000, attemptTimeoutMs: 60_000 });

/** What {@link callWithFallback} returns. */
export interface FallbackResult<T> {
  readonly value: T;
  /** The model that produced `value`. */
  readonly model: string;
  /** Every attempt, in order (the last one produced `value`). */
  readonly attempts: readonly Attempt[];
}

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** HTTP status carried by an SDK error (openai `status`, AI SDK `statusCode`, fetch-like `response.status`), through `cause`. */
export function errorStatus(error: unknown, depth = 0): number | undefined {
  if (depth > 4 || typeof error !== 'object' || error === null) return undefined;
  for (const candidate of [
    field(error, 'status'),
    field(error, 'statusCode'),
    field(field(error, 'response'), 'status'),
  ]) {
    if (typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 100 && candidate < 600)
      return candidate;
  }
  return errorStatus(field(error, 'cause'), depth + 1);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

function isNetworkError(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const code = field(error, 'code');
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const name = field(error, 'name');
  if (name === 'APIConnectionError' || name === 'APIConnectionTimeoutError') return true;
  if (error instanceof TypeError && /fetch failed|network/i.test(error.message)) return true;
  return isNetworkError(field(error, 'cause'), depth + 1);
}

/**
 * Classifies an upstream error: whether another model may succeed, and why.
 *
 * @param error - what the call threw.
 * @returns the outcome; 'client-error' and 'error' are not retried.
 * @example classifyUpstreamError({ status: 429 }); // 'rate-limit'
 */
export function classifyUpstreamError(error: unknown): Exclude<AttemptOutcome, 'ok' | 'refusal'> {
  const status = errorStatus(error);
  if (status !== undefined) {
    if (status === 408) return 'timeout';
    if (status === 429) return 'rate-limit';
    if (status >= 500) return 'server-error';
    if (status >= 400) return 'client-error';
  }
  if (isNetworkError(error)) return 'network';
  const name = field(error, 'name');
  if (name === 'TimeoutError') return 'timeout';
  return 'error';
}

function shortMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** A signal that fires when `parent` fires or after `ms`; `clear()` drops the timer and the listener, `clearTimer()` the timer only. */
function linkedSignal(
  parent: AbortSignal | undefined,
  ms: number,
): { signal: AbortSignal; timedOut: () => boolean; clearTimer: () => void; clear: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new FineRouterError('UPSTREAM_FAILED', `upstream attempt timed out after ${ms} ms`));
  }, ms);
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    // After a success only the timer goes: the caller's abort must still reach an established stream.
    clearTimer: () => clearTimeout(timer),
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The models to try, in order: the routed one, then the others of `decision.scores` by final score.
 *
 * @param decision - a routing result.
 * @param callable - whether the caller can call a model id.
 * @param maxAttempts - how many to keep.
 * @returns model ids.
 * @example fallbackOrder(decision, (id) => id in clients, 3);
 */
export function fallbackOrder(
  decision: RoutedModels,
  callable: (model: string) => boolean,
  maxAttempts: number,
): string[] {
  const order: string[] = [];
  for (const id of [decision.model, ...decision.scores.map((s) => s.model)]) {
    if (order.length >= maxAttempts) break;
    if (!order.includes(id) && callable(id)) order.push(id);
  }
  return order;
}

/**
 * Calls the routed model and falls back down the score order on retryable upstream failures.
 *
 * @param decision - the routing result (`router.route(...)`).
 * @param callable - whether a model id can be called (is in the caller's client map).
 * @param call - calls one model; must honour `signal`.
 * @param options - see {@link FallbackOptions}; `isRefusal` marks a successful value as a refusal.
 * @returns the first good value, its model and every attempt.
 * @throws FineRouterError ABORTED (the caller's signal), UPSTREAM_FAILED (every attempt failed, or a non-retryable
 *   failure; `cause` is the last error and the message lists the attempts), INVALID_ARGUMENT (bad options, or no
 *   callable model).
 * @example
 * const { value, model, attempts } = await callWithFallback(decision, (id) => id in clients,
 *   (id, signal) => clients[id].chat.completions.create({ model: id, messages }, { signal }));
 */
export async function callWithFallback<T>(
  decision: RoutedModels,
  callable: (model: string) => boolean,
  call: (model: string, signal: AbortSignal) => Promise<T>,
  options: FallbackOptions & { isRefusal?: (value: T) => boolean } = {},
): Promise<FallbackResult<T>> {
  const maxAttempts = options.maxAttempts ?? FALLBACK_DEFAULTS.maxAttempts;
  const timeoutMs = options.timeoutMs ?? FALLBACK_DEFAULTS.timeoutMs;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? FALLBACK_DEFAULTS.attemptTimeoutMs;
  for (const [name, value] of [
    ['maxAttempts', maxAttempts],
    ['timeoutMs', timeoutMs],
    ['attemptTimeoutMs', attemptTimeoutMs],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        `callWithFallback: ${name}: expected an integer ≥ 1, received ${String(value)}`,
      );
  }
  const order = fallbackOrder(decision, callable, maxAttempts);
  if (order.length === 0)
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `callWithFallback: none of the scored models can be called (routed ${decision.model})`,
    );
  const attempts: Attempt[] = [];
  const record = (attempt: Attempt): void => {
    attempts.push(attempt);
    options.onAttempt?.(attempt);
  };
  const start = Date.now();
  let lastError: unknown;
  let refused: { value: T; model: string } | undefined;
  for (const model of order) {
    if (options.signal?.aborted) break;
    const left = timeoutMs - (Date.now() - start);
    if (left <= 0) break;
    const t0 = Date.now();
    const link = linkedSignal(options.signal, Math.min(attemptTimeoutMs, left));
    try {
      const value = await call(model, link.signal);
      link.clearTimer();
      if (options.isRefusal?.(value)) {
        record({ model, outcome: 'refusal', ms: Date.now() - t0 });
        refused = { value, model };
        continue;
      }
      record({ model, outcome: 'ok', ms: Date.now() - t0 });
      return { value, model, attempts };
    } catch (error) {
      link.clear();
      if (options.signal?.aborted) {
        record({ model, outcome: 'error', error: 'aborted by the caller', ms: Date.now() - t0 });
        throw new FineRouterError('ABORTED', `callWithFallback: aborted during the call to ${model}`, {
          cause: options.signal.reason,
        });
      }
      const outcome = link.timedOut() ? 'timeout' : classifyUpstreamError(error);
      const status = errorStatus(error);
      record({
        model,
        outcome,
        ...(status !== undefined ? { status } : {}),
        error: shortMessage(error),
        ms: Date.now() - t0,
      });
      lastError = error;
      if (outcome === 'client-error' || outcome === 'error') break;
    }
  }
  if (options.signal?.aborted)
    throw new FineRouterError('ABORTED', 'callWithFallback: aborted', { cause: options.signal.reason });
  if (refused !== undefined && attempts[attempts.length - 1]?.outcome === 'refusal') return { ...refused, attempts };
  const summary = attempts
    .map((a) => `${a.model}: ${a.outcome}${a.status !== undefined ? ` ${a.status}` : ''}`)
    .join('; ');
  const error = new FineRouterError(
    'UPSTREAM_FAILED',
    `callWithFallback: no model answered (${summary || `out of time after ${timeoutMs} ms`})`,
    { cause: lastError },
  );
  Object.defineProperty(error, 'attempts', { value: attempts, enumerable: true });
  throw error;
}

/** A routing decision in a compact JSON form for provider metadata, response headers and bodies. */
export interface RoutingSummary {
  /** The model that answered (after fallback). */
  model: string;
  /** The model the router chose first. */
  routed: string;
  task: { id: number; description: string; confidence: number } | null;
  explanation: string;
  /** The best three models by final score: { model, final, cost }. */
  top: { model: string; final: number; cost: number | null }[];
  attempts: { model: string; outcome: AttemptOutcome; status?: number; error?: string; ms: number }[];
}

/**
 * Compact JSON of a decision and its attempts (JSON values only: safe for AI SDK provider metadata).
 *
 * @param decision - the routing result.
 * @param attempts - the attempts of {@link callWithFallback} (empty before the call).
 * @returns the summary.
 * @example routingSummary(decision, attempts).task?.description;
 */
export function routingSummary(decision: RouteResult, attempts: readonly Attempt[]): RoutingSummary {
  const answered = [...attempts].reverse().find((a) => a.outcome === 'ok' || a.outcome === 'refusal');
  return {
    model: answered?.model ?? decision.model,
    routed: decision.model,
    task:
      decision.task === null
        ? null
        : { id: decision.task.id, description: decision.task.description, confidence: decision.task.confidence },
    explanation: decision.explanation,
    top: decision.scores.slice(0, 3).map((s) => ({ model: s.model, final: s.final, cost: s.cost })),
    attempts: attempts.map((a) => ({ ...a })),
  };
}
