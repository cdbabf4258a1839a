/**
 * Stage 1 offline task discovery (FineRouter, arXiv 2603.19415, Sect. 3.1.1; defaults from
 * Appendix B): RBO-filtered kNN prompt graph, Leiden, ℓ rounds of clustering over community
 * summaries, Others, and per-task candidates (coverage δ), stage-1 medians (Eq. 5), descriptions.
 *
 * Pipeline as implemented:
 * 1. π_p per prompt: models by decreasing quality, equal scores tied, models without a result left
 *    out (src/data/parse.ts). Encoded once for the RBO kernel (src/rbo).
 * 2. Level 0: graph over prompts (src/discovery/graph.ts), Leiden (src/leiden) with `seed`.
 * 3. Levels 1..ℓ−1: every community C of the previous level becomes one node with
 *    (a) the per-dimension median of its prompts' embeddings, re-normalized (median pooling), and
 *    (b) the ranking of models by MRR_C (Eq. 4, ε) over its prompts, equal scores tied, models no
 *    prompt ranked left out; the same kind of graph is built over these nodes (k capped at
 *    nodes − 1) and clustered with Leiden (seed + level). Memberships compose back to prompts.
 * 4. Final communities with at least `minTaskSize` prompts are tasks; the rest is Others (t = ∅).
 * 5. Per task: `selectCandidates` (src/rankfusion) over the members' rankings with δ and ε,
 *    stage-1 medians, median-pooled center, medoid, top sources, description.
 *
 * Decisions and deviations (docs/discovery.md):
 * - Summary levels stop early when fewer than `minLevelNodes` communities remain (a kNN graph on a
 *   handful of nodes is nearly complete and Leiden would merge everything).
 * - ℓ counts Leiden passes (one over prompts + ℓ − 1 over summaries); the paper does not say
 *   whether its ℓ = 3 includes the first pass.
 * - Summaries at every level pool over all prompts of the community (not over child summaries), so
 *   Eq. 4 holds exactly for the composed cluster.
 * - A median-pooled vector that is all zeros (possible only for contradictory members) falls back to
 *   the mean, then to the first member's embedding.
 * - Stage-1 median of a model with no result on any member: the model's median over all records.
 * - Summary-level ranks use standard competition ranking for ties (the rule of src/rankfusion).
 */
