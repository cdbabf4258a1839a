/**
 * Judges turn one model answer into a quality score in [0, 1] (the `scores` of routing JSONL).
 * One interface for all of them; the labeller stores each verdict under a key built from the
 * judge's `id` and `settings`, so changing a judge's settings re-judges stored answers without
 * generating them again.
 *
 * Reference-based judges (pure, no LLM): exact match, normalized numeric answer, multiple-choice
 * letter extraction, regular expression. LLM judges are in llm-judge.ts; a user function is
 * {@link functionJudge}.
 *
 * Extraction rules (documented because they decide the labels):
 * - numeric: the answer's final number, preferring `#### x` (GSM8K), then `\boxed{x}`, then
 *   "answer is x" / "answer: x", then the last number in the text; commas between digit groups,
 *   `$` and a trailing `%` are dropped; `a/b` fractions are evaluated. Equal when
 *   |a − b| ≤ max(absTolerance, relTolerance·|b|).
 * - choice: "answer is (X)" / "answer: X" (last occurrence), else a reply that is only a letter
 *   ("B", "(B)", "B."), else a leading "X)" / "X." / "(X)", else the last "(X)" in the text; letters
 *   A–J by default. Case-insensitive only in the explicit "answer is" form.
 * - exact: trimmed, whitespace collapsed, case-folded (both options), trailing period dropped.
 */
import type { LabelPrompt } from './prompts.js';

/** What a judge sees for one (prompt, model) pair. */
export interface JudgeInput {
  prompt: LabelPrompt;
  /** The prompt as router text (promptText). */
  promptText: string;
  /** Pool id of the candidate. */
  model: string;
  /** The candidate's answer. */
  answer: string;
  /** The prompt's gold answer, when the prompt file has one. */
  reference?: string;
  /** For pairwise judges: the reference model's answer to the same prompt. */
  referenceAnswer?: string;
}

/** A judge's verdict. */
export interface JudgeVerdict {
  /** Quality in [0, 1]. */
  score: number;
  /** USD spent on judging (LLM judges). @defaultValue 0 */
  costUsd?: number;
  /** A short note kept in the store (e.g. the extracted answer or the raw rating). */
  detail?: string;
}

/** Options passed to each judge call. */
export interface JudgeCallOptions {
  signal?: AbortSignal;
}

/** The pluggable judge interface. */
export interface Judge {
  /** Stable name, e.g. 'numeric' or 'llm-rubric:gpt-4o'. */
  readonly id: string;
  /** Everything that changes verdicts (tolerances, rubric, judge model): hashed into store keys. */
  readonly settings: unknown;
  /** True when the judge needs `reference` on every prompt (the labeller checks before spending). */
  readonly needsReference?: boolean;
  /** Pool id whose answer is passed as `referenceAnswer` (pairwise judges). */
  readonly referenceModel?: string;
  /** Estimated USD of judging one pair, for --dry-run and the spend limit (0 for reference judges). */
  estimateCost?(input: { promptChars: number; answerChars: number }): number;
  /** Scores one answer. Throw to record a judge failure for this pair (the pair gets no score). */
  judge(input: JudgeInput, options?: JudgeCallOptions): JudgeVerdict | Promise<JudgeVerdict>;
}

function requireReference(name: string, input: JudgeInput): string {
  if (input.reference === undefined) throw new RangeError(`${name}: prompt '${input.prompt.id}' has no "reference"`);
  return input.reference;
}

/** Options of {@link exactMatchJudge}. */
export interface ExactMatchOptions {
  /** Compare case-sensitively. @defaultValue false */
  caseSensitive?: boolean;
  /** Score 1 when the normalized reference occurs anywhere in the normalized answer (not only equality). @defaultValue false */
  contains?: boolean;
}

/**
 * Normalizes text for exact match: trims, collapses whitespace, drops one trailing period, folds case
 * unless `caseSensitive`.
 *
 * @param text - any string.
 * @param caseSensitive - keep case. @defaultValue false
 * @returns the normalized text.
 * @example
 * normalizeText('  Paris. '); // 'paris'
 */
export function normalizeText(text: string, caseSensitive = false): string {
  const t = text.replace(/\s+/g, ' ').trim().replace(/\.$/, '').trim();
  return caseSensitive ? t : t.toLowerCase();
}

/**
 * Exact match against the prompt's `reference` (1 or 0).
 *
 * @param options - see {@link ExactMatchOptions}.
 * @returns a judge with id 'exact'.
 * @throws (from judge) RangeError when the prompt has no reference.
 * @example
 * await exactMatchJudge().judge({ prompt, promptText: '', model: 'm', answer: 'Paris.', reference: 'paris' }); // { score: 1 }
 */
