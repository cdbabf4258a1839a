/**
 * `finerouter/ai-sdk`: a Vercel AI SDK language model (provider specification v3, `LanguageModelV3` of
 * `@ai-sdk/provider`, used by `ai` ≥ 5) that routes each call on its messages with a {@link FineRouter} and delegates
 * to one of the wrapped models. `generateText`, `streamText`, `generateObject` and `streamObject` work unchanged.
 *
 * - Routing input: the call's prompt (system, user, assistant, tool messages) by the documented messages rule
 *   (src/router/messages.ts); only models present in `models` can be picked.
 * - Pass-through: every call option (tools, tool choice, response format, abort signal, headers, provider options)
 *   goes to the chosen model untouched; its result and stream parts come back untouched, except that the routing
 *   decision is added as `providerMetadata.finerouter` (generate result and the stream's `finish` part).
 * - Per call options: `providerOptions.finerouter` = { tolerance, alpha, maxCost, allowedModels, excludedModels,
 *   maxAttempts, timeoutMs } (see ./options.ts).
 * - Fallback: a failed call (timeout, 429, 5xx, network) moves on to the next model by final score
 *   (./fallback.ts); for a stream, only until the stream is established.
 *
 * Only types are imported from `@ai-sdk/provider` (an optional peer dependency): nothing of it runs here.
 */
import type {
  JSONObject,
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  SharedV3ProviderMetadata,
} from '@ai-sdk/provider';
import { FineRouterError } from '../errors.js';
import type { ChatMessage, MessagesInputOptions } from '../router/messages.js';
import type { RouteOptions, RouteResult } from '../router/router.js';
import { callWithFallback, routingSummary } from './fallback.js';
import type { FallbackOptions, RoutingSummary } from './fallback.js';
import { parseRequestRoutingOptions, splitRoutingOptions } from './options.js';
import type { RequestRoutingOptions } from './options.js';

/** The part of a FineRouter the adapters use (a `FineRouter` satisfies it). */
export interface RouterLike {
  readonly models: readonly string[];
  route(prompt: string | readonly ChatMessage[], options?: RouteOptions): Promise<RouteResult>;
}

/** Options of {@link createFineRouterModel}. */
export interface FineRouterModelOptions {
  /** The router (e.g. `await loadFineRouter('artifacts')`). */
  router: RouterLike;
  /** Router model id → AI SDK language model that serves it. Ids the router does not know are rejected. */
  models: Readonly<Record<string, LanguageModelV3>>;
  /** Routing and fallback defaults for every call (per call: `providerOptions.finerouter`). @defaultValue {} */
  routing?: RequestRoutingOptions;
  /** How messages become the router's input text. @defaultValue MESSAGES_INPUT_DEFAULTS */
  messages?: MessagesInputOptions;
  /** Fallback time bounds and attempt reporting (maxAttempts and timeoutMs can also come per call). @defaultValue FALLBACK_DEFAULTS */
  fallback?: Omit<FallbackOptions, 'signal'>;
  /** `modelId` reported to the SDK. @defaultValue 'finerouter' */
  modelId?: string;
}

/** The `providerMetadata.finerouter` object of a routed call. */
export type FineRouterProviderMetadata = RoutingSummary;

function toJsonObject(summary: RoutingSummary): JSONObject {
  // JSON round trip: drops undefined, keeps numbers and nulls (the SDK requires JSON values).
  return JSON.parse(JSON.stringify(summary)) as JSONObject;
}

function withMetadata(
  metadata: SharedV3ProviderMetadata | undefined,
  summary: RoutingSummary,
): SharedV3ProviderMetadata {
  return { ...(metadata ?? {}), finerouter: toJsonObject(summary) };
}

