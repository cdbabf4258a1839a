/**
 * An OpenAI-compatible chat-completions client for one pool model (POST `${baseUrl}/chat/completions`),
 * shared by `finerouter label` and `finerouter serve`. Platform-neutral: the global `fetch` (or an
 * injected one), `AbortSignal`, no fs; the environment is read only for the entry's `apiKeyEnv`.
 *
 * Behaviour
 * - Timeouts per attempt (`timeoutMs` of the entry); the caller's `AbortSignal` cancels at once.
 * - Retries on 408, 409, 429, 5xx, timeouts, network errors and malformed bodies, with exponential
 *   backoff and full jitter (attempt a waits U[0, base·2^a]); 429 and 503 honour `Retry-After`
 *   (seconds or HTTP date): the wait is the larger of the two, capped at `maxRetryDelayMs`. Other
 *   4xx fail at once (401/403 say which variable to set).
 * - Bounded concurrency: a {@link Limiter} per endpoint; {@link createPoolClients} gives models that
 *   share a `baseUrl` one limiter (the smallest `maxConcurrency` among them).
 * - Keys: the key of an entry is read from its own `apiKeyEnv` and sent only as the `authorization`
 *   header of requests to that entry's `baseUrl`; redirects are refused (`redirect: 'error'`), so a
 *   3xx cannot forward it elsewhere. The key is removed from every error message (a server that echoes
 *   it back does not leak it into logs), and never appears in the request body.
 * - Cost: `usage × prices` (src/pool/schema.ts `callCost`); when a server omits `usage`, tokens are
 *   estimated as ⌈characters / 4⌉ and `usageReported` is false.
 */
import { FineRouterError, throwIfAborted } from '../errors.js';
import { callCost, POOL_DEFAULTS, type ModelPool, type PoolModel } from './schema.js';
import { attemptRequest, RetryableError, withRetries } from './retry.js';

/** One chat message. `content` is text; structured content parts pass through untouched. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'developer' | 'tool';
  content: string;
  /** Optional participant name. */
  name?: string;
}

/** One chat-completions request. */
export interface ChatRequest {
  messages: readonly ChatMessage[];
  /** `max_tokens`. @defaultValue none (the server's default) */
  maxTokens?: number;
  /** `temperature`. @defaultValue none (the server's default) */
  temperature?: number;
  /** Extra body fields (e.g. `seed`, `top_p`); cannot override `model` or `messages`. */
  extra?: Record<string, unknown>;
}

/** Token usage of one call. */
export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

/** The answer to one request. */
export interface ChatResult {
  /** choices[0].message.content ('' when the model returned no text). */
  content: string;
  usage: ChatUsage;
  /** False when the server sent no `usage` and tokens were estimated from characters. */
  usageReported: boolean;
  /** USD: usage × the entry's prices. */
  costUsd: number;
  /** Wall time of the successful attempt in ms. */
  latencyMs: number;
  /** Attempts made (1 = no retry). */
  attempts: number;
  /** choices[0].finish_reason when present. */
  finishReason?: string;
}

/** Counters of a client, for progress lines and tests. */
export interface ChatClientStats {
  /** HTTP requests sent (retries included). */
  requests: number;
  /** Retries after a failed attempt. */
  retries: number;
  /** Requests that failed for good. */
  failures: number;
}

/** A counting semaphore: at most `capacity` holders at once, FIFO. */
export interface Limiter {
  readonly capacity: number;
  /** Resolves when a slot is free; call the returned function once to free it. */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

/** Options of {@link createChatClient} and {@link createPoolClients}. */
export interface ChatClientOptions {
  /** Environment to read `apiKeyEnv` from. @defaultValue process.env where it exists, else {} */
  env?: Readonly<Record<string, string | undefined>>;
  /** Retries after the first attempt. @defaultValue 5 */
  retries?: number;
  /** First backoff in ms (full jitter). @defaultValue 500 */
  retryBaseMs?: number;
  /** Longest single wait, Retry-After included. @defaultValue 30000 */
  maxRetryDelayMs?: number;
  /** fetch implementation. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Jitter source in [0, 1). @defaultValue Math.random */
  random?: () => number;
  /** Shared limiter (createPoolClients passes one per endpoint). @defaultValue a new one of the entry's maxConcurrency */
  limiter?: Limiter;
  /** Called before each retry wait (for progress lines); never receives the key. */
  onRetry?: (info: { model: string; attempt: number; delayMs: number; reason: string }) => void;
}

/**
 * Defaults of {@link ChatClientOptions}.
 *
 * @example
 * createChatClient('gpt-4o-mini', entry, { retries: CHAT_CLIENT_DEFAULTS.retries * 2 }); // twice the default
 */
export const CHAT_CLIENT_DEFAULTS = Object.freeze({
  retries: 5,
  retryBaseMs: 500,
  maxRetryDelayMs: 30_000,
});

/** A client bound to one pool entry. */
export interface ChatClient {
  /** The pool id. */
  readonly id: string;
  /** The validated entry (no key inside). */
  readonly entry: Readonly<PoolModel>;
  readonly stats: ChatClientStats;
  /**
   * Sends one request (with retries).
   * @throws FineRouterError 'HTTP_ERROR' (non-retryable status or retries exhausted) or 'ABORTED'.
   */
  complete(request: ChatRequest, options?: { signal?: AbortSignal }): Promise<ChatResult>;
}

/**
 * A FIFO counting semaphore.
 *
 * @param capacity - slots (integer ≥ 1).
 * @returns the limiter.
 * @throws RangeError when capacity is not an integer ≥ 1.
 * @example
 * const limiter = createLimiter(2);
 * const release = await limiter.acquire();
 * try { await work(); } finally { release(); }
 */
export function createLimiter(capacity: number): Limiter {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`createLimiter: expected an integer capacity ≥ 1, received ${String(capacity)}`);
  let active = 0;
  const waiting: { grant: () => void }[] = [];
  const releaseOnce = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next) next.grant();
      else active--;
    };
  };
  return {
    capacity,
    acquire(signal) {
      if (signal?.aborted)
        return Promise.reject(new FineRouterError('ABORTED', 'limiter: aborted', { cause: signal.reason }));
      if (active < capacity) {
        active++;
        return Promise.resolve(releaseOnce());
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(releaseOnce());
          },
        };
        const onAbort = (): void => {
          const at = waiting.indexOf(waiter);
          if (at >= 0) waiting.splice(at, 1);
          reject(new FineRouterError('ABORTED', 'limiter: aborted', { cause: signal?.reason }));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(waiter);
      });
    },
  };
}

