/**
 * `finerouter label`: prompts × model pool → answers → judge → routing JSONL for `train` / `eval`.
 * Argument parsing, files and the progress line only; the logic is labelPrompts / planLabel
 * (src/label/label.ts), the pool client (src/pool) and the file store (src/adapters/node/label-store.ts).
 */
import { existsSync } from 'node:fs';
import { readPoolFile } from '../../adapters/node/pool-file.js';
import { openLabelStore, type FileLabelStore } from '../../adapters/node/label-store.js';
import { createMemoryStore, type LabelStore } from '../../label/store.js';
import { readPromptsFile, writeRoutingJsonl } from '../../adapters/node/label-files.js';
import { writeFileAtomic } from '../../adapters/node/atomic-write.js';
import { createPoolClients, type ChatClient } from '../../pool/client.js';
import { choiceJudge, exactMatchJudge, numericJudge, regexJudge, type Judge } from '../../label/judges.js';
import { pairwiseJudge, rubricJudge } from '../../label/llm-judge.js';
import {
  LABEL_DEFAULTS,
  labelPrompts,
  planLabel,
  type LabelOptions,
  type LabelPlan,
  type LabelSummary,
} from '../../label/label.js';
import type { Command } from '../command.js';
import { choiceFlag, integerAtLeast, numberFlag, parseFlags, UsageError } from '../options.js';
import { createProgress } from '../progress.js';

const JUDGES = ['exact', 'numeric', 'choice', 'regex', 'llm-rubric', 'llm-pairwise'] as const;

const usage = `Usage: finerouter label --prompts FILE --pool FILE --judge KIND --out FILE [options]

Asks every candidate model of the pool every prompt, scores each answer with a judge, and writes routing JSONL
(scores in [0, 1], real per-prompt costs = usage × price) for 'finerouter train' and 'finerouter eval'.
Answers and verdicts go to an append-only store first: rerunning the same command resumes a killed or stopped
run without paying twice, and changing only the judge re-judges stored answers without generating again.

Inputs:
  --prompts FILE        JSONL or CSV: id, prompt or messages, optional reference, source (required)
  --pool FILE           model pool JSON: {"models": {"<id>": {"baseUrl", "model", "apiKeyEnv"?, "prices":
                        {"inputPer1M", "outputPer1M"}, "headers"?, "timeoutMs"?, "maxConcurrency"?}}} (required)
  --models A,B,...      candidates (default: every pool model except --judge-model)

Judge (required):
  --judge KIND          exact | numeric | choice | regex   (reference-based, no LLM; need "reference")
                        llm-rubric                          (absolute 1-10 rating → [0, 1])
                        llm-pairwise                        (win probability vs --reference-model, both orders)
  --judge-model ID      pool id of the judge LLM (llm-rubric, llm-pairwise)
  --reference-model ID  llm-pairwise: the candidate every other candidate is compared with
  --rubric TEXT         llm judges: what a good answer is (default: correctness first, no length bonus)
  --pattern REGEX       regex judge: one pattern for all answers (default: each prompt's reference)
  --judge-max-tokens N  max_tokens of a judge call (default 512)

Generation:
  --max-tokens N        max_tokens per answer (default ${LABEL_DEFAULTS.maxTokens}); also the spend-limit estimate
  --temperature T       (default 0)
  --system TEXT         system message before plain prompts

Run:
  --out FILE            routing JSONL to write (required)
  --store FILE          append-only store (default OUT.store.jsonl)
  --summary FILE        summary JSON (default OUT.summary.json)
  --spend-limit USD     stop starting paid calls before this run could spend more (exit code 3; rerun resumes)
  --dry-run             print calls and cost estimates (typical and max_tokens upper bound), call nothing
  --assume-output-tokens N  typical answer length for --dry-run when the store has none (default ${LABEL_DEFAULTS.assumedOutputTokens})
  --concurrency N       pairs in flight (default ${LABEL_DEFAULTS.concurrency}); HTTP is also bounded per endpoint by
                        the pool's maxConcurrency (default 4)
  --retries N           retries per call on 429/5xx/timeouts (default 5)
  --json                print the summary (or plan) as JSON
  --help                this text

Keys are read from the environment variable named by each pool entry's apiKeyEnv and sent only to that entry's
baseUrl; they never appear in files, logs or errors.
Exit codes: 0 done; 1 error; 3 stopped by --spend-limit; 130 interrupted (Ctrl-C). Rerun to resume.`;