import { FineRouterError, throwIfAborted } from '../errors.js';
import { medianInPlace } from '../numeric/stats.js';
import { modelsOf, rankingIndices } from '../data/parse.js';
import type { RoutingRecord } from '../data/types.js';
import { createRboKernel } from '../rbo/kernel.js';
import { buildGraph } from '../leiden/graph.js';
import { leiden } from '../leiden/leiden.js';
import { reciprocalRankFusion, selectCandidates } from '../rankfusion/fusion.js';
import { buildPromptGraph } from './graph.js';
import { DISCOVERY_DEFAULTS } from './types.js';
import type {
  Describer,
  DiscoveredTask,
  DiscoveryLevelStats,
  DiscoveryOptions,
  DiscoveryOthers,
  DiscoveryResult,
  DiscoveryStage,
  FusedScore,
  ResolvedDiscoveryOptions,
} from './types.js';

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Lets timers (abort) and progress rendering run between long synchronous steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function resolveOptions(options: DiscoveryOptions): ResolvedDiscoveryOptions {
  const fn = 'discoverTasks';
  const d = DISCOVERY_DEFAULTS;
  const r: ResolvedDiscoveryOptions = {
    k: options.k ?? d.k,
    rboThreshold: options.rboThreshold ?? d.rboThreshold,
    rboP: options.rboP ?? d.rboP,
    iterations: options.iterations ?? d.iterations,
    minLevelNodes: options.minLevelNodes ?? d.minLevelNodes,
    coverage: options.coverage ?? d.coverage,
    epsilon: options.epsilon ?? d.epsilon,
    objective: options.objective ?? d.objective,
    resolution: options.resolution ?? d.resolution,
    randomness: options.randomness ?? d.randomness,
    minTaskSize: options.minTaskSize ?? d.minTaskSize,
    seed: options.seed ?? d.seed,
    knn: options.knn ?? d.knn,
    exactKnnMaxNodes: options.exactKnnMaxNodes ?? d.exactKnnMaxNodes,
    describeSamples: options.describeSamples ?? d.describeSamples,
    weightFloor: options.weightFloor ?? d.weightFloor,
    describer: options.describer?.id ?? null,
  };
  const integer = (name: string, value: number, min: number): void => {
    if (typeof value !== 'number')
      throw new TypeError(`${fn}: expected options.${name} to be a number, received ${typeof value}`);
    if (!Number.isInteger(value) || value < min)
      throw new RangeError(`${fn}: expected options.${name} to be an integer ≥ ${min}, received ${value}`);
  };
  const inRange = (name: string, value: number, lo: number, hi: number, openLo: boolean): void => {
    if (typeof value !== 'number')
      throw new TypeError(`${fn}: expected options.${name} to be a number, received ${typeof value}`);
    if (!(openLo ? value > lo : value >= lo) || !(value <= hi)) {
      throw new RangeError(`${fn}: expected options.${name} in ${openLo ? '(' : '['}${lo}, ${hi}], received ${value}`);
    }
  };
  integer('k', r.k, 1);
  inRange('rboThreshold', r.rboThreshold, 0, 1, false);
  inRange('rboP', r.rboP, 0, 0.999999, true);
  integer('iterations', r.iterations, 1);
  integer('minLevelNodes', r.minLevelNodes, 2);
  inRange('coverage', r.coverage, 0, 1, true);
  inRange('epsilon', r.epsilon, 0, Number.MAX_VALUE, false);
  if (r.objective !== 'modularity' && r.objective !== 'cpm') {
    throw new RangeError(`${fn}: expected options.objective 'modularity' | 'cpm', received ${String(r.objective)}`);
  }
  inRange('resolution', r.resolution, 0, Number.MAX_VALUE, false);
  inRange('randomness', r.randomness, 0, Number.MAX_VALUE, false);
  integer('minTaskSize', r.minTaskSize, 1);
  integer('seed', r.seed, -2147483648);
  if (r.knn !== 'auto' && r.knn !== 'exact' && r.knn !== 'approximate') {
    throw new RangeError(`${fn}: expected options.knn 'auto' | 'exact' | 'approximate', received ${String(r.knn)}`);
  }
  integer('exactKnnMaxNodes', r.exactKnnMaxNodes, 0);
  integer('describeSamples', r.describeSamples, 1);
  inRange('weightFloor', r.weightFloor, 0, 0.999999, false);
  return r;
}

/**
 * Median-pooled, re-normalized embedding of `members` (rows of `x`) into `out` (length d).
 * Fallbacks for an all-zero median: the mean, then the first member's row.
 */
function medianPool(
  x: Float32Array,
  d: number,
  members: ArrayLike<number>,
  count: number,
  scratch: Float64Array,
  out: Float64Array,
): void {
  for (let t = 0; t < d; t++) {
    for (let i = 0; i < count; i++) scratch[i] = x[members[i]! * d + t]!;
    out[t] = medianInPlace(scratch, count);
  }
  let norm = 0;
  for (let t = 0; t < d; t++) norm += out[t]! * out[t]!;
  if (norm > 1e-24) {
    const inv = 1 / Math.sqrt(norm);
    for (let t = 0; t < d; t++) out[t] = out[t]! * inv;
    return;
  }
  out.fill(0);
  for (let i = 0; i < count; i++) for (let t = 0; t < d; t++) out[t] = out[t]! + x[members[i]! * d + t]!;
  norm = 0;
  for (let t = 0; t < d; t++) norm += out[t]! * out[t]!;
  if (norm <= 1e-24) {
    for (let t = 0; t < d; t++) out[t] = x[members[0]! * d + t]!;
    norm = 1;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let t = 0; t < d; t++) out[t] = out[t]! * inv;
}

/** Groups item indices by community: CSR (offsets, items ascending within each community). */
function groupBy(labels: Int32Array, count: number): { offsets: Int32Array; items: Int32Array } {
  const offsets = new Int32Array(count + 1);
  for (const c of labels) offsets[c + 1]++;
  for (let c = 0; c < count; c++) offsets[c + 1] += offsets[c]!;
  const fill = offsets.slice(0, count);
  const items = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) items[fill[labels[i]!]!++] = i;
  return { offsets, items };
}

/** Ranking (tie groups of model indices) from MRR scores; models with score 0 are left out. */
function rankingFromMrr(scores: Float64Array): number[][] {
  const order: number[] = [];
  for (let m = 0; m < scores.length; m++) if (scores[m]! > 0) order.push(m);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const groups: number[][] = [];
  for (let i = 0; i < order.length; i++) {
    const m = order[i]!;
    if (i > 0 && scores[m] === scores[order[i - 1]!]) groups[groups.length - 1]!.push(m);
    else groups.push([m]);
  }
  return groups;
}

