/**
 * A Describer over any OpenAI-compatible chat-completions endpoint (POST {baseUrl}/chat/completions),
 * e.g. OpenAI, vLLM, llama.cpp server, Ollama's /v1. Platform-neutral: uses the global `fetch` and
 * `crypto.subtle`; the on-disk cache for Node is `createFileDescriptionCache`
 * (src/adapters/node/describer-cache.ts). Paper: Sect. 3.1.1 and Appendix A (one LLM-written sentence per prompt).
 *
 * Behaviour: bounded concurrency; retries on 408/409/429/5xx, timeouts, network errors, malformed or
 * empty responses, with exponential backoff and full jitter (429/503 honour Retry-After); other
 * 4xx fail at once. Results are cached under sha256(JSON [model, instruction, text]) so a rerun
 * makes no request for texts already described.
 */
import { FineRouterError, throwIfAborted } from '../errors.js';
import { DESCRIPTION_INSTRUCTION, SUMMARY_INSTRUCTION, truncateText } from '../discovery/describer.js';
import type { DescribeOptions, Describer } from '../discovery/types.js';
import { attemptRequest, RetryableError, withRetries } from '../pool/retry.js';

/** Storage for descriptions, keyed by a sha256 hex string. */
export interface DescriptionCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, description: string): Promise<void>;
}

/** Options of {@link createOpenAiDescriber}: endpoint, model, key, concurrency, retries, cache. */
export interface OpenAiDescriberOptions {
  /** Endpoint base including the version path, e.g. 'https://api.openai.com/v1' or 'http://127.0.0.1:8000/v1'. */
  baseUrl: string;
  /** Model name sent in the request. */
  model: string;
  /** Bearer key, sent to `baseUrl` (the caller asked for it). */
  apiKey?: string;
  /**
   * Environment variable holding the key. Naming it explicitly sends its key to `baseUrl`. When neither
   * `apiKey` nor `apiKeyEnv` is given, `OPENAI_API_KEY` is sent only when `baseUrl` is the env-configured
   * endpoint (`OPENAI_BASE_URL`, else https://api.openai.com/v1), never to another server.
   * @defaultValue 'OPENAI_API_KEY' (with the restriction above)
   */
  apiKeyEnv?: string;
  /**
   * Allow sending a key over plain http to a host other than loopback (127.0.0.0/8, ::1, localhost).
   * @defaultValue false (such a describer is refused with INVALID_ARGUMENT)
   */
  allowInsecureKey?: boolean;
  /** Largest response body accepted, in bytes; a longer reply is rejected (HTTP_ERROR, not retried). @defaultValue 1048576 */
  maxResponseBytes?: number;
  /** Requests in flight at once. @defaultValue 8 */
  concurrency?: number;
  /** Retries after the first attempt. @defaultValue 5 */
  retries?: number;
  /** First backoff in ms; attempt a waits a random time in [0, base·2^a] (full jitter). @defaultValue 500 */
  retryBaseMs?: number;
  /** Longest single wait, Retry-After included. @defaultValue 30000 */
  maxRetryDelayMs?: number;
  /** Per-request timeout in ms. @defaultValue 60000 */
  timeoutMs?: number;
  /** System message for prompt descriptions. @defaultValue DESCRIPTION_INSTRUCTION */
  instruction?: string;
  /** System message for task summaries. @defaultValue SUMMARY_INSTRUCTION */
  summaryInstruction?: string;
  /** Prompt characters sent (longer prompts are truncated). @defaultValue 4000 */
  maxPromptChars?: number;
  /** `max_tokens` of each request. @defaultValue 80 */
  maxTokens?: number;
  /** Cache of finished descriptions (see createFileDescriptionCache in finerouter/node). @defaultValue none */
  cache?: DescriptionCache;
  /** fetch implementation. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Source of jitter in [0, 1). @defaultValue Math.random */
  random?: () => number;
}

/**
 * Defaults of {@link OpenAiDescriberOptions}.
 *
 * @example
 * createOpenAiDescriber({ baseUrl, model, apiKeyEnv: OPENAI_DESCRIBER_DEFAULTS.apiKeyEnv }); // reads $OPENAI_API_KEY
 */
export const OPENAI_DESCRIBER_DEFAULTS = Object.freeze({
  apiKeyEnv: 'OPENAI_API_KEY',
  concurrency: 8,
  retries: 5,
  retryBaseMs: 500,
  maxRetryDelayMs: 30_000,
  timeoutMs: 60_000,
  maxPromptChars: 4000,
  maxTokens: 80,
  maxResponseBytes: 1_048_576,
  defaultBaseUrl: 'https://api.openai.com/v1',
  baseUrlEnv: 'OPENAI_BASE_URL',
});

