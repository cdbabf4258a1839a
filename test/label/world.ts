/**
 * A small deterministic "world" for labelling tests: arithmetic prompts with known answers, candidate
 * models of known correctness, and a judge model, all served by the fake OpenAI server.
 *
 * - oracle: always right ("The answer is #### S").
 * - half: right when a + b is even, else answers S + 1.
 * - never: always wrong (S + 2), and verbose.
 * - judge: rubric → "Rating: [[10]]" when the response's final number equals a + b, else "[[2]]";
 *   pairwise → the correct assistant wins; when both or neither are correct it says [[A]] (a pure
 *   position bias, which the position swap must cancel to 0.5).
 */
import type { FakeMessage } from './fake-openai.js';
import { fakeTokens } from './fake-openai.js';

export interface Sum {
  id: string;
  a: number;
  b: number;
}

export function sums(n: number): Sum[] {
  return Array.from({ length: n }, (_, i) => ({ id: `q${i}`, a: i + 1, b: 2 * i + 3 }));
}

export const question = (s: Sum): string => `What is ${s.a} + ${s.b}?`;

const lastNumber = (text: string): number | undefined => {
  const all = text.match(/-?\d+/g);
  return all ? Number(all[all.length - 1]) : undefined;
};

function parseQuestion(text: string): { a: number; b: number } | undefined {
  const m = /What is (\d+) \+ (\d+)\?/.exec(text);
  return m ? { a: Number(m[1]), b: Number(m[2]) } : undefined;
}

export const answers = {
  oracle: (s: number): string => `The answer is #### ${s}`,
  half: (s: number): string => (s % 2 === 0 ? `#### ${s}` : `#### ${s + 1}`),
  never: (s: number): string => `Let me think about this carefully step by step. The final answer is #### ${s + 2}`,
};

function candidate(kind: keyof typeof answers) {
  return (messages: FakeMessage[]): string => {
    const q = parseQuestion(messages[messages.length - 1]!.content);
    if (!q) return 'I do not know.';
    return answers[kind](q.a + q.b);
  };
}

function section(text: string, name: string): string | undefined {
  const m = new RegExp(String.raw`\[${name}\]\n([\s\S]*?)(?:\n\n\[|$)`).exec(text);
  return m ? m[1] : undefined;
}

function judgeModel(messages: FakeMessage[]): string {
  const user = messages.find((m) => m.role === 'user')!.content;
  const q = parseQuestion(section(user, 'Question') ?? '');
  if (!q) return 'Cannot judge. Rating: [[1]]';
  const right = (text: string | undefined): boolean => text !== undefined && lastNumber(text) === q.a + q.b;
  if (user.includes('[Assistant A]')) {
    const a = right(section(user, 'Assistant A'));
    const b = right(section(user, 'Assistant B'));
    if (a && !b) return 'A is correct. [[A]]';
    if (b && !a) return 'B is correct. [[B]]';
    return 'Both look similar; I prefer the first. [[A]]';
  }
  return right(section(user, 'Response')) ? 'Correct. Rating: [[10]]' : 'Wrong. Rating: [[2]]';
}

export const worldModels = {
  'up-oracle': candidate('oracle'),
  'up-half': candidate('half'),
  'up-never': candidate('never'),
  'up-judge': judgeModel,
};

export const prices = {
  oracle: { inputPer1M: 10, outputPer1M: 30 },
  half: { inputPer1M: 1, outputPer1M: 2 },
  never: { inputPer1M: 0.1, outputPer1M: 0.1 },
  judge: { inputPer1M: 5, outputPer1M: 15 },
};

/** A pool JSON for the world's candidates (and optionally the judge) on one base URL. */
export function worldPool(
  url: string,
  withJudge = true,
  extra: Record<string, unknown> = {},
): { models: Record<string, unknown> } {
  const models: Record<string, unknown> = {
    oracle: { baseUrl: url, model: 'up-oracle', prices: prices.oracle, maxConcurrency: 4, ...extra },
    half: { baseUrl: url, model: 'up-half', prices: prices.half, maxConcurrency: 4, ...extra },
    never: { baseUrl: url, model: 'up-never', prices: prices.never, maxConcurrency: 4, ...extra },
  };
  if (withJudge) models.judge = { baseUrl: url, model: 'up-judge', prices: prices.judge, maxConcurrency: 4, ...extra };
  return { models };
}

/** Expected cost of a candidate's answer to sum s (tokens = words, as the fake counts them). */
export function expectedCost(kind: keyof typeof answers, s: Sum): number {
  const p = prices[kind];
  return (fakeTokens(question(s)) * p.inputPer1M + fakeTokens(answers[kind](s.a + s.b)) * p.outputPer1M) / 1e6;
}

/** Expected numeric-judge score of a candidate on sum s. */
export function expectedCorrect(kind: keyof typeof answers, s: Sum): number {
  const total = s.a + s.b;
  if (kind === 'oracle') return 1;
  if (kind === 'half') return total % 2 === 0 ? 1 : 0;
  return 0;
}