/** What the steps of {@link discoverTasks} share. */
interface DiscoveryContext {
  readonly records: readonly RoutingRecord[];
  /** Unit-length description embeddings, row-major [n, d]. */
  readonly x: Float32Array;
  readonly n: number;
  readonly d: number;
  readonly M: number;
  readonly models: readonly string[];
  readonly opts: ResolvedDiscoveryOptions;
  readonly kernel: ReturnType<typeof createRboKernel>;
  readonly signal: AbortSignal | undefined;
  readonly progress: (stage: DiscoveryStage, done: number, total: number) => void;
  readonly fn: string;
  /** Scratch of length n (medians). */
  readonly scratch: Float64Array;
}

/** Step 0: finite, non-zero rows; a normalized copy when some row is not unit length. */
function unitRows(embeddings: Float32Array, n: number, d: number, fn: string): Float32Array {
  let x = embeddings;
  let needsNormalizing = false;
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let t = 0; t < d; t++) {
      const v = embeddings[i * d + t]!;
      if (!Number.isFinite(v)) throw new RangeError(`${fn}: expected finite embeddings, received ${v} in row ${i}`);
      norm += v * v;
    }
    if (norm === 0) throw new RangeError(`${fn}: expected non-zero embedding rows, row ${i} is all zeros`);
    if (Math.abs(norm - 1) > 1e-3) needsNormalizing = true;
  }
  if (needsNormalizing) {
    x = new Float32Array(embeddings);
    for (let i = 0; i < n; i++) {
      let norm = 0;
      for (let t = 0; t < d; t++) norm += x[i * d + t]! * x[i * d + t]!;
      const inv = 1 / Math.sqrt(norm);
      for (let t = 0; t < d; t++) x[i * d + t] = x[i * d + t]! * inv;
    }
  }

  return x;
}

/** Step 1: the rankings π_p of every prompt (validated), encoded for the RBO kernel, and their MRR terms. */
function promptRankingsOf(
  records: readonly RoutingRecord[],
  models: readonly string[],
  kernel: ReturnType<typeof createRboKernel>,
  epsilon: number,
  fn: string,
): {
  promptRankings: number[][][];
  promptRanked: ReturnType<ReturnType<typeof createRboKernel>['encodeAll']>;
  mrrTerms: Float64Array;
} {
  const n = records.length;
  const M = models.length;
  const modelIndex = new Map(models.map((m, i) => [m, i] as const));
  const promptRankings: number[][][] = new Array(n);
  const promptRanked = kernel.encodeAll(
    records.map((record, i) => {
      if (
        record === null ||
        typeof record !== 'object' ||
        record.scores === null ||
        typeof record.scores !== 'object'
      ) {
        throw new TypeError(`${fn}: expected records[${i}] to be a routing record with scores`);
      }
      for (const [model, score] of Object.entries(record.scores)) {
        if (typeof score !== 'number' || !(score >= 0 && score <= 1)) {
          throw new RangeError(`${fn}: expected records[${i}].scores.${model} in [0, 1], received ${String(score)}`);
        }
      }
      if (Object.keys(record.scores).length === 0) throw new RangeError(`${fn}: records[${i}] has no scores`);
      const ranking = rankingIndices(record, modelIndex);
      promptRankings[i] = ranking;
      return ranking;
    }),
  );
  // Per-prompt MRR terms 1/(rank + ε), rank = 1-based first position of the tie group (0 when unranked).
  const mrrTerms = new Float64Array(n * M);
  for (let i = 0; i < n; i++) {
    let position = 1;
    for (const group of promptRankings[i]!) {
      for (const m of group) mrrTerms[i * M + m] = 1 / (position + epsilon);
      position += group.length;
    }
  }
  return { promptRankings, promptRanked, mrrTerms };
}