export function exactMatchJudge(options: ExactMatchOptions = {}): Judge {
  const caseSensitive = options.caseSensitive ?? false;
  const contains = options.contains ?? false;
  return {
    id: 'exact',
    settings: { caseSensitive, contains },
    needsReference: true,
    judge(input) {
      const reference = normalizeText(requireReference('exactMatchJudge', input), caseSensitive);
      const answer = normalizeText(input.answer, caseSensitive);
      const hit = contains ? answer.includes(reference) : answer === reference;
      return { score: hit ? 1 : 0 };
    },
  };
}

const NUMBER = String.raw`[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?`;

/**
 * Parses one number as written in an answer: drops `$`, grouping commas and a trailing `%`; evaluates
 * `a/b`.
 *
 * @param text - e.g. '$1,234.50', '3/4', '-2'.
 * @returns the value, or undefined when `text` is not a number.
 * @example
 * parseNumber('$1,234.5'); // 1234.5
 */
export function parseNumber(text: string): number | undefined {
  const t = text
    .trim()
    .replace(/^\$/, '')
    .replace(/%$/, '')
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .trim();
  const fraction = /^([-+]?\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(t);
  if (fraction) {
    const d = Number(fraction[2]);
    return d === 0 ? undefined : Number(fraction[1]) / d;
  }
  if (!/^[-+]?\d+(?:\.\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/**
 * The final numeric answer of a model reply (rules in the file header).
 *
 * @param answer - the model's reply.
 * @returns the number, or undefined when the reply contains none.
 * @example
 * extractNumber('So she makes $18.\n#### 18'); // 18
 */
export function extractNumber(answer: string): number | undefined {
  const marked = [
    new RegExp(String.raw`####\s*\$?\s*(${NUMBER})`, 'g'),
    new RegExp(String.raw`\\boxed\{\s*\$?\s*(${NUMBER})\s*\}`, 'g'),
    new RegExp(String.raw`answer\s*(?:is|:)\s*:?\s*\$?\s*(${NUMBER})`, 'gi'),
  ];
  for (const pattern of marked) {
    const hits = [...answer.matchAll(pattern)];
    if (hits.length > 0) return parseNumber(hits[hits.length - 1]![1]!);
  }
  const all = [...answer.matchAll(new RegExp(NUMBER, 'g'))];
  return all.length > 0 ? parseNumber(all[all.length - 1]![0]) : undefined;
}

/** Options of {@link numericJudge}. */
export interface NumericOptions {
  /** Absolute tolerance. @defaultValue 1e-6 */
  absTolerance?: number;
  /** Relative tolerance (of the reference). @defaultValue 1e-4 */
  relTolerance?: number;
}

/**
 * Numeric answer against a numeric `reference` (1 when equal within tolerance, else 0; 0 when the
 * answer has no number).
 *
 * @param options - see {@link NumericOptions}.
 * @returns a judge with id 'numeric'.
 * @throws RangeError for negative tolerances; (from judge) RangeError when the reference is not a number.
 * @example
 * await numericJudge().judge({ prompt, promptText: '', model: 'm', answer: 'It is 1,000.', reference: '1000' }); // score 1
 */
export function numericJudge(options: NumericOptions = {}): Judge {
  const absTolerance = options.absTolerance ?? 1e-6;
  const relTolerance = options.relTolerance ?? 1e-4;
  if (!(absTolerance >= 0) || !(relTolerance >= 0))
    throw new RangeError(`numericJudge: expected tolerances ≥ 0, received ${absTolerance} and ${relTolerance}`);
  return {
    id: 'numeric',
    settings: { absTolerance, relTolerance },
    needsReference: true,
    judge(input) {
      const raw = requireReference('numericJudge', input);
      const expected = parseNumber(raw) ?? extractNumber(raw);
      if (expected === undefined)
        throw new RangeError(
          `numericJudge: reference of prompt '${input.prompt.id}' is not a number: ${JSON.stringify(raw.slice(0, 40))}`,
        );
      const got = extractNumber(input.answer);
      if (got === undefined) return { score: 0, detail: 'no number' };
      const ok = Math.abs(got - expected) <= Math.max(absTolerance, relTolerance * Math.abs(expected));
      return { score: ok ? 1 : 0, detail: String(got) };
    },
  };
}

/**
 * The multiple-choice letter of a model reply (rules in the file header).
 *
 * @param answer - the reply.
 * @param letters - allowed letters. @defaultValue 'ABCDEFGHIJ'
 * @returns the upper-case letter, or undefined.
 * @example
 * extractChoice('Let me think... The answer is (C).'); // 'C'
 */
export function extractChoice(answer: string, letters = 'ABCDEFGHIJ'): string | undefined {
  const set = `[${letters}]`;
  const explicit = [...answer.matchAll(new RegExp(String.raw`answer\s*(?:is|:)\s*:?\s*\(?\s*(${set})\b`, 'gi'))];
  if (explicit.length > 0) {
    const letter = explicit[explicit.length - 1]![1]!.toUpperCase();
    if (letters.includes(letter)) return letter;
  }
  const only = new RegExp(String.raw`^\s*\(?(${set})\)?\s*[.:]?\s*$`).exec(answer);
  if (only) return only[1]!;
  const leading = new RegExp(String.raw`^\s*\(?(${set})[).:]\s`).exec(answer);
  if (leading) return leading[1]!;
  const parenthesized = [...answer.matchAll(new RegExp(String.raw`\((${set})\)`, 'g'))];
  if (parenthesized.length > 0) return parenthesized[parenthesized.length - 1]![1]!;
  return undefined;
}

/** Options of {@link choiceJudge}. */
export interface ChoiceOptions {
  /** Letters the options use. @defaultValue 'ABCDEFGHIJ' */
  letters?: string;
}

/**
 * Multiple-choice letter against the `reference` letter ('B', '(B)' or 'b'); 0 when no letter is found.
 *
 * @param options - see {@link ChoiceOptions}.
 * @returns a judge with id 'choice'.
 * @throws RangeError when letters is not 2–26 distinct upper-case letters; (from judge) RangeError on a reference that is not one letter.
 * @example
 * await choiceJudge().judge({ prompt, promptText: '', model: 'm', answer: 'Answer: b', reference: 'B' }); // score 1
 */
export function choiceJudge(options: ChoiceOptions = {}): Judge {
  const letters = options.letters ?? 'ABCDEFGHIJ';
  if (!/^[A-Z]{2,26}$/.test(letters) || new Set(letters).size !== letters.length)
    throw new RangeError(`choiceJudge: expected 2–26 distinct upper-case letters, received '${letters}'`);
  return {
    id: 'choice',
    settings: { letters },
    needsReference: true,
    judge(input) {
      const raw = requireReference('choiceJudge', input);
      const m = /^\s*\(?([A-Za-z])\)?\s*\.?\s*$/.exec(raw);
      if (!m || !letters.includes(m[1]!.toUpperCase()))
        throw new RangeError(
          `choiceJudge: reference of prompt '${input.prompt.id}' must be one of the letters ${letters}, received ${JSON.stringify(raw.slice(0, 20))}`,
        );
      const got = extractChoice(input.answer, letters);
      return { score: got === m[1]!.toUpperCase() ? 1 : 0, detail: got ?? 'no letter' };
    },
  };
}

/** Options of {@link regexJudge}. */
export interface RegexOptions {
  /** A fixed pattern every answer is tested against; without it each prompt's `reference` is the pattern. */
  pattern?: string;
  /** RegExp flags. @defaultValue 'i' */
  flags?: string;
}

/**
 * Regular-expression judge: 1 when the answer matches. The pattern is `options.pattern` or, when
 * absent, each prompt's `reference`.
 *
 * @param options - see {@link RegexOptions}.
 * @returns a judge with id 'regex'.
 * @throws SyntaxError (RangeError wrapper) on an invalid pattern or flags.
 * @example
 * await regexJudge({ pattern: '\\bparis\\b' }).judge({ prompt, promptText: '', model: 'm', answer: 'It is Paris.' }); // score 1
 */
export function regexJudge(options: RegexOptions = {}): Judge {
  const flags = options.flags ?? 'i';
  const compile = (source: string): RegExp => {
    try {
      return new RegExp(source, flags.replace(/g|y/g, ''));
    } catch (error) {
      throw new RangeError(
        `regexJudge: invalid pattern ${JSON.stringify(source)} or flags '${flags}': ${(error as Error).message}`,
      );
    }
  };
  const fixed = options.pattern !== undefined ? compile(options.pattern) : undefined;
  return {
    id: 'regex',
    settings: { pattern: options.pattern ?? null, flags },
    needsReference: fixed === undefined,
    judge(input) {
      const re = fixed ?? compile(requireReference('regexJudge', input));
      return { score: re.test(input.answer) ? 1 : 0 };
    },
  };
}

/**
 * Wraps a user function as a judge (library API). The function may be async; its score must be a
 * finite number in [0, 1] (the labeller rejects anything else as a judge failure for that pair).
 *
 * @param id - stable name; change it (or `settings`) whenever the function's behaviour changes, so
 *   stored verdicts are not reused.
 * @param fn - scores one answer: a number, or a full verdict.
 * @param settings - anything else that changes verdicts. @defaultValue null
 * @returns the judge.
 * @throws TypeError when id is empty or fn is not a function.
 * @example
 * const judge = functionJudge('length-ok', ({ answer }) => (answer.length < 200 ? 1 : 0));
 */
export function functionJudge(
  id: string,
  fn: (input: JudgeInput, options?: JudgeCallOptions) => number | JudgeVerdict | Promise<number | JudgeVerdict>,
  settings: unknown = null,
): Judge {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError('functionJudge: expected a non-empty id');
  if (typeof fn !== 'function')
    throw new TypeError(`functionJudge: expected fn to be a function, received ${typeof fn}`);
  return {
    id: `fn:${id}`,
    settings,
    async judge(input, options) {
      const out = await fn(input, options);
      return typeof out === 'number' ? { score: out } : out;
    },
  };
}