/**
 * Creates an AI SDK language model that routes every call among `models`.
 *
 * @param options - see {@link FineRouterModelOptions}.
 * @returns a `LanguageModelV3` to pass as `model` to `generateText`, `streamText`, `generateObject`, ….
 * @throws FineRouterError INVALID_ARGUMENT when `models` is empty or names a model the router does not know.
 * @example
 * import { generateText } from 'ai';
 * import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
 * import { createFineRouterModel } from 'finerouter/ai-sdk';
 * const provider = createOpenAICompatible({ name: 'local', baseURL: 'http://127.0.0.1:8000/v1' });
 * const model = createFineRouterModel({ router, models: { small: provider('small'), large: provider('large') } });
 * const { text, providerMetadata } = await generateText({ model, prompt: 'Prove that √2 is irrational' });
 * providerMetadata?.finerouter?.model; // 'large'
 */
export function createFineRouterModel(options: FineRouterModelOptions): LanguageModelV3 {
  const { router, models } = options;
  if (!router || typeof router.route !== 'function')
    throw new FineRouterError('INVALID_ARGUMENT', 'createFineRouterModel: expected a router with route()');
  if (typeof models !== 'object' || models === null)
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      'createFineRouterModel: expected models as an object of model id → LanguageModelV3',
    );
  const ids = Object.keys(models);
  if (ids.length === 0) throw new FineRouterError('INVALID_ARGUMENT', 'createFineRouterModel: models is empty');
  for (const id of ids) {
    if (!router.models.includes(id))
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        `createFineRouterModel: models: unknown model ${JSON.stringify(id)} (the router knows: ${router.models.join(', ')})`,
      );
    const m = models[id] as Partial<LanguageModelV3> | undefined;
    if (!m || typeof m.doGenerate !== 'function' || typeof m.doStream !== 'function') {
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        `createFineRouterModel: models[${JSON.stringify(id)}]: expected a LanguageModelV3 (doGenerate and doStream)`,
      );
    }
  }
  const callable = router.models.filter((id) => id in models);
  const defaults = parseRequestRoutingOptions(options.routing, 'createFineRouterModel: routing');

  async function decide(
    call: LanguageModelV3CallOptions,
  ): Promise<{ decision: RouteResult; fallback: FallbackOptions }> {
    const perCall = parseRequestRoutingOptions(call.providerOptions?.finerouter, 'providerOptions.finerouter');
    const split = splitRoutingOptions(defaults, perCall, callable);
    const route: RouteOptions = { ...split.route };
    if (options.messages !== undefined) route.messages = options.messages;
    if (call.abortSignal !== undefined) route.signal = call.abortSignal;
    const decision = await router.route(call.prompt as readonly ChatMessage[], route);
    const fallback: FallbackOptions = { ...options.fallback, ...split.fallback };
    if (call.abortSignal !== undefined) fallback.signal = call.abortSignal;
    return { decision, fallback };
  }

  // Provider options addressed to us are not forwarded (other providers' options pass through untouched).
  const forward = (call: LanguageModelV3CallOptions, signal: AbortSignal): LanguageModelV3CallOptions => {
    const { finerouter: _ours, ...rest } = call.providerOptions ?? {};
    const next: LanguageModelV3CallOptions = { ...call, abortSignal: signal };
    if (call.providerOptions !== undefined) next.providerOptions = rest;
    return next;
  };

  return {
    specificationVersion: 'v3',
    provider: 'finerouter',
    modelId: options.modelId ?? 'finerouter',
    supportedUrls: {},
    async doGenerate(call: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
      const { decision, fallback } = await decide(call);
      const { value, attempts } = await callWithFallback(
        decision,
        (id) => id in models,
        (id, signal) => Promise.resolve(models[id]!.doGenerate(forward(call, signal))),
        fallback,
      );
      return { ...value, providerMetadata: withMetadata(value.providerMetadata, routingSummary(decision, attempts)) };
    },
    async doStream(call: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
      const { decision, fallback } = await decide(call);
      const { value, attempts } = await callWithFallback(
        decision,
        (id) => id in models,
        (id, signal) => Promise.resolve(models[id]!.doStream(forward(call, signal))),
        fallback,
      );
      const summary = routingSummary(decision, attempts);
      const stream = value.stream.pipeThrough(
        new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
          transform(part, controller) {
            controller.enqueue(
              part.type === 'finish'
                ? { ...part, providerMetadata: withMetadata(part.providerMetadata, summary) }
                : part,
            );
          },
        }),
      );
      return { ...value, stream };
    },
  };
}
