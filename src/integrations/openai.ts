/**
 * `finerouter/openai`: route OpenAI Node SDK chat completions. `createRoutedOpenAI` returns an object with the
 * SDK's `chat.completions.create` shape: `model: 'finerouter'` routes on `messages` among the given clients and
 * calls the chosen one (upstream model name substituted); any other `model` that is a key of `models` goes straight
 * to that client. Streaming and non-streaming; the routing decision is attached as `.finerouter` on the completion
 * (or on the stream object).
 *
 * - Per request options: the extra body field `finerouter` = { tolerance, alpha, maxCost, allowedModels,
 *   excludedModels, maxAttempts, timeoutMs }; it is removed before the upstream call.
 * - Fallback (./fallback.ts): on timeout, 408, 429, 5xx or a network error the next model by final score is tried;
 *   a completion with `finish_reason: 'content_filter'` or a `refusal` counts as a refusal and is retried too.
 *   Give the upstream clients `maxRetries: 0` (or a small number) so the SDK's own retries do not eat the time budget.
 * - The request's `signal` (second argument) aborts routing and the upstream call.
 *
 * Only types are imported from `openai` (an optional peer dependency).
 */
import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { Stream } from 'openai/streaming';
import { FineRouterError } from '../errors.js';
import type { ChatMessage, MessagesInputOptions } from '../router/messages.js';
import type { RouteOptions } from '../router/router.js';
import type { RouterLike } from './ai-sdk.js';
import { callWithFallback, routingSummary } from './fallback.js';
import type { FallbackOptions, RoutingSummary } from './fallback.js';
import { parseRequestRoutingOptions, splitRoutingOptions } from './options.js';
import type { RequestRoutingOptions } from './options.js';

/** The SDK's per-request options (signal, headers, timeout, …). */
export type RequestOptions = NonNullable<Parameters<OpenAI['chat']['completions']['create']>[1]>;

/** The part of an `OpenAI` client used here (`new OpenAI(...)`, `AzureOpenAI`, or any compatible object). */
export interface OpenAIClientLike {
  chat: { completions: Pick<OpenAI['chat']['completions'], 'create'> };
}

/** A pool entry: a client, and the model name to send upstream (default: the router's model id). */
export interface OpenAITarget {
  client: OpenAIClientLike;
  model?: string;
}

/** Options of {@link createRoutedOpenAI}. */
export interface RoutedOpenAIOptions {
  router: RouterLike;
  /** Router model id → client (or client and upstream model name). Ids the router does not know are rejected. */
  models: Readonly<Record<string, OpenAIClientLike | OpenAITarget>>;
  /** Routing and fallback defaults (per request: the body field `finerouter`). @defaultValue {} */
  routing?: RequestRoutingOptions;
  /** How messages become the router's input text. @defaultValue MESSAGES_INPUT_DEFAULTS */
  messages?: MessagesInputOptions;
  /** Fallback time bounds and attempt reporting. @defaultValue FALLBACK_DEFAULTS */
  fallback?: Omit<FallbackOptions, 'signal'>;
  /** The `model` value that asks for routing. @defaultValue 'finerouter' */
  routingModel?: string;
}

/** Chat-completion params with the optional `finerouter` routing field. */
export type RoutedParamsNonStreaming = ChatCompletionCreateParamsNonStreaming & { finerouter?: RequestRoutingOptions };
/** Streaming chat-completion params with the optional `finerouter` routing field. */
export type RoutedParamsStreaming = ChatCompletionCreateParamsStreaming & { finerouter?: RequestRoutingOptions };

/** What {@link createRoutedOpenAI} returns. */
export interface RoutedOpenAI {
  chat: {
    completions: {
      create(
        params: RoutedParamsNonStreaming,
        options?: RequestOptions,
      ): Promise<ChatCompletion & { finerouter?: RoutingSummary }>;
      create(
        params: RoutedParamsStreaming,
        options?: RequestOptions,
      ): Promise<Stream<ChatCompletionChunk> & { finerouter?: RoutingSummary }>;
    };
  };
}

function isTarget(value: OpenAIClientLike | OpenAITarget): value is OpenAITarget {
  return 'client' in value;
}

/**
 * Whether a completion is a refusal: `finish_reason` 'content_filter' or a non-empty `message.refusal`.
 *
 * @example
 * const completion = await client.chat.completions.create(params);
 * if (isRefusalCompletion(completion)) console.warn('refused; the next routed model may answer');
 */
export function isRefusalCompletion(completion: unknown): boolean {
  const choice = (completion as { choices?: { finish_reason?: unknown; message?: { refusal?: unknown } }[] } | null)
    ?.choices?.[0];
  return (
    choice?.finish_reason === 'content_filter' ||
    (typeof choice?.message?.refusal === 'string' && choice.message.refusal.length > 0)
  );
}

