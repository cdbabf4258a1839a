/**
 * The retrying HTTP attempt shared by every OpenAI-compatible caller (the pool's chat client, ./client.ts, and
 * the task describer, src/adapters/describer-openai.ts): one policy, written once.
 *
 * - Each attempt runs under its own timeout and follows the caller's `AbortSignal` (an abort cancels at once
 *   and is never retried).
 * - Retryable: 408, 409, 429, 5xx, timeouts, network errors, and whatever the caller marks with
 *   {@link RetryableError} (malformed bodies). Other statuses are the caller's to report.
 * - Backoff: exponential with full jitter, attempt a waits U[0, base · 2^a]; 429 and 503 honour `Retry-After`
 *   (seconds or HTTP date): the wait is the larger of the two, capped at `maxRetryDelayMs`.
 */
import { FineRouterError } from '../errors.js';

/** A failure worth another attempt; `delayMs` is a server-requested minimum wait (Retry-After). */
export class RetryableError extends Error {
  readonly delayMs: number | undefined;
  constructor(message: string, delayMs?: number) {
    super(message);
    this.delayMs = delayMs;
  }
}

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) to milliseconds.
 *
 * @param header - the header value or null.
 * @param now - current time in ms since the epoch. @defaultValue Date.now()
 * @returns ms to wait (≥ 0), or undefined when absent or unparsable.
 * @example
 * retryAfterMs('2'); // 2000
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Waits `ms`, or rejects with FineRouterError ABORTED (`${where}: aborted`) as soon as `signal` fires. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new FineRouterError('ABORTED', `${where}: aborted`, { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new FineRouterError('ABORTED', `${where}: aborted`, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** How one HTTP attempt is made: where (for messages), the caller's signal, the timeout, key redaction. */
export interface AttemptContext {
  where: string;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  /** Removes secrets (the API key) from text that goes into an error message. */
  redact: (text: string) => string;
}

/**
 * One POST under a per-attempt timeout: the body is read with `read` (null ⇒ the caller's own error is thrown by
 * `read`); a timeout or network error becomes a {@link RetryableError}, the caller's abort FineRouterError
 * ABORTED, and a retryable status (408, 409, 429, 5xx) a {@link RetryableError} carrying Retry-After. Any other
 * status is returned for the caller to judge.
 */
export async function attemptRequest(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  context: AttemptContext,
  read: (response: Response) => Promise<string>,
): Promise<{ status: number; text: string }> {
  const { signal, timeoutMs, where, redact } = context;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, timeoutMs);
  try {
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, { ...init, signal: controller.signal });
      text = await read(response);
    } catch (error) {
      if (error instanceof FineRouterError) throw error;
      if (signal?.aborted) throw new FineRouterError('ABORTED', `${where}: aborted`, { cause: signal.reason });
      throw new RetryableError(
        timedOut ? `timed out after ${timeoutMs} ms` : `network error: ${redact((error as Error).message)}`,
      );
    }
    const status = response.status;
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      const after = status === 429 || status === 503 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
      throw new RetryableError(`HTTP ${status}: ${redact(text.slice(0, 200))}`, after);
    }
    return { status, text };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Retry counts and backoff. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff in ms. */
  retryBaseMs: number;
  /** Cap on any wait. */
  maxRetryDelayMs: number;
  /** Uniform [0, 1) source of the jitter. */
  random: () => number;
}

/**
 * Runs `attempt` until it succeeds, throws something other than a {@link RetryableError}, or the retries are
 * spent (then the error from `exhausted` is thrown). Between attempts it waits the jittered backoff (or the
 * server's Retry-After when longer), abortably.
 *
 * @returns the value and the number of attempts it took.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  hooks: {
    where: string;
    exhausted: (attempts: number, error: RetryableError) => Error;
    onRetry?: (attempt: number, delayMs: number, error: RetryableError) => void;
  },
): Promise<{ value: T; attempts: number }> {
  for (let a = 0; ; a++) {
    try {
      return { value: await attempt(), attempts: a + 1 };
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      if (a >= policy.retries) throw hooks.exhausted(a + 1, error);
      const backoff = policy.random() * policy.retryBaseMs * 2 ** a;
      const delayMs = Math.min(policy.maxRetryDelayMs, Math.max(backoff, error.delayMs ?? 0));
      hooks.onRetry?.(a + 1, delayMs, error);
      await abortableSleep(delayMs, signal, hooks.where);
    }
  }
}
