/**
 * The router's input text for a chat conversation: one documented rule, used by `FineRouter.route` when it is
 * given messages and by the routing-data reader when a training record holds `messages` instead of `prompt`,
 * so the classifier and the quality estimator see at inference the same kind of text they were trained on.
 *
 * The rule (docs/integrations.md, "Routing on messages"):
 *   1. The anchor is the last `user` message with text. When there is none, the last message with text of any
 *      role other than `system`; a conversation with no such text is an error.
 *   2. The anchor text comes first, whole (the encoder truncates at its own token limit, so what matters most
 *      must lead: MiniLM keeps 256 word pieces).
 *   3. Context: up to `contextMessages` messages before the anchor (`user` and `assistant` only; tool calls and
 *      tool results carry little about the task), most recent first, each as "role: text", appended after a
 *      blank line until `maxContextChars` characters of context are used (the last one is cut to fit).
 *   4. The system prompt (all `system` messages, in order) is dropped by default (`system: 'exclude'`): most
 *      system prompts are per-app boilerplate that would pull every conversation of an app to the same task.
 *      `system: 'append'` adds it after the context under the same character budget.
 *   5. Text of a message: a string content as is; an array content contributes its text parts (`{ type: 'text',
 *      text }`) joined by newlines; images, files, tool calls and reasoning parts contribute nothing. Whitespace
 *      runs are kept (the tokenizer handles them); leading/trailing whitespace of each part is trimmed.
 *
 * With the defaults, a one-turn conversation `[{ role: 'user', content: p }]` gives exactly `p.trim()`, so a router
 * trained on single prompts routes single-turn chats as it routes the prompt string.
 */

/** A text part of a message content array (OpenAI, AI SDK and LangChain all use this shape). */
export interface ChatTextPart {
  readonly type: 'text';
  readonly text: string;
}

/** A chat message as the OpenAI API, the AI SDK and LangChain serialize it; unknown part types are ignored. */
export interface ChatMessage {
  readonly role: string;
  readonly content?: string | null | readonly (ChatTextPart | { readonly type: string })[];
}

/** Options of {@link routerInputFromMessages}. */
export interface MessagesInputOptions {
  /** How many messages before the anchor may add context. @defaultValue 2 */
  contextMessages?: number;
  /** Characters of context (and system prompt) appended after the anchor, at most. @defaultValue 600 */
  maxContextChars?: number;
  /** 'exclude' drops system messages; 'append' adds them after the context. @defaultValue 'exclude' */
  system?: 'exclude' | 'append';
}

/**
 * Defaults of {@link MessagesInputOptions}.
 *
 * @example
 * routerInputFromMessages(messages, { ...MESSAGES_INPUT_DEFAULTS, contextMessages: 4 });
 */
export const MESSAGES_INPUT_DEFAULTS = Object.freeze({
  contextMessages: 2,
  maxContextChars: 600,
  system: 'exclude' as 'exclude' | 'append',
});

/**
 * The text of one message by rule 5: string content trimmed, or the trimmed text parts joined by newlines.
 *
 * @param message - a chat message.
 * @returns its text ('' when it has none).
 * @throws TypeError when `message` is not an object with a string `role`.
 * @example messageText({ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image' }] }); // 'hi'
 */
export function messageText(message: ChatMessage): string {
  if (typeof message !== 'object' || message === null || typeof message.role !== 'string') {
    throw new TypeError(
      `messageText: expected a message { role: string, content }, received ${message === null ? 'null' : typeof message}`,
    );
  }
  const { content } = message;
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content.trim();
  if (!Array.isArray(content))
    throw new TypeError(`messageText: expected content as a string or an array of parts, received ${typeof content}`);
  const texts: string[] = [];
  for (const part of content as readonly { type?: unknown; text?: unknown }[]) {
    if (part !== null && typeof part === 'object' && part.type === 'text' && typeof part.text === 'string') {
      const t = part.text.trim();
      if (t.length > 0) texts.push(t);
    }
  }
  return texts.join('\n');
}

function checkOptions(options: MessagesInputOptions): Required<MessagesInputOptions> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('routerInputFromMessages: expected an options object');
  const contextMessages = options.contextMessages ?? MESSAGES_INPUT_DEFAULTS.contextMessages;
  const maxContextChars = options.maxContextChars ?? MESSAGES_INPUT_DEFAULTS.maxContextChars;
  const system = options.system ?? MESSAGES_INPUT_DEFAULTS.system;
  if (!Number.isInteger(contextMessages) || contextMessages < 0) {
    throw new RangeError(
      `routerInputFromMessages: contextMessages: expected an integer ≥ 0, received ${String(contextMessages)}`,
    );
  }
  if (!Number.isInteger(maxContextChars) || maxContextChars < 0) {
    throw new RangeError(
      `routerInputFromMessages: maxContextChars: expected an integer ≥ 0, received ${String(maxContextChars)}`,
    );
  }
  if (system !== 'exclude' && system !== 'append') {
    throw new RangeError(`routerInputFromMessages: system: expected 'exclude' | 'append', received ${String(system)}`);
  }
  return { contextMessages, maxContextChars, system };
}

/**
 * Builds the router's input text from a conversation by the rule in this file's header.
 *
 * @param messages - the conversation, oldest first.
 * @param options - see {@link MessagesInputOptions}.
 * @returns the text to embed and route.
 * @throws TypeError on a malformed message; RangeError on bad options or a conversation without any
 *   non-system text.
 * @example
 * routerInputFromMessages([
 *   { role: 'system', content: 'You are terse.' },
 *   { role: 'user', content: 'Translate to French: cat' },
 * ]); // 'Translate to French: cat'
 */
export function routerInputFromMessages(messages: readonly ChatMessage[], options: MessagesInputOptions = {}): string {
  if (!Array.isArray(messages))
    throw new TypeError(`routerInputFromMessages: expected an array of messages, received ${typeof messages}`);
  const { contextMessages, maxContextChars, system } = checkOptions(options);
  const texts = messages.map((m, i) => {
    try {
      return messageText(m);
    } catch (error) {
      throw new TypeError(`routerInputFromMessages: message ${i}: ${(error as Error).message}`);
    }
  });
  let anchor = -1;
  for (let i = messages.length - 1; i >= 0 && anchor < 0; i--)
    if (messages[i]!.role === 'user' && texts[i]!.length > 0) anchor = i;
  for (let i = messages.length - 1; i >= 0 && anchor < 0; i--)
    if (messages[i]!.role !== 'system' && texts[i]!.length > 0) anchor = i;
  if (anchor < 0)
    throw new RangeError(
      `routerInputFromMessages: expected at least one non-system message with text, received ${messages.length} messages without any`,
    );

  let text = texts[anchor]!;
  let budget = maxContextChars;
  const add = (piece: string): void => {
    if (budget <= 0 || piece.length === 0) return;
    const cut = piece.length > budget ? piece.slice(0, budget) : piece;
    text += `\n\n${cut}`;
    budget -= cut.length;
  };
  let taken = 0;
  for (let i = anchor - 1; i >= 0 && taken < contextMessages; i--) {
    const role = messages[i]!.role;
    if ((role !== 'user' && role !== 'assistant') || texts[i]!.length === 0) continue;
    add(`${role}: ${texts[i]!}`);
    taken++;
  }
  if (system === 'append') {
    const prompt = messages
      .flatMap((m, i) => (m.role === 'system' && texts[i]!.length > 0 ? [texts[i]!] : []))
      .join('\n');
    if (prompt.length > 0) add(`system: ${prompt}`);
  }
  return text;
}
