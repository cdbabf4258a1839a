/**
 * LLM-as-judge on an OpenAI-compatible endpoint (a pool ChatClient), after Zheng et al. 2023,
 * "Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena" (arXiv 2306.05685): single-answer grading
 * with a rubric, and pairwise comparison against a reference model's answer with both orders asked
 * (position swap) so that a judge's preference for the first or second slot cancels out.
 *
 * Where this differs from MT-Bench's prompts: our own wording; the rating scale is configurable and
 * normalized to [0, 1] as (r − min) / (max − min); a pairwise tie is worth 0.5 and the two orders are
 * averaged (MT-Bench counts a win only when both orders agree, and a tie otherwise; our average gives
 * the same 1 / 0.5 / 0 on agreement and 0.75 / 0.25 when one order ties). Known biases that remain:
 * length (judges favour longer answers), self-preference (a judge favours its own family's answers);
 * see docs/labeling.md.
 */
import type { ChatClient, ChatMessage } from '../pool/client.js';
import { callCost } from '../pool/schema.js';
import type { Judge, JudgeInput, JudgeVerdict } from './judges.js';

/**
 * Default rubric of {@link rubricJudge}.
 *
 * @example
 * const judge = rubricJudge({ client, rubric: `${DEFAULT_RUBRIC}\nPenalize answers without units.` });
 */
export const DEFAULT_RUBRIC =
  'Judge how well the response answers the user: correctness first (compare with the reference answer when one is given), ' +
  'then completeness and relevance, then clarity. Do not reward length for its own sake; a short correct answer beats a long wrong one.';

/** Options of {@link rubricJudge}. */
export interface RubricJudgeOptions {
  /** The judge model's client (one pool entry). */
  client: ChatClient;
  /** What a good answer is. @defaultValue DEFAULT_RUBRIC */
  rubric?: string;
  /** Lowest rating. @defaultValue 1 */
  min?: number;
  /** Highest rating. @defaultValue 10 */
  max?: number;
  /** `max_tokens` of a judge call (the judge explains, then rates). @defaultValue 512 */
  maxTokens?: number;
  /** Characters of prompt and answer shown to the judge (each; longer texts are cut in the middle). @defaultValue 12000 */
  maxChars?: number;
}

/** Options of {@link pairwiseJudge}. */
export interface PairwiseJudgeOptions {
  /** The judge model's client. */
  client: ChatClient;
  /** Pool id of the model every candidate is compared with (it scores 0.5 against itself). */
  referenceModel: string;
  /** Extra guidance appended to the instructions. @defaultValue '' */
  rubric?: string;
  /** `max_tokens` of each of the two calls. @defaultValue 512 */
  maxTokens?: number;
  /** Characters of each text shown. @defaultValue 12000 */
  maxChars?: number;
}

/**
 * Defaults of the LLM judges.
 *
 * @example
 * LLM_JUDGE_DEFAULTS.max; // 10: judges grade on 1..10 before scaling to [0, 1]
 */
export const LLM_JUDGE_DEFAULTS = Object.freeze({ min: 1, max: 10, maxTokens: 512, maxChars: 12_000 });

function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor((maxChars - 20) / 2);
  return `${text.slice(0, half)}\n[… ${text.length - 2 * half} characters cut …]\n${text.slice(-half)}`;
}

/**
 * Parses a rating "[[7]]" (last one wins) or, failing that, "Rating: 7".
 *
 * @param text - the judge's reply.
 * @returns the rating, or undefined.
 * @example
 * parseRating('Good but terse. Rating: [[8]]'); // 8
 */
export function parseRating(text: string): number | undefined {
  const bracketed = [...text.matchAll(/\[\[\s*(-?\d+(?:\.\d+)?)\s*\]\]/g)];
  if (bracketed.length > 0) return Number(bracketed[bracketed.length - 1]![1]);
  const labelled = [...text.matchAll(/rating\s*[:=]\s*(-?\d+(?:\.\d+)?)/gi)];
  return labelled.length > 0 ? Number(labelled[labelled.length - 1]![1]) : undefined;
}

/**
 * Parses a pairwise verdict "[[A]]", "[[B]]" or "[[C]]" (tie); the last one wins.
 *
 * @param text - the judge's reply.
 * @returns 'A', 'B', 'C' or undefined.
 * @example
 * parseVerdict('Assistant B is more accurate. [[B]]'); // 'B'
 */
