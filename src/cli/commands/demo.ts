/**
 * `finerouter demo`: the ranking primitives of FineRouter's Stage 1 on a toy cluster of six prompts
 * and five models: per-prompt rankings from 0/1 quality scores, pairwise RBO, MRR fusion (Eq. 4) and
 * coverage-based candidate selection. Presentation only; every number comes from the library.
 */
import type { Command } from '../command.js';
import { rankBiasedOverlap, rankingFromScores } from '../../rbo/index.js';
import type { RankedList } from '../../rbo/index.js';
import { selectCandidates } from '../../rankfusion/index.js';

/** Toy routing data: which model answered each prompt well (1) or not (0). */
const TOY_SCORES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'integrate x·sin x': { 'claude-sonnet': 1, 'deepseek-r1': 1, 'gpt-4o': 0, 'llama-4': 0, 'qwen3': 1 },
  'solve 3x + 7 = 22': { 'claude-sonnet': 1, 'deepseek-r1': 1, 'gpt-4o': 1, 'llama-4': 1, 'qwen3': 1 },
  'prove √2 is irrational': { 'claude-sonnet': 0, 'deepseek-r1': 1, 'gpt-4o': 0, 'llama-4': 0, 'qwen3': 0.5 },
  'limit of sin(x)/x at 0': { 'claude-sonnet': 1, 'deepseek-r1': 1, 'gpt-4o': 0.5, 'llama-4': 0, 'qwen3': 0 },
  'sum of 1/n² (Basel)': { 'claude-sonnet': 0.5, 'deepseek-r1': 1, 'gpt-4o': 0, 'llama-4': 0.5, 'qwen3': 1 },
  'derivative of x^x': { 'claude-sonnet': 1, 'deepseek-r1': 0.5, 'gpt-4o': 1, 'llama-4': 0, 'qwen3': 0 },
};

function formatRanking(ranking: RankedList<string>): string {
  return ranking.map((group) => (Array.isArray(group) ? (group.length === 1 ? group[0] : `(${group.join(' ')})`) : group)).join(' > ');
}

function readNumber(argv: readonly string[], flag: string, fallback: number): number {
  const at = argv.indexOf(flag);
  if (at < 0) return fallback;
  const raw = argv[at + 1];
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (raw === undefined || raw.trim() === '' || Number.isNaN(value)) {
    throw new RangeError(`finerouter demo: expected a number after ${flag}, received ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
  }
  return value;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'show RBO, rank fusion and candidate selection on a toy cluster of prompts',
  usage: [
    'Usage: finerouter demo [--p P] [--coverage DELTA] [--epsilon EPS]',
    '',
    'Ranks five models per prompt on a toy cluster of six math prompts (0/1/0.5 quality, ties kept),',
    'prints pairwise Rank-Biased Overlap (Webber et al. 2010) between the prompts, the MRR fusion of',
    'the cluster (FineRouter Eq. 4) and the candidate models whose coverage reaches DELTA.',
    '',
    'Options:',
    '  --p P            RBO persistence in (0, 1) (default 0.9)',
    '  --coverage DELTA coverage threshold in (0, 1] (default 0.8)',
    '  --epsilon EPS    the ε of Eq. 4, ≥ 0 (default 60)',
  ].join('\n'),
  async run(argv) {
    const known = new Set(['--p', '--coverage', '--epsilon']);
    for (let i = 0; i < argv.length; i += 2) {
      if (!known.has(argv[i] as string)) {
        process.stderr.write(`finerouter demo: unknown option '${argv[i]}'. Run 'finerouter demo --help'.\n`);
        return 2;
      }
    }
    const p = readNumber(argv, '--p', 0.9);
    const coverage = readNumber(argv, '--coverage', 0.8);
    const epsilon = readNumber(argv, '--epsilon', 60);

    const prompts = Object.keys(TOY_SCORES);
    const rankings = prompts.map((prompt) => rankingFromScores(TOY_SCORES[prompt] as Record<string, number>));
    const out: string[] = [];
    out.push('finerouter demo: Stage-1 ranking primitives on a toy cluster (FineRouter, arXiv 2603.19415)', '');
    out.push('Per-prompt rankings of preferred models (rankingFromScores; equal scores tie):');
    const width = Math.max(...prompts.map((prompt) => prompt.length));
    prompts.forEach((prompt, i) => out.push(`  P${i + 1} ${prompt.padEnd(width)}  ${formatRanking(rankings[i] as string[][])}`));

    out.push('', `Rank-Biased Overlap, extrapolated (rankBiasedOverlap, p = ${p}):`);
    out.push(`       ${prompts.map((_, j) => `P${j + 1}`.padStart(6)).join('')}`);
    for (let i = 0; i < prompts.length; i++) {
      const cells = prompts.map((_, j) => rankBiasedOverlap(rankings[i] as string[][], rankings[j] as string[][], { p }).ext.toFixed(3).padStart(6));
      out.push(`  P${i + 1}   ${cells.join('')}`);
    }
    const bounds = rankBiasedOverlap(rankings[0] as string[][], rankings[2] as string[][], { p });
    out.push(
      `  P1 vs P3 in full: ext ${bounds.ext.toFixed(4)}, min ${bounds.min.toFixed(4)}, res ${bounds.res.toFixed(4)}, max ${bounds.max.toFixed(4)}`,
    );

    const selection = selectCandidates(rankings, { coverage, epsilon });
    out.push('', `Fused ranking of the cluster (reciprocalRankFusion, MRR with ε = ${epsilon}):`);
    selection.fused.forEach((entry, k) => out.push(`  ${String(k + 1).padStart(2)}. ${String(entry.item).padEnd(14)} ${entry.score.toFixed(5)}`));
    out.push(
      '',
      `Candidates (selectCandidates, coverage δ = ${coverage}): ${selection.candidates.join(', ')}`,
      `  they include a best model of ${(selection.coverage * prompts.length).toFixed(0)} of ${prompts.length} prompts (coverage ${selection.coverage.toFixed(3)})`,
      '',
    );
    process.stdout.write(out.join('\n'));
    return 0;
  },
};