/**
 * Creates a routed `chat.completions.create` over several OpenAI-compatible clients.
 *
 * @param options - see {@link RoutedOpenAIOptions}.
 * @returns an object with `chat.completions.create(params, requestOptions)`.
 * @throws FineRouterError INVALID_ARGUMENT for an empty map or model ids the router does not know; `create` throws
 *   INVALID_ARGUMENT (bad params), BUDGET_EXCEEDED, ABORTED, UPSTREAM_FAILED (every attempt failed; `cause` is the
 *   SDK error).
 * @example
 * import OpenAI from 'openai';
 * import { createRoutedOpenAI } from 'finerouter/openai';
 * const local = new OpenAI({ baseURL: 'http://127.0.0.1:8000/v1', apiKey: 'none', maxRetries: 0 });
 * const openai = createRoutedOpenAI({ router, models: { small: local, large: { client: local, model: 'llama-70b' } } });
 * const completion = await openai.chat.completions.create({ model: 'finerouter', messages: [{ role: 'user', content: 'Hi' }] });
 * completion.finerouter?.model; // 'small'
 */
export function createRoutedOpenAI(options: RoutedOpenAIOptions): RoutedOpenAI {
  const { router } = options;
  if (!router || typeof router.route !== 'function')
    throw new FineRouterError('INVALID_ARGUMENT', 'createRoutedOpenAI: expected a router with route()');
  if (typeof options.models !== 'object' || options.models === null || Object.keys(options.models).length === 0) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      'createRoutedOpenAI: expected models as a non-empty object of model id → OpenAI client',
    );
  }
  const targets = new Map<string, { client: OpenAIClientLike; model: string }>();
  for (const [id, value] of Object.entries(options.models)) {
    if (!router.models.includes(id))
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        `createRoutedOpenAI: models: unknown model ${JSON.stringify(id)} (the router knows: ${router.models.join(', ')})`,
      );
    const target = isTarget(value) ? { client: value.client, model: value.model ?? id } : { client: value, model: id };
    if (typeof target.client?.chat?.completions?.create !== 'function')
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        `createRoutedOpenAI: models[${JSON.stringify(id)}]: expected an OpenAI client`,
      );
    targets.set(id, target);
  }
  const callable = router.models.filter((id) => targets.has(id));
  const defaults = parseRequestRoutingOptions(options.routing, 'createRoutedOpenAI: routing');
  const routingModel = options.routingModel ?? 'finerouter';

  async function create(
    params: RoutedParamsNonStreaming | RoutedParamsStreaming,
    requestOptions: RequestOptions = {},
  ): Promise<unknown> {
    if (typeof params !== 'object' || params === null || !Array.isArray(params.messages)) {
      throw new FineRouterError('INVALID_ARGUMENT', 'chat.completions.create: expected params with a messages array');
    }
    const { finerouter, ...body } = params;
    const signal = requestOptions.signal ?? undefined;
    if (body.model !== routingModel) {
      const target = targets.get(body.model);
      if (!target)
        throw new FineRouterError(
          'INVALID_ARGUMENT',
          `chat.completions.create: model ${JSON.stringify(body.model)} is neither '${routingModel}' nor a model of the pool (${[...targets.keys()].join(', ')})`,
        );
      return target.client.chat.completions.create(
        { ...body, model: target.model } as ChatCompletionCreateParamsNonStreaming,
        requestOptions,
      );
    }
    const split = splitRoutingOptions(
      defaults,
      parseRequestRoutingOptions(finerouter, 'request field "finerouter"'),
      callable,
    );
    const route: RouteOptions = { ...split.route };
    if (options.messages !== undefined) route.messages = options.messages;
    if (signal) route.signal = signal;
    const decision = await router.route(body.messages as readonly ChatMessage[], route);
    const fallback: FallbackOptions & { isRefusal?: (value: unknown) => boolean } = {
      ...options.fallback,
      ...split.fallback,
    };
    if (signal) fallback.signal = signal;
    if (!body.stream) fallback.isRefusal = isRefusalCompletion;
    const { value, attempts } = await callWithFallback(
      decision,
      (id) => targets.has(id),
      async (id, attemptSignal) => {
        const target = targets.get(id)!;
        return (await target.client.chat.completions.create(
          { ...body, model: target.model } as ChatCompletionCreateParamsNonStreaming,
          { ...requestOptions, signal: attemptSignal },
        )) as unknown;
      },
      fallback,
    );
    Object.defineProperty(value as object, 'finerouter', {
      value: routingSummary(decision, attempts),
      enumerable: true,
      configurable: true,
      writable: true,
    });
    return value;
  }

  return { chat: { completions: { create: create as RoutedOpenAI['chat']['completions']['create'] } } };
}
