/**
 * Shared glue between our {@link OnnxRuntime} interface and an onnxruntime JS module (onnxruntime-node or
 * onnxruntime-web, which share onnxruntime-common's API). The module is passed in, so this file imports
 * no runtime itself; src/adapters/node/runtime.ts and src/adapters/web/runtime.ts load the real one.
 *
 * Provider rule (same on Node and web):
 * 1. The caller's providers are tried as one list, in order (onnxruntime assigns each node to the first
 *    provider that supports it).
 * 2. If creating the session fails and the list names a provider other than the final fallback provider
 *    (cpu on Node, wasm on web): with `fallback: 'cpu'` (the default; on web it means "fall back to wasm") the session is created again with the
 *    fallback provider alone, `executionProvider` reports it and `onFallback` is called with the reason;
 *    with `fallback: 'error'` a FineRouterError PROVIDER_UNAVAILABLE is thrown carrying the reason.
 * 3. A provider that failed once is remembered by the runtime instance and not retried for later sessions.
 * onnxruntime itself does not do step 2: `['cuda', 'cpu']` without CUDA libraries fails outright.
 */
import { FineRouterError } from '../errors.js';
import { OnnxGraphBuilder } from '../onnx/builder.js';
import type { OnnxRuntime, RuntimeSession, RuntimeTensor, SessionOptions, TensorType } from '../runtime/types.js';

/** The part of an onnxruntime tensor we read. */
export interface OrtTensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** The part of an onnxruntime InferenceSession we use. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/** The part of an onnxruntime module we use (onnxruntime-node and onnxruntime-web both fit). */
export interface OrtModuleLike {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike>;
  };
  readonly Tensor: new (type: TensorType, data: RuntimeTensor['data'], dims: readonly number[]) => OrtTensorLike;
}

/** How a runtime reacts when a requested accelerator is unavailable. */
export type ProviderFallback = 'cpu' | 'error';

/** Settings fixed when a runtime adapter is created. */
export interface OrtRuntimeConfig {
  /** e.g. 'onnxruntime-node 1.30.0'. */
  readonly name: string;
  /** Loads the module (lazily, once); throws FineRouterError RUNTIME_MISSING when absent. */
  readonly load: () => Promise<OrtModuleLike>;
  readonly executionProviders: readonly string[];
  readonly fallbackProvider: string;
  readonly fallback: ProviderFallback;
  readonly intraOpNumThreads: number | undefined;
  /**
   * onnxruntime's `session.intra_op.allow_spinning` session config entry: whether idle intra-op pool
   * threads busy-wait for the next task; `undefined` leaves onnxruntime's default (spinning on).
   */
  readonly intraOpSpinning?: boolean | undefined;
  readonly onFallback: ((provider: string, reason: Error) => void) | undefined;
  /** Optional cheap availability check per accelerator; resolves to the reason it is unavailable, or undefined. */
  readonly precheck?: ((provider: string) => Promise<Error | undefined>) | undefined;
}

const TENSOR_TYPES: ReadonlySet<string> = new Set(['float32', 'int64', 'int32', 'bool']);

function fromOrt(name: string, t: OrtTensorLike): RuntimeTensor {
  if (!TENSOR_TYPES.has(t.type)) {
    throw new FineRouterError(
      'MODEL_INVALID',
      `runtime: output '${name}' has element type ${t.type}; expected float32, int64, int32 or bool`,
    );
  }
  return { type: t.type as TensorType, data: t.data as RuntimeTensor['data'], dims: Array.from(t.dims) };
}