export function parseVerdict(text: string): 'A' | 'B' | 'C' | undefined {
  const hits = [...text.matchAll(/\[\[\s*([ABC])\s*\]\]/g)];
  return hits.length > 0 ? (hits[hits.length - 1]![1] as 'A' | 'B' | 'C') : undefined;
}

function positiveInteger(fn: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${fn}: expected ${name} to be an integer ≥ 1, received ${String(value)}`);
  return value;
}

function estimate(client: ChatClient, inputChars: number, maxTokens: number, calls: number): number {
  return calls * callCost(client.entry.prices, Math.ceil(inputChars / 4) + 16, maxTokens);
}

/**
 * Absolute-score LLM judge: the judge reads the question (and the reference answer when the prompt
 * has one) and the candidate's answer, and rates it on [min, max]; the score is (r − min) / (max − min).
 *
 * @param options - see {@link RubricJudgeOptions}.
 * @returns a judge with id `llm-rubric:<judge pool id>`.
 * @throws RangeError on a bad scale or maxTokens; (from judge) FineRouterError HTTP_ERROR from the
 *   endpoint, RangeError when the reply holds no rating in range.
 * @example
 * const judge = rubricJudge({ client: clients['judge'] });
 */
export function rubricJudge(options: RubricJudgeOptions): Judge {
  const client = options.client;
  const min = options.min ?? LLM_JUDGE_DEFAULTS.min;
  const max = options.max ?? LLM_JUDGE_DEFAULTS.max;
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > min))
    throw new RangeError(`rubricJudge: expected finite min < max, received ${min} and ${max}`);
  const maxTokens = positiveInteger('rubricJudge', 'maxTokens', options.maxTokens ?? LLM_JUDGE_DEFAULTS.maxTokens);
  const maxChars = positiveInteger('rubricJudge', 'maxChars', options.maxChars ?? LLM_JUDGE_DEFAULTS.maxChars);
  const rubric = options.rubric ?? DEFAULT_RUBRIC;
  const system =
    `You are an impartial judge of AI assistant responses. ${rubric}\n` +
    `First explain your assessment briefly, then give a rating from ${min} to ${max} in exactly this format: Rating: [[N]]`;
  const messages = (input: JudgeInput): ChatMessage[] => {
    let user = `[Question]\n${clip(input.promptText, maxChars)}\n\n`;
    if (input.reference !== undefined) user += `[Reference answer]\n${clip(input.reference, maxChars)}\n\n`;
    user += `[Response]\n${clip(input.answer, maxChars)}`;
    return [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ];
  };
  return {
    id: `llm-rubric:${client.id}`,
    settings: {
      upstream: client.entry.model,
      baseUrl: client.entry.baseUrl,
      system,
      min,
      max,
      maxTokens,
      maxChars,
      v: 1,
    },
    estimateCost: ({ promptChars, answerChars }) =>
      estimate(client, system.length + promptChars + answerChars + 64, maxTokens, 1),
    async judge(input, callOptions) {
      const reply = await client.complete(
        { messages: messages(input), maxTokens, temperature: 0 },
        callOptions?.signal ? { signal: callOptions.signal } : {},
      );
      const rating = parseRating(reply.content);
      if (rating === undefined || rating < min || rating > max) {
        const error = new RangeError(
          `rubricJudge: no rating in [${min}, ${max}] in the judge's reply: ${JSON.stringify(reply.content.slice(-120))}`,
        );
        (error as RangeError & { costUsd?: number }).costUsd = reply.costUsd;
        throw error;
      }
      return { score: (rating - min) / (max - min), costUsd: reply.costUsd, detail: `rating ${rating}` };
    },
  };
}

/**
 * Pairwise LLM judge with position swap: for each candidate answer the judge is asked twice, once
 * with the candidate as assistant A and the reference model's answer as B, once swapped. Each order
 * gives the candidate 1 (win), 0.5 (tie) or 0 (loss); the score is their mean, an estimate of the
 * candidate's win probability against the reference model with the order bias cancelled. The
 * reference model scores 0.5 against itself without a call; identical answers also score 0.5
 * without a call.
 *
 * @param options - see {@link PairwiseJudgeOptions}.
 * @returns a judge with id `llm-pairwise:<judge pool id>@<reference model>`.
 * @throws RangeError on bad options; (from judge) FineRouterError HTTP_ERROR, RangeError when a reply has no verdict.
 * @example
 * const judge = pairwiseJudge({ client: clients['judge'], referenceModel: 'gpt-4o' });
 */
