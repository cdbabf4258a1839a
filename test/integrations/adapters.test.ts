/**
 * The three in-process adapters against real clients and a real HTTP upstream on 127.0.0.1:
 * the AI SDK (`ai` + `@ai-sdk/openai-compatible`), the OpenAI Node SDK (`openai`) and LangChain.js
 * (`@langchain/openai` ChatOpenAI), all routed by a real FineRouter (onnxruntime-node + MiniLM).
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { generateObject, generateText, jsonSchema, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../../bench/fake-upstream.mjs';
import type { FakeUpstream } from '../../bench/fake-upstream.mjs';
import { FineRouterError } from '../../src/errors.js';
import { createFineRouterModel } from '../../src/integrations/ai-sdk.js';
import type { RoutingSummary } from '../../src/integrations/fallback.js';
import { FineRouterChatModel } from '../../src/integrations/langchain.js';
import { createRoutedOpenAI } from '../../src/integrations/openai.js';
import { createRouterFixture, MATH, POEM, TRANSLATE } from './router-fixture.js';
import type { RouterFixture } from './router-fixture.js';

let fx: RouterFixture;
let upstream: FakeUpstream;

beforeAll(async () => {
  [fx, upstream] = await Promise.all([createRouterFixture(), startFakeUpstream()]);
}, 120_000);

afterAll(async () => {
  await upstream?.close();
  await fx?.close();
});

beforeEach(() => upstream.reset());

/** Finds a FineRouterError anywhere in an error's cause chain (SDKs may wrap errors). */
function routerErrorCode(error: unknown): string | undefined {
  for (
    let e = error, depth = 0;
    e !== undefined && e !== null && depth < 6;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    if (e instanceof FineRouterError) return e.code;
  }
  return undefined;
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Vercel AI SDK adapter (createFineRouterModel)', () => {
  const models = () => {
    const provider = createOpenAICompatible({ name: 'fake', baseURL: upstream.url, apiKey: 'test-key' });
    return {
      small: provider.chatModel('small'),
      medium: provider.chatModel('medium'),
      large: provider.chatModel('large'),
    };
  };

  it('generateText routes on the messages and reports the decision in provider metadata', async () => {
    const model = createFineRouterModel({ router: fx.router, models: models() });
    const math = await generateText({ model, prompt: MATH, maxRetries: 0 });
    expect(math.text).toBe(`[large] ${MATH}`);
    const meta = math.providerMetadata?.finerouter as unknown as RoutingSummary;
    expect(meta.model).toBe('large');
    expect(meta.task?.description).toBe('arithmetic: multiply or add numbers');
    expect(meta.attempts).toEqual([expect.objectContaining({ model: 'large', outcome: 'ok' })]);
    // A conversation: the system prompt is excluded, the last user turn decides.
    const chat = await generateText({
      model,
      system: 'You are a helpful assistant.',
      messages: [
        { role: 'user', content: MATH },
        { role: 'assistant', content: '84' },
        { role: 'user', content: TRANSLATE },
      ],
      maxRetries: 0,
    });
    expect(chat.text).toBe(`[small] ${TRANSLATE}`);
    expect(upstream.requests.map((r) => r.model)).toEqual(['large', 'small']);
    // The whole conversation reaches the upstream untouched.
    expect(upstream.requests[1]!.body.messages).toHaveLength(4);
  });

  it('streamText streams the chosen model and puts the decision on the finish part', async () => {
    const model = createFineRouterModel({ router: fx.router, models: models() });
    const result = streamText({ model, prompt: POEM, maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe(`[medium] ${POEM}`);
    const meta = (await result.providerMetadata)?.finerouter as unknown as RoutingSummary;
    expect(meta.model).toBe('medium');
    expect(meta.task).toBeNull();
  });

  it('passes tools through and generateObject works', async () => {
    const model = createFineRouterModel({ router: fx.router, models: models() });
    const result = await generateText({
      model,
      prompt: TRANSLATE,
      tools: {
        weather: tool({
          description: 'weather in a city',
          inputSchema: jsonSchema<{ city: string }>({
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          }),
        }),
      },
      maxRetries: 0,
    });
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]!.toolName).toBe('weather');
    expect(result.toolCalls[0]!.input).toEqual({ city: 'Paris' });
    expect((upstream.requests[0]!.body.tools as { function: { name: string } }[])[0]!.function.name).toBe('weather');

    const { object } = await generateObject({
      model,
      prompt: MATH,
      schema: jsonSchema<{ answer: string }>({
        type: 'object',
        properties: { answer: { type: 'string' } },
        required: ['answer'],
      }),
      maxRetries: 0,
    });
    expect(object.answer).toBe(`[large] ${MATH}`);
  });

  it('falls back to the next model by final score on a 5xx, reporting every attempt', async () => {
    upstream.behave('large', { status: 503 });
    const model = createFineRouterModel({ router: fx.router, models: models() });
    const result = await generateText({ model, prompt: MATH, maxRetries: 0 });
    expect(result.text).toBe(`[medium] ${MATH}`);
    const meta = result.providerMetadata?.finerouter as unknown as RoutingSummary;
    expect(meta.routed).toBe('large');
    expect(meta.model).toBe('medium');
    expect(meta.attempts.map((a) => [a.model, a.outcome, a.status])).toEqual([
      ['large', 'server-error', 503],
      ['medium', 'ok', undefined],
    ]);
    // maxAttempts 1 disables fallback: the call fails with UPSTREAM_FAILED.
    const error = await generateText({
      model,
      prompt: MATH,
      maxRetries: 0,
      providerOptions: { finerouter: { maxAttempts: 1 } },
    }).catch((e: unknown) => e);
    expect(routerErrorCode(error)).toBe('UPSTREAM_FAILED');
  });

  it('applies a per-call budget and propagates aborts upstream', async () => {
    const model = createFineRouterModel({ router: fx.router, models: models() });
    const capped = await generateText({
      model,
      prompt: MATH,
      maxRetries: 0,
      providerOptions: { finerouter: { maxCost: 0.001 } },
    });
    expect(capped.text).toBe(`[medium] ${MATH}`);
    const over = await generateText({
      model,
      prompt: MATH,
      maxRetries: 0,
      providerOptions: { finerouter: { maxCost: 0.00001 } },
    }).catch((e: unknown) => e);
    expect(routerErrorCode(over)).toBe('BUDGET_EXCEEDED');

    upstream.reset();
    upstream.behave('medium', { hangMs: 5_000 });
    const controller = new AbortController();
    const pending = generateText({ model, prompt: POEM, maxRetries: 0, abortSignal: controller.signal }).catch(
      (e: unknown) => e,
    );
    await waitFor(() => upstream.requests.length === 1, 'the upstream request');
    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(Error);
    await waitFor(() => upstream.state.aborted === 1, 'the upstream to see the abort');
    expect(upstream.requests).toHaveLength(1); // no fallback after the caller's abort
  });
});

