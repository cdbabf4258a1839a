import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { csvField, parseCsv } from '../../src/label/csv.js';
import { parsePrompts, promptMessages, promptText } from '../../src/label/prompts.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FineRouterError);
    return (error as FineRouterError).code;
  }
  throw new Error('expected a throw');
};

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, embedded commas and newlines, CRLF, BOM and blank lines', () => {
    const text = '\uFEFFid,prompt\r\n1,"a, ""b"""\r\n\r\n2,"line1\nline2"\n3,plain\n';
    const t = parseCsv(text);
    expect(t.header).toEqual(['id', 'prompt']);
    expect(t.rows).toEqual([
      ['1', 'a, "b"'],
      ['2', 'line1\nline2'],
      ['3', 'plain'],
    ]);
    expect(t.lines).toEqual([2, 4, 6]);
  });
  it('round-trips csvField', () => {
    const values = ['a', 'a,b', 'say "hi"', 'x\ny', ' lead'];
    const text = `v\n${values.map(csvField).join('\n')}\n`;
    expect(parseCsv(text).rows.map((r) => r[0])).toEqual(values);
  });
  it('rejects malformed input with DATA_INVALID', () => {
    expect(codeOf(() => parseCsv('a,b\n1\n'))).toBe('DATA_INVALID');
    expect(codeOf(() => parseCsv('a\n"open\n'))).toBe('DATA_INVALID');
    expect(codeOf(() => parseCsv('a\nx"y\n'))).toBe('DATA_INVALID');
    expect(codeOf(() => parseCsv('a\n"x"y\n'))).toBe('DATA_INVALID');
    expect(codeOf(() => parseCsv('a,a\n1,2\n'))).toBe('DATA_INVALID');
    expect(codeOf(() => parseCsv(''))).toBe('DATA_INVALID');
  });
});

describe('parsePrompts', () => {
  it('reads JSONL with prompt or messages, reference and source', () => {
    const text = [
      '{"id": 1, "prompt": "2+2?", "reference": 4, "source": "math"}',
      '',
      '{"id": "chat", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}, {"role": "user", "content": "bye"}]}',
    ].join('\n');
    const [a, b] = parsePrompts(text, 'jsonl');
    expect(a).toEqual({ id: '1', prompt: '2+2?', reference: '4', source: 'math' });
    expect(promptText(b!)).toBe('bye\n\nassistant: hello\n\nuser: hi');
    expect(promptMessages(b!)).toHaveLength(4);
    expect(promptMessages(a!, 'sys')).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: '2+2?' },
    ]);
  });
  it('reads CSV with a messages column as JSON', () => {
    const text = 'id,prompt,messages,reference\na,hello,,x\nb,,"[{""role"":""user"",""content"":""q""}]",\n';
    const prompts = parsePrompts(text, 'csv');
    expect(prompts).toEqual([
      { id: 'a', prompt: 'hello', reference: 'x' },
      { id: 'b', messages: [{ role: 'user', content: 'q' }] },
    ]);
  });
  it.each([
    ['{"prompt": "x"}'],
    ['{"id": "a"}'],
    ['{"id": "a", "prompt": 3}'],
    ['{"id": "a", "messages": [{"role": "robot", "content": "x"}]}'],
    ['{"id": "a", "messages": [{"role": "system", "content": "x"}]}'],
    ['{"id": "a", "prompt": "x"}\n{"id": "a", "prompt": "y"}'],
    ['not json'],
  ])('rejects %j with DATA_INVALID', (text) => expect(codeOf(() => parsePrompts(text, 'jsonl'))).toBe('DATA_INVALID'));
  it('rejects a CSV without id or prompt columns', () => {
    expect(codeOf(() => parsePrompts('prompt\nx\n', 'csv'))).toBe('DATA_INVALID');
    expect(codeOf(() => parsePrompts('id,text\n1,x\n', 'csv'))).toBe('DATA_INVALID');
  });
});
