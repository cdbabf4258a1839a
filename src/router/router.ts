/**
 * FineRouter inference (paper Sect. 3.3): encoder → task classifier (Sect. 3.1.2) → task-aware MoE quality
 * estimator (Sect. 3.2, the task adapters picked by a Gather inside router.onnx) → Eq. 5 aggregation →
 * selection (Eq. 6 argmax, generalized by IPR's tolerance τ; see ./score.ts).
 *
 * Pure: depends only on the {@link OnnxRuntime} and {@link Encoder} interfaces; `finerouter/node` and
 * `finerouter/web` load artifacts and pass the real runtime in.
 *
 * Deliberate choices:
 *   - Task assignment: the task with the highest classifier probability if it is ≥ `manifest.classifier.threshold`,
 *     otherwise Others (∅). Equal probabilities go to the task listed first in the manifest.
 *   - The classifier and quality-head (router.onnx) graphs always run on the whole batch at once (two runtime calls per batch).
 *   - Integrity (sha256), encoder identity and dimension, graph input/output names and output shapes are all
 *     checked in {@link FineRouter.create}, before the first route: a probe run on a unit embedding checks
 *     that task_probs is [1, T] and quality is [1, M].
 *   - A router holds no per-call mutable state, so concurrent `route()` calls are safe and return what
 *     sequential calls return. `dispose()` waits for the calls in flight, then releases the sessions.
 */
import { FineRouterError } from '../errors.js';
import type { Encoder } from '../encoder/types.js';
import type { OnnxRuntime, RuntimeSession, RuntimeTensor, SessionOptions } from '../runtime/types.js';
import { GRAPH_NAMES, runClassifierHead, runQualityHead } from './contract.js';
import { validateManifest } from './manifest.js';
import type { Manifest } from './manifest.js';
import { aggregateAndSelect, expectedQuality, selectByPrice } from './score.js';
import { routerInputFromMessages } from './messages.js';
import type { ChatMessage, MessagesInputOptions } from './messages.js';

export { GRAPH_NAMES } from './contract.js';

/** What to do when the encoder's id differs from `manifest.encoder.id`. */
export type EncoderCheck = 'error' | 'warn' | 'ignore';

/** Per-call options after defaults and checks (internal to {@link FineRouter}). */
interface ResolvedRouteOptions {
  alpha: number;
  tolerance: number;
  /** 1 for each model the call allows. */
  mask: Uint8Array;
  localWeight: number;
  willingnessToPay: number | undefined;
}

/** Options of {@link FineRouter.create}. */
export interface FineRouterCreateOptions {
  /** The manifest (validated again here with `validateManifest`). */
  manifest: Manifest;
  /** Bytes of the classifier graph (`manifest.classifier.file`). */
  classifierModel: Uint8Array;
  /** Bytes of the quality-head graph, router.onnx (`manifest.router.file`). */
  routerModel: Uint8Array;
  /** The ONNX runtime the sessions are created on. */
  runtime: OnnxRuntime;
  /** The sentence encoder; must produce `manifest.encoder.dimension` dimensions. */
  encoder: Encoder;
  /** Passed to `runtime.createSession` for both heads. @defaultValue {} */
  sessionOptions?: SessionOptions;
  /**
   * Encoder id differs from `manifest.encoder.id`: 'error' throws ENCODER_MISMATCH; 'warn' calls `onWarning`;
   * 'ignore' accepts silently (for a re-exported copy of the same encoder under another id).
   * A dimension mismatch is always an error (DIMENSION_MISMATCH).
   * @defaultValue 'error'
   */
  encoderCheck?: EncoderCheck;
  /** Receives warnings. @defaultValue console.warn */
  onWarning?: (message: string) => void;
  /** Whether `dispose()` also disposes the encoder. @defaultValue false */
  disposeEncoder?: boolean;
  /** Skip the sha256 check of the model bytes (for bytes already verified by the caller). @defaultValue false */
  skipChecksums?: boolean;
  /**
   * Expected USD per query by model id, overriding `manifest.models[].cost` (e.g. after a price change);
   * null marks a cost unknown. Models not named keep the manifest's cost. @defaultValue {}
   */
  costs?: Readonly<Record<string, number | null>>;
}

