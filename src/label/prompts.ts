/**
 * Prompt files for `finerouter label` (pure parsing; reading the file is the caller's job).
 *
 * One prompt per JSONL line or CSV row:
 * - `id` (required, unique, non-empty string; numbers are accepted in JSONL and turned into strings),
 * - `prompt` (a string) or `messages` (an array of `{role, content}` chat messages; in CSV a JSON
 *   string), at least one of the two,
 * - `reference` (optional string: the gold answer, for reference-based judges and rubric context),
 * - `source` (optional string: a task label carried into the routing JSONL).
 * Unknown fields are ignored. The text the router learns from is `prompt`, or, for `messages`, the
 * router's one input rule for conversations (`routerInputFromMessages`, src/router/messages.ts), so a
 * router trained on labelled conversations sees the same text when it routes them (see {@link promptText}).
 */
import { FineRouterError } from '../errors.js';
import type { ChatMessage } from '../pool/client.js';
import { routerInputFromMessages } from '../router/messages.js';
import { parseCsv } from './csv.js';

/** One prompt to label. */
export interface LabelPrompt {
  id: string;
  /** Plain prompt text (sent as one user message when `messages` is absent). */
  prompt?: string;
  /** Chat messages sent as they are. */
  messages?: ChatMessage[];
  /** Gold answer for reference-based judges. */
  reference?: string;
  /** Task label, copied to the routing record. */
  source?: string;
}

const ROLES = new Set(['system', 'user', 'assistant', 'developer', 'tool']);

function fail(where: string, line: number, what: string): never {
  throw new FineRouterError('DATA_INVALID', `${where}: line ${line}: ${what}`);
}

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Validates one parsed prompt object.
 *
 * @param value - a parsed JSON object (or a CSV row turned into one).
 * @param line - 1-based line for messages.
 * @param where - file name for messages. @defaultValue 'prompts'
 * @returns a clean LabelPrompt.
 * @throws FineRouterError 'DATA_INVALID' naming the line and the field.
 * @example
 * validatePrompt({ id: 1, prompt: '2+2?', reference: '4' }, 1); // { id: '1', prompt: '2+2?', reference: '4' }
 */
export function validatePrompt(value: unknown, line: number, where = 'prompts'): LabelPrompt {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(where, line, `expected a JSON object, received ${kind(value)}`);
  const v = value as Record<string, unknown>;
  let id = v.id;
  if (typeof id === 'number' && Number.isFinite(id)) id = String(id);
  if (typeof id !== 'string' || id.trim().length === 0)
    fail(where, line, `"id" must be a non-empty string, received ${kind(v.id)}`);
  const out: LabelPrompt = { id };
  if (v.prompt !== undefined && v.prompt !== null && v.prompt !== '') {
    if (typeof v.prompt !== 'string') fail(where, line, `"prompt" must be a string, received ${kind(v.prompt)}`);
    out.prompt = v.prompt;
  }
  if (v.messages !== undefined && v.messages !== null && v.messages !== '') {
    let messages = v.messages;
    if (typeof messages === 'string') {
      try {
        messages = JSON.parse(messages);
      } catch {
        fail(where, line, '"messages" must be a JSON array of {role, content}');
      }
    }
    if (!Array.isArray(messages) || messages.length === 0)
      fail(where, line, `"messages" must be a non-empty array of {role, content}, received ${kind(messages)}`);
    out.messages = messages.map((m: unknown, i) => {
      const message = m as Record<string, unknown> | null;
      if (
        typeof message !== 'object' ||
        message === null ||
        typeof message.role !== 'string' ||
        !ROLES.has(message.role) ||
        typeof message.content !== 'string'
      ) {
        fail(where, line, `"messages[${i}]" must be {role: system|user|assistant|developer|tool, content: string}`);
      }
      const clean: ChatMessage = { role: message.role as ChatMessage['role'], content: message.content as string };
      if (typeof message.name === 'string') clean.name = message.name;
      return clean;
    });
    if (!out.messages.some((m) => m.role === 'user')) fail(where, line, '"messages" has no user message');
  }
  if (out.prompt === undefined && out.messages === undefined)
    fail(where, line, 'needs "prompt" (a string) or "messages" (an array)');
  for (const name of ['reference', 'source'] as const) {
    let field = v[name];
    if (field === undefined || field === null || field === '') continue;
    if (name === 'reference' && typeof field === 'number' && Number.isFinite(field)) field = String(field);
    if (typeof field !== 'string') fail(where, line, `"${name}" must be a string, received ${kind(field)}`);
    out[name] = field;
  }
  return out;
}

