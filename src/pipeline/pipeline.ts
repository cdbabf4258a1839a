/**
 * The one training pipeline of finerouter (paper Sect. 3): routing records → frozen embeddings → Stage 1 task
 * discovery (Sect. 3.1.1) → training of Stage 1's task classifier (Sect. 3.1.2) and Stage 2's quality head, the
 * mixture-of-experts quality estimator (Sect. 3.2) → artifacts. Every
 * command that trains (`finerouter train`, `eval`, `demo`) and the examples call {@link buildRouter}; nothing
 * else strings these steps together, so they cannot drift apart again.
 *
 * Pure: no fs, no runtime. Embedding goes through an injected {@link PipelineEmbedder} (the Node adapter
 * `cachedEmbedder` wraps the on-disk embedding cache); writing goes through an injected `write` step (the Node
 * adapter `writeArtifacts`).
 *
 * Conventions (one for every caller; earlier copies differed):
 * - Discovery embeds `record.description ?? record.prompt` (the paper clusters descriptions); the heads are
 *   trained on prompt embeddings. Without descriptions both are the same vectors and are embedded once.
 * - Task description embeddings initialize the classifier only when a describer wrote the descriptions;
 *   otherwise discovery's median-pooled centers do (see trainRouter).
 * - One `seed` drives discovery, the split, initialization and shuffles.
 *
 * Stable API (re-exported by `finerouter/train`): {@link buildRouter}(records, { embedder, seed?, discover?,
 * train?, promptEmbeddings?, discovery?, write?, onProgress?, signal? }) → { embeddings, embedded, discovery,
 * training, manifest, ms }; the steps on their own, {@link embedRecords}, {@link discoverStep}, {@link trainStep};
 * progress as one callback of {@link PipelineProgress} events `{ step, stage, done, total, detail? }`; abort as an
 * AbortSignal, checked between steps and inside discovery and training (an abort fired from a timer stops the run
 * with FineRouterError ABORTED).
 */
import type { RoutingRecord } from '../data/types.js';
import { discoverTasks } from '../discovery/discover.js';
import type { DiscoveryOptions, DiscoveryResult, DiscoveryStage } from '../discovery/types.js';
import { FineRouterError, throwIfAborted } from '../errors.js';
import type { Manifest } from '../router/manifest.js';
import { trainRouter, type TrainRouterOptions, type TrainRouterResult } from '../train/train-router.js';

/** Embeds texts for the pipeline; `embedded` counts texts that were not already cached (0 without a cache). */
export interface PipelineEmbedder {
  /** Encoder identity written into the manifest. */
  readonly id: string;
  /** Embedding dimension D. */
  readonly dimension: number;
  /**
   * Embeds texts into row-major [texts.length, D] L2-normalized rows.
   * @throws FineRouterError ABORTED when `signal` fires.
   */
  embed(
    texts: readonly string[],
    options?: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal },
  ): Promise<{ embeddings: Float32Array; embedded: number }>;
}

/** The four steps of {@link buildRouter}, in order. */
export type PipelineStep = 'embed' | 'discover' | 'train' | 'write';

/** One progress event of {@link buildRouter}. */
export interface PipelineProgress {
  /** The step running. */
  step: PipelineStep;
  /**
   * What inside the step: `prompts` / `descriptions` / `tasks` (embed), a {@link DiscoveryStage} (discover),
   * `classifier` / `general` / `tasks` / `export` (train), `artifacts` (write).
   */
  stage: string;
  /** Units done and total (texts, nodes, epochs, files). */
  done: number;
  total: number;
  /** Free text such as losses, when the step has any. */
  detail?: string;
}

/** Options of {@link buildRouter}. */
export interface BuildRouterOptions {
  /** Embeds prompts, descriptions and task descriptions. */
  embedder: PipelineEmbedder;
  /**
   * Precomputed prompt embeddings, row-major [records.length, D] from the same encoder (e.g. shipped
   * vectors); the embed step then embeds only descriptions that differ from the prompts.
   */
  promptEmbeddings?: Float32Array;
  /** A discovery over the same records (e.g. from tasks.json); skips the discover step. */
  discovery?: DiscoveryResult;
  /** Seed of discovery, split, initialization and shuffles. @defaultValue 42 */
  seed?: number;
  /** Discovery options other than seed, progress and signal. @defaultValue DISCOVERY_DEFAULTS */
  discover?: Omit<DiscoveryOptions, 'seed' | 'onProgress' | 'signal'>;
  /** Training options other than encoder, seed, task embeddings, progress and signal. @defaultValue TRAIN_ROUTER_DEFAULTS */
  train?: Omit<TrainRouterOptions, 'encoder' | 'seed' | 'taskEmbeddings' | 'onProgress' | 'signal'>;
  /**
   * The artifacts step: persists the trained heads and returns the manifest as written (with checksums).
   * Node: `(result) => writeArtifacts(dir, result)`. Without it nothing is written and `manifest` is null.
   */
  write?: (result: TrainRouterResult) => Promise<Manifest>;
  /** Progress of every step. */
  onProgress?: (event: PipelineProgress) => void;
  /** Checked between steps and inside them; aborting throws FineRouterError ABORTED. */
  signal?: AbortSignal;
}

