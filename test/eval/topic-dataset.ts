/**
 * A small seeded routing dataset for the eval tests: prompts cycle through three topics, and each topic's own model
 * scores 1 with probability 0.9 where the other two score 1 with probability 0.3, so a router that recognises the
 * topic beats every single model. Each test chooses the seed, size, prompt wording and extra fields.
 */
import { mulberry32 } from '../../src/random.js';

const TOPICS = [
  { words: ['integral', 'derivative', 'equation', 'matrix', 'prime'], best: 'mathy' },
  { words: ['poem', 'story', 'novel', 'metaphor', 'rhyme'], best: 'writer' },
  { words: ['python', 'function', 'compile', 'loop', 'array'], best: 'coder' },
] as const;

const MODELS = ['mathy', 'writer', 'coder'] as const;

/** Options of {@link topicDatasetLines}. */
export interface TopicDatasetOptions {
  seed: number;
  count: number;
  /** Prompt `i`; `word()` draws one word of the record's topic. */
  prompt: (i: number, word: () => string) => string;
  /** Fields added after `scores` (e.g. `source`, `costs`), given the topic's best model. */
  extra?: (best: string) => Record<string, unknown>;
}

/** The dataset as routing-JSONL lines (one JSON record each, no trailing newline). */
export function topicDatasetLines(options: TopicDatasetOptions): string[] {
  const rand = mulberry32(options.seed);
  const lines: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const t = TOPICS[i % TOPICS.length]!;
    const word = (): string => t.words[Math.floor(rand() * t.words.length)]!;
    const scores: Record<string, number> = {};
    for (const m of MODELS) scores[m] = rand() < (m === t.best ? 0.9 : 0.3) ? 1 : 0;
    const prompt = options.prompt(i, word);
    lines.push(JSON.stringify({ id: `r${i}`, prompt, scores, ...options.extra?.(t.best) }));
  }
  return lines;
}
