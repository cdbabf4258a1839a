/**
 * `finerouter/langchain`: a LangChain.js chat model that routes each call on its messages among other chat models
 * (any `Runnable` taking messages and returning an AI message: `ChatOpenAI`, `ChatAnthropic`, a model with bound
 * tools, …). `invoke`, `stream`, `batch`, `bindTools` and callbacks work as for any `BaseChatModel`.
 *
 * - Routing input: the messages (human → user, ai → assistant, system, tool) by the documented rule
 *   (src/router/messages.ts); only models present in `models` can be picked.
 * - The routing decision is in `response_metadata.finerouter` of the returned message (for a stream, of the first
 *   chunk, so it survives chunk concatenation) and in `llmOutput.finerouter` of `generate()`.
 * - Per call options: the call option `finerouter` = { tolerance, alpha, maxCost, allowedModels, excludedModels,
 *   maxAttempts, timeoutMs }.
 * - Fallback (./fallback.ts): a failed call moves on to the next model by final score; for a stream, until its
 *   first chunk has arrived. Set `maxRetries: 0` on the wrapped models so their own retries do not eat the budget.
 * - `bindTools(tools)` binds the tools on every wrapped model that supports it and routes among the bound models.
 *
 * `@langchain/core` is an optional peer dependency, imported at run time by this entry point only.
 */
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type {
  BaseChatModelCallOptions,
  BaseChatModelParams,
  BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk } from '@langchain/core/messages';
import type { BaseMessage, BaseMessageChunk } from '@langchain/core/messages';
import { ChatGenerationChunk } from '@langchain/core/outputs';
import type { ChatResult } from '@langchain/core/outputs';
import type { Runnable, RunnableConfig } from '@langchain/core/runnables';
import { FineRouterError } from '../errors.js';
import type { ChatMessage, MessagesInputOptions } from '../router/messages.js';
import type { RouteOptions, RouteResult } from '../router/router.js';
import type { RouterLike } from './ai-sdk.js';
import { callWithFallback, routingSummary } from './fallback.js';
import type { FallbackOptions, RoutingSummary } from './fallback.js';
import { parseRequestRoutingOptions, splitRoutingOptions } from './options.js';
import type { RequestRoutingOptions } from './options.js';

/** A chat model (or any runnable) the router can delegate to. */
export type RoutableChatModel = Runnable<BaseLanguageModelInput, BaseMessage | BaseMessageChunk>;

/** Call options of {@link FineRouterChatModel}. */
export interface FineRouterChatModelCallOptions extends BaseChatModelCallOptions {
  /** Per-call routing and fallback options. */
  finerouter?: RequestRoutingOptions;
}

/** Constructor fields of {@link FineRouterChatModel}. */
export interface FineRouterChatModelFields extends BaseChatModelParams {
  router: RouterLike;
  /** Router model id → chat model. Ids the router does not know are rejected. */
  models: Readonly<Record<string, RoutableChatModel>>;
  /** Routing and fallback defaults. @defaultValue {} */
  routing?: RequestRoutingOptions;
  /** How messages become the router's input text. @defaultValue MESSAGES_INPUT_DEFAULTS */
  messages?: MessagesInputOptions;
  /** Fallback time bounds and attempt reporting. @defaultValue FALLBACK_DEFAULTS */
  fallback?: Omit<FallbackOptions, 'signal'>;
}

const ROLES: Record<string, string> = {
  human: 'user',
  ai: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
  developer: 'system',
};

function toChatMessages(messages: readonly BaseMessage[]): ChatMessage[] {
  return messages.map((m) => {
    const type = m.getType();
    const role =
      ROLES[type] ?? (type === 'generic' ? String((m as unknown as { role?: string }).role ?? 'user') : 'user');
    return { role, content: m.content } as ChatMessage;
  });
}

function textOf(message: BaseMessage): string {
  return typeof message.content === 'string' ? message.content : message.text;
}

/**
 * A LangChain chat model routing among chat models with a FineRouter.
 *
 * @example
 * import { ChatOpenAI } from '@langchain/openai';
 * import { FineRouterChatModel } from 'finerouter/langchain';
 * const chat = new FineRouterChatModel({ router, models: {
 *   small: new ChatOpenAI({ model: 'gpt-4o-mini', maxRetries: 0 }),
 *   large: new ChatOpenAI({ model: 'gpt-4o', maxRetries: 0 }),
 * } });
 * const reply = await chat.invoke('Prove that √2 is irrational');
 * reply.response_metadata.finerouter.model; // 'large'
 */
export class FineRouterChatModel extends BaseChatModel<FineRouterChatModelCallOptions, AIMessageChunk> {
  readonly router: RouterLike;
  readonly models: Readonly<Record<string, RoutableChatModel>>;
  readonly #fields: FineRouterChatModelFields;
  readonly #callable: readonly string[];
  readonly #defaults: RequestRoutingOptions;

