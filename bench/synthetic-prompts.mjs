// Seeded synthetic prompts shared by the encoder benchmarks (int8, pool, browser): one word list and one recipe, so
// the same seed gives the same texts in each and their figures compare. About 1.1 word pieces per word plus
// [CLS]/[SEP]: 30 words ≈ 35 tokens, 112 words ≈ 128 tokens (bench/int8.bench.mjs prints the measured range).
import { mulberry32 } from '../dist/internal.js';

const WORDS = (
  'write a python function that returns the sum of two numbers explain why the sky looks blue during the day ' +
  'translate this sentence into french summarize the following article about climate policy in three bullet points ' +
  'solve the equation for x and show each step prove that the square root of two is irrational ' +
  'what is the capital city of australia compare merge sort and quick sort in terms of memory usage'
).split(' ');

/**
 * A seeded source: `textOf(words)` draws a prompt of that many words from the list (ending in '?'); `rand` is the
 * same generator, for callers that draw other things from the same stream.
 */
export function syntheticPromptSource(seed) {
  const rand = mulberry32(seed);
  const textOf = (words) =>
    Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ') + '?';
  return { rand, textOf };
}