/**
 * Defaults of {@link FineRouterCreateOptions} and {@link RouteOptions}.
 *
 * @example
 * FINE_ROUTER_DEFAULTS.encoderCheck; // 'error': a manifest from another encoder is refused
 */
export const FINE_ROUTER_DEFAULTS = Object.freeze({
  encoderCheck: 'error' as EncoderCheck,
  disposeEncoder: false,
  skipChecksums: false,
  embedBatchSize: 32,
});

/** Per-call options of {@link FineRouter.route}. */
export interface RouteOptions {
  /** τ ∈ [0, 1]: pick the cheapest model whose final score is ≥ best − τ. @defaultValue manifest.defaults.tolerance */
  tolerance?: number;
  /** α ∈ [0, 1], the Eq. 5 weight of the stage-2 (prompt-specific) score. @defaultValue manifest.defaults.alpha */
  alpha?: number;
  /**
   * ω ∈ [0, 1], the local prior's share of Eq. 5's prior (artifacts with a local prior only; 0 = the paper's
   * Eq. 5). @defaultValue manifest.localPrior.weight
   */
  localWeight?: number;
  /**
   * Willingness to pay λ ≥ 0 (quality points per USD): when given, the router picks argmax of expected quality
   * − λ · cost (expected quality = the same weights on the raw, score-scale components) instead of the τ rule.
   * @defaultValue undefined (τ rule)
   */
  willingnessToPay?: number;
  /** Only these model ids may be chosen (and normalization runs over them). @defaultValue every model */
  allowedModels?: readonly string[];
  /** These model ids may not be chosen. @defaultValue none */
  excludedModels?: readonly string[];
  /**
   * Budget per call: only models whose expected cost per query (manifest `cost`, or the `costs` override) is
   * ≤ maxCost USD may be chosen; models of unknown cost are excluded too. Throws BUDGET_EXCEEDED when no allowed
   * model fits. @defaultValue no limit
   */
  maxCost?: number;
  /** How chat messages become the router's input text (see ./messages.ts). @defaultValue MESSAGES_INPUT_DEFAULTS */
  messages?: MessagesInputOptions;
  /** Aborts before each runtime call. */
  signal?: AbortSignal;
}

/** The task a prompt was assigned to. */
export interface RoutedTask {
  readonly id: number;
  readonly description: string;
  /** Classifier probability of this task. */
  readonly confidence: number;
  readonly candidates: readonly string[];
}

/** Per-model scores of one routed prompt. */
export interface ModelScore {
  readonly model: string;
  /** Raw stage-1 median Q̄ of the assigned task (or Others). */
  readonly stage1: number;
  /** Raw stage-2 estimate Q̃_t(p, M). */
  readonly stage2: number;
  /** Local prior L(p, M) (kNN over training prompts), null when the artifacts have none. */
  readonly local: number | null;
  /** Expected quality on the score scale (α · stage2 + (1 − α) · [(1 − ω) · stage1 + ω · local]). */
  readonly expected: number;
  /** Eq. 5 score in [0, 1]. */
  readonly final: number;
  /** Expected cost per query, null when unknown. */
  readonly cost: number | null;
  /** Whether the final score is within τ of the best. */
  readonly eligible: boolean;
  /** 'task' when a task-specific adapter produced stage2 (model is a candidate of the assigned task), else 'general'. */
  readonly adapter: 'task' | 'general';
}

/** The routing decision for one prompt. */
export interface RouteResult {
  /** The chosen model id. */
  readonly model: string;
  /** The assigned task, or null for Others (∅). */
  readonly task: RoutedTask | null;
  /** Highest classifier probability (equals task.confidence when a task is assigned). */
  readonly topTaskProbability: number;
  /** Considered models, best final score first (ties: manifest order). */
  readonly scores: readonly ModelScore[];
  /** The α and τ used. */
  readonly alpha: number;
  readonly tolerance: number;
  /** One readable sentence saying why. */
  readonly explanation: string;
}

