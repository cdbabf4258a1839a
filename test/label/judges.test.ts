import { describe, expect, it } from 'vitest';
import {
  choiceJudge,
  exactMatchJudge,
  extractChoice,
  extractNumber,
  functionJudge,
  normalizeText,
  numericJudge,
  parseNumber,
  regexJudge,
  type JudgeInput,
} from '../../src/label/judges.js';
import { parseRating, parseVerdict } from '../../src/label/llm-judge.js';

const input = (answer: string, reference?: string): JudgeInput => ({
  prompt: { id: 'p', prompt: 'q' },
  promptText: 'q',
  model: 'm',
  answer,
  ...(reference !== undefined ? { reference } : {}),
});

describe('extraction', () => {
  it.each([
    ['So 16 - 3 - 4 = 9 eggs, 9 * 2 = 18.\n#### 18', 18],
    ['The total is \\boxed{1,234}.', 1234],
    ['The answer is $3,000.50, not 12', 3000.5],
    ['answer: -7', -7],
    ['I got 3/4 of it', 0.75],
    ['first 10 then 20', 20],
    ['no digits here', undefined],
  ])('extractNumber(%j) = %s', (text, expected) => expect(extractNumber(text)).toBe(expected));

  it('parseNumber', () => {
    expect(parseNumber('$1,234.5')).toBe(1234.5);
    expect(parseNumber('50%')).toBe(50);
    expect(parseNumber('1/0')).toBeUndefined();
    expect(parseNumber('12a')).toBeUndefined();
  });

  it.each([
    ['The answer is (C).', 'C'],
    ['Answer: b', 'B'],
    ['B', 'B'],
    ['(D)', 'D'],
    ['A) because it is', 'A'],
    ['Between (A) and (C), I pick (C)', 'C'],
    ['I am not sure', undefined],
    ['The answer is (K)', undefined],
  ])('extractChoice(%j) = %s', (text, expected) => expect(extractChoice(text)).toBe(expected));

  it('normalizeText', () => {
    expect(normalizeText('  Paris.\n')).toBe('paris');
    expect(normalizeText('Paris', true)).toBe('Paris');
  });
});

describe('reference judges', () => {
  it('exact', () => {
    expect(exactMatchJudge().judge(input('Paris.', 'paris'))).toEqual({ score: 1 });
    expect(exactMatchJudge({ caseSensitive: true }).judge(input('paris', 'Paris'))).toEqual({ score: 0 });
    expect(exactMatchJudge({ contains: true }).judge(input('It is Paris, France', 'paris'))).toEqual({ score: 1 });
    expect(() => exactMatchJudge().judge(input('x'))).toThrow(RangeError);
  });
  it('numeric with tolerance', () => {
    expect(numericJudge().judge(input('#### 1,000', '1000'))).toMatchObject({ score: 1 });
    expect(numericJudge().judge(input('#### 1001', '1000'))).toMatchObject({ score: 0 });
    expect(numericJudge({ relTolerance: 0.01 }).judge(input('#### 1001', '1000'))).toMatchObject({ score: 1 });
    expect(numericJudge().judge(input('none', '5'))).toMatchObject({ score: 0, detail: 'no number' });
    expect(numericJudge().judge(input('4', 'The answer is #### 4'))).toMatchObject({ score: 1 });
    expect(() => numericJudge().judge(input('4', 'four'))).toThrow(RangeError);
    expect(() => numericJudge({ absTolerance: -1 })).toThrow(RangeError);
  });
  it('choice', () => {
    expect(choiceJudge().judge(input('The answer is (B)', '(B)'))).toMatchObject({ score: 1 });
    expect(choiceJudge().judge(input('The answer is (B)', 'c'))).toMatchObject({ score: 0 });
    expect(choiceJudge({ letters: 'ABCD' }).judge(input('E', 'A'))).toMatchObject({ score: 0, detail: 'no letter' });
    expect(() => choiceJudge().judge(input('A', 'AB'))).toThrow(RangeError);
    expect(() => choiceJudge({ letters: 'abc' })).toThrow(RangeError);
  });
  it('regex: fixed or per-prompt pattern', () => {
    expect(regexJudge({ pattern: '\\bparis\\b' }).judge(input('It is Paris.'))).toEqual({ score: 1 });
    expect(regexJudge().judge(input('def add(a, b):', '^def \\w+\\('))).toEqual({ score: 1 });
    expect(regexJudge().judge(input('class X', '^def'))).toEqual({ score: 0 });
    expect(() => regexJudge({ pattern: '(' })).toThrow(RangeError);
    expect(regexJudge({ pattern: 'x' }).needsReference).toBe(false);
  });
  it('function judge wraps numbers and verdicts', async () => {
    expect(await functionJudge('a', () => 0.25).judge(input('x'))).toEqual({ score: 0.25 });
    expect(await functionJudge('b', async () => ({ score: 1, detail: 'ok' })).judge(input('x'))).toEqual({
      score: 1,
      detail: 'ok',
    });
    expect(functionJudge('c', () => 1).id).toBe('fn:c');
    expect(() => functionJudge('', () => 1)).toThrow(TypeError);
  });
});

describe('LLM judge reply parsing', () => {
  it('parseRating takes the last [[n]], else "Rating: n"', () => {
    expect(parseRating('[[3]] no wait [[8]]')).toBe(8);
    expect(parseRating('Rating: 7.5')).toBe(7.5);
    expect(parseRating('great')).toBeUndefined();
  });
  it('parseVerdict', () => {
    expect(parseVerdict('A is better [[A]]')).toBe('A');
    expect(parseVerdict('[[C]]')).toBe('C');
    expect(parseVerdict('A wins')).toBeUndefined();
  });
});