function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
}

function usd(x: number): string {
  if (x === 0) return '$0';
  return x >= 1 ? `$${x.toFixed(2)}` : x >= 0.01 ? `$${x.toFixed(4)}` : `$${x.toPrecision(3)}`;
}

function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

function planText(plan: LabelPlan, prompts: number, judge: string): string {
  const w = Math.max(12, ...plan.models.map((m) => m.model.length));
  const lines = [
    `dry run: ${prompts} prompts × ${plan.models.length} models = ${plan.pairs} pairs, judge ${judge}`,
    `  answers: ${plan.storedAnswers} stored, ${plan.generationCalls} to generate; verdicts: ${plan.storedJudgements} stored, ${plan.judgeCalls} judge calls`,
    '',
    `  ${'model'.padEnd(w)} ${'calls'.padStart(6)} ${'out tok'.padStart(8)} ${'typical'.padStart(10)} ${'max'.padStart(10)}`,
    ...plan.models.map(
      (m) =>
        `  ${m.model.padEnd(w)} ${String(m.generationCalls).padStart(6)} ${String(m.assumedOutputTokens).padStart(8)} ${usd(m.typicalUsd).padStart(10)} ${usd(m.maxUsd).padStart(10)}`,
    ),
    `  ${'judge'.padEnd(w)} ${String(plan.judgeCalls).padStart(6)} ${''.padStart(8)} ${usd(plan.judgeUsd).padStart(10)}`,
    '',
    `  estimated cost: ${usd(plan.typicalUsd)} typical, ${usd(plan.maxUsd)} at most (every answer max_tokens long; judge replies at --judge-max-tokens)`,
  ];
  if (prompts > 0)
    lines.push(
      `  per 1k prompts (new work only): ${usd((plan.typicalUsd / prompts) * 1000)} typical, ${usd((plan.maxUsd / prompts) * 1000)} at most`,
    );
  lines.push(
    '  input tokens are estimated as ⌈characters / 4⌉ + 4 per message: prompts with templates or code cost more',
  );
  return lines.join('\n');
}

function summaryText(summary: LabelSummary, out: string): string {
  const w = Math.max(12, ...summary.models.map((m) => m.model.length));
  const lines = [
    `${out}: ${summary.records} routing records from ${summary.prompts} prompts (judge ${summary.judge})`,
    `  ${'model'.padEnd(w)} ${'scored'.padStart(6)} ${'mean'.padStart(6)} ${'cost'.padStart(10)} ${'$/prompt'.padStart(10)} ${'ms'.padStart(7)} ${'new'.padStart(5)} ${'stored'.padStart(6)} ${'failed'.padStart(6)} ${'skipped'.padStart(7)}`,
    ...summary.models.map(
      (m) =>
        `  ${m.model.padEnd(w)} ${String(m.scored).padStart(6)} ${(m.meanScore === null ? '-' : m.meanScore.toFixed(3)).padStart(6)} ${usd(m.costUsd).padStart(10)} ${(m.meanCostUsd === null ? '-' : usd(m.meanCostUsd)).padStart(10)} ${(m.meanLatencyMs === null ? '-' : String(Math.round(m.meanLatencyMs))).padStart(7)} ${String(m.newAnswers).padStart(5)} ${String(m.storedAnswers).padStart(6)} ${String(m.generationFailures + m.judgeFailures).padStart(6)} ${String(m.skipped).padStart(7)}`,
    ),
    `  spent by this run: ${usd(summary.spentUsd)} (answers ${usd(summary.generationSpentUsd)}, judge ${usd(summary.judgeSpentUsd)}); ${summary.newAnswers} new answers, ${summary.newJudgements} new verdicts`,
  ];
  for (const f of summary.failures.slice(0, 5))
    lines.push(`  failed ${f.stage} ${f.model} on ${f.promptId}: ${f.error.slice(0, 160)}`);
  if (summary.failures.length > 5) lines.push(`  … ${summary.failures.length - 5} more failures in the summary file`);
  if (summary.stopped === 'spend-limit')
    lines.push('  stopped at the spend limit: rerun (with a higher --spend-limit) to continue where it stopped');
  if (summary.stopped === 'aborted') lines.push('  interrupted: rerun the same command to continue where it stopped');
  return lines.join('\n');
}

