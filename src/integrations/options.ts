/**
 * Per-request routing options as they arrive from outside (an OpenAI request body field `finerouter`, a header
 * `x-finerouter-options`, AI SDK `providerOptions.finerouter`, a LangChain call option): one parser, one error shape.
 * Pure.
 */
import { FineRouterError } from '../errors.js';
import type { RouteOptions } from '../router/router.js';
import type { FallbackOptions } from './fallback.js';

/** What a request may set: routing (τ, α, budget, allow/deny lists) and the fallback bounds. */
export interface RequestRoutingOptions {
  /** τ ∈ [0, 1]: cheapest model within τ of the best final score. */
  tolerance?: number;
  /** α ∈ [0, 1], Eq. 5 weight of the prompt-specific score. */
  alpha?: number;
  /** Budget: expected USD per call, at most. */
  maxCost?: number;
  /** Only these models may be chosen. */
  allowedModels?: string[];
  /** These models may not be chosen. */
  excludedModels?: string[];
  /** Most models tried (1 disables fallback). */
  maxAttempts?: number;
  /** Time for all attempts together, ms. */
  timeoutMs?: number;
}

const NUMBER_FIELDS = ['tolerance', 'alpha', 'maxCost', 'maxAttempts', 'timeoutMs'] as const;
const LIST_FIELDS = ['allowedModels', 'excludedModels'] as const;
const KNOWN = new Set<string>([...NUMBER_FIELDS, ...LIST_FIELDS]);

/**
 * Validates request routing options (unknown fields are rejected so a typo does not silently route unbounded).
 *
 * @param value - the parsed object, or undefined.
 * @param where - what to name in the message (e.g. 'request body field "finerouter"').
 * @returns the options (an empty object for undefined).
 * @throws FineRouterError INVALID_ARGUMENT naming the field, the expectation and the value.
 * @example parseRequestRoutingOptions({ tolerance: 0.1, maxCost: 0.002 }, 'finerouter'); // { tolerance: 0.1, maxCost: 0.002 }
 */
export function parseRequestRoutingOptions(value: unknown, where: string): RequestRoutingOptions {
  if (value === undefined || value === null) return {};
  const fail = (what: string): never => {
    throw new FineRouterError('INVALID_ARGUMENT', `${where}: ${what}`);
  };
  if (typeof value !== 'object' || Array.isArray(value))
    fail(`expected an object, received ${Array.isArray(value) ? 'an array' : typeof value}`);
  const input = value as Record<string, unknown>;
  const out: RequestRoutingOptions = {};
  for (const key of Object.keys(input)) {
    if (!KNOWN.has(key)) fail(`unknown field "${key}" (known: ${[...KNOWN].join(', ')})`);
  }
  for (const key of NUMBER_FIELDS) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(`${key}: expected a finite number, received ${JSON.stringify(v)}`);
    out[key] = v as number;
  }
  for (const key of LIST_FIELDS) {
    const v = input[key];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      fail(`${key}: expected an array of model ids, received ${JSON.stringify(v)}`);
    out[key] = [...(v as string[])];
  }
  return out;
}

/**
 * Splits request options over defaults into the router's options and the fallback bounds; the allowed models are
 * intersected with `callable` (models the caller can reach), so the router only picks a model that can be called.
 *
 * @param defaults - options fixed when the adapter or server was created.
 * @param request - per-request options (win over defaults).
 * @param callable - model ids the caller has a client for, in router order.
 * @returns `route` for `router.route` and `fallback` for `callWithFallback`.
 * @throws FineRouterError INVALID_ARGUMENT when no allowed model can be called.
 * @example splitRoutingOptions({ tolerance: 0 }, { maxCost: 0.01 }, ['a', 'b']);
 */
export function splitRoutingOptions(
  defaults: RequestRoutingOptions,
  request: RequestRoutingOptions,
  callable: readonly string[],
): { route: RouteOptions; fallback: FallbackOptions } {
  const merged = { ...defaults, ...request };
  const route: RouteOptions = {};
  if (merged.tolerance !== undefined) route.tolerance = merged.tolerance;
  if (merged.alpha !== undefined) route.alpha = merged.alpha;
  if (merged.maxCost !== undefined) route.maxCost = merged.maxCost;
  if (merged.excludedModels !== undefined)
    route.excludedModels = merged.excludedModels.filter((m) => callable.includes(m));
  const allowed =
    merged.allowedModels === undefined ? [...callable] : merged.allowedModels.filter((m) => callable.includes(m));
  if (allowed.length === 0) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `routing: none of the allowed models (${(merged.allowedModels ?? []).join(', ') || 'none'}) has a client (callable: ${callable.join(', ')})`,
    );
  }
  route.allowedModels = allowed;
  const fallback: FallbackOptions = {};
  if (merged.maxAttempts !== undefined) fallback.maxAttempts = merged.maxAttempts;
  if (merged.timeoutMs !== undefined) fallback.timeoutMs = merged.timeoutMs;
  return { route, fallback };
}