function checkUnique(prompts: LabelPrompt[], lines: number[], where: string): void {
  const first = new Map<string, number>();
  prompts.forEach((p, i) => {
    const at = first.get(p.id);
    if (at !== undefined) fail(where, lines[i]!, `duplicate id '${p.id}' (first on line ${at})`);
    first.set(p.id, lines[i]!);
  });
}

/**
 * Parses a prompts file: JSONL (one object per line; blank lines skipped) or CSV with a header row.
 *
 * @param text - file content.
 * @param format - 'jsonl' or 'csv'.
 * @param where - file name for messages. @defaultValue 'prompts'
 * @returns the prompts in file order.
 * @throws FineRouterError 'DATA_INVALID' on malformed lines, missing fields or duplicate ids.
 * @example
 * parsePrompts('{"id":"a","prompt":"hi"}\n', 'jsonl'); // [{ id: 'a', prompt: 'hi' }]
 */
export function parsePrompts(text: string, format: 'jsonl' | 'csv', where = 'prompts'): LabelPrompt[] {
  if (typeof text !== 'string')
    throw new TypeError(`parsePrompts: expected text to be a string, received ${typeof text}`);
  const prompts: LabelPrompt[] = [];
  const lines: number[] = [];
  if (format === 'csv') {
    const table = parseCsv(text, where);
    if (!table.header.includes('id')) fail(where, 1, 'the header has no "id" column');
    if (!table.header.includes('prompt') && !table.header.includes('messages'))
      fail(where, 1, 'the header needs a "prompt" or "messages" column');
    table.rows.forEach((row, r) => {
      const object: Record<string, string> = {};
      table.header.forEach((h, c) => (object[h] = row[c]!));
      prompts.push(validatePrompt(object, table.lines[r]!, where));
      lines.push(table.lines[r]!);
    });
  } else if (format === 'jsonl') {
    text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim().length === 0) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        fail(where, i + 1, `malformed JSON (${(error as Error).message})`);
      }
      prompts.push(validatePrompt(value, i + 1, where));
      lines.push(i + 1);
    });
  } else {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `parsePrompts: format must be 'jsonl' or 'csv', received ${String(format)}`,
    );
  }
  checkUnique(prompts, lines, where);
  return prompts;
}

/**
 * The messages sent to a candidate model: `messages` as given, else one user message with `prompt`
 * (preceded by `system` when given).
 *
 * @param prompt - the prompt.
 * @param system - optional system message for plain prompts.
 * @returns chat messages.
 * @example
 * promptMessages({ id: 'a', prompt: 'hi' }); // [{ role: 'user', content: 'hi' }]
 */
export function promptMessages(prompt: LabelPrompt, system?: string): ChatMessage[] {
  if (prompt.messages) return prompt.messages.map((m) => ({ ...m }));
  const out: ChatMessage[] = [];
  if (system !== undefined && system.length > 0) out.push({ role: 'system', content: system });
  out.push({ role: 'user', content: prompt.prompt ?? '' });
  return out;
}

/**
 * The text a router is trained on for this prompt: `prompt`, or `routerInputFromMessages(messages)`
 * (the last user turn first, then up to two earlier turns as context; system messages dropped).
 *
 * @param prompt - the prompt.
 * @returns the text.
 * @example
 * promptText({ id: 'a', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] }); // 'hi'
 */
export function promptText(prompt: LabelPrompt): string {
  if (prompt.prompt !== undefined) return prompt.prompt;
  return routerInputFromMessages(prompt.messages ?? []);
}
