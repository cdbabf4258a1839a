/**
 * Task descriptions (paper Sect. 3.1.1 and Appendix A): the paper asks an LLM for one sentence per
 * training prompt describing its domain and task type, embeds those sentences, and later uses
 * LLM-written summaries as task descriptions. This file holds the pure parts: the offline default
 * {@link promptDescriber} and our instruction texts. The network describer is
 * `createOpenAiDescriber` (src/adapters/describer-openai.ts).
 *
 * Deviation: the paper's exact prompt (its Figure 3) is not reproduced; the instructions below are
 * our own wording of the same request (domain + task type, one sentence, never the answer).
 */
import type { DescribeOptions, Describer } from './types.js';

/**
 * Instruction sent as the system message when describing one prompt.
 *
 * @example
 * createOpenAiDescriber({ baseUrl, model, instruction: `${DESCRIPTION_INSTRUCTION} Answer in English.` });
 */
export const DESCRIPTION_INSTRUCTION =
  'You label prompts for a system that routes each prompt to the best language model. ' +
  'Read the prompt in the user message and reply with exactly one sentence of at most 30 words that ' +
  'names its domain and the kind of task it asks for, for example: "Solve a grade-school arithmetic ' +
  'word problem about shopping costs." or "Answer a multiple-choice question on organic chemistry ' +
  'reaction mechanisms." Do not answer, solve or continue the prompt, do not copy it, and write ' +
  'nothing besides the sentence.';

/**
 * Instruction sent as the system message when summarizing a group of prompt descriptions into a task description.
 *
 * @example
 * createOpenAiDescriber({ baseUrl, model, summaryInstruction: `${SUMMARY_INSTRUCTION} Keep it under 20 words.` });
 */
export const SUMMARY_INSTRUCTION =
  'You name task types for a system that routes prompts to language models. The user message lists ' +
  'one-sentence descriptions of prompts that were grouped together. Reply with exactly one sentence of ' +
  'at most 30 words that names their shared domain and task type, specific enough to tell this group ' +
  'apart from related groups (say "symbolic algebra and calculus problems", not just "math"). ' +
  'Write nothing besides the sentence.';

/** Options of {@link promptDescriber} (the offline describer that uses the prompt itself). */
export interface PromptDescriberOptions {
  /** Longest description in characters; longer prompts are cut at a word boundary and end with '…'. @defaultValue 512 */
  maxChars?: number;
}

/**
 * Defaults of {@link PromptDescriberOptions}.
 *
 * @example
 * const describer = promptDescriber({ maxChars: PROMPT_DESCRIBER_DEFAULTS.maxChars * 2 });
 */
export const PROMPT_DESCRIBER_DEFAULTS: Readonly<Required<PromptDescriberOptions>> = Object.freeze({ maxChars: 512 });

/**
 * Collapses whitespace and cuts `text` to at most `maxChars` characters at a word boundary
 * (a hard cut when the first word is longer), appending '…' when cut.
 *
 * @param text - any text.
 * @param maxChars - limit (≥ 2).
 * @returns the shortened text.
 * @throws RangeError when `maxChars` is not an integer ≥ 2.
 * @example
 * truncateText('one two three', 9); // 'one two…'
 */
export function truncateText(text: string, maxChars: number): string {
  if (!Number.isInteger(maxChars) || maxChars < 2) {
    throw new RangeError(`truncateText: expected maxChars to be an integer ≥ 2, received ${String(maxChars)}`);
  }
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= maxChars) return clean;
  const head = clean.slice(0, maxChars - 1);
  const space = head.lastIndexOf(' ');
  const cut = space >= maxChars / 2 ? head.slice(0, space) : head;
  return `${cut.trimEnd()}…`;
}

/**
 * The offline describer: a prompt's description is the prompt text itself, whitespace collapsed and
 * truncated (see {@link truncateText}). Task summaries join the first sample descriptions.
 * Costs nothing, needs no network; task descriptions read like prompts rather than task names.
 *
 * @param options - see {@link PromptDescriberOptions}.
 * @returns a Describer with id 'prompt'.
 * @throws RangeError for a bad `maxChars`.
 * @example
 * const [d] = await promptDescriber().describe(['  What is\n2+2? ']); // 'What is 2+2?'
 */
export function promptDescriber(options: PromptDescriberOptions = {}): Describer {
  const maxChars = options.maxChars ?? PROMPT_DESCRIBER_DEFAULTS.maxChars;
  truncateText('', maxChars);
  return {
    id: maxChars === PROMPT_DESCRIBER_DEFAULTS.maxChars ? 'prompt' : `prompt:${maxChars}`,
    describe(texts: readonly string[], describeOptions?: DescribeOptions): Promise<string[]> {
      const out = texts.map((text, i) => {
        if (typeof text !== 'string')
          throw new TypeError(`promptDescriber.describe: expected texts[${i}] to be a string, received ${typeof text}`);
        return truncateText(text, maxChars);
      });
      describeOptions?.onProgress?.(out.length, out.length);
      return Promise.resolve(out);
    },
    summarize(groups: readonly (readonly string[])[]): Promise<string[]> {
      return Promise.resolve(groups.map((group) => truncateText(group[0] ?? '', maxChars)));
    },
  };
}
