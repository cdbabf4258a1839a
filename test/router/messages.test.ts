import { describe, expect, it } from 'vitest';
import { validateRoutingRecord } from '../../src/data/parse.js';
import { FineRouterError } from '../../src/errors.js';
import { validateManifest } from '../../src/router/manifest.js';
import { messageText, routerInputFromMessages } from '../../src/router/messages.js';
import { FineRouter } from '../../src/router/router.js';
import { FakeEncoder, FakeRuntime, fixture } from './fakes.js';

async function setup() {
  const f = await fixture();
  const encoder = new FakeEncoder(f.table, f.D);
  const router = await FineRouter.create({
    manifest: validateManifest(f.manifestJson),
    classifierModel: f.classifierModel,
    routerModel: f.routerModel,
    runtime: new FakeRuntime(),
    encoder,
  });
  return { router, encoder };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FineRouterError);
  return (error as FineRouterError).code;
}

describe('messageText', () => {
  it('takes string content trimmed and joins text parts, ignoring other parts', () => {
    expect(messageText({ role: 'user', content: '  hi  ' })).toBe('hi');
    expect(
      messageText({
        role: 'user',
        content: [{ type: 'text', text: ' a ' }, { type: 'image' }, { type: 'text', text: 'b' }],
      }),
    ).toBe('a\nb');
    expect(messageText({ role: 'assistant', content: null })).toBe('');
    expect(messageText({ role: 'assistant' })).toBe('');
    expect(() => messageText(null as never)).toThrow(TypeError);
    expect(() => messageText({ role: 'user', content: 3 as never })).toThrow(TypeError);
  });
});

describe('routerInputFromMessages (the documented rule)', () => {
  it('a single user turn gives exactly the trimmed prompt', () => {
    expect(routerInputFromMessages([{ role: 'user', content: ' What is 2+2? ' }])).toBe('What is 2+2?');
  });

  it('drops the system prompt by default and appends it on request', () => {
    const messages = [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Translate cat' },
    ];
    expect(routerInputFromMessages(messages)).toBe('Translate cat');
    expect(routerInputFromMessages(messages, { system: 'append' })).toBe('Translate cat\n\nsystem: Be terse.');
  });

  it('puts the last user turn first, then up to contextMessages earlier user/assistant turns, most recent first', () => {
    const messages = [
      { role: 'user', content: 'u1' },
      { role: 'assistant', content: 'a1' },
      { role: 'tool', content: 'tool output' },
      { role: 'user', content: 'u2' },
      { role: 'assistant', content: [{ type: 'tool-call' }] },
    ];
    expect(routerInputFromMessages(messages)).toBe('u2\n\nassistant: a1\n\nuser: u1');
    expect(routerInputFromMessages(messages, { contextMessages: 1 })).toBe('u2\n\nassistant: a1');
    expect(routerInputFromMessages(messages, { contextMessages: 0 })).toBe('u2');
  });

  it('bounds the context by maxContextChars, cutting the last piece', () => {
    const messages = [
      { role: 'user', content: 'x'.repeat(50) },
      { role: 'user', content: 'now' },
    ];
    expect(routerInputFromMessages(messages, { maxContextChars: 10 })).toBe(`now\n\nuser: xxxx`);
    expect(routerInputFromMessages(messages, { maxContextChars: 0 })).toBe('now');
  });

  it('falls back to the last non-system message with text when no user turn has text', () => {
    expect(
      routerInputFromMessages([
        { role: 'system', content: 's' },
        { role: 'assistant', content: 'draft' },
      ]),
    ).toBe('draft');
  });

  it('rejects conversations without text and bad options', () => {
    expect(() => routerInputFromMessages([])).toThrow(RangeError);
    expect(() => routerInputFromMessages([{ role: 'system', content: 'only system' }])).toThrow(RangeError);
    expect(() => routerInputFromMessages('hi' as never)).toThrow(TypeError);
    expect(() => routerInputFromMessages([{ role: 'user', content: 'a' }], { contextMessages: -1 })).toThrow(
      RangeError,
    );
    expect(() => routerInputFromMessages([{ role: 'user', content: 'a' }], { maxContextChars: 1.5 })).toThrow(
      RangeError,
    );
    expect(() => routerInputFromMessages([{ role: 'user', content: 'a' }], { system: 'keep' as never })).toThrow(
      RangeError,
    );
  });

  it('is applied to training records that hold messages instead of a prompt', () => {
    const record = validateRoutingRecord(
      {
        id: 'r',
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: 'math' },
        ],
        scores: { A: 1 },
      },
      1,
    );
    expect(record.prompt).toBe('math');
    expect(() => validateRoutingRecord({ id: 'r', messages: [], scores: { A: 1 } }, 3)).toThrow(FineRouterError);
    expect(() => validateRoutingRecord({ id: 'r', messages: 'x', scores: { A: 1 } }, 3)).toThrow(FineRouterError);
  });
});

describe('FineRouter.route on messages and with maxCost', () => {
  it('routes a conversation exactly as the text the rule builds', async () => {
    const { router } = await setup();
    const conversation = [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'math' },
    ];
    expect(await router.route(conversation)).toEqual(await router.route('math'));
    const [a, b] = await router.routeBatch([
      [{ role: 'user', content: [{ type: 'text', text: 'translate' }] }],
      'translate',
    ]);
    expect(a).toEqual(b);
    expect(await codeOf(router.route([{ role: 'system', content: 'x' }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(router.route(42 as never))).toBe('INVALID_ARGUMENT');
    await router.dispose();
  });

  it('maxCost removes models above the budget and models of unknown cost', async () => {
    const { router } = await setup();
    // 'math': task 7; unrestricted the best is B or C; with maxCost 1 only A (cost 1) remains.
    const free = await router.route('math');
    expect(free.model).not.toBe('A');
    const capped = await router.route('math', { maxCost: 1 });
    expect(capped.model).toBe('A');
    expect(capped.scores.map((s) => s.model)).toEqual(['A']);
    const two = await router.route('math', { maxCost: 2 });
    expect(two.scores.map((s) => s.model).sort()).toEqual(['A', 'B']); // C has unknown cost
    expect(await codeOf(router.route('math', { maxCost: 0.5 }))).toBe('BUDGET_EXCEEDED');
    expect(await codeOf(router.route('math', { maxCost: -1 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(router.route('math', { maxCost: Number.NaN }))).toBe('INVALID_ARGUMENT');
    await router.dispose();
  });
});