/** Steps 2–3: Leiden over the prompt graph, then ℓ − 1 rounds over community summaries (median-pooled vectors, MRR rankings). */
async function clusterLevels(
  c: DiscoveryContext,
  promptRanked: ReturnType<DiscoveryContext['kernel']['encodeAll']>,
  mrrTerms: Float64Array,
): Promise<{ promptCommunity: Int32Array; nodeCount: number; levels: DiscoveryLevelStats[] }> {
  const { x, n, d, M, opts, kernel, signal, progress, fn, scratch } = c;
  const promptCommunity = new Int32Array(n); // prompt → node of the current level
  for (let i = 0; i < n; i++) promptCommunity[i] = i;
  let nodeVectors = x;
  let nodeRankings = promptRanked;
  let nodeCount = n;
  const levels: DiscoveryLevelStats[] = [];
  for (let level = 0; level < opts.iterations; level++) {
    throwIfAborted(signal, fn);
    if (nodeCount < 2 || (level > 0 && nodeCount < opts.minLevelNodes)) break;
    const graph = buildPromptGraph(
      { vectors: nodeVectors, dimension: d, rankings: nodeRankings, kernel },
      {
        k: opts.k,
        rboThreshold: opts.rboThreshold,
        weightFloor: opts.weightFloor,
        method: opts.knn,
        exactMaxNodes: opts.exactKnnMaxNodes,
        seed: opts.seed + level,
        onProgress: (done, total) => progress('knn', done, total),
        ...(signal ? { signal } : {}),
      },
    );
    progress('rbo', graph.candidateEdges, graph.candidateEdges);
    await yieldToEventLoop();
    throwIfAborted(signal, fn);
    const tLeiden = now();
    const csr = buildGraph({ nodeCount, source: graph.source, target: graph.target, weight: graph.weight });
    const clustering = leiden(csr, {
      objective: opts.objective,
      resolution: opts.resolution,
      randomness: opts.randomness,
      seed: opts.seed + level,
      ...(signal ? { signal } : {}),
    });
    const leidenMs = now() - tLeiden;
    for (let i = 0; i < n; i++) promptCommunity[i] = clustering.membership[promptCommunity[i]!]!;
    const communities = clustering.communityCount;
    progress('leiden', level + 1, opts.iterations);
    await yieldToEventLoop();

    let summariesMs = 0;
    if (level < opts.iterations - 1 && communities >= opts.minLevelNodes) {
      const tSummaries = now();
      const { offsets, items } = groupBy(promptCommunity, communities);
      const vectors = new Float32Array(communities * d);
      const rankings: number[][][] = new Array(communities);
      const pooled = new Float64Array(d);
      const mrr = new Float64Array(M);
      for (let c = 0; c < communities; c++) {
        const start = offsets[c]!;
        const size = offsets[c + 1]! - start;
        const members = items.subarray(start, start + size);
        medianPool(x, d, members, size, scratch, pooled);
        for (let t = 0; t < d; t++) vectors[c * d + t] = pooled[t]!;
        mrr.fill(0);
        for (const p of members) for (let m = 0; m < M; m++) mrr[m] = mrr[m]! + mrrTerms[p * M + m]!;
        rankings[c] = rankingFromMrr(mrr);
        if (c % 256 === 0) progress('summaries', c, communities);
      }
      // Summary vectors are unit length by construction; re-normalize in float32 for the kNN.
      nodeVectors = vectors;
      nodeRankings = kernel.encodeAll(rankings);
      progress('summaries', communities, communities);
      summariesMs = now() - tSummaries;
      await yieldToEventLoop();
    }
    levels.push({
      nodes: nodeCount,
      candidateEdges: graph.candidateEdges,
      keptEdges: graph.source.length,
      communities,
      knn: graph.knn,
      ms: { knn: graph.ms.knn, rbo: graph.ms.rbo, leiden: leidenMs, summaries: summariesMs },
    });
    nodeCount = communities;
  }

  return { promptCommunity, nodeCount, levels };
}