/** sha256 of bytes, lowercase hex, through WebCrypto (Node ≥ 20 and browsers). */
export async function sha256Digest(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle)
    throw new FineRouterError(
      'RUNTIME_MISSING',
      'sha256Digest: WebCrypto (crypto.subtle) is not available; use Node ≥ 20 or a secure browser context',
    );
  // Copy into a plain ArrayBuffer: WebCrypto rejects views over SharedArrayBuffer.
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes.slice().buffer as ArrayBuffer));
  let hex = '';
  for (let i = 0; i < digest.length; i++) hex += digest[i]!.toString(16).padStart(2, '0');
  return hex;
}

function invalid(message: string): FineRouterError {
  return new FineRouterError('INVALID_ARGUMENT', message);
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(3).replace(/\.?0+$/, '');
}

/** Whitespace collapsed, cut to `max` characters with an ellipsis (explanations stay one readable line). */
function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function formatCost(cost: number | null): string {
  if (cost === null) return 'cost unknown';
  return `$${cost.toPrecision(3)}`;
}

async function createChecked(
  runtime: OnnxRuntime,
  bytes: Uint8Array,
  file: string,
  options: SessionOptions,
): Promise<RuntimeSession> {
  try {
    return await runtime.createSession(bytes, options);
  } catch (cause) {
    if (cause instanceof FineRouterError) throw cause;
    throw new FineRouterError(
      'MODEL_INVALID',
      `FineRouter: ${runtime.name} could not load ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

function requireNames(
  session: RuntimeSession,
  file: string,
  inputs: readonly string[],
  outputs: readonly string[],
): void {
  for (const name of inputs) {
    if (!session.inputNames.includes(name)) {
      throw new FineRouterError(
        'MODEL_INVALID',
        `FineRouter: ${file} has no input '${name}' (inputs: ${session.inputNames.join(', ') || 'none'})`,
      );
    }
  }
  for (const name of outputs) {
    if (!session.outputNames.includes(name)) {
      throw new FineRouterError(
        'MODEL_INVALID',
        `FineRouter: ${file} has no output '${name}' (outputs: ${session.outputNames.join(', ') || 'none'})`,
      );
    }
  }
}

/**
 * A loaded FineRouter: routes prompts to models of the pool. Create with {@link FineRouter.create}
 * (pure, bytes in hand) or `loadFineRouter` from `finerouter/node` / `finerouter/web`.
 *
 * @example
 * const router = await FineRouter.create({ manifest, classifierModel, routerModel, runtime, encoder });
 * const { model, task, explanation } = await router.route('Integrate x^2 sin x dx', { tolerance: 0.1 });
 * await router.dispose();
 */
export class FineRouter {
  /** The validated manifest the router was built from. */
  readonly manifest: Manifest;
  /** The encoder embedding prompts. */
  readonly encoder: Encoder;
  readonly #classifier: RuntimeSession;
  readonly #router: RuntimeSession;
  readonly #disposeEncoder: boolean;
  readonly #modelIndex: ReadonlyMap<string, number>;
  readonly #costs: Float64Array;
  readonly #costList: readonly (number | null)[];
  readonly #candidateMasks: readonly Uint8Array[];
  readonly #inFlight = new Set<Promise<unknown>>();
  #disposed = false;

  private constructor(
    manifest: Manifest,
    encoder: Encoder,
    classifier: RuntimeSession,
    router: RuntimeSession,
    disposeEncoder: boolean,
    costs: readonly (number | null)[],
  ) {
    this.manifest = manifest;
    this.encoder = encoder;
    this.#classifier = classifier;
    this.#router = router;
    this.#disposeEncoder = disposeEncoder;
    this.#modelIndex = new Map(manifest.models.map((m, i) => [m.id, i]));
    this.#costList = costs;
    this.#costs = Float64Array.from(costs, (c) => (c === null ? Number.NaN : c));
    this.#candidateMasks = manifest.tasks.map((t) => {
      const mask = new Uint8Array(manifest.models.length);
      for (const c of t.candidates) mask[this.#modelIndex.get(c)!] = 1;
      return mask;
    });
  }

  /**
   * Builds a router from a validated manifest and the two graphs' bytes, checking everything before the
   * first route.
   *
   * @param options - see {@link FineRouterCreateOptions}.
   * @returns the ready router.
   * @throws FineRouterError ARTIFACT_SCHEMA / ARTIFACT_PATH (invalid manifest), ARTIFACT_CHECKSUM (bytes differ from `manifest.files`), DIMENSION_MISMATCH
   *   (encoder dimension), ENCODER_MISMATCH (encoder id, when `encoderCheck` is 'error'), MODEL_INVALID
   *   (a graph fails to load, lacks a contract input/output, or returns the wrong shape), INVALID_ARGUMENT.
   * @example
   * const router = await FineRouter.create({ manifest, classifierModel, routerModel, runtime, encoder });
   */
  static async create(options: FineRouterCreateOptions): Promise<FineRouter> {
    const { classifierModel, routerModel, runtime, encoder } = options;
    // Validated again (cheap, pure): a hand-built or mutated object gets the same checks as a loaded one.
    const manifest = validateManifest(options.manifest);
    if (!(classifierModel instanceof Uint8Array) || !(routerModel instanceof Uint8Array)) {
      throw invalid('FineRouter.create: expected classifierModel and routerModel as Uint8Array');
    }
    if (!runtime || typeof runtime.createSession !== 'function')
      throw invalid('FineRouter.create: expected an OnnxRuntime');
    if (!encoder || typeof encoder.embed !== 'function') throw invalid('FineRouter.create: expected an Encoder');
    const encoderCheck = options.encoderCheck ?? FINE_ROUTER_DEFAULTS.encoderCheck;
    if (encoderCheck !== 'error' && encoderCheck !== 'warn' && encoderCheck !== 'ignore') {
      throw invalid(
        `FineRouter.create: encoderCheck: expected 'error' | 'warn' | 'ignore', received ${String(encoderCheck)}`,
      );
    }

    if (!(options.skipChecksums ?? FINE_ROUTER_DEFAULTS.skipChecksums)) {
      for (const [file, bytes] of [
        [manifest.classifier.file, classifierModel],
        [manifest.router.file, routerModel],
      ] as const) {
        const actual = await sha256Digest(bytes);
        if (actual !== manifest.files[file]) {
          throw new FineRouterError(
            'ARTIFACT_CHECKSUM',
            `FineRouter: ${file} has sha256 ${actual}, manifest says ${manifest.files[file]}; the artifacts are corrupted or from another training run`,
          );
        }
      }
    }
    if (encoder.dimension !== manifest.encoder.dimension) {
      throw new FineRouterError(
        'DIMENSION_MISMATCH',
        `FineRouter: encoder '${encoder.id}' produces ${encoder.dimension} dimensions, the artifacts were trained on ${manifest.encoder.dimension} ('${manifest.encoder.id}')`,
      );
    }
    if (encoder.id !== manifest.encoder.id && encoderCheck !== 'ignore') {
      const message = `FineRouter: encoder '${encoder.id}' differs from the one the artifacts were trained on ('${manifest.encoder.id}'); pass the same encoder, or encoderCheck: 'warn' | 'ignore' if it is the same model under another id`;
      if (encoderCheck === 'error') throw new FineRouterError('ENCODER_MISMATCH', message);
      (options.onWarning ?? ((m: string) => console.warn(m)))(message);
    }

    const costs: (number | null)[] = manifest.models.map((m) => m.cost);
    if (options.costs !== undefined) {
      if (typeof options.costs !== 'object' || options.costs === null)
        throw invalid('FineRouter.create: costs: expected an object of model id → USD per query');
      for (const [id, cost] of Object.entries(options.costs)) {
        const k = manifest.models.findIndex((m) => m.id === id);
        if (k < 0) throw invalid(`FineRouter.create: costs: unknown model ${JSON.stringify(id)}`);
        if (cost !== null && !(typeof cost === 'number' && Number.isFinite(cost) && cost >= 0)) {
          throw invalid(
            `FineRouter.create: costs[${JSON.stringify(id)}]: expected a finite number ≥ 0 or null, received ${String(cost)}`,
          );
        }
        costs[k] = cost;
      }
    }

    const sessionOptions = options.sessionOptions ?? {};
    const classifier = await createChecked(runtime, classifierModel, manifest.classifier.file, sessionOptions);
    let router: RuntimeSession | undefined;
    try {
      router = await createChecked(runtime, routerModel, manifest.router.file, sessionOptions);
      requireNames(classifier, manifest.classifier.file, [GRAPH_NAMES.classifierInput], [GRAPH_NAMES.classifierOutput]);
      requireNames(
        router,
        manifest.router.file,
        [GRAPH_NAMES.qualityHeadEmbedding, GRAPH_NAMES.qualityHeadTask],
        manifest.localPrior
          ? [GRAPH_NAMES.qualityHeadOutput, manifest.localPrior.output]
          : [GRAPH_NAMES.qualityHeadOutput],
      );
      const instance = new FineRouter(
        manifest,
        encoder,
        classifier,
        router,
        options.disposeEncoder ?? FINE_ROUTER_DEFAULTS.disposeEncoder,
        costs,
      );
      // Probe with a unit-length row (real inputs are L2-normalized; a zero row could divide by zero in a graph).
      await instance.#runHeads(
        new Float32Array(manifest.encoder.dimension).fill(1 / Math.sqrt(manifest.encoder.dimension)),
        1,
        undefined,
      );
      return instance;
    } catch (error) {
      await classifier.release().catch(() => undefined);
      await router?.release().catch(() => undefined);
      if (error instanceof FineRouterError) throw error;
      throw new FineRouterError(
        'MODEL_INVALID',
        `FineRouter: the artifact graphs failed a probe run: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  /** Model ids in manifest order. */
  get models(): readonly string[] {
    return this.manifest.models.map((m) => m.id);
  }

  /** Expected cost per query of each model in manifest order (manifest, overridden by the `costs` option). */
  get costs(): readonly (number | null)[] {
    return this.#costList;
  }

  /**
   * Routes one prompt.
   *
   * @param prompt - the prompt text, or a chat conversation (oldest message first) turned into the router's
   *   input text by `routerInputFromMessages` (the documented rule in ./messages.ts).
   * @param options - see {@link RouteOptions}.
   * @returns the chosen model, the assigned task, per-model scores and an explanation.
   * @throws FineRouterError INVALID_ARGUMENT (bad prompt or options, unknown model ids, nothing left to
   *   choose from), ABORTED, DISPOSED.
   * @example
   * const { model } = await router.route('Write a haiku about autumn', { tolerance: 0.05 });
   */
  async route(prompt: string | readonly ChatMessage[], options: RouteOptions = {}): Promise<RouteResult> {
    if (typeof prompt !== 'string' && !Array.isArray(prompt))
      throw invalid(
        `FineRouter.route: expected a string prompt or an array of chat messages, received ${typeof prompt}`,
      );
    const [result] = await this.routeBatch([prompt], options);
    return result!;
  }

  /**
   * Routes many prompts: one encoder call (in batches of 32) and one run of each head for the whole batch.
   *
   * @param prompts - prompt texts or chat conversations (see {@link FineRouter.route}).
   * @param options - applied to every prompt.
   * @returns one result per prompt, in order.
   * @throws FineRouterError as {@link FineRouter.route}.
   * @example
   * const results = await router.routeBatch(['2+2?', 'Translate to French: cat']);
   */
  async routeBatch(
    inputs: readonly (string | readonly ChatMessage[])[],
    options: RouteOptions = {},
  ): Promise<RouteResult[]> {
    if (!Array.isArray(inputs)) throw invalid('FineRouter.routeBatch: expected an array of prompts');
    const prompts = inputs.map((p, i) => {
      if (typeof p === 'string') return p;
      if (!Array.isArray(p))
        throw invalid(
          `FineRouter.routeBatch: expected string prompts or message arrays, received ${typeof p} at index ${i}`,
        );
      try {
        return routerInputFromMessages(p, options?.messages ?? {});
      } catch (cause) {
        throw new FineRouterError(
          'INVALID_ARGUMENT',
          `FineRouter.route: messages at index ${i}: ${(cause as Error).message}`,
          { cause },
        );
      }
    });
    return this.#track(async () => {
      const resolved = this.#resolveOptions(options);
      if (prompts.length === 0) return [];
      this.#checkAbort(options.signal);
      const embeddings = await this.encoder.embed(
        prompts,
        options.signal
          ? { signal: options.signal, batchSize: FINE_ROUTER_DEFAULTS.embedBatchSize }
          : { batchSize: FINE_ROUTER_DEFAULTS.embedBatchSize },
      );
      return this.#routeEmbeddings(embeddings, prompts.length, resolved, options.signal);
    });
  }

  /**
   * Routes prompts already embedded with the manifest's encoder (row-major n × D, L2-normalized rows), for
   * apps that embed elsewhere. Same results as {@link FineRouter.routeBatch} on the same embeddings.
   *
   * @param embeddings - n × D floats.
   * @param options - as {@link FineRouter.route}.
   * @returns one result per row.
   * @throws FineRouterError INVALID_ARGUMENT when the length is not a multiple of D, as route otherwise.
   * @example
   * const [r] = await router.routeEmbeddings(await encoder.embed(['hello']));
   */
  async routeEmbeddings(embeddings: Float32Array, options: RouteOptions = {}): Promise<RouteResult[]> {
    const d = this.manifest.encoder.dimension;
    if (!(embeddings instanceof Float32Array) || embeddings.length % d !== 0) {
      throw invalid(
        `FineRouter.routeEmbeddings: expected a Float32Array of n × ${d} values, received ${embeddings instanceof Float32Array ? embeddings.length : typeof embeddings}`,
      );
    }
    for (let i = 0; i < embeddings.length; i++) {
      if (!Number.isFinite(embeddings[i]!)) throw invalid(`FineRouter.routeEmbeddings: non-finite value at index ${i}`);
    }
    return this.#track(async () => {
      const resolved = this.#resolveOptions(options);
      const n = embeddings.length / d;
      if (n === 0) return [];
      return this.#routeEmbeddings(embeddings, n, resolved, options.signal);
    });
  }

  /**
   * Waits for routes in flight, then releases both sessions (and the encoder when created with
   * `disposeEncoder: true`). Later calls throw DISPOSED; a second dispose is a no-op.
   *
   * @returns when everything is released.
   * @example
   * await router.dispose();
   */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#classifier.release();
    await this.#router.release();
    if (this.#disposeEncoder) await this.encoder.dispose();
  }

  #checkAbort(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new FineRouterError('ABORTED', 'FineRouter.route: aborted', { cause: signal.reason });
  }

  async #track<T>(work: () => Promise<T>): Promise<T> {
    if (this.#disposed) throw new FineRouterError('DISPOSED', 'FineRouter: the router was disposed');
    const promise = work();
    this.#inFlight.add(promise);
    try {
      return await promise;
    } finally {
      this.#inFlight.delete(promise);
    }
  }

  #resolveOptions(options: RouteOptions): ResolvedRouteOptions {
    if (typeof options !== 'object' || options === null) throw invalid('FineRouter.route: options must be an object');
    const alpha = options.alpha ?? this.manifest.defaults.alpha;
    const localWeight = options.localWeight ?? this.manifest.localPrior?.weight ?? 0;
    if (typeof localWeight !== 'number' || !(localWeight >= 0 && localWeight <= 1))
      throw invalid(`FineRouter.route: localWeight: expected a number in [0, 1], received ${String(localWeight)}`);
    const willingnessToPay = options.willingnessToPay;
    if (
      willingnessToPay !== undefined &&
      !(typeof willingnessToPay === 'number' && willingnessToPay >= 0 && Number.isFinite(willingnessToPay))
    ) {
      throw invalid(
        `FineRouter.route: willingnessToPay: expected a finite number ≥ 0, received ${String(willingnessToPay)}`,
      );
    }
    const tolerance = options.tolerance ?? this.manifest.defaults.tolerance;
    if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1))
      throw invalid(`FineRouter.route: alpha: expected a number in [0, 1], received ${String(alpha)}`);
    if (typeof tolerance !== 'number' || !(tolerance >= 0 && tolerance <= 1))
      throw invalid(`FineRouter.route: tolerance: expected a number in [0, 1], received ${String(tolerance)}`);
    const M = this.manifest.models.length;
    const mask = new Uint8Array(M);
    const lookup = (id: unknown, where: string): number => {
      const index = typeof id === 'string' ? this.#modelIndex.get(id) : undefined;
      if (index === undefined)
        throw invalid(
          `FineRouter.route: ${where}: unknown model ${JSON.stringify(id)} (known: ${this.models.join(', ')})`,
        );
      return index;
    };
    if (options.allowedModels !== undefined) {
      if (!Array.isArray(options.allowedModels))
        throw invalid('FineRouter.route: allowedModels: expected an array of model ids');
      for (const id of options.allowedModels) mask[lookup(id, 'allowedModels')] = 1;
    } else {
      mask.fill(1);
    }
    if (options.excludedModels !== undefined) {
      if (!Array.isArray(options.excludedModels))
        throw invalid('FineRouter.route: excludedModels: expected an array of model ids');
      for (const id of options.excludedModels) mask[lookup(id, 'excludedModels')] = 0;
    }
    if (!mask.includes(1))
      throw invalid('FineRouter.route: allowedModels / excludedModels leave no model to choose from');
    if (options.maxCost !== undefined) {
      const { maxCost } = options;
      if (typeof maxCost !== 'number' || !(maxCost >= 0) || !Number.isFinite(maxCost))
        throw invalid(
          `FineRouter.route: maxCost: expected a finite number ≥ 0 (USD per query), received ${String(maxCost)}`,
        );
      for (let k = 0; k < M; k++) {
        const cost = this.#costList[k]!;
        if (cost === null || cost > maxCost) mask[k] = 0;
      }
      if (!mask.includes(1)) {
        const known = this.#costList.filter((c): c is number => c !== null);
        throw new FineRouterError(
          'BUDGET_EXCEEDED',
          `FineRouter.route: maxCost ${maxCost} USD leaves no allowed model (cheapest known cost ${known.length > 0 ? Math.min(...known) : 'none'})`,
        );
      }
    }
    return { alpha, tolerance, mask, localWeight, willingnessToPay };
  }

  /** Runs both heads on n rows (the contract of ./contract.ts); task positions use T for Others. */
  async #runHeads(
    embeddings: Float32Array,
    n: number,
    signal: AbortSignal | undefined,
  ): Promise<{ task: Int32Array; probability: Float32Array; quality: Float32Array; local: Float32Array | null }> {
    const { manifest } = this;
    const embedding: RuntimeTensor<'float32'> = {
      type: 'float32',
      data: embeddings,
      dims: [n, manifest.encoder.dimension],
    };
    this.#checkAbort(signal);
    const { task, probability } = await runClassifierHead(this.#classifier, manifest, embedding);
    this.#checkAbort(signal);
    const { quality, local } = await runQualityHead(this.#router, manifest, embedding, task);
    return { task, probability, quality, local };
  }

  async #routeEmbeddings(
    embeddings: Float32Array,
    n: number,
    resolved: ResolvedRouteOptions,
    signal: AbortSignal | undefined,
  ): Promise<RouteResult[]> {
    const { manifest } = this;
    const M = manifest.models.length;
    const D = manifest.encoder.dimension;
    if (embeddings.length !== n * D) {
      throw new FineRouterError(
        'DIMENSION_MISMATCH',
        `FineRouter: the encoder returned ${embeddings.length} values for ${n} prompts, expected ${n * D}`,
      );
    }
    const heads = await this.#runHeads(embeddings, n, signal);
    const results: RouteResult[] = new Array(n);
    for (let r = 0; r < n; r++) {
      const position = heads.task[r]!;
      const taskEntry = position < manifest.tasks.length ? manifest.tasks[position]! : null;
      const stage1 = taskEntry ? taskEntry.stage1 : manifest.others.stage1;
      const stage2 = heads.quality.subarray(r * M, (r + 1) * M);
      const local = heads.local ? heads.local.subarray(r * M, (r + 1) * M) : undefined;
      const omega = local ? resolved.localWeight : 0;
      const selection = aggregateAndSelect(
        stage1,
        stage2,
        this.#costs,
        resolved.mask,
        resolved.alpha,
        resolved.tolerance,
        local,
        omega,
      );
      const expected = expectedQuality(stage1, stage2, resolved.alpha, local, omega);
      const priced =
        resolved.willingnessToPay !== undefined
          ? selectByPrice(expected, this.#costs, resolved.mask, resolved.willingnessToPay)
          : -1;
      const sel = priced >= 0 ? { ...selection, selected: priced } : selection;
      const candidateMask = taskEntry ? this.#candidateMasks[position]! : undefined;
      const order: number[] = [];
      for (let k = 0; k < M; k++) if (resolved.mask[k] === 1) order.push(k);
      order.sort((a, b) => sel.final[b]! - sel.final[a]! || a - b);
      const scores: ModelScore[] = order.map((k) => ({
        model: manifest.models[k]!.id,
        stage1: stage1[k]!,
        stage2: stage2[k]!,
        local: local ? local[k]! : null,
        expected: expected[k]!,
        final: sel.final[k]!,
        cost: this.#costList[k]!,
        eligible: sel.eligible[k] === 1,
        adapter: candidateMask?.[k] === 1 ? 'task' : 'general',
      }));
      const task: RoutedTask | null = taskEntry
        ? {
            id: taskEntry.id,
            description: taskEntry.description,
            confidence: heads.probability[r]!,
            candidates: taskEntry.candidates,
          }
        : null;
      results[r] = {
        model: manifest.models[sel.selected]!.id,
        task,
        topTaskProbability: heads.probability[r]!,
        scores,
        alpha: resolved.alpha,
        tolerance: resolved.tolerance,
        explanation: this.#explain(
          task,
          heads.probability[r]!,
          sel.selected,
          sel.best,
          sel.final,
          sel.eligible,
          resolved,
          expected,
        ),
      };
    }
    return results;
  }

  #explain(
    task: RoutedTask | null,
    topProbability: number,
    selected: number,
    best: number,
    final: Float64Array,
    eligible: Uint8Array,
    resolved: ResolvedRouteOptions,
    expected?: Float64Array,
  ): string {
    const { manifest } = this;
    const id = (k: number): string => manifest.models[k]!.id;
    const parts: string[] = [];
    if (task) {
      parts.push(
        `task ${task.id} '${shorten(task.description, 80)}' (confidence ${formatNumber(task.confidence)}); candidates ${task.candidates.join(', ') || 'none'}`,
      );
    } else {
      parts.push(
        `no task (Others: top classifier probability ${formatNumber(topProbability)} < threshold ${formatNumber(manifest.classifier.threshold)}); general adapters only`,
      );
    }
    const lp = manifest.localPrior;
    if (lp && resolved.localWeight > 0) {
      parts.push(
        `prior ${formatNumber(1 - resolved.localWeight)}× task + ${formatNumber(resolved.localWeight)}× local (${
          lp.estimator === 'classifier'
            ? `${lp.groups} classifier${lp.k > 0 ? ` + β ${formatNumber(lp.beta)} × ${lp.k} nearest of ${lp.rows} training prompts` : ''}`
            : `${lp.k} nearest of ${lp.rows} training prompts, ${lp.groups}-smoothed`
        })`,
      );
    }
    const considered = resolved.mask.reduce((a, b) => a + b, 0);
    if (considered < manifest.models.length) parts.push(`${considered} of ${manifest.models.length} models allowed`);
    const chosen = id(selected);
    const score = `final ${formatNumber(final[selected]!)}`;
    const cost = formatCost(this.#costList[selected]!);
    if (resolved.willingnessToPay !== undefined && expected) {
      parts.push(
        `${chosen} maximizes expected quality − λ·cost at λ=${formatNumber(resolved.willingnessToPay)} (expected ${formatNumber(expected[selected]!)}, ${cost}; best-scoring ${id(best)} expected ${formatNumber(expected[best]!)}, ${formatCost(this.#costList[best]!)})`,
      );
      return parts.join('; ');
    }
    if (selected === best) {
      const within = [];
      for (let k = 0; k < eligible.length; k++) if (eligible[k] === 1 && k !== selected) within.push(id(k));
      if (resolved.tolerance > 0 && within.length > 0) {
        parts.push(
          `${chosen} has the best score (${score}, ${cost}); also within τ=${formatNumber(resolved.tolerance)}: ${within.join(', ')}, none cheaper`,
        );
      } else {
        parts.push(`${chosen} has the best score (${score}, ${cost}, α=${formatNumber(resolved.alpha)})`);
      }
    } else {
      parts.push(
        `${chosen} (${score}, ${cost}) is within τ=${formatNumber(resolved.tolerance)} of the best ${id(best)} (final ${formatNumber(final[best]!)}, ${formatCost(this.#costList[best]!)}) and the cheapest such model`,
      );
    }
    return parts.join('; ');
  }
}