class OrtSession implements RuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly executionProvider: string;
  private readonly ort: OrtModuleLike;
  private readonly session: OrtSessionLike;

  constructor(ort: OrtModuleLike, session: OrtSessionLike, provider: string) {
    this.ort = ort;
    this.session = session;
    this.inputNames = Array.from(session.inputNames);
    this.outputNames = Array.from(session.outputNames);
    this.executionProvider = provider;
  }

  async run(feeds: Readonly<Record<string, RuntimeTensor>>): Promise<Record<string, RuntimeTensor>> {
    const ortFeeds: Record<string, OrtTensorLike> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new this.ort.Tensor(t.type, t.data, t.dims);
    const out = await this.session.run(ortFeeds);
    const result: Record<string, RuntimeTensor> = {};
    for (const [name, t] of Object.entries(out)) result[name] = fromOrt(name, t);
    return result;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

let probeBytes: Uint8Array | undefined;

/** A one-node float32 model (Relu) used to test whether a provider can create sessions at all. */
function probeModel(): Uint8Array {
  if (probeBytes === undefined) {
    const g = new OnnxGraphBuilder('provider_probe');
    g.input('x', 'float32', [1]);
    g.node('Relu', ['x'], ['y']);
    g.output('y', 'float32', [1]);
    probeBytes = g.toBytes();
  }
  return probeBytes;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Builds an {@link OnnxRuntime} over an onnxruntime module with the provider rule in this file's header.
 * @param config - See {@link OrtRuntimeConfig}.
 * @returns The runtime.
 */
export function createOrtRuntime(config: OrtRuntimeConfig): OnnxRuntime {
  const failed = new Map<string, Error>();
  const prechecked = new Set<string>();
  const markFailed = (provider: string, reason: Error): void => {
    failed.set(provider, reason);
    if (config.fallback === 'cpu') config.onFallback?.(provider, reason);
  };
  const unavailable = (providers: readonly string[], cause: unknown): FineRouterError => {
    const reasons = providers.map((p) => `${p}: ${failed.get(p)?.message ?? 'unavailable'}`).join('; ');
    return new FineRouterError(
      'PROVIDER_UNAVAILABLE',
      `${config.name}: execution provider unavailable (${reasons}); pass fallback: 'cpu' to fall back to ${config.fallbackProvider}`,
      { cause },
    );
  };
  return {
    name: config.name,
    async createSession(model: Uint8Array, options: SessionOptions = {}): Promise<RuntimeSession> {
      if (!(model instanceof Uint8Array)) {
        throw new TypeError(
          `createSession: expected model bytes as a Uint8Array, received ${Object.prototype.toString.call(model)}`,
        );
      }
      const ort = await config.load();
      const wanted = options.executionProviders ?? config.executionProviders;
      const accelerators = wanted.filter((p) => p !== config.fallbackProvider);
      // Cheap availability checks first (e.g. navigator.gpu for webgpu), once per provider.
      if (config.precheck !== undefined) {
        for (const p of accelerators) {
          if (prechecked.has(p) || failed.has(p)) continue;
          prechecked.add(p);
          const reason = await config.precheck(p);
          if (reason !== undefined) markFailed(p, reason);
        }
      }
      const known = accelerators.filter((p) => failed.has(p));
      if (known.length > 0 && config.fallback === 'error') throw unavailable(known, failed.get(known[0]!));
      const requested = wanted.filter((p) => !failed.has(p));
      if (!requested.includes(config.fallbackProvider) && requested.length === 0)
        requested.push(config.fallbackProvider);
      const live = requested.filter((p) => p !== config.fallbackProvider);
      const threads = options.intraOpNumThreads ?? config.intraOpNumThreads;
      const base: Record<string, unknown> = { graphOptimizationLevel: 'all' };
      if (threads !== undefined) base['intraOpNumThreads'] = threads;
      if (config.intraOpSpinning !== undefined)
        base['extra'] = { session: { intra_op: { allow_spinning: config.intraOpSpinning ? '1' : '0' } } };
      let firstError: unknown;
      try {
        const session = await ort.InferenceSession.create(model, {
          ...base,
          executionProviders: requested,
          // Quiet the native log while trying accelerators; the reason travels in our error instead.
          ...(live.length > 0 ? { logSeverityLevel: 4 } : {}),
        });
        return new OrtSession(ort, session, requested[0]!);
      } catch (e) {
        firstError = e;
      }
      if (live.length === 0) {
        throw new FineRouterError(
          'MODEL_INVALID',
          `${config.name}: could not create a session: ${asError(firstError).message}`,
          { cause: firstError },
        );
      }
      // Which accelerator failed? Probe each alone on a one-node model, so a broken model is not blamed
      // on the provider and the reason is attributed and remembered.
      const newlyFailed: string[] = [];
      for (const provider of live) {
        try {
          const probe = await ort.InferenceSession.create(probeModel(), {
            executionProviders: [provider],
            logSeverityLevel: 4,
          });
          await probe.release();
        } catch (e) {
          markFailed(provider, asError(e));
          newlyFailed.push(provider);
        }
      }
      if (newlyFailed.length === 0) {
        // Every accelerator works on the probe, so the model itself is the problem.
        throw new FineRouterError(
          'MODEL_INVALID',
          `${config.name}: could not create a session: ${asError(firstError).message}`,
          { cause: firstError },
        );
      }
      if (config.fallback === 'error') throw unavailable(newlyFailed, firstError);
      const working = requested.filter((p) => !failed.has(p));
      if (!working.includes(config.fallbackProvider)) working.push(config.fallbackProvider);
      try {
        const session = await ort.InferenceSession.create(model, { ...base, executionProviders: working });
        return new OrtSession(ort, session, working[0]!);
      } catch (e) {
        throw new FineRouterError(
          'MODEL_INVALID',
          `${config.name}: could not create a session: ${asError(e).message}`,
          { cause: e },
        );
      }
    },
  };
}

/** True when an import failed because the package is not installed. */
export function isModuleMissing(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  const message = e instanceof Error ? e.message : String(e);
  return /Cannot find (module|package)|Failed to resolve module specifier/i.test(message);
}
