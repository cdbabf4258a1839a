/**
 * Types of Stage 1 offline task discovery (FineRouter, arXiv 2603.19415, Sect. 3.1.1 and Appendix B)
 * and the versioned `tasks.json` file it writes. Pure: no runtime, no fs.
 *
 * Consumers: src/train (classifier labels = `assignment`, task adapters = `candidates`),
 * src/router (manifest `tasks[].stage1`, `others.stage1`), src/eval (stage-1-only baselines).
 */

/** Stages reported through {@link DiscoveryOptions.onProgress}, in the order they run. */
export type DiscoveryStage =
  /** Per-prompt rankings π_p built from the scores. */
  | 'rankings'
  /** k-nearest-neighbour search over the embeddings (first level) or the summaries (later levels). */
  | 'knn'
  /** RBO on every candidate edge and the edge filter. */
  | 'rbo'
  /** Leiden community detection; `done` counts levels finished out of `iterations`. */
  | 'leiden'
  /** Community summaries (median-pooled embedding, MRR-fused ranking) for the next level. */
  | 'summaries'
  /** Per-task candidates, stage-1 medians, medoids. */
  | 'tasks'
  /** Task descriptions through the Describer (only when one is given). */
  | 'describe';

/**
 * Writes one sentence per prompt (or per task, from sample prompts) describing the domain and the
 * type of task, not its answer (paper Appendix A). The offline default is `promptDescriber`, which
 * returns the prompt text itself (truncated); `createOpenAiDescriber` (adapters) calls an
 * OpenAI-compatible chat-completions endpoint.
 */
export interface Describer {
  /** Stable identity, part of cache keys and written into tasks.json, e.g. 'prompt' or 'openai:gpt-4o-mini'. */
  readonly id: string;
  /**
   * One description per input text, same order and length.
   * @throws FineRouterError ('HTTP_ERROR', 'ABORTED') from network describers.
   */
  describe(texts: readonly string[], options?: DescribeOptions): Promise<string[]>;
  /**
   * Optional: one summarizing description per group of member descriptions (a task's samples,
   * paper Sect. 3.1.2 "LLM-generated summarizing task descriptions for each prompt cluster").
   * When absent, discovery calls `describe` on the samples joined one per line.
   */
  summarize?(groups: readonly (readonly string[])[], options?: DescribeOptions): Promise<string[]>;
}

