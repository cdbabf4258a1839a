/**
 * The model-pool file: which LLMs a deployment (or a labelling run) can call, where, and at what
 * price. One schema shared by `finerouter label` (src/label) and `finerouter serve` (src/server).
 * Pure: validates an already-parsed JSON value; reading the file is `readPoolFile` in
 * src/adapters/node/pool-file.ts.
 *
 * ```json
 * {
 *   "models": {
 *     "gpt-4o-mini": {
 *       "baseUrl": "https://api.openai.com/v1",
 *       "model": "gpt-4o-mini",
 *       "apiKeyEnv": "OPENAI_API_KEY",
 *       "prices": { "inputPer1M": 0.15, "outputPer1M": 0.6 },
 *       "headers": { "OpenAI-Organization": "org-…" },
 *       "timeoutMs": 60000,
 *       "maxConcurrency": 8
 *     },
 *     "llama-3.1-8b": { "baseUrl": "http://127.0.0.1:8000/v1", "model": "meta-llama/Llama-3.1-8B-Instruct",
 *                       "prices": { "inputPer1M": 0, "outputPer1M": 0 } }
 *   }
 * }
 * ```
 *
 * Field names follow the project's camelCase (`baseUrl` as in `createOpenAiDescriber`); `baseURL`
 * (the OpenAI SDK's spelling) is accepted as an alias and normalized. Keys never live in the file:
 * `apiKeyEnv` names the environment variable that holds it, and a header named `authorization` or
 * `api-key` with a literal value is rejected for the same reason.
 */
import { FineRouterError } from '../errors.js';

/** Prices in USD per million tokens (the unit providers publish). */
export interface PoolPrices {
  /** USD per 1M prompt (input) tokens. */
  inputPer1M: number;
  /** USD per 1M completion (output) tokens. */
  outputPer1M: number;
}

/** One model of a pool: an OpenAI-compatible chat-completions endpoint and its price. */
export interface PoolModel {
  /** Endpoint base including the version path, e.g. 'https://api.openai.com/v1'; requests go to `${baseUrl}/chat/completions`. */
  baseUrl: string;
  /** Model name sent upstream in the request body (may differ from the pool id). */
  model: string;
  /** Environment variable holding the bearer key; absent for endpoints without auth. */
  apiKeyEnv?: string;
  /** USD per 1M input and output tokens; cost of a call = usage × price. */
  prices: PoolPrices;
  /** Extra request headers (no secrets: use apiKeyEnv). */
  headers?: Record<string, string>;
  /** Per-request timeout in ms. @defaultValue POOL_DEFAULTS.timeoutMs */
  timeoutMs?: number;
  /** Requests in flight at once to this endpoint. @defaultValue POOL_DEFAULTS.maxConcurrency */
  maxConcurrency?: number;
}

/** A validated pool: pool id → model. Ids are what routing data, manifests and routes use. */
export interface ModelPool {
  models: Record<string, PoolModel>;
}

/**
 * Defaults applied by clients when a pool entry leaves a field out.
 *
 * @example
 * const timeoutMs = entry.timeoutMs ?? POOL_DEFAULTS.timeoutMs; // 60 s when the pool entry leaves it out
 */
export const POOL_DEFAULTS = Object.freeze({
  timeoutMs: 60_000,
  maxConcurrency: 4,
});

const MODEL_FIELDS = new Set([
  'baseUrl',
  'baseURL',
  'model',
  'apiKeyEnv',
  'prices',
  'headers',
  'timeoutMs',
  'maxConcurrency',
]);
const SECRET_HEADERS = new Set(['authorization', 'api-key', 'x-api-key', 'proxy-authorization']);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(field: string, expected: string, received: unknown, where: string): never {
  throw new FineRouterError('POOL_INVALID', `${where}: ${field} must be ${expected}, received ${describe(received)}`);
}

function checkNumber(field: string, value: unknown, where: string, integer: boolean, min: number): number {
  const ok =
    typeof value === 'number' && Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value));
  if (!ok) fail(field, `${integer ? 'an integer' : 'a finite number'} ≥ ${min}`, value, where);
  return value as number;
}

/**
 * Validates a parsed pool file and returns a normalized copy (`baseURL` → `baseUrl`, trailing
 * slashes of `baseUrl` removed, unknown fields rejected so typos do not pass silently).
 *
 * @param value - the parsed JSON (or YAML) of a pool file.
 * @param where - what to name in messages (a file path). @defaultValue 'pool'
 * @returns the validated pool.
 * @throws FineRouterError 'POOL_INVALID' whose message starts with `where` and names the field path
 *   (e.g. `models["gpt-4o"].prices.inputPer1M`), the expectation and the value received.
 * @example
 * const pool = validatePool({ models: { a: { baseUrl: 'http://127.0.0.1:8000/v1', model: 'a', prices: { inputPer1M: 1, outputPer1M: 2 } } } });
 * pool.models.a.baseUrl; // 'http://127.0.0.1:8000/v1'
 */
