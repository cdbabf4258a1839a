/**
 * Labelling: prompts × model pool → answers → judge → routing records (the table FineRouter trains on;
 * the paper builds it by sampling every model and scoring with a reward model, Sect. 4.1).
 *
 * For every (prompt, model) pair: the answer comes from the store when a previous run paid for it,
 * else from one call to the model (its usage × price is the real cost); then the verdict comes from
 * the store or from the judge. Every paid result is appended to the store before it counts, so a run
 * that is killed, aborted or stopped by the spend limit resumes where it stopped and pays again at
 * most for the calls that were in flight.
 *
 * Spend limit: before each paid call the labeller reserves an upper estimate (input ⌈chars/4⌉ + 4 per
 * message, output = max_tokens; for LLM judges the judge's own estimate) and starts the call only if
 * spent + reserved + estimate ≤ limit; the first call refused stops all new paid calls (stored work
 * is still collected) and the result says `stopped: 'spend-limit'`. The limit counts this run's
 * spending, not what earlier runs paid.
 *
 * Pure of fs and network: models are ChatClients (src/pool/client.ts), the store is a LabelStore.
 */
import { FineRouterError } from '../errors.js';
import type { RoutingRecord } from '../data/types.js';
import { estimateTokens, type ChatClient, type ChatMessage } from '../pool/client.js';
import { callCost } from '../pool/schema.js';
import type { Judge, JudgeVerdict } from './judges.js';
import { promptMessages, promptText, type LabelPrompt } from './prompts.js';
import { storeKey, type GenerationEntry, type JudgementEntry, type LabelStore } from './store.js';

/** How candidates are asked. */
export interface GenerationSettings {
  /** `max_tokens` per answer (also the output size assumed by the spend limit). @defaultValue 1024 */
  maxTokens: number;
  /** Sampling temperature. @defaultValue 0 */
  temperature: number;
  /** System message put before plain `prompt`s (prompts given as `messages` are sent as they are). @defaultValue none */
  system?: string;
  /** Extra request fields (e.g. `{ seed: 1 }`); part of the store key. @defaultValue none */
  extra?: Record<string, unknown>;
}

/**
 * Defaults of {@link LabelOptions}.
 *
 * @example
 * await labelPrompts({ prompts, clients, judge, store, concurrency: LABEL_DEFAULTS.concurrency / 2 });
 */
export const LABEL_DEFAULTS = Object.freeze({
  maxTokens: 1024,
  temperature: 0,
  concurrency: 16,
  assumedOutputTokens: 256,
  maxFailuresListed: 100,
});

/** Progress of a labelling run. */
export interface LabelProgress {
  /** Pairs finished (scored, failed or skipped). */
  done: number;
  /** Pairs in the run (prompts × models). */
  total: number;
  /** Answers and verdicts obtained by this run (not from the store). */
  calls: number;
  /** Pairs answered from the store. */
  fromStore: number;
  /** Pairs without a score (failures and spend-limit skips). */
  failures: number;
  /** USD spent by this run (answers + judging). */
  spentUsd: number;
}

/** Options of {@link labelPrompts} and {@link planLabel}. */
export interface LabelOptions {
  prompts: readonly LabelPrompt[];
  /** Candidates: pool id → client. */
  clients: Readonly<Record<string, ChatClient>>;
  judge: Judge;
  store: LabelStore;
  generation?: Partial<GenerationSettings>;
  /** Stop issuing paid calls before this run's spending could pass this many USD. @defaultValue none */
  spendLimitUsd?: number;
  /** Pairs worked on at once (HTTP concurrency is bounded per endpoint by the clients). @defaultValue 16 */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: LabelProgress) => void;
  /** Clock for entry timestamps. @defaultValue () => new Date() */
  now?: () => Date;
}

/** Per-model figures of a run. */
export interface ModelLabelSummary {
  model: string;
  /** Prompts with a score. */
  scored: number;
  /** Mean score over scored prompts (null when none). */
  meanScore: number | null;
  /** Total USD of this model's answers for the scored prompts (stored or new). */
  costUsd: number;
  /** costUsd / scored (null when none). */
  meanCostUsd: number | null;
  /** Mean latency of the answers (ms; stored ones included). */
  meanLatencyMs: number | null;
  promptTokens: number;
  completionTokens: number;
  /** Answers paid for by this run. */
  newAnswers: number;
  /** Answers taken from the store. */
  storedAnswers: number;
  /** Pairs whose answer failed (after retries). */
  generationFailures: number;
  /** Pairs whose judging failed. */
  judgeFailures: number;
  /** Pairs not attempted because the spend limit was reached or the run was aborted. */
  skipped: number;
}

