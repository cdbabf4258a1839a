/**
 * `createNodeRuntime`: the {@link OnnxRuntime} of finerouter/node, over onnxruntime-node (an optional peer
 * dependency, imported lazily on the first session so `import 'finerouter/node'` works without it).
 * Provider choice and fallback follow src/adapters/ort-session.ts: on Node the final fallback is 'cpu'.
 */
import { FineRouterError } from '../../errors.js';
import type { OnnxRuntime } from '../../runtime/types.js';
import { createOrtRuntime, isModuleMissing } from '../ort-session.js';
import type { OrtModuleLike, ProviderFallback } from '../ort-session.js';

/** Options for {@link createNodeRuntime}. */
export interface NodeRuntimeOptions {
  /**
   * Execution providers in order of preference, e.g. `['cuda', 'cpu']`. onnxruntime-node's npm package
   * contains CUDA binaries only when installed with CUDA support (see docs/encoder.md).
   * @defaultValue ['cpu']
   */
  executionProviders?: readonly string[];
  /**
   * Intra-op threads per session; `undefined` lets onnxruntime pick (one per physical core). One thread
   * was fastest for single short prompts on a 2-core machine.
   * @defaultValue undefined
   */
  intraOpNumThreads?: number;
  /**
   * Whether idle intra-op threads spin (busy-wait) for the next task between and within runs
   * (onnxruntime's `session.intra_op.allow_spinning`; only matters with more than one intra-op thread).
   * Off by default: on a 2-core machine shared with other work, spinning threads took the core the
   * others needed (2 threads, one short prompt: p50 7–8 ms without spinning vs 9–16 ms with it under load;
   * on an idle machine spinning was ~1.5 ms faster; docs/encoder.md).
   * @defaultValue false
   */
  intraOpSpinning?: boolean;
  /**
   * What to do when a requested accelerator cannot be used: `'cpu'` creates the session on CPU
   * (the session's `executionProvider` then reports 'cpu'); `'error'` throws PROVIDER_UNAVAILABLE.
   * @defaultValue 'cpu'
   */
  fallback?: ProviderFallback;
  /**
   * Called once per unavailable provider when falling back.
   * @defaultValue undefined
   */
  onFallback?: (provider: string, reason: Error) => void;
}

/**
 * Defaults of {@link NodeRuntimeOptions}.
 *
 * @example
 * const runtime = createNodeRuntime({ ...NODE_RUNTIME_DEFAULTS, executionProviders: ['cuda', 'cpu'] });
 */
export const NODE_RUNTIME_DEFAULTS = Object.freeze({
  executionProviders: Object.freeze(['cpu']) as readonly string[],
  fallback: 'cpu' as ProviderFallback,
  intraOpSpinning: false,
});

type Importer = () => Promise<unknown>;

const importOnnxruntimeNode: Importer = () => import('onnxruntime-node');

function checkOptions(options: NodeRuntimeOptions): void {
  const eps = options.executionProviders;
  if (
    eps !== undefined &&
    (!Array.isArray(eps) || eps.length === 0 || eps.some((p) => typeof p !== 'string' || p.length === 0))
  ) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createNodeRuntime: expected executionProviders as a non-empty array of names, received ${JSON.stringify(eps)}`,
    );
  }
  const t = options.intraOpNumThreads;
  if (t !== undefined && (!Number.isInteger(t) || t < 0)) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createNodeRuntime: expected intraOpNumThreads as a non-negative integer, received ${t}`,
    );
  }
  const spin = options.intraOpSpinning;
  if (spin !== undefined && typeof spin !== 'boolean') {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createNodeRuntime: expected intraOpSpinning as a boolean, received ${String(spin)}`,
    );
  }
  const f = options.fallback;
  if (f !== undefined && f !== 'cpu' && f !== 'error') {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createNodeRuntime: expected fallback 'cpu' or 'error', received ${String(f)}`,
    );
  }
}

/** @internal Exposed for tests: the same runtime with an injectable module importer. */
export function createNodeRuntimeWith(importer: Importer, options: NodeRuntimeOptions = {}): OnnxRuntime {
  checkOptions(options);
  let loaded: Promise<OrtModuleLike> | undefined;
  let version = '';
  const load = (): Promise<OrtModuleLike> => {
    loaded ??= importer().then(
      (mod) => {
        const m = mod as Partial<OrtModuleLike> & { default?: OrtModuleLike; env?: { versions?: { node?: string } } };
        const ort = (m.InferenceSession !== undefined ? m : m.default) as
          (OrtModuleLike & { env?: { versions?: { node?: string } } }) | undefined;
        if (ort?.InferenceSession === undefined) {
          throw new FineRouterError(
            'RUNTIME_MISSING',
            'onnxruntime-node did not load correctly; reinstall it: npm install onnxruntime-node',
          );
        }
        version = ort.env?.versions?.node ?? '';
        return ort;
      },
      (e: unknown) => {
        loaded = undefined;
        if (isModuleMissing(e)) {
          throw new FineRouterError(
            'RUNTIME_MISSING',
            "onnxruntime-node is not installed: npm install onnxruntime-node and import from 'finerouter/node'",
            { cause: e },
          );
        }
        throw new FineRouterError(
          'RUNTIME_MISSING',
          `onnxruntime-node failed to load: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      },
    );
    return loaded;
  };
  const runtime = createOrtRuntime({
    name: 'onnxruntime-node',
    load,
    executionProviders: options.executionProviders ?? NODE_RUNTIME_DEFAULTS.executionProviders,
    fallbackProvider: 'cpu',
    fallback: options.fallback ?? NODE_RUNTIME_DEFAULTS.fallback,
    intraOpNumThreads: options.intraOpNumThreads,
    intraOpSpinning: options.intraOpSpinning ?? NODE_RUNTIME_DEFAULTS.intraOpSpinning,
    onFallback: options.onFallback,
  });
  return {
    get name() {
      return version === '' ? 'onnxruntime-node' : `onnxruntime-node ${version}`;
    },
    createSession: (model, sessionOptions) => runtime.createSession(model, sessionOptions),
  };
}

/**
 * Creates the Node runtime adapter over onnxruntime-node.
 * @param options - See {@link NodeRuntimeOptions}.
 * @returns An {@link OnnxRuntime}; onnxruntime-node is imported on the first `createSession`.
 * @throws FineRouterError INVALID_ARGUMENT on bad options; `createSession` throws RUNTIME_MISSING when
 *   onnxruntime-node is not installed, PROVIDER_UNAVAILABLE (with `fallback: 'error'`) when a requested
 *   provider cannot be used, MODEL_INVALID when the model bytes are rejected.
 * @example
 * ```ts
 * import { createNodeRuntime } from 'finerouter/node';
 * const runtime = createNodeRuntime({ executionProviders: ['cuda', 'cpu'], fallback: 'cpu' });
 * const session = await runtime.createSession(modelBytes);
 * console.log(session.executionProvider); // 'cuda', or 'cpu' after a fallback
 * ```
 */
export function createNodeRuntime(options: NodeRuntimeOptions = {}): OnnxRuntime {
  return createNodeRuntimeWith(importOnnxruntimeNode, options);
}