export { retryAfterMs } from './retry.js';

/**
 * Token estimate used when a server reports no usage: ⌈characters / 4⌉ (the usual rule of thumb for
 * English with BPE tokenizers; plus 4 tokens of framing per message for chat input).
 *
 * @param messages - chat messages (input) or one string (output).
 * @returns estimated tokens.
 * @example
 * estimateTokens('abcdefgh'); // 2
 */
export function estimateTokens(messages: string | readonly ChatMessage[]): number {
  if (typeof messages === 'string') return Math.ceil(messages.length / 4);
  let total = 0;
  for (const m of messages) total += 4 + Math.ceil(m.content.length / 4);
  return total;
}

function readProcessEnv(): Readonly<Record<string, string | undefined>> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createChatClient: ${name} must be an integer ≥ 0, received ${String(value)}`,
    );
  }
  return value;
}

function validateRequest(request: ChatRequest): void {
  if (
    typeof request !== 'object' ||
    request === null ||
    !Array.isArray(request.messages) ||
    request.messages.length === 0
  ) {
    throw new TypeError('ChatClient.complete: expected request.messages to be a non-empty array');
  }
  request.messages.forEach((m, i) => {
    if (typeof m !== 'object' || m === null || typeof m.role !== 'string' || typeof m.content !== 'string') {
      throw new TypeError(`ChatClient.complete: expected messages[${i}] to be {role: string, content: string}`);
    }
  });
  if (request.maxTokens !== undefined && !(Number.isInteger(request.maxTokens) && request.maxTokens >= 1)) {
    throw new RangeError(
      `ChatClient.complete: expected maxTokens to be an integer ≥ 1, received ${String(request.maxTokens)}`,
    );
  }
}

/**
 * Creates a client for one pool entry.
 *
 * @param id - the pool id (used in messages and stats).
 * @param entry - a validated pool entry (see validatePool).
 * @param options - see {@link ChatClientOptions}.
 * @returns the client.
 * @throws FineRouterError 'INVALID_ARGUMENT' for bad options or when no fetch exists.
 * @example
 * const client = createChatClient('small', pool.models.small);
 * const { content, costUsd } = await client.complete({ messages: [{ role: 'user', content: '2+2?' }], maxTokens: 16 });
 */
export function createChatClient(id: string, entry: PoolModel, options: ChatClientOptions = {}): ChatClient {
  const d = CHAT_CLIENT_DEFAULTS;
  const retries = nonNegativeInteger('retries', options.retries ?? d.retries);
  const retryBaseMs = nonNegativeInteger('retryBaseMs', options.retryBaseMs ?? d.retryBaseMs);
  const maxRetryDelayMs = nonNegativeInteger('maxRetryDelayMs', options.maxRetryDelayMs ?? d.maxRetryDelayMs);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function')
    throw new FineRouterError('INVALID_ARGUMENT', 'createChatClient: no fetch available; pass options.fetch');
  const random = options.random ?? Math.random;
  const timeoutMs = entry.timeoutMs ?? POOL_DEFAULTS.timeoutMs;
  const limiter = options.limiter ?? createLimiter(entry.maxConcurrency ?? POOL_DEFAULTS.maxConcurrency);
  const env = options.env ?? readProcessEnv();
  const url = `${entry.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const stats: ChatClientStats = { requests: 0, retries: 0, failures: 0 };
  const frozenEntry = Object.freeze({ ...entry });

  const apiKey = (): string | undefined => {
    if (entry.apiKeyEnv === undefined) return undefined;
    const value = env[entry.apiKeyEnv];
    return value === undefined || value === '' ? undefined : value;
  };
  const redact = (text: string, key: string | undefined): string =>
    key !== undefined && key.length > 0 ? text.split(key).join('<redacted>') : text;

  async function attempt(
    request: ChatRequest,
    key: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ChatResult> {
    const started = performance.now();
    stats.requests++;
    const headers: Record<string, string> = { ...entry.headers, 'content-type': 'application/json' };
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    const body: Record<string, unknown> = { ...request.extra, model: entry.model, messages: request.messages };
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.temperature !== undefined) body.temperature = request.temperature;
    const { status, text } = await attemptRequest(
      fetchImpl,
      url,
      { method: 'POST', headers, body: JSON.stringify(body), redirect: 'error' },
      { where: `chat client ${id}`, signal, timeoutMs, redact: (t) => redact(t, key) },
      (response) => response.text(),
    );
    const latencyMs = performance.now() - started;
    if (status < 200 || status >= 300) {
      const hint =
        status === 401 || status === 403
          ? entry.apiKeyEnv !== undefined
            ? ` (check the key in $${entry.apiKeyEnv})`
            : ' (the endpoint wants a key: set apiKeyEnv in the pool entry)'
          : '';
      const snippet = redact(text.slice(0, 200), key);
      throw new FineRouterError('HTTP_ERROR', `chat client ${id}: ${url} answered HTTP ${status}${hint}: ${snippet}`);
    }
    let json: {
      choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
      usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
    };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      throw new RetryableError(`malformed JSON response: ${redact(text.slice(0, 120), key)}`);
    }
    const choice = json?.choices?.[0];
    if (typeof choice !== 'object' || choice === null) throw new RetryableError('response has no choices[0]');
    const rawContent = choice.message?.content;
    if (rawContent !== undefined && rawContent !== null && typeof rawContent !== 'string')
      throw new RetryableError('choices[0].message.content is not a string');
    const content = rawContent ?? '';
    const p = json.usage?.prompt_tokens;
    const c = json.usage?.completion_tokens;
    const reported =
      typeof p === 'number' && Number.isFinite(p) && p >= 0 && typeof c === 'number' && Number.isFinite(c) && c >= 0;
    const usage: ChatUsage = reported
      ? { promptTokens: p, completionTokens: c }
      : { promptTokens: estimateTokens(request.messages), completionTokens: estimateTokens(content) };
    const result: ChatResult = {
      content,
      usage,
      usageReported: reported,
      costUsd: callCost(entry.prices, usage.promptTokens, usage.completionTokens),
      latencyMs,
      attempts: 1,
    };
    if (typeof choice.finish_reason === 'string') result.finishReason = choice.finish_reason;
    return result;
  }

  const policy = { retries, retryBaseMs, maxRetryDelayMs, random };
  return {
    id,
    entry: frozenEntry,
    stats,
    async complete(request, callOptions = {}) {
      validateRequest(request);
      const signal = callOptions.signal;
      throwIfAborted(signal, `chat client ${id}`);
      const key = apiKey();
      const release = await limiter.acquire(signal);
      try {
        const { value, attempts } = await withRetries(() => attempt(request, key, signal), policy, signal, {
          where: `chat client ${id}`,
          exhausted: (n, error) =>
            new FineRouterError(
              'HTTP_ERROR',
              `chat client ${id}: ${url} failed after ${n} attempts: ${error.message}`,
              {
                cause: error,
              },
            ),
          onRetry: (n, delayMs, error) => {
            stats.retries++;
            options.onRetry?.({ model: id, attempt: n, delayMs, reason: error.message });
          },
        });
        value.attempts = attempts;
        return value;
      } catch (error) {
        if (!(error instanceof FineRouterError && error.code === 'ABORTED')) stats.failures++;
        throw error;
      } finally {
        release();
      }
    },
  };
}