/** One failed pair. */
export interface LabelFailure {
  promptId: string;
  model: string;
  stage: 'generation' | 'judge';
  error: string;
}

/** Summary of a run. */
export interface LabelSummary {
  judge: string;
  prompts: number;
  /** Prompts written as routing records (at least one model scored). */
  records: number;
  models: ModelLabelSummary[];
  /** USD spent by this run on answers. */
  generationSpentUsd: number;
  /** USD spent by this run on judging. */
  judgeSpentUsd: number;
  /** generationSpentUsd + judgeSpentUsd. */
  spentUsd: number;
  /** Answers this run obtained from the models (not from the store). */
  newAnswers: number;
  /** Verdicts this run obtained from the judge (not from the store). */
  newJudgements: number;
  /** Why the run stopped early, or null when every pair was attempted. */
  stopped: 'spend-limit' | 'aborted' | null;
  /** The first failures (up to 100), for the report. */
  failures: LabelFailure[];
}

/** Result of {@link labelPrompts}. */
export interface LabelResult {
  /** Routing records in prompt order (prompts where no model got a score are left out). */
  records: RoutingRecord[];
  summary: LabelSummary;
}

/** Estimate of a run before it starts ({@link planLabel}). */
export interface LabelPlan {
  pairs: number;
  /** Answers already in the store. */
  storedAnswers: number;
  /** Answers to pay for. */
  generationCalls: number;
  /** Verdicts already in the store (for answers that are stored too). */
  storedJudgements: number;
  /** LLM-judge calls to pay for (pairwise: 2 per pair; reference judges: 0). */
  judgeCalls: number;
  /** Upper bound of answer cost: every answer as long as max_tokens. */
  generationMaxUsd: number;
  /** Typical answer cost: output tokens = the model's stored mean, else `assumedOutputTokens`. */
  generationTypicalUsd: number;
  /** Judge cost estimate (its own estimateCost at typical answer length). */
  judgeUsd: number;
  /** generationTypicalUsd + judgeUsd. */
  typicalUsd: number;
  /** generationMaxUsd + judge upper estimate. */
  maxUsd: number;
  /** Per model: answers to pay for and their typical / max cost. */
  models: { model: string; generationCalls: number; typicalUsd: number; maxUsd: number; assumedOutputTokens: number }[];
}

interface Resolved {
  prompts: readonly LabelPrompt[];
  models: string[];
  settings: GenerationSettings;
  concurrency: number;
}