export function pairwiseJudge(options: PairwiseJudgeOptions): Judge {
  const client = options.client;
  if (typeof options.referenceModel !== 'string' || options.referenceModel.length === 0)
    throw new RangeError('pairwiseJudge: expected a referenceModel pool id');
  const maxTokens = positiveInteger('pairwiseJudge', 'maxTokens', options.maxTokens ?? LLM_JUDGE_DEFAULTS.maxTokens);
  const maxChars = positiveInteger('pairwiseJudge', 'maxChars', options.maxChars ?? LLM_JUDGE_DEFAULTS.maxChars);
  const system =
    'You are an impartial judge. Compare the two AI assistant responses to the user question below and decide which one answers it better ' +
    '(correctness first, then helpfulness, relevance and clarity). The order in which the responses appear must not influence you, ' +
    "and neither must their length or the assistants' names. " +
    (options.rubric ? `${options.rubric} ` : '') +
    'Explain briefly, then output your verdict in exactly this format: [[A]] if assistant A is better, [[B]] if assistant B is better, [[C]] for a tie.';
  const messages = (question: string, reference: string | undefined, a: string, b: string): ChatMessage[] => {
    let user = `[Question]\n${clip(question, maxChars)}\n\n`;
    if (reference !== undefined) user += `[Reference answer]\n${clip(reference, maxChars)}\n\n`;
    user += `[Assistant A]\n${clip(a, maxChars)}\n\n[Assistant B]\n${clip(b, maxChars)}`;
    return [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ];
  };
  return {
    id: `llm-pairwise:${client.id}@${options.referenceModel}`,
    settings: {
      upstream: client.entry.model,
      baseUrl: client.entry.baseUrl,
      system,
      maxTokens,
      maxChars,
      referenceModel: options.referenceModel,
      v: 1,
    },
    referenceModel: options.referenceModel,
    estimateCost: ({ promptChars, answerChars }) =>
      estimate(client, system.length + promptChars + 2 * answerChars + 64, maxTokens, 2),
    async judge(input, callOptions): Promise<JudgeVerdict> {
      if (input.model === options.referenceModel) return { score: 0.5, detail: 'reference model' };
      if (input.referenceAnswer === undefined)
        throw new RangeError(
          `pairwiseJudge: no answer of the reference model '${options.referenceModel}' for prompt '${input.prompt.id}'`,
        );
      if (input.answer === input.referenceAnswer) return { score: 0.5, detail: 'identical answers' };
      const signal = callOptions?.signal ? { signal: callOptions.signal } : {};
      const [first, second] = await Promise.all([
        client.complete(
          {
            messages: messages(input.promptText, input.reference, input.answer, input.referenceAnswer),
            maxTokens,
            temperature: 0,
          },
          signal,
        ),
        client.complete(
          {
            messages: messages(input.promptText, input.reference, input.referenceAnswer, input.answer),
            maxTokens,
            temperature: 0,
          },
          signal,
        ),
      ]);
      const costUsd = first.costUsd + second.costUsd;
      const v1 = parseVerdict(first.content);
      const v2 = parseVerdict(second.content);
      if (v1 === undefined || v2 === undefined) {
        const error = new RangeError(
          `pairwiseJudge: no [[A]]/[[B]]/[[C]] verdict in the judge's reply: ${JSON.stringify((v1 === undefined ? first : second).content.slice(-120))}`,
        );
        (error as RangeError & { costUsd?: number }).costUsd = costUsd;
        throw error;
      }
      const win1 = v1 === 'A' ? 1 : v1 === 'C' ? 0.5 : 0;
      const win2 = v2 === 'B' ? 1 : v2 === 'C' ? 0.5 : 0;
      return { score: (win1 + win2) / 2, costUsd, detail: `candidate first: ${v1}, candidate second: ${v2}` };
    },
  };
}