/** Result of {@link buildRouter}. */
export interface BuildRouterResult {
  /** Row-major [records.length, D] prompt embeddings (what the heads were trained on). */
  embeddings: Float32Array;
  /** Texts embedded anew (not from a cache or `promptEmbeddings`). */
  embedded: number;
  /** The Stage 1 result used (given or discovered). */
  discovery: DiscoveryResult;
  /** The Stage 2 result: ONNX bytes, manifest draft and figures. */
  training: TrainRouterResult;
  /** The manifest as written by `write`, or null without a write step. */
  manifest: Manifest | null;
  /** Wall milliseconds per step. */
  ms: Record<PipelineStep, number>;
}

/**
 * Defaults of {@link BuildRouterOptions}.
 *
 * @example
 * await buildRouter(records, { embedder, seed: BUILD_ROUTER_DEFAULTS.seed }); // the default seed, 42
 */
export const BUILD_ROUTER_DEFAULTS = Object.freeze({ seed: 42 });

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Lets timers (an abort fired from setTimeout) and progress rendering run between steps. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Step 1: prompt embeddings, and the discovery input (`description ?? prompt`) when it differs.
 *
 * @example
 * const { prompts, descriptions, embedded } = await embedRecords(records, { embedder: cachedEmbedder(encoder) });
 */
export async function embedRecords(
  records: readonly RoutingRecord[],
  options: Pick<BuildRouterOptions, 'embedder' | 'promptEmbeddings' | 'onProgress' | 'signal'>,
): Promise<{ prompts: Float32Array; descriptions: Float32Array; embedded: number }> {
  const { embedder, signal } = options;
  const d = embedder.dimension;
  const run = async (
    stage: string,
    texts: readonly string[],
  ): Promise<{ embeddings: Float32Array; embedded: number }> =>
    embedder.embed(texts, {
      onProgress: (done, total) => options.onProgress?.({ step: 'embed', stage, done, total }),
      ...(signal ? { signal } : {}),
    });
  let prompts: Float32Array;
  let embedded = 0;
  if (options.promptEmbeddings) {
    if (options.promptEmbeddings.length !== records.length * d) {
      throw new RangeError(
        `buildRouter: expected promptEmbeddings of ${records.length} × ${d} values, received ${options.promptEmbeddings.length}`,
      );
    }
    prompts = options.promptEmbeddings;
  } else {
    const out = await run(
      'prompts',
      records.map((r) => r.prompt),
    );
    prompts = out.embeddings;
    embedded += out.embedded;
  }
  const hasDescriptions = records.some((r) => typeof r.description === 'string' && r.description.length > 0);
  if (!hasDescriptions) return { prompts, descriptions: prompts, embedded };
  throwIfAborted(signal, 'buildRouter');
  const out = await run(
    'descriptions',
    records.map((r) => r.description ?? r.prompt),
  );
  return { prompts, descriptions: out.embeddings, embedded: embedded + out.embedded };
}

/**
 * Step 2: Stage 1 task discovery over the description embeddings (skipped when a discovery is given).
 *
 * @example
 * const discovery = await discoverStep(records, descriptions, { seed: 42, signal });
 */