describe('OpenAI SDK adapter (createRoutedOpenAI)', () => {
  const client = () => new OpenAI({ baseURL: upstream.url, apiKey: 'test-key', maxRetries: 0 });

  it('routes model "finerouter" on messages, streaming and not; other pool ids pass through', async () => {
    const openai = createRoutedOpenAI({
      router: fx.router,
      models: { small: client(), medium: client(), large: { client: client(), model: 'large' } },
    });
    const completion = await openai.chat.completions.create({
      model: 'finerouter',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: TRANSLATE },
      ],
    });
    expect(completion.choices[0]!.message.content).toBe(`[small] ${TRANSLATE}`);
    expect(completion.finerouter?.model).toBe('small');
    expect(completion.finerouter?.task?.description).toBe('translate a phrase into Spanish or French');

    const stream = await openai.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
      stream: true,
    });
    expect(stream.finerouter?.model).toBe('large');
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(`[large] ${MATH}`);

    const direct = await openai.chat.completions.create({
      model: 'small',
      messages: [{ role: 'user', content: MATH }],
    });
    expect(direct.choices[0]!.message.content).toBe(`[small] ${MATH}`);
    expect(direct.finerouter).toBeUndefined();
    await expect(
      openai.chat.completions.create({ model: 'gpt-unknown', messages: [{ role: 'user', content: MATH }] }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // the routing field never reaches the upstream
    expect(upstream.requests.every((r) => !('finerouter' in r.body))).toBe(true);
  });

  it('falls back on 429 and on refusals; budget and allow lists per request', async () => {
    const openai = createRoutedOpenAI({
      router: fx.router,
      models: { small: client(), medium: client(), large: client() },
    });
    upstream.behave('large', { status: 429, times: 1 });
    const limited = await openai.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
    });
    expect(limited.finerouter?.attempts.map((a) => `${a.model}:${a.outcome}`)).toEqual([
      'large:rate-limit',
      'medium:ok',
    ]);

    upstream.behave('large', { refusal: true });
    const refused = await openai.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
    });
    expect(refused.choices[0]!.message.content).toBe(`[medium] ${MATH}`);
    expect(refused.finerouter?.attempts.map((a) => a.outcome)).toEqual(['refusal', 'ok']);

    const budget = await openai.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
      finerouter: { maxCost: 0.0001 },
    });
    expect(budget.finerouter?.model).toBe('small');
    const allowed = await openai.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
      finerouter: { allowedModels: ['small', 'medium'] },
    });
    expect(allowed.finerouter?.model).toBe('medium');
    await expect(
      openai.chat.completions.create({
        model: 'finerouter',
        messages: [{ role: 'user', content: MATH }],
        finerouter: { maxCost: 0 },
      }),
    ).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    await expect(
      openai.chat.completions.create({
        model: 'finerouter',
        messages: [{ role: 'user', content: MATH }],
        finerouter: { tolerence: 0.1 } as never,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a client error is not retried; an abort reaches the upstream', async () => {
    const openai = createRoutedOpenAI({
      router: fx.router,
      models: { small: client(), medium: client(), large: client() },
    });
    upstream.behave('large', { status: 401 });
    const error = await openai.chat.completions
      .create({ model: 'finerouter', messages: [{ role: 'user', content: MATH }] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect(upstream.requests).toHaveLength(1);

    upstream.reset();
    upstream.behave('medium', { hangMs: 5_000 });
    const controller = new AbortController();
    const pending = openai.chat.completions
      .create({ model: 'finerouter', messages: [{ role: 'user', content: POEM }] }, { signal: controller.signal })
      .catch((e: unknown) => e);
    await waitFor(() => upstream.requests.length === 1, 'the upstream request');
    controller.abort();
    expect(await pending).toMatchObject({ code: 'ABORTED' });
    await waitFor(() => upstream.state.aborted === 1, 'the upstream to see the abort');
  });

  it('a slow upstream times out and the next model answers within the total time', async () => {
    const openai = createRoutedOpenAI({
      router: fx.router,
      models: { small: client(), medium: client(), large: client() },
      fallback: { attemptTimeoutMs: 150 },
    });
    upstream.behave('large', { hangMs: 3_000 });
    const result = await openai.chat.completions.create({
      model: 'finerouter',
      messages: [{ role: 'user', content: MATH }],
    });
    expect(result.finerouter?.attempts.map((a) => `${a.model}:${a.outcome}`)).toEqual(['large:timeout', 'medium:ok']);
  });
});

describe('LangChain.js adapter (FineRouterChatModel)', () => {
  const chat = (name: string) =>
    new ChatOpenAI({ model: name, apiKey: 'test-key', configuration: { baseURL: upstream.url }, maxRetries: 0 });

  it('invoke and stream route among ChatOpenAI models; the decision is in response_metadata', async () => {
    const model = new FineRouterChatModel({
      router: fx.router,
      models: { small: chat('small'), medium: chat('medium'), large: chat('large') },
    });
    const reply = await model.invoke(MATH);
    expect(reply.content).toBe(`[large] ${MATH}`);
    expect((reply.response_metadata.finerouter as RoutingSummary).model).toBe('large');

    let text = '';
    let meta: RoutingSummary | undefined;
    for await (const chunk of await model.stream([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: TRANSLATE },
    ])) {
      text += typeof chunk.content === 'string' ? chunk.content : '';
      meta ??= chunk.response_metadata.finerouter as RoutingSummary | undefined;
    }
    expect(text).toBe(`[small] ${TRANSLATE}`);
    expect(meta?.model).toBe('small');
  });

  it('falls back, honours per-call budgets, and binds tools on every model', async () => {
    const model = new FineRouterChatModel({
      router: fx.router,
      models: { small: chat('small'), medium: chat('medium'), large: chat('large') },
    });
    upstream.behave('large', { status: 500 });
    const reply = await model.invoke(MATH);
    expect(reply.content).toBe(`[medium] ${MATH}`);
    expect((reply.response_metadata.finerouter as RoutingSummary).attempts.map((a) => a.outcome)).toEqual([
      'server-error',
      'ok',
    ]);
    upstream.reset();
    const budget = await model.invoke(MATH, { finerouter: { maxCost: 0.0001 } });
    expect(budget.content).toBe(`[small] ${MATH}`);

    const withTools = model.bindTools([
      {
        type: 'function',
        function: {
          name: 'weather',
          description: 'weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ]);
    const call = await withTools.invoke(TRANSLATE);
    expect(call.tool_calls?.[0]).toMatchObject({ name: 'weather', args: { city: 'Paris' } });
  });
});