/** Lowercase origin + path without trailing slashes, for comparing endpoints. */
function endpointKey(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`.toLowerCase();
}

function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Replaces every occurrence of `secret` in `text`. */
function redact(text: string, secret: string | undefined): string {
  return secret !== undefined && secret.length > 0 ? text.split(secret).join('<redacted>') : text;
}

/** Reads a response body, rejecting it past `limit` bytes without reading the rest. */
async function readCapped(response: Response, limit: number): Promise<string | null> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!response.body) return await response.text();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Counters of an OpenAI describer, for reports and tests. */
export interface OpenAiDescriberStats {
  /** HTTP requests sent (retries included). */
  requests: number;
  /** Texts answered from the cache. */
  cacheHits: number;
  /** Retries after a failed attempt. */
  retries: number;
}

/** A {@link Describer} over an OpenAI-compatible endpoint, with request and cache counters. */
export interface OpenAiDescriber extends Describer {
  readonly stats: OpenAiDescriberStats;
}

const encoder = new TextEncoder();

/**
 * sha256 of `text` as lowercase hex (WebCrypto, available in Node ≥ 20 and browsers).
 * @param text - any string.
 * @returns 64 hex characters.
 * @example
 * await sha256Hex('abc'); // 'ba7816bf…'
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name];
  return value === undefined || value === '' ? undefined : value;
}

function positiveInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createOpenAiDescriber: ${name} must be an integer ≥ ${min}, received ${String(value)}`,
    );
  }
  return value;
}

