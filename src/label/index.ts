// Labelling: prompts × model pool → answers → judges → routing JSONL. Re-exports only.
export { parsePrompts, validatePrompt, promptMessages, promptText } from './prompts.js';
export type { LabelPrompt } from './prompts.js';
export {
  exactMatchJudge,
  numericJudge,
  choiceJudge,
  regexJudge,
  functionJudge,
  normalizeText,
  parseNumber,
  extractNumber,
  extractChoice,
} from './judges.js';
export type {
  Judge,
  JudgeInput,
  JudgeVerdict,
  JudgeCallOptions,
  ExactMatchOptions,
  NumericOptions,
  ChoiceOptions,
  RegexOptions,
} from './judges.js';
export {
  rubricJudge,
  pairwiseJudge,
  parseRating,
  parseVerdict,
  DEFAULT_RUBRIC,
  LLM_JUDGE_DEFAULTS,
} from './llm-judge.js';
export type { RubricJudgeOptions, PairwiseJudgeOptions } from './llm-judge.js';
export { labelPrompts, planLabel, LABEL_DEFAULTS } from './label.js';
export type {
  LabelOptions,
  LabelProgress,
  LabelResult,
  LabelSummary,
  ModelLabelSummary,
  LabelFailure,
  LabelPlan,
  GenerationSettings,
} from './label.js';
export { createMemoryStore, storeKey, stableStringify, parseStoreEntry } from './store.js';
export type { LabelStore, StoreEntry, GenerationEntry, JudgementEntry } from './store.js';
export { parseCsv, csvField } from './csv.js';
export type { CsvTable } from './csv.js';