/**
 * Clients for every model of a pool; models sharing a `baseUrl` share one limiter whose capacity is
 * the smallest `maxConcurrency` among them (bounded concurrency per endpoint).
 *
 * @param pool - a validated pool.
 * @param options - client options (a `limiter` here is ignored: limiters are per endpoint).
 * @returns pool id → client.
 * @throws FineRouterError 'INVALID_ARGUMENT' for bad options.
 * @example
 * const clients = createPoolClients(validatePool(json));
 * await clients['gpt-4o-mini'].complete({ messages: [{ role: 'user', content: 'hi' }] });
 */
export function createPoolClients(
  pool: ModelPool,
  options: Omit<ChatClientOptions, 'limiter'> = {},
): Record<string, ChatClient> {
  const capacity = new Map<string, number>();
  for (const entry of Object.values(pool.models)) {
    const c = entry.maxConcurrency ?? POOL_DEFAULTS.maxConcurrency;
    capacity.set(entry.baseUrl, Math.min(capacity.get(entry.baseUrl) ?? Infinity, c));
  }
  const limiters = new Map([...capacity].map(([base, c]) => [base, createLimiter(c)]));
  const out: Record<string, ChatClient> = {};
  for (const [id, entry] of Object.entries(pool.models))
    out[id] = createChatClient(id, entry, { ...options, limiter: limiters.get(entry.baseUrl)! });
  return out;
}