/** Cleans a model reply into one line: trims, collapses whitespace, strips wrapping quotes. */
function cleanReply(content: string): string {
  let text = content.replace(/\s+/g, ' ').trim();
  if (text.length >= 2 && /^["'“]/.test(text) && /["'”]$/.test(text)) text = text.slice(1, -1).trim();
  return text;
}

/**
 * Creates a Describer that asks an OpenAI-compatible chat-completions endpoint for one sentence per
 * prompt (system message = `instruction`, user message = the prompt, temperature 0).
 *
 * @param options - see {@link OpenAiDescriberOptions}; `baseUrl` and `model` are required.
 * @returns a Describer (id `openai:<model>`) with request/cache counters in `stats`.
 * @throws FineRouterError 'INVALID_ARGUMENT' for bad options. Its `describe` rejects with
 *   'HTTP_ERROR' (non-retryable status, or retries exhausted; 401/403 say to set the key) or 'ABORTED'.
 * @example
 * const describer = createOpenAiDescriber({ baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen2.5-7b-instruct' });
 * const [sentence] = await describer.describe(['Solve 3x + 2 = 11.']);
 */
export function createOpenAiDescriber(options: OpenAiDescriberOptions): OpenAiDescriber {
  let parsedBase: URL | undefined;
  try {
    parsedBase = typeof options?.baseUrl === 'string' ? new URL(options.baseUrl) : undefined;
  } catch {
    parsedBase = undefined;
  }
  if (!parsedBase || (parsedBase.protocol !== 'http:' && parsedBase.protocol !== 'https:')) {
    const shown =
      typeof options?.baseUrl === 'string' ? 'a string that is not an http(s) URL' : typeof options?.baseUrl;
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createOpenAiDescriber: baseUrl must be an http(s) URL, received ${shown}`,
    );
  }
  if (parsedBase.username !== '' || parsedBase.password !== '') {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createOpenAiDescriber: baseUrl must not hold credentials (user:password@); pass the key as apiKey or in the variable named by apiKeyEnv (URL ${parsedBase.protocol}//<redacted>@${parsedBase.host})`,
    );
  }
  if (typeof options.model !== 'string' || options.model.length === 0) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createOpenAiDescriber: model must be a non-empty string, received ${String(options.model)}`,
    );
  }
  const d = OPENAI_DESCRIBER_DEFAULTS;
  const concurrency = positiveInteger('concurrency', options.concurrency ?? d.concurrency, 1);
  const retries = positiveInteger('retries', options.retries ?? d.retries, 0);
  const retryBaseMs = positiveInteger('retryBaseMs', options.retryBaseMs ?? d.retryBaseMs, 0);
  const maxRetryDelayMs = positiveInteger('maxRetryDelayMs', options.maxRetryDelayMs ?? d.maxRetryDelayMs, 0);
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? d.timeoutMs, 1);
  const maxPromptChars = positiveInteger('maxPromptChars', options.maxPromptChars ?? d.maxPromptChars, 2);
  const maxTokens = positiveInteger('maxTokens', options.maxTokens ?? d.maxTokens, 1);
  const instruction = options.instruction ?? DESCRIPTION_INSTRUCTION;
  const summaryInstruction = options.summaryInstruction ?? SUMMARY_INSTRUCTION;
  const maxResponseBytes = positiveInteger('maxResponseBytes', options.maxResponseBytes ?? d.maxResponseBytes, 1);
  let apiKey: string | undefined;
  if (options.apiKey !== undefined) apiKey = options.apiKey;
  else if (options.apiKeyEnv !== undefined) apiKey = readEnv(options.apiKeyEnv);
  else {
    // The default env key goes only to the endpoint the environment configures for it.
    let envBase: URL | undefined;
    try {
      envBase = new URL(readEnv(d.baseUrlEnv) ?? d.defaultBaseUrl);
    } catch {
      envBase = undefined;
    }
    if (envBase && endpointKey(envBase) === endpointKey(parsedBase)) apiKey = readEnv(d.apiKeyEnv);
  }
  if (
    apiKey !== undefined &&
    parsedBase.protocol === 'http:' &&
    !isLoopback(parsedBase) &&
    options.allowInsecureKey !== true
  ) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createOpenAiDescriber: refusing to send an API key over plain http to ${parsedBase.host}; use https, a loopback address, or allowInsecureKey: true`,
    );
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new FineRouterError('INVALID_ARGUMENT', 'createOpenAiDescriber: no fetch available; pass options.fetch');
  }
  const random = options.random ?? Math.random;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const stats: OpenAiDescriberStats = { requests: 0, cacheHits: 0, retries: 0 };

  const policy = { retries, retryBaseMs, maxRetryDelayMs, random };
  const redactKey = (text: string): string => redact(text, apiKey);

  async function attempt(system: string, user: string, signal: AbortSignal | undefined): Promise<string> {
    stats.requests++;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
    const body = JSON.stringify({
      model: options.model,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      temperature: 0,
      max_tokens: maxTokens,
    });
    const { status, text } = await attemptRequest(
      fetchImpl,
      url,
      { method: 'POST', headers, body },
      { where: 'describer', signal, timeoutMs, redact: redactKey },
      async (response) => {
        const capped = await readCapped(response, maxResponseBytes);
        if (capped === null) {
          throw new FineRouterError(
            'HTTP_ERROR',
            `describer: ${url} sent a reply longer than maxResponseBytes (${maxResponseBytes}); rejected`,
          );
        }
        return redactKey(capped);
      },
    );
    if (status < 200 || status >= 300) {
      const hint = status === 401 || status === 403 ? ` (set ${options.apiKeyEnv ?? d.apiKeyEnv} or pass apiKey)` : '';
      throw new FineRouterError(
        'HTTP_ERROR',
        `describer: ${url} answered HTTP ${status}${hint}: ${text.slice(0, 200)}`,
      );
    }
    let content: unknown;
    try {
      const json = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] };
      content = json.choices?.[0]?.message?.content;
    } catch {
      throw new RetryableError(`malformed JSON response: ${text.slice(0, 120)}`);
    }
    if (typeof content !== 'string' || cleanReply(content).length === 0) {
      throw new RetryableError('response has no choices[0].message.content text');
    }
    return cleanReply(content);
  }

  async function complete(system: string, user: string, signal: AbortSignal | undefined): Promise<string> {
    const { value } = await withRetries(() => attempt(system, user, signal), policy, signal, {
      where: 'describer',
      exhausted: (attempts, error) =>
        new FineRouterError('HTTP_ERROR', `describer: ${url} failed after ${attempts} attempts: ${error.message}`, {
          cause: error,
        }),
      onRetry: () => {
        stats.retries++;
      },
    });
    return value;
  }

  async function run(
    system: string,
    users: readonly string[],
    options2: DescribeOptions | undefined,
  ): Promise<string[]> {
    const signal = options2?.signal;
    throwIfAborted(signal, 'describer');
    const out = new Array<string>(users.length);
    // Identical texts are asked once.
    const byKey = new Map<string, number[]>();
    const keys = await Promise.all(users.map((user) => sha256Hex(JSON.stringify([options.model, system, user]))));
    keys.forEach((key, i) => {
      const list = byKey.get(key);
      if (list) list.push(i);
      else byKey.set(key, [i]);
    });
    const work = [...byKey.entries()];
    let done = 0;
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < work.length) {
        const [key, indices] = work[next++]!;
        let description = await options.cache?.get(key);
        if (description !== undefined) stats.cacheHits += indices.length;
        else {
          description = await complete(system, users[indices[0]!]!, signal);
          await options.cache?.set(key, description);
        }
        for (const i of indices) out[i] = description;
        done += indices.length;
        options2?.onProgress?.(done, users.length);
      }
    };
    const workers = Array.from({ length: Math.min(concurrency, work.length) }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    );
    const settled = await Promise.allSettled(workers);
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) throw rejected.reason;
    return out;
  }

  return {
    id: `openai:${options.model}`,
    stats,
    describe(texts: readonly string[], describeOptions?: DescribeOptions): Promise<string[]> {
      texts.forEach((text, i) => {
        if (typeof text !== 'string')
          throw new TypeError(`describe: expected texts[${i}] to be a string, received ${typeof text}`);
      });
      return run(
        instruction,
        texts.map((t) => truncateText(t, maxPromptChars)),
        describeOptions,
      );
    },
    summarize(groups: readonly (readonly string[])[], describeOptions?: DescribeOptions): Promise<string[]> {
      const users = groups.map((group) => group.map((line) => `- ${truncateText(line, 400)}`).join('\n'));
      return run(summaryInstruction, users, describeOptions);
    },
  };
}