function resolve(options: LabelOptions, fn: string): Resolved {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${fn}: expected an options object`);
  const { prompts, clients, judge, store } = options;
  if (!Array.isArray(prompts)) throw new TypeError(`${fn}: expected prompts to be an array`);
  if (typeof clients !== 'object' || clients === null)
    throw new TypeError(`${fn}: expected clients to be an object of pool id → ChatClient`);
  const models = Object.keys(clients);
  if (models.length === 0) throw new FineRouterError('INVALID_ARGUMENT', `${fn}: no candidate models`);
  if (typeof judge?.judge !== 'function' || typeof judge.id !== 'string')
    throw new TypeError(`${fn}: expected judge to implement Judge`);
  if (typeof store?.get !== 'function' || typeof store.append !== 'function')
    throw new TypeError(`${fn}: expected store to implement LabelStore`);
  if (judge.referenceModel !== undefined && !models.includes(judge.referenceModel)) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `${fn}: the judge compares with '${judge.referenceModel}', which is not among the candidates (${models.join(', ')})`,
    );
  }
  const seen = new Set<string>();
  for (const p of prompts) {
    if (seen.has(p.id)) throw new FineRouterError('DATA_INVALID', `${fn}: duplicate prompt id '${p.id}'`);
    seen.add(p.id);
    if (judge.needsReference && p.reference === undefined) {
      throw new FineRouterError(
        'DATA_INVALID',
        `${fn}: judge '${judge.id}' needs a "reference" on every prompt; prompt '${p.id}' has none`,
      );
    }
  }
  const g = options.generation ?? {};
  const settings: GenerationSettings = {
    maxTokens: g.maxTokens ?? LABEL_DEFAULTS.maxTokens,
    temperature: g.temperature ?? LABEL_DEFAULTS.temperature,
  };
  if (!Number.isInteger(settings.maxTokens) || settings.maxTokens < 1)
    throw new RangeError(
      `${fn}: expected generation.maxTokens to be an integer ≥ 1, received ${String(settings.maxTokens)}`,
    );
  if (!(Number.isFinite(settings.temperature) && settings.temperature >= 0))
    throw new RangeError(`${fn}: expected generation.temperature ≥ 0, received ${String(settings.temperature)}`);
  if (g.system !== undefined) settings.system = g.system;
  if (g.extra !== undefined) settings.extra = g.extra;
  const concurrency = options.concurrency ?? LABEL_DEFAULTS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`${fn}: expected concurrency to be an integer ≥ 1, received ${String(concurrency)}`);
  if (options.spendLimitUsd !== undefined && !(Number.isFinite(options.spendLimitUsd) && options.spendLimitUsd >= 0)) {
    throw new RangeError(
      `${fn}: expected spendLimitUsd to be a finite number ≥ 0, received ${String(options.spendLimitUsd)}`,
    );
  }
  return { prompts, models, settings, concurrency };
}

function generationKey(
  prompt: LabelPrompt,
  messages: ChatMessage[],
  model: string,
  client: ChatClient,
  settings: GenerationSettings,
): Promise<string> {
  return storeKey([
    'generation',
    1,
    prompt.id,
    messages,
    model,
    client.entry.model,
    client.entry.baseUrl,
    { maxTokens: settings.maxTokens, temperature: settings.temperature, extra: settings.extra ?? null },
  ]);
}

function judgementKey(
  generation: string,
  judge: Judge,
  reference: string | undefined,
  referenceGeneration: string | undefined,
): Promise<string> {
  return storeKey([
    'judgement',
    1,
    generation,
    judge.id,
    judge.settings ?? null,
    reference ?? null,
    referenceGeneration ?? null,
  ]);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const isAbort = (error: unknown): boolean => error instanceof FineRouterError && error.code === 'ABORTED';

type GenerationOutcome =
  { kind: 'ok'; entry: GenerationEntry; stored: boolean } | { kind: 'failed'; error: string } | { kind: 'skipped' };

/**
 * Labels every prompt with every candidate model: answers (stored or new), verdicts (stored or new),
 * routing records and a summary. See the file header for the store, resume and spend-limit rules.
 *
 * @param options - see {@link LabelOptions}.
 * @returns routing records (scores in [0, 1], real per-prompt answer costs) and the summary. An aborted
 *   run resolves too, with `summary.stopped === 'aborted'` and what was finished.
 * @throws FineRouterError 'INVALID_ARGUMENT' (no candidates, pairwise reference model not a candidate),
 *   'DATA_INVALID' (duplicate ids, a reference-based judge and a prompt without reference) before any call;
 *   TypeError / RangeError on malformed options.
 * @example
 * const clients = createPoolClients(pool);
 * const { records, summary } = await labelPrompts({ prompts, clients, judge: numericJudge(), store: createMemoryStore() });
 */
export async function labelPrompts(options: LabelOptions): Promise<LabelResult> {
  const { prompts, models, settings, concurrency } = resolve(options, 'labelPrompts');
  const { clients, judge, store, signal } = options;
  const now = options.now ?? (() => new Date());
  const limit = options.spendLimitUsd;
  const referenceModel = judge.referenceModel;

  let generationSpent = 0;
  let judgeSpent = 0;
  let reserved = 0;
  let newAnswers = 0;
  let newJudgements = 0;
  let stopped: LabelSummary['stopped'] = null;
  const progress: LabelProgress = {
    done: 0,
    total: prompts.length * models.length,
    calls: 0,
    fromStore: 0,
    failures: 0,
    spentUsd: 0,
  };
  const failures: LabelFailure[] = [];
  const perModel = new Map(
    models.map((m) => [m, { newAnswers: 0, storedAnswers: 0, generationFailures: 0, judgeFailures: 0, skipped: 0 }]),
  );

  const canSpend = (): boolean => {
    if (signal?.aborted) stopped ??= 'aborted';
    return stopped === null;
  };
  const reserve = (estimate: number): boolean => {
    if (!canSpend()) return false;
    if (limit !== undefined && generationSpent + judgeSpent + reserved + estimate > limit) {
      stopped = 'spend-limit';
      return false;
    }
    reserved += estimate;
    return true;
  };
  const fail = (promptId: string, model: string, stage: LabelFailure['stage'], error: string): void => {
    if (failures.length < LABEL_DEFAULTS.maxFailuresListed) failures.push({ promptId, model, stage, error });
  };

  const memo = new Map<string, Promise<GenerationOutcome>>();
  const generate = (pi: number, model: string): Promise<GenerationOutcome> => {
    const memoKey = `${pi}\u0000${model}`;
    let promise = memo.get(memoKey);
    if (!promise) {
      promise = (async (): Promise<GenerationOutcome> => {
        const prompt = prompts[pi]!;
        const client = clients[model]!;
        const messages = promptMessages(prompt, settings.system);
        const key = await generationKey(prompt, messages, model, client, settings);
        const stored = store.get(key);
        if (stored?.type === 'generation') return { kind: 'ok', entry: stored, stored: true };
        const estimate = callCost(client.entry.prices, estimateTokens(messages), settings.maxTokens);
        if (!reserve(estimate)) return { kind: 'skipped' };
        try {
          const request = {
            messages,
            maxTokens: settings.maxTokens,
            temperature: settings.temperature,
            ...(settings.extra ? { extra: settings.extra } : {}),
          };
          const r = await client.complete(request, signal ? { signal } : {});
          const entry: GenerationEntry = {
            type: 'generation',
            key,
            promptId: prompt.id,
            model,
            answer: r.content,
            promptTokens: r.usage.promptTokens,
            completionTokens: r.usage.completionTokens,
            usageReported: r.usageReported,
            costUsd: r.costUsd,
            latencyMs: Math.round(r.latencyMs * 1000) / 1000,
            attempts: r.attempts,
            at: now().toISOString(),
          };
          if (r.finishReason !== undefined) entry.finishReason = r.finishReason;
          generationSpent += r.costUsd;
          newAnswers++;
          await store.append(entry);
          return { kind: 'ok', entry, stored: false };
        } catch (error) {
          if (isAbort(error)) {
            stopped ??= 'aborted';
            return { kind: 'skipped' };
          }
          return { kind: 'failed', error: messageOf(error) };
        } finally {
          reserved -= estimate;
        }
      })();
      memo.set(memoKey, promise);
    }
    return promise;
  };

  const verdicts = new Map<string, { score: number; entry: GenerationEntry }>();
  const runPair = async (pi: number, model: string): Promise<void> => {
    const prompt = prompts[pi]!;
    const stats = perModel.get(model)!;
    const outcome = await generate(pi, model);
    if (outcome.kind === 'skipped') {
      stats.skipped++;
      return;
    }
    if (outcome.kind === 'failed') {
      stats.generationFailures++;
      fail(prompt.id, model, 'generation', outcome.error);
      return;
    }
    if (outcome.stored) stats.storedAnswers++;
    else stats.newAnswers++;
    const gen = outcome.entry;
    let referenceGen: GenerationEntry | undefined;
    if (referenceModel !== undefined && model !== referenceModel) {
      const ref = await generate(pi, referenceModel);
      if (ref.kind === 'skipped') {
        stats.skipped++;
        return;
      }
      if (ref.kind === 'failed') {
        stats.judgeFailures++;
        fail(prompt.id, model, 'judge', `no answer of the reference model '${referenceModel}': ${ref.error}`);
        return;
      }
      referenceGen = ref.entry;
    }
    const key = await judgementKey(gen.key, judge, prompt.reference, referenceGen?.key);
    const stored = store.get(key);
    if (stored?.type === 'judgement') {
      verdicts.set(`${pi}\u0000${model}`, { score: stored.score, entry: gen });
      if (outcome.stored) progress.fromStore++;
      return;
    }
    const text = promptText(prompt);
    const estimate = judge.estimateCost?.({ promptChars: text.length, answerChars: gen.answer.length }) ?? 0;
    if (!reserve(estimate)) {
      stats.skipped++;
      return;
    }
    let verdict: JudgeVerdict;
    try {
      const input = {
        prompt,
        promptText: text,
        model,
        answer: gen.answer,
        ...(prompt.reference !== undefined ? { reference: prompt.reference } : {}),
        ...(referenceGen ? { referenceAnswer: referenceGen.answer } : {}),
      };
      verdict = await judge.judge(input, signal ? { signal } : {});
      const score = verdict?.score;
      if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1)
        throw new RangeError(`judge '${judge.id}' returned score ${String(score)}, expected a finite number in [0, 1]`);
      const cost = verdict.costUsd ?? 0;
      if (!(Number.isFinite(cost) && cost >= 0))
        throw new RangeError(`judge '${judge.id}' returned costUsd ${String(cost)}`);
    } catch (error) {
      const lost = (error as { costUsd?: unknown }).costUsd;
      if (typeof lost === 'number' && Number.isFinite(lost) && lost > 0) judgeSpent += lost;
      if (isAbort(error)) {
        stopped ??= 'aborted';
        stats.skipped++;
      } else {
        stats.judgeFailures++;
        fail(prompt.id, model, 'judge', messageOf(error));
      }
      return;
    } finally {
      reserved -= estimate;
    }
    const cost = verdict.costUsd ?? 0;
    judgeSpent += cost;
    newJudgements++;
    const entry: JudgementEntry = {
      type: 'judgement',
      key,
      generationKey: gen.key,
      promptId: prompt.id,
      model,
      judge: judge.id,
      score: verdict.score,
      costUsd: cost,
      at: now().toISOString(),
    };
    if (verdict.detail !== undefined) entry.detail = verdict.detail;
    await store.append(entry);
    verdicts.set(`${pi}\u0000${model}`, { score: verdict.score, entry: gen });
  };

  // Pairs prompt-major; the pairwise reference model first within a prompt.
  const order = referenceModel !== undefined ? [referenceModel, ...models.filter((m) => m !== referenceModel)] : models;
  const pairs: [number, string][] = [];
  for (let pi = 0; pi < prompts.length; pi++) for (const m of order) pairs.push([pi, m]);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const [pi, model] = pairs[next++]!;
      await runPair(pi, model);
      progress.done++;
      progress.calls = newAnswers + newJudgements;
      progress.spentUsd = generationSpent + judgeSpent;
      progress.failures = progress.done - verdicts.size;
      options.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, pairs.length)) }, worker));

  const records: RoutingRecord[] = [];
  prompts.forEach((prompt, pi) => {
    const scores: Record<string, number> = {};
    const costs: Record<string, number> = {};
    for (const m of models) {
      const v = verdicts.get(`${pi}\u0000${m}`);
      if (!v) continue;
      scores[m] = v.score;
      costs[m] = v.entry.costUsd;
    }
    if (Object.keys(scores).length === 0) return;
    const record: RoutingRecord = { id: prompt.id, prompt: promptText(prompt), scores, costs };
    if (prompt.source !== undefined) record.source = prompt.source;
    records.push(record);
  });

  const summaries: ModelLabelSummary[] = models.map((model) => {
    const stats = perModel.get(model)!;
    let scored = 0;
    let scoreSum = 0;
    let costSum = 0;
    let latencySum = 0;
    let promptTokens = 0;
    let completionTokens = 0;
    prompts.forEach((_, pi) => {
      const v = verdicts.get(`${pi}\u0000${model}`);
      if (!v) return;
      scored++;
      scoreSum += v.score;
      costSum += v.entry.costUsd;
      latencySum += v.entry.latencyMs;
      promptTokens += v.entry.promptTokens;
      completionTokens += v.entry.completionTokens;
    });
    return {
      model,
      scored,
      meanScore: scored > 0 ? scoreSum / scored : null,
      costUsd: costSum,
      meanCostUsd: scored > 0 ? costSum / scored : null,
      meanLatencyMs: scored > 0 ? latencySum / scored : null,
      promptTokens,
      completionTokens,
      ...stats,
    };
  });
  return {
    records,
    summary: {
      judge: judge.id,
      prompts: prompts.length,
      records: records.length,
      models: summaries,
      generationSpentUsd: generationSpent,
      judgeSpentUsd: judgeSpent,
      spentUsd: generationSpent + judgeSpent,
      newAnswers,
      newJudgements,
      stopped,
      failures,
    },
  };
}

/**
 * Estimates a run without calling anything (`finerouter label --dry-run`): how many answers and
 * verdicts are already stored, how many calls remain and what they cost, at max_tokens (upper bound)
 * and at a typical answer length (the model's stored mean completion tokens, else `assumedOutputTokens`).
 *
 * @param options - the same options as {@link labelPrompts} (`signal`, `onProgress`, `spendLimitUsd` unused).
 * @param assumedOutputTokens - typical answer length when the store has no answer of a model. @defaultValue 256
 * @returns the plan.
 * @throws the same argument errors as {@link labelPrompts}.
 * @example
 * const plan = await planLabel({ prompts, clients, judge, store });
 * console.log(plan.generationCalls, plan.typicalUsd, plan.maxUsd);
 */
export async function planLabel(
  options: LabelOptions,
  assumedOutputTokens: number = LABEL_DEFAULTS.assumedOutputTokens,
): Promise<LabelPlan> {
  const { prompts, models, settings } = resolve(options, 'planLabel');
  if (!Number.isInteger(assumedOutputTokens) || assumedOutputTokens < 0)
    throw new RangeError(
      `planLabel: expected assumedOutputTokens to be an integer ≥ 0, received ${String(assumedOutputTokens)}`,
    );
  const { clients, judge, store } = options;
  const plan: LabelPlan = {
    pairs: prompts.length * models.length,
    storedAnswers: 0,
    generationCalls: 0,
    storedJudgements: 0,
    judgeCalls: 0,
    generationMaxUsd: 0,
    generationTypicalUsd: 0,
    judgeUsd: 0,
    typicalUsd: 0,
    maxUsd: 0,
    models: [],
  };
  const keys = new Map<string, string>();
  const storedGen = new Map<string, GenerationEntry>();
  // Typical output length per model from its stored answers.
  const typicalOut = new Map<string, number>();
  for (const m of models) {
    let n = 0;
    let sum = 0;
    for (let pi = 0; pi < prompts.length; pi++) {
      const prompt = prompts[pi]!;
      const key = await generationKey(prompt, promptMessages(prompt, settings.system), m, clients[m]!, settings);
      keys.set(`${pi}\u0000${m}`, key);
      const entry = store.get(key);
      if (entry?.type === 'generation') {
        storedGen.set(key, entry);
        n++;
        sum += entry.completionTokens;
      }
    }
    typicalOut.set(m, n > 0 ? Math.round(sum / n) : Math.min(assumedOutputTokens, settings.maxTokens));
  }
  let judgeMaxUsd = 0;
  for (const m of models) {
    const client = clients[m]!;
    const row = { model: m, generationCalls: 0, typicalUsd: 0, maxUsd: 0, assumedOutputTokens: typicalOut.get(m)! };
    for (let pi = 0; pi < prompts.length; pi++) {
      const prompt = prompts[pi]!;
      const key = keys.get(`${pi}\u0000${m}`)!;
      const gen = storedGen.get(key);
      const text = promptText(prompt);
      if (gen) plan.storedAnswers++;
      else {
        const input = estimateTokens(promptMessages(prompt, settings.system));
        row.generationCalls++;
        row.maxUsd += callCost(client.entry.prices, input, settings.maxTokens);
        row.typicalUsd += callCost(client.entry.prices, input, row.assumedOutputTokens);
      }
      const refKey =
        judge.referenceModel !== undefined && m !== judge.referenceModel
          ? keys.get(`${pi}\u0000${judge.referenceModel}`)
          : undefined;
      if (gen && (refKey === undefined || storedGen.has(refKey))) {
        const jk = await judgementKey(key, judge, prompt.reference, refKey);
        if (store.get(jk)?.type === 'judgement') {
          plan.storedJudgements++;
          continue;
        }
      }
      const answerChars = gen ? gen.answer.length : row.assumedOutputTokens * 4;
      const typical = judge.estimateCost?.({ promptChars: text.length, answerChars }) ?? 0;
      const upper = judge.estimateCost?.({ promptChars: text.length, answerChars: settings.maxTokens * 4 }) ?? 0;
      if (upper > 0 || typical > 0) {
        if (judge.referenceModel === undefined) plan.judgeCalls++;
        else if (m !== judge.referenceModel) plan.judgeCalls += 2;
      }
      if (judge.referenceModel === undefined || m !== judge.referenceModel) {
        plan.judgeUsd += typical;
        judgeMaxUsd += upper;
      }
    }
    plan.generationCalls += row.generationCalls;
    plan.generationMaxUsd += row.maxUsd;
    plan.generationTypicalUsd += row.typicalUsd;
    plan.models.push(row);
  }
  plan.typicalUsd = plan.generationTypicalUsd + plan.judgeUsd;
  plan.maxUsd = plan.generationMaxUsd + judgeMaxUsd;
  return plan;
}