/** Options of one {@link Describer} call: abort and progress. */
export interface DescribeOptions {
  signal?: AbortSignal;
  /** Called as descriptions complete: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** `fused` entries: MRR score (paper Eq. 4) per model, descending, ties by model id. */
export interface FusedScore {
  item: string;
  score: number;
}

/** One discovered task type t_i (a final-level Leiden community of at least `minTaskSize` prompts). */
export interface DiscoveredTask {
  /** 0..tasks.length-1; tasks are numbered by decreasing size, ties by smallest member index. */
  id: number;
  /** Number of prompts (records) in the task. */
  size: number;
  /** Representative description: the Describer's task summary when one was given, else the medoid's description. */
  description: string;
  /**
   * Candidate models ℒ_i, chosen by coverage δ (Sect. 3.1.1 "Candidate Model Selection"), in fused order.
   * Never empty.
   */
  candidates: string[];
  /** Coverage reached by `candidates` (share of members whose best model (any of a top tie) is among them), ≥ δ. */
  coverage: number;
  /** MRR-fused ranking of all models over the members (Eq. 4, ε = `epsilon`). */
  fused: FusedScore[];
  /**
   * Stage-1 score Q̄_t(M) per model (Eq. 5): median quality over the members that have a result for M.
   * A model with no result on any member gets the median over all records that have one (documented fallback).
   */
  stage1: Record<string, number>;
  /** Median-pooled, re-normalized embedding of the members (length = embedding dimension). */
  center: number[];
  /** Record indices (into the input `records`), ascending. */
  members: number[];
  /** Record index of the medoid: the member whose embedding has the highest cosine to `center` (ties: lowest index). */
  medoid: number;
  /** Most frequent `source` labels among members, descending count, ties by name; at most 5. Empty when no record has a source. */
  sources: { source: string; count: number }[];
}

/** The "Others" group (t = ∅): prompts in no community of at least `minTaskSize`. */
export interface DiscoveryOthers {
  size: number;
  /** Median quality per model over the Others prompts (same fallback as tasks); all-model medians when Others is empty. */
  stage1: Record<string, number>;
  /** MRR-fused ranking over the Others prompts (empty list when Others is empty). */
  fused: FusedScore[];
  /** Record indices, ascending. */
  members: number[];
}

/** Diagnostics of one clustering level (level 0 = prompts, then summaries). */
export interface DiscoveryLevelStats {
  /** Nodes clustered at this level (prompts, then communities of the previous level). */
  nodes: number;
  /** Undirected kNN candidate edges before the RBO filter. */
  candidateEdges: number;
  /** Edges kept (RBO ≥ τ). */
  keptEdges: number;
  /** Communities found by Leiden at this level. */
  communities: number;
  /** kNN method used at this level. */
  knn: 'exact' | 'approximate';
  /** Milliseconds spent per step at this level. */
  ms: { knn: number; rbo: number; leiden: number; summaries: number };
}

/** Figures of one discovery run: graph sizes, Leiden levels, tasks and Others, wall times. */
export interface DiscoveryStats {
  levels: DiscoveryLevelStats[];
  /** Milliseconds building per-task output (candidates, medians, medoids, descriptions). */
  tasksMs: number;
}

/**
 * Every option of {@link discoverTasks}. The paper's values (Appendix B) are the defaults.
 */
export interface DiscoveryOptions {
  /** Nearest neighbours per prompt in the kNN graph. @defaultValue 5 */
  k?: number;
  /** RBO threshold τ: candidate edges with RBO (extrapolated, `ext`) below it are dropped. @defaultValue 0.4 */
  rboThreshold?: number;
  /** RBO persistence p. @defaultValue 0.9 */
  rboP?: number;
  /** Number of Leiden passes ℓ: one over prompts, then ℓ − 1 over community summaries. @defaultValue 3 */
  iterations?: number;
  /**
   * A summary level (1..ℓ−1) runs only when the previous level left at least this many communities:
   * on fewer nodes the k-NN graph is nearly complete and Leiden merges everything (measured: 60
   * prompts → 15 → 5 → 1 community). Level 0 always runs.
   * @defaultValue 50
   */
  minLevelNodes?: number;
  /** Candidate coverage threshold δ. @defaultValue 0.8 */
  coverage?: number;
  /** MRR constant ε (Eq. 4). @defaultValue 60 */
  epsilon?: number;
  /**
   * Lower end of the min-max normalization of cosine and RBO before the geometric mean (0 = the
   * literal reading, where the weakest kept edges get weight 0 and vanish; see docs/discovery.md).
   * @defaultValue 0.05
   */
  weightFloor?: number;
  /**
   * Leiden quality function. CPM by default: it has no resolution limit, so every level merges only
   * groups denser than γ whatever the number of nodes; with modularity the small summary graphs of
   * levels ≥ 1 collapse (measured on llmrouter-dcrouter train: 17 → 3 → 1 community; docs/discovery.md).
   * @defaultValue 'cpm'
   */
  objective?: 'modularity' | 'cpm';
  /**
   * Leiden resolution γ. For CPM it is a density threshold in edge-weight units (weights are in
   * [0, 1] after normalization); for modularity the usual γ (1 = Newman–Girvan).
   * @defaultValue 0.2
   */
  resolution?: number;
  /** Leiden refinement randomness θ. @defaultValue 0.01 */
  randomness?: number;
  /** Final communities smaller than this go to Others. @defaultValue 5 */
  minTaskSize?: number;
  /** Seed for Leiden and the approximate kNN; same seed ⇒ same tasks. @defaultValue 42 */
  seed?: number;
  /** kNN method: 'auto' uses exact search up to `exactKnnMaxNodes` nodes, approximate above. @defaultValue 'auto' */
  knn?: 'auto' | 'exact' | 'approximate';
  /** Largest node count searched exactly when `knn` is 'auto'. @defaultValue 10000 */
  exactKnnMaxNodes?: number;
  /**
   * Per-record descriptions (e.g. from a Describer, or `record.description`) used for the medoid
   * description; defaults to `record.description ?? record.prompt`.
   */
  descriptions?: readonly string[];
  /** When given, writes each task's description from up to `describeSamples` member descriptions. */
  describer?: Describer;
  /** Member descriptions sent to the describer per task. @defaultValue 8 */
  describeSamples?: number;
  /** Progress: (stage, done, total). */
  onProgress?: (stage: DiscoveryStage, done: number, total: number) => void;
  signal?: AbortSignal;
}

/** The numeric and categorical options after defaults, as recorded in the result and tasks.json. */
export interface ResolvedDiscoveryOptions {
  k: number;
  rboThreshold: number;
  rboP: number;
  iterations: number;
  minLevelNodes: number;
  coverage: number;
  epsilon: number;
  weightFloor: number;
  objective: 'modularity' | 'cpm';
  resolution: number;
  randomness: number;
  minTaskSize: number;
  seed: number;
  knn: 'auto' | 'exact' | 'approximate';
  exactKnnMaxNodes: number;
  describeSamples: number;
  /** Describer id used for task descriptions, or null for medoid descriptions. */
  describer: string | null;
}

/**
 * Defaults of {@link DiscoveryOptions} (paper Appendix B).
 *
 * @example
 * await discoverTasks(records, embeddings, { ...DISCOVERY_DEFAULTS, k: 10 }); // a denser kNN graph
 */
export const DISCOVERY_DEFAULTS: Readonly<Omit<ResolvedDiscoveryOptions, 'describer'>> = Object.freeze({
  k: 5,
  rboThreshold: 0.4,
  rboP: 0.9,
  iterations: 3,
  minLevelNodes: 50,
  coverage: 0.8,
  epsilon: 60,
  weightFloor: 0.05,
  objective: 'cpm',
  resolution: 0.2,
  randomness: 0.01,
  minTaskSize: 5,
  seed: 42,
  knn: 'auto',
  exactKnnMaxNodes: 10000,
  describeSamples: 8,
});

/** Result of {@link discoverTasks}. */
export interface DiscoveryResult {
  /** All models, sorted (union over records). Stage-1 records and fused lists use these ids. */
  models: string[];
  tasks: DiscoveredTask[];
  others: DiscoveryOthers;
  /** Record index → task id, −1 for Others. Every record is in exactly one task or Others. */
  assignment: Int32Array;
  options: ResolvedDiscoveryOptions;
  stats: DiscoveryStats;
}

/**
 * Schema tag of tasks.json.
 *
 * @example
 * if (json.schema !== TASKS_SCHEMA) throw new Error('not a tasks.json');
 */
export const TASKS_SCHEMA = 'finerouter/tasks' as const;
/**
 * Version of tasks.json this build reads and writes.
 *
 * @example
 * if (json.version !== TASKS_VERSION) throw new Error('tasks.json from another finerouter version');
 */
export const TASKS_VERSION = 1 as const;

/**
 * `tasks.json`: the versioned JSON form of a {@link DiscoveryResult} (docs/discovery.md).
 * `assignment[i]` is the task id of record `ids[i]` (−1 = Others); the record order is the input order.
 */
export interface TasksFile {
  schema: typeof TASKS_SCHEMA;
  version: typeof TASKS_VERSION;
  /** ISO-8601 time of writing. */
  createdAt: string;
  /** Encoder used for the embeddings, when known. */
  encoder: { id: string; dimension: number } | null;
  /** Where the records came from (free text, e.g. the data path and split), when known. */
  data: { path?: string; split?: string; records: number };
  models: string[];
  options: ResolvedDiscoveryOptions;
  tasks: DiscoveredTask[];
  others: DiscoveryOthers;
  /** Record ids in input order. */
  ids: string[];
  /** Task id per record (aligned with `ids`), −1 = Others. */
  assignment: number[];
  stats: DiscoveryStats;
}