/** Step 4: communities of at least minTaskSize prompts become tasks (largest first), the rest Others. */
function buildTasks(
  c: DiscoveryContext,
  promptRankings: number[][][],
  promptCommunity: Int32Array,
  nodeCount: number,
  descriptions: readonly string[] | undefined,
): { tasks: DiscoveredTask[]; samples: string[][]; others: DiscoveryOthers; assignment: Int32Array; tasksMs: number } {
  const { records, x, n, d, models, opts, signal, progress, fn, scratch } = c;
  const tTasks = now();
  const finalCount = nodeCount;
  const { offsets, items } = groupBy(promptCommunity, finalCount);
  const taskOrder: number[] = [];
  for (let c = 0; c < finalCount; c++) if (offsets[c + 1]! - offsets[c]! >= opts.minTaskSize) taskOrder.push(c);
  taskOrder.sort(
    (a, b) =>
      offsets[b + 1]! - offsets[b]! - (offsets[a + 1]! - offsets[a]!) || items[offsets[a]!]! - items[offsets[b]!]!,
  );
  const assignment = new Int32Array(n).fill(-1);
  taskOrder.forEach((c, id) => {
    for (let e = offsets[c]!; e < offsets[c + 1]!; e++) assignment[items[e]!] = id;
  });

  const rankingsAsIds = (p: number): string[][] => promptRankings[p]!.map((group) => group.map((m) => models[m]!));
  const globalMedian = models.map((model) => {
    const values = new Float64Array(n);
    let count = 0;
    for (const record of records) {
      const v = record.scores[model];
      if (v !== undefined) values[count++] = v;
    }
    return medianInPlace(values, count);
  });
  const stage1Of = (members: ArrayLike<number>): Record<string, number> => {
    const out: Record<string, number> = {};
    models.forEach((model, m) => {
      let count = 0;
      for (let e = 0; e < members.length; e++) {
        const v = records[members[e]!]!.scores[model];
        if (v !== undefined) scratch[count++] = v;
      }
      out[model] = count > 0 ? medianInPlace(scratch, count) : globalMedian[m]!;
    });
    return out;
  };
  const descriptionOf = (p: number): string => descriptions?.[p] ?? records[p]!.description ?? records[p]!.prompt;
  const topSources = (members: ArrayLike<number>): { source: string; count: number }[] => {
    const counts = new Map<string, number>();
    for (let e = 0; e < members.length; e++) {
      const source = records[members[e]!]!.source;
      if (source !== undefined) counts.set(source, (counts.get(source) ?? 0) + 1);
    }
    return [...counts.entries()]
      .map(([source, count]) => ({ source, count }))
      .sort((a, b) => b.count - a.count || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0))
      .slice(0, 5);
  };

  const tasks: DiscoveredTask[] = [];
  const samples: string[][] = [];
  const pooled = new Float64Array(d);
  for (let id = 0; id < taskOrder.length; id++) {
    if (id % 64 === 0) {
      throwIfAborted(signal, fn);
      progress('tasks', id, taskOrder.length);
    }
    const c = taskOrder[id]!;
    const members = items.subarray(offsets[c]!, offsets[c + 1]!);
    const selection = selectCandidates(Array.from(members, rankingsAsIds), {
      coverage: opts.coverage,
      epsilon: opts.epsilon,
    });
    medianPool(x, d, members, members.length, scratch, pooled);
    const closeness = Array.from(members, (p) => {
      let s = 0;
      for (let t = 0; t < d; t++) s += pooled[t]! * x[p * d + t]!;
      return { p, s };
    }).sort((a, b) => b.s - a.s || a.p - b.p);
    const medoid = closeness[0]!.p;
    samples.push(closeness.slice(0, opts.describeSamples).map(({ p }) => descriptionOf(p)));
    tasks.push({
      id,
      size: members.length,
      description: descriptionOf(medoid),
      candidates: selection.candidates,
      coverage: selection.coverage,
      fused: selection.fused.map(({ item, score }) => ({ item, score })),
      stage1: stage1Of(members),
      center: Array.from(pooled),
      members: Array.from(members),
      medoid,
      sources: topSources(members),
    });
  }
  progress('tasks', taskOrder.length, taskOrder.length);

  const othersMembers: number[] = [];
  for (let i = 0; i < n; i++) if (assignment[i] === -1) othersMembers.push(i);
  const othersFused: FusedScore[] =
    othersMembers.length === 0
      ? []
      : reciprocalRankFusion(othersMembers.map(rankingsAsIds), { epsilon: opts.epsilon }).map(({ item, score }) => ({
          item,
          score,
        }));
  const others: DiscoveryOthers = {
    size: othersMembers.length,
    stage1:
      othersMembers.length === 0
        ? Object.fromEntries(models.map((m, i) => [m, globalMedian[i]!]))
        : stage1Of(othersMembers),
    fused: othersFused,
    members: othersMembers,
  };
  const tasksMs = now() - tTasks;

  return { tasks, samples, others, assignment, tasksMs };
}