  /**
   * @param fields - see {@link FineRouterChatModelFields}.
   * @throws FineRouterError INVALID_ARGUMENT for an empty map, unknown model ids or entries that are not runnables.
   */
  constructor(fields: FineRouterChatModelFields) {
    super(fields);
    const { router, models } = fields;
    if (!router || typeof router.route !== 'function')
      throw new FineRouterError('INVALID_ARGUMENT', 'FineRouterChatModel: expected a router with route()');
    if (typeof models !== 'object' || models === null || Object.keys(models).length === 0)
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        'FineRouterChatModel: expected models as a non-empty object of model id → chat model',
      );
    for (const [id, model] of Object.entries(models)) {
      if (!router.models.includes(id))
        throw new FineRouterError(
          'INVALID_ARGUMENT',
          `FineRouterChatModel: models: unknown model ${JSON.stringify(id)} (the router knows: ${router.models.join(', ')})`,
        );
      if (typeof model?.invoke !== 'function' || typeof model.stream !== 'function')
        throw new FineRouterError(
          'INVALID_ARGUMENT',
          `FineRouterChatModel: models[${JSON.stringify(id)}]: expected a chat model (invoke and stream)`,
        );
    }
    this.router = router;
    this.models = models;
    this.#fields = fields;
    this.#callable = router.models.filter((id) => id in models);
    this.#defaults = parseRequestRoutingOptions(fields.routing, 'FineRouterChatModel: routing');
  }

  _llmType(): string {
    return 'finerouter';
  }

  override bindTools(tools: BindToolsInput[], kwargs?: Partial<FineRouterChatModelCallOptions>): FineRouterChatModel {
    const bound: Record<string, RoutableChatModel> = {};
    for (const [id, model] of Object.entries(this.models)) {
      const bind = (model as unknown as Partial<BaseChatModel>).bindTools;
      if (typeof bind !== 'function')
        throw new FineRouterError(
          'INVALID_ARGUMENT',
          `FineRouterChatModel.bindTools: model ${JSON.stringify(id)} does not support tools`,
        );
      bound[id] = bind.call(model, tools, kwargs as Partial<BaseChatModelCallOptions>) as RoutableChatModel;
    }
    return new FineRouterChatModel({ ...this.#fields, models: bound });
  }

  async #decide(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
  ): Promise<{ decision: RouteResult; fallback: FallbackOptions; config: RunnableConfig }> {
    const split = splitRoutingOptions(
      this.#defaults,
      parseRequestRoutingOptions(options.finerouter, 'call option "finerouter"'),
      this.#callable,
    );
    const route: RouteOptions = { ...split.route };
    if (this.#fields.messages !== undefined) route.messages = this.#fields.messages;
    if (options.signal) route.signal = options.signal;
    const decision = await this.router.route(toChatMessages(messages), route);
    const fallback: FallbackOptions = { ...this.#fields.fallback, ...split.fallback };
    if (options.signal) fallback.signal = options.signal;
    const {
      finerouter: _ours,
      signal: _signal,
      callbacks: _callbacks,
      ...rest
    } = options as FineRouterChatModelCallOptions;
    return { decision, fallback, config: rest as RunnableConfig };
  }

  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const { decision, fallback, config } = await this.#decide(messages, options);
    const { value, attempts } = await callWithFallback(
      decision,
      (id) => id in this.models,
      (id, signal) => this.models[id]!.invoke(messages, { ...config, signal }),
      fallback,
    );
    const finerouter = routingSummary(decision, attempts);
    const source = value as AIMessage;
    const message = new AIMessage({
      content: source.content,
      tool_calls: source.tool_calls ?? [],
      invalid_tool_calls: source.invalid_tool_calls ?? [],
      additional_kwargs: source.additional_kwargs ?? {},
      response_metadata: { ...source.response_metadata, finerouter },
      ...(source.usage_metadata ? { usage_metadata: source.usage_metadata } : {}),
      ...(source.id !== undefined ? { id: source.id } : {}),
    });
    return { generations: [{ text: textOf(message), message }], llmOutput: { finerouter } };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const { decision, fallback, config } = await this.#decide(messages, options);
    // The first chunk is awaited inside the attempt, so an upstream that fails before answering falls back.
    const { value, attempts } = await callWithFallback(
      decision,
      (id) => id in this.models,
      async (id, signal) => {
        const stream = await this.models[id]!.stream(messages, { ...config, signal });
        const iterator = stream[Symbol.asyncIterator]();
        const first = await iterator.next();
        return { iterator, first };
      },
      fallback,
    );
    const finerouter: RoutingSummary = routingSummary(decision, attempts);
    let result = value.first;
    let isFirst = true;
    while (!result.done) {
      const chunk = result.value as AIMessageChunk;
      const message = isFirst
        ? new AIMessageChunk({
            content: chunk.content,
            tool_call_chunks: chunk.tool_call_chunks ?? [],
            additional_kwargs: chunk.additional_kwargs ?? {},
            response_metadata: { ...chunk.response_metadata, finerouter },
            ...(chunk.usage_metadata ? { usage_metadata: chunk.usage_metadata } : {}),
            ...(chunk.id !== undefined ? { id: chunk.id } : {}),
          })
        : chunk;
      isFirst = false;
      const text = textOf(message);
      yield new ChatGenerationChunk({ text, message });
      if (text.length > 0) await runManager?.handleLLMNewToken(text);
      result = await value.iterator.next();
    }
  }
}

export type { RoutingSummary };