export async function discoverStep(
  records: readonly RoutingRecord[],
  descriptionEmbeddings: Float32Array,
  options: Pick<BuildRouterOptions, 'discovery' | 'discover' | 'seed' | 'onProgress' | 'signal'>,
): Promise<DiscoveryResult> {
  if (options.discovery) {
    if (options.discovery.assignment.length !== records.length) {
      throw new RangeError(
        `buildRouter: the given discovery covers ${options.discovery.assignment.length} records, received ${records.length}`,
      );
    }
    return options.discovery;
  }
  return coded('discover', () =>
    discoverTasks(records, descriptionEmbeddings, {
      ...options.discover,
      seed: options.seed ?? BUILD_ROUTER_DEFAULTS.seed,
      onProgress: (stage: DiscoveryStage, done: number, total: number) =>
        options.onProgress?.({ step: 'discover', stage, done, total }),
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  );
}

/**
 * Runs a pure step; its TypeError / RangeError / Error (bad data reaching discovery or training) becomes a
 * FineRouterError DATA_INVALID naming the step, with the original as `cause`, so callers and the CLI always get
 * a code (issue #13 item 7).
 */
async function coded<T>(step: PipelineStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof FineRouterError) throw error;
    throw new FineRouterError(
      'DATA_INVALID',
      `buildRouter (${step}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Step 3: training (Stage 1's task classifier, Stage 2's quality head, Eq. 5 settings) and ONNX export.
 *
 * @example
 * const training = await trainStep(records, prompts, discovery, { embedder, seed: 42 });
 */
export async function trainStep(
  records: readonly RoutingRecord[],
  promptEmbeddings: Float32Array,
  discovery: DiscoveryResult,
  options: Pick<BuildRouterOptions, 'embedder' | 'train' | 'seed' | 'onProgress' | 'signal'>,
): Promise<TrainRouterResult> {
  const { embedder, signal } = options;
  // Task encodings start from description embeddings when a describer wrote them, else from the centers.
  let taskEmbeddings: Float32Array | undefined;
  if (discovery.options.describer !== null && discovery.tasks.length > 0) {
    taskEmbeddings = (
      await embedder.embed(
        discovery.tasks.map((task) => task.description),
        {
          onProgress: (done, total) => options.onProgress?.({ step: 'embed', stage: 'tasks', done, total }),
          ...(signal ? { signal } : {}),
        },
      )
    ).embeddings;
  }
  return coded('train', () =>
    trainRouter(records, promptEmbeddings, discovery, {
      ...options.train,
      encoder: { id: embedder.id, dimension: embedder.dimension },
      seed: options.seed ?? BUILD_ROUTER_DEFAULTS.seed,
      ...(taskEmbeddings ? { taskEmbeddings } : {}),
      onProgress: (stage, done, total, detail) =>
        options.onProgress?.({ step: 'train', stage, done, total, ...(detail !== undefined ? { detail } : {}) }),
      ...(signal ? { signal } : {}),
    }),
  );
}

/**
 * Trains a FineRouter from routing records: embed → discover → train → write artifacts.
 * Deterministic for a seed (given the same embeddings); pure apart from the injected embedder and writer.
 *
 * @param records - routing records to train on (split them beforehand: every record given is used).
 * @param options - see {@link BuildRouterOptions}.
 * @returns embeddings, discovery, training result, the written manifest and per-step timings.
 * @throws RangeError when sizes disagree; FineRouterError DATA_INVALID when discovery or training rejects the
 *   data (e.g. discovery finds no task; the pure function's error is the `cause`), ABORTED when `signal` fires;
 *   embedder and writer errors pass through.
 * @example
 * import { loadMiniLmEncoder, cachedEmbedder, writeArtifacts, readRoutingJsonl } from 'finerouter/node';
 * import { buildRouter } from 'finerouter/train';
 * const { records } = await readRoutingJsonl('routing.jsonl', { split: 'train' });
 * const encoder = await loadMiniLmEncoder();
 * const { manifest } = await buildRouter(records, {
 *   embedder: cachedEmbedder(encoder),
 *   write: (result) => writeArtifacts('artifacts', result),
 *   signal: AbortSignal.timeout(600_000),
 * });
 */
export async function buildRouter(
  records: readonly RoutingRecord[],
  options: BuildRouterOptions,
): Promise<BuildRouterResult> {
  if (!Array.isArray(records) || records.length === 0) {
    throw new RangeError(
      `buildRouter: expected a non-empty array of records, received ${Array.isArray(records) ? 0 : typeof records}`,
    );
  }
  const { signal } = options;
  const ms: Record<PipelineStep, number> = { embed: 0, discover: 0, train: 0, write: 0 };
  throwIfAborted(signal, 'buildRouter');

  let t = now();
  const embedded = await embedRecords(records, options);
  ms.embed = now() - t;
  await yieldToEventLoop();
  throwIfAborted(signal, 'buildRouter');

  t = now();
  const discovery = await discoverStep(records, embedded.descriptions, options);
  ms.discover = now() - t;
  await yieldToEventLoop();
  throwIfAborted(signal, 'buildRouter');

  t = now();
  const training = await trainStep(records, embedded.prompts, discovery, options);
  ms.train = now() - t;
  await yieldToEventLoop();
  throwIfAborted(signal, 'buildRouter');

  let manifest: Manifest | null = null;
  if (options.write) {
    t = now();
    options.onProgress?.({ step: 'write', stage: 'artifacts', done: 0, total: 1 });
    manifest = await options.write(training);
    options.onProgress?.({ step: 'write', stage: 'artifacts', done: 1, total: 1 });
    ms.write = now() - t;
  }
  return { embeddings: embedded.prompts, embedded: embedded.embedded, discovery, training, manifest, ms };
}