/** Step 5: task descriptions through the describer (LLM summaries of each task's samples closest to its center). */
async function describeTasks(
  c: DiscoveryContext,
  describer: Describer,
  tasks: DiscoveredTask[],
  samples: string[][],
): Promise<void> {
  const { signal, progress, fn } = c;
  if (tasks.length > 0) {
    await yieldToEventLoop();
    const describeOptions = {
      onProgress: (done: number, total: number) => progress('describe', done, total),
      ...(signal ? { signal } : {}),
    };
    const summaries = describer.summarize
      ? await describer.summarize(samples, describeOptions)
      : await describer.describe(
          samples.map((group) => group.join('\n')),
          describeOptions,
        );
    if (!Array.isArray(summaries) || summaries.length !== tasks.length) {
      throw new FineRouterError(
        'DATA_INVALID',
        `${fn}: describer '${describer.id}' returned ${String(summaries?.length)} descriptions for ${tasks.length} tasks`,
      );
    }
    summaries.forEach((summary, i) => {
      if (typeof summary === 'string' && summary.length > 0) tasks[i]!.description = summary;
    });
  }
}

/**
 * Discovers fine-grained task types from routing records and their description embeddings
 * (paper Sect. 3.1.1). Same inputs and seed ⇒ the same tasks.
 *
 * @param records - routing records (scores in [0, 1]; models may be missing from some records).
 * @param embeddings - records.length × d row-major Float32Array of description embeddings
 *   (L2-normalized; rows that are not are normalized on a copy).
 * @param options - see {@link DiscoveryOptions}; defaults in DISCOVERY_DEFAULTS (the paper's values).
 * @returns tasks (largest first), Others, the record → task assignment, the options used and timings.
 * @throws TypeError / RangeError for bad records, embeddings or options (never mutates them);
 *   FineRouterError 'ABORTED' when `signal` fires; describer errors pass through.
 * @example
 * const embeddings = await encoder.embed(records.map((r) => r.description ?? r.prompt));
 * const { tasks, others } = await discoverTasks(records, embeddings, { seed: 1 });
 */
export async function discoverTasks(
  records: readonly RoutingRecord[],
  embeddings: Float32Array,
  options: DiscoveryOptions = {},
): Promise<DiscoveryResult> {
  const fn = 'discoverTasks';
  if (!Array.isArray(records))
    throw new TypeError(`${fn}: expected records to be an array, received ${typeof records}`);
  const n = records.length;
  if (n === 0) throw new RangeError(`${fn}: expected at least one record, received 0`);
  if (!(embeddings instanceof Float32Array)) {
    throw new TypeError(
      `${fn}: expected embeddings to be a Float32Array, received ${embeddings === null ? 'null' : typeof embeddings}`,
    );
  }
  if (embeddings.length === 0 || embeddings.length % n !== 0) {
    throw new RangeError(
      `${fn}: expected embeddings.length to be a positive multiple of records.length (${n}), received ${embeddings.length}`,
    );
  }
  const d = embeddings.length / n;
  const opts = resolveOptions(options);
  if (options.descriptions !== undefined && options.descriptions.length !== n) {
    throw new RangeError(`${fn}: expected ${n} descriptions, received ${options.descriptions.length}`);
  }
  const signal = options.signal;
  const progress = (stage: DiscoveryStage, done: number, total: number): void =>
    options.onProgress?.(stage, done, total);
  throwIfAborted(signal, fn);

  const x = unitRows(embeddings, n, d, fn);

  // 1. Rankings π_p.
  const models = modelsOf(records);
  const kernel = createRboKernel(models.length, { p: opts.rboP });
  const { promptRankings, promptRanked, mrrTerms } = promptRankingsOf(records, models, kernel, opts.epsilon, fn);
  progress('rankings', n, n);
  await yieldToEventLoop();
  const context: DiscoveryContext = {
    records,
    x,
    n,
    d,
    M: models.length,
    models,
    opts,
    kernel,
    signal,
    progress,
    fn,
    scratch: new Float64Array(n),
  };

  // 2–3. Leiden levels.
  const { promptCommunity, nodeCount, levels } = await clusterLevels(context, promptRanked, mrrTerms);

  // 4. Tasks and Others.
  const { tasks, samples, others, assignment, tasksMs } = buildTasks(
    context,
    promptRankings,
    promptCommunity,
    nodeCount,
    options.descriptions,
  );

  // 5. Descriptions through the describer.
  if (options.describer) await describeTasks(context, options.describer, tasks, samples);

  return { models, tasks, others, assignment, options: opts, stats: { levels, tasksMs } };
}