export function validatePool(value: unknown, where = 'pool'): ModelPool {
  if (!isObject(value)) fail('the pool', 'a JSON object {"models": {...}}', value, where);
  for (const key of Object.keys(value)) {
    if (key !== 'models' && key !== '$schema')
      fail(`"${key}"`, 'absent (a pool file has one top-level field, "models")', value[key], where);
  }
  const models = value.models;
  if (!isObject(models)) fail('models', 'an object mapping model id → entry', models, where);
  const ids = Object.keys(models);
  if (ids.length === 0) fail('models', 'a non-empty object', models, where);
  const out: Record<string, PoolModel> = {};
  for (const id of ids) {
    const path = `models[${JSON.stringify(id)}]`;
    if (id.trim().length === 0) fail(path, 'keyed by a non-empty model id', id, where);
    const entry = models[id];
    if (!isObject(entry)) fail(path, 'an object', entry, where);
    for (const key of Object.keys(entry)) {
      if (!MODEL_FIELDS.has(key))
        fail(
          `${path}.${key}`,
          `absent (known fields: ${[...MODEL_FIELDS].filter((f) => f !== 'baseURL').join(', ')})`,
          entry[key],
          where,
        );
    }
    if (entry.baseUrl !== undefined && entry.baseURL !== undefined)
      fail(`${path}.baseURL`, 'absent when baseUrl is given', entry.baseURL, where);
    const rawBase = entry.baseUrl ?? entry.baseURL;
    const baseField = entry.baseUrl !== undefined ? 'baseUrl' : 'baseURL';
    if (typeof rawBase !== 'string') fail(`${path}.baseUrl`, 'an http(s) URL string', rawBase, where);
    let parsed: URL;
    try {
      parsed = new URL(rawBase);
    } catch {
      fail(`${path}.${baseField}`, 'an http(s) URL', rawBase, where);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      fail(`${path}.${baseField}`, 'an http(s) URL', rawBase, where);
    if (parsed.username !== '' || parsed.password !== '')
      fail(
        `${path}.${baseField}`,
        'a URL without credentials (put the key in the variable named by apiKeyEnv)',
        '<redacted URL>',
        where,
      );
    if (parsed.search !== '' || parsed.hash !== '')
      fail(`${path}.${baseField}`, 'a URL without query or fragment', rawBase, where);
    const model = entry.model;
    if (typeof model !== 'string' || model.trim().length === 0)
      fail(`${path}.model`, 'a non-empty string (the upstream model name)', model, where);
    const result: PoolModel = {
      baseUrl: rawBase.replace(/\/+$/, ''),
      model,
      prices: { inputPer1M: 0, outputPer1M: 0 },
    };
    if (entry.apiKeyEnv !== undefined) {
      if (typeof entry.apiKeyEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry.apiKeyEnv)) {
        fail(
          `${path}.apiKeyEnv`,
          'an environment variable name ([A-Za-z_][A-Za-z0-9_]*), not the key itself',
          typeof entry.apiKeyEnv === 'string' ? '<redacted>' : entry.apiKeyEnv,
          where,
        );
      }
      result.apiKeyEnv = entry.apiKeyEnv;
    }
    const prices = entry.prices;
    if (!isObject(prices))
      fail(`${path}.prices`, 'an object {"inputPer1M": n, "outputPer1M": n} (USD per 1M tokens)', prices, where);
    for (const key of Object.keys(prices)) {
      if (key !== 'inputPer1M' && key !== 'outputPer1M')
        fail(`${path}.prices.${key}`, 'absent (known fields: inputPer1M, outputPer1M)', prices[key], where);
    }
    result.prices = {
      inputPer1M: checkNumber(`${path}.prices.inputPer1M`, prices.inputPer1M, where, false, 0),
      outputPer1M: checkNumber(`${path}.prices.outputPer1M`, prices.outputPer1M, where, false, 0),
    };
    if (entry.headers !== undefined) {
      const headers = entry.headers;
      if (!isObject(headers)) fail(`${path}.headers`, 'an object of header name → string', headers, where);
      const clean: Record<string, string> = {};
      for (const [name, headerValue] of Object.entries(headers)) {
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
          fail(`${path}.headers`, 'valid HTTP header names', name, where);
        if (SECRET_HEADERS.has(name.toLowerCase()))
          fail(
            `${path}.headers.${name}`,
            'absent (keys never go in the pool file: set apiKeyEnv)',
            '<redacted>',
            where,
          );
        if (typeof headerValue !== 'string' || /[\r\n]/.test(headerValue))
          fail(
            `${path}.headers.${name}`,
            'a single-line string',
            typeof headerValue === 'string' ? 'a multi-line string' : headerValue,
            where,
          );
        clean[name] = headerValue;
      }
      result.headers = clean;
    }
    if (entry.timeoutMs !== undefined)
      result.timeoutMs = checkNumber(`${path}.timeoutMs`, entry.timeoutMs, where, true, 1);
    if (entry.maxConcurrency !== undefined)
      result.maxConcurrency = checkNumber(`${path}.maxConcurrency`, entry.maxConcurrency, where, true, 1);
    out[id] = result;
  }
  return { models: out };
}

/**
 * USD cost of one call: `promptTokens · inputPer1M / 1e6 + completionTokens · outputPer1M / 1e6`.
 *
 * @param prices - the model's prices.
 * @param promptTokens - input tokens (from the response's usage).
 * @param completionTokens - output tokens.
 * @returns USD.
 * @throws RangeError on negative or non-finite token counts.
 * @example
 * callCost({ inputPer1M: 1, outputPer1M: 2 }, 1000, 500); // 0.002
 */
export function callCost(prices: PoolPrices, promptTokens: number, completionTokens: number): number {
  if (
    !(Number.isFinite(promptTokens) && promptTokens >= 0) ||
    !(Number.isFinite(completionTokens) && completionTokens >= 0)
  ) {
    throw new RangeError(
      `callCost: expected token counts ≥ 0, received ${String(promptTokens)} and ${String(completionTokens)}`,
    );
  }
  return (promptTokens * prices.inputPer1M + completionTokens * prices.outputPer1M) / 1e6;
}