export const labelCommand: Command = {
  name: 'label',
  summary: 'build routing data: ask every pool model every prompt, score answers with a judge (resumable)',
  usage,
  async run(argv) {
    const { values } = parseFlags(
      'label',
      argv,
      {
        prompts: { type: 'string' },
        pool: { type: 'string' },
        models: { type: 'string' },
        judge: { type: 'string' },
        'judge-model': { type: 'string' },
        'reference-model': { type: 'string' },
        rubric: { type: 'string' },
        pattern: { type: 'string' },
        'judge-max-tokens': { type: 'string' },
        'max-tokens': { type: 'string' },
        temperature: { type: 'string' },
        system: { type: 'string' },
        out: { type: 'string' },
        store: { type: 'string' },
        summary: { type: 'string' },
        'spend-limit': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'assume-output-tokens': { type: 'string' },
        concurrency: { type: 'string' },
        retries: { type: 'string' },
        json: { type: 'boolean' },
      },
      { required: ['prompts', 'pool', 'judge', 'out'] },
    );
    const judgeKind = choiceFlag('label', 'judge', values.judge, JUDGES)!;
    const maxTokens = numberFlag('label', 'max-tokens', values['max-tokens'], 'an integer ≥ 1', integerAtLeast(1));
    const judgeMaxTokens = numberFlag(
      'label',
      'judge-max-tokens',
      values['judge-max-tokens'],
      'an integer ≥ 1',
      integerAtLeast(1),
    );
    const temperature = numberFlag('label', 'temperature', values.temperature, 'a number ≥ 0', (x) => x >= 0);
    const spendLimit = numberFlag(
      'label',
      'spend-limit',
      values['spend-limit'],
      'a number of USD ≥ 0',
      (x) => Number.isFinite(x) && x >= 0,
    );
    const concurrency = numberFlag('label', 'concurrency', values.concurrency, 'an integer ≥ 1', integerAtLeast(1));
    const retries = numberFlag('label', 'retries', values.retries, 'an integer ≥ 0', integerAtLeast(0));
    const assumed = numberFlag(
      'label',
      'assume-output-tokens',
      values['assume-output-tokens'],
      'an integer ≥ 0',
      integerAtLeast(0),
    );
    const llm = judgeKind === 'llm-rubric' || judgeKind === 'llm-pairwise';
    const judgeModel = values['judge-model'];
    if (llm && !judgeModel) throw new UsageError(`label: --judge ${judgeKind} needs --judge-model ID (a pool id)`);
    if (judgeKind === 'llm-pairwise' && !values['reference-model'])
      throw new UsageError('label: --judge llm-pairwise needs --reference-model ID (a candidate)');

    const pool = await readPoolFile(values.pool!);
    const prompts = await readPromptsFile(values.prompts!);
    const out = values.out!;
    const ids = Object.keys(pool.models);
    for (const id of [judgeModel, values['reference-model'], ...(list(values.models) ?? [])]) {
      if (id !== undefined && !ids.includes(id))
        throw new UsageError(`label: '${id}' is not a model of ${values.pool} (${ids.join(', ')})`);
    }
    const candidates = list(values.models) ?? ids.filter((id) => id !== judgeModel);
    if (candidates.length === 0)
      throw new UsageError('label: no candidate models (--models is empty, or the pool holds only the judge)');
    const clients = createPoolClients(pool, retries !== undefined ? { retries } : {});
    const candidateClients: Record<string, ChatClient> = Object.fromEntries(candidates.map((id) => [id, clients[id]!]));

    let judge: Judge;
    if (judgeKind === 'exact') judge = exactMatchJudge();
    else if (judgeKind === 'numeric') judge = numericJudge();
    else if (judgeKind === 'choice') judge = choiceJudge();
    else if (judgeKind === 'regex') judge = regexJudge(values.pattern !== undefined ? { pattern: values.pattern } : {});
    else if (judgeKind === 'llm-rubric') {
      judge = rubricJudge({
        client: clients[judgeModel!]!,
        ...(values.rubric !== undefined ? { rubric: values.rubric } : {}),
        ...(judgeMaxTokens !== undefined ? { maxTokens: judgeMaxTokens } : {}),
      });
    } else {
      judge = pairwiseJudge({
        client: clients[judgeModel!]!,
        referenceModel: values['reference-model']!,
        ...(values.rubric !== undefined ? { rubric: values.rubric } : {}),
        ...(judgeMaxTokens !== undefined ? { maxTokens: judgeMaxTokens } : {}),
      });
    }

    const storePath = values.store ?? `${out}.store.jsonl`;
    const summaryPath = values.summary ?? `${out}.summary.json`;
    // A dry run reads an existing store (to count stored work) but creates none.
    const store: Pick<FileLabelStore, keyof LabelStore | 'close' | 'repairedBytes' | 'badLines'> =
      values['dry-run'] && !existsSync(storePath)
        ? Object.assign(createMemoryStore(), { close: async () => undefined, repairedBytes: 0, badLines: [] })
        : await openLabelStore(storePath);
    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = (): void => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      process.stderr.write('\nlabel: interrupted; finishing calls in flight (Ctrl-C again to quit at once)\n');
      controller.abort(new Error('SIGINT'));
    };
    try {
      if (store.repairedBytes > 0)
        process.stderr.write(
          `label: ${storePath}: removed a torn last line (${store.repairedBytes} bytes) left by a killed run\n`,
        );
      if (store.badLines.length > 0)
        process.stderr.write(
          `label: ${storePath}: skipped ${store.badLines.length} undecodable lines (first: line ${store.badLines[0]})\n`,
        );
      const options: LabelOptions = {
        prompts,
        clients: candidateClients,
        judge,
        store,
        generation: {
          ...(maxTokens !== undefined ? { maxTokens } : {}),
          ...(temperature !== undefined ? { temperature } : {}),
          ...(values.system !== undefined ? { system: values.system } : {}),
        },
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(spendLimit !== undefined ? { spendLimitUsd: spendLimit } : {}),
      };
      if (values['dry-run']) {
        const plan = await planLabel(options, assumed);
        process.stdout.write(
          values.json
            ? `${JSON.stringify({ prompts: prompts.length, judge: judge.id, ...plan })}\n`
            : `${planText(plan, prompts.length, judge.id)}\n`,
        );
        return 0;
      }
      process.on('SIGINT', onSigint);
      const started = performance.now();
      const progress = createProgress({ prefix: 'label' });
      let lastDraw = 0;
      const result = await labelPrompts({
        ...options,
        signal: controller.signal,
        onProgress: (p) => {
          const t = performance.now();
          if (p.done < p.total && t - lastDraw < 200) return;
          lastDraw = t;
          const eta = p.done > 0 ? ((t - started) / p.done) * (p.total - p.done) : Number.NaN;
          progress.update(
            'pairs',
            p.done,
            p.total,
            `${usd(p.spentUsd)} spent, ETA ${duration(eta)} (${p.fromStore} from store, ${p.failures} without score)`,
          );
        },
      });
      progress.end();
      await writeRoutingJsonl(out, result.records);
      const summaryJson = {
        ...result.summary,
        prompts: prompts.length,
        out,
        store: storePath,
        elapsedMs: Math.round(performance.now() - started),
      };
      await writeFileAtomic(summaryPath, `${JSON.stringify(summaryJson, null, 2)}\n`);
      process.stdout.write(values.json ? `${JSON.stringify(summaryJson)}\n` : `${summaryText(result.summary, out)}\n`);
      return result.summary.stopped === 'spend-limit' ? 3 : result.summary.stopped === 'aborted' ? 130 : 0;
    } finally {
      process.off('SIGINT', onSigint);
      await store.close();
    }
  },
};
