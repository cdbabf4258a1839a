/**
 * `createWebRuntime`: the {@link OnnxRuntime} of finerouter/web, over onnxruntime-web (an optional peer
 * dependency, imported lazily on the first session). Provider rule as in src/adapters/ort-session.ts with
 * 'wasm' as the final fallback: 'webgpu' is first checked with `navigator.gpu.requestAdapter()` (onnxruntime-web
 * would otherwise skip a failing backend silently, and `executionProvider` could not report it).
 */
import { FineRouterError } from '../../errors.js';
import type { OnnxRuntime } from '../../runtime/types.js';
import { createOrtRuntime, isModuleMissing } from '../ort-session.js';
import type { OrtModuleLike, ProviderFallback } from '../ort-session.js';

/** Options for {@link createWebRuntime}. */
export interface WebRuntimeOptions {
  /**
   * Execution providers in order of preference.
   * @defaultValue ['webgpu', 'wasm']
   */
  executionProviders?: readonly string[];
  /**
   * Where onnxruntime-web fetches its `.wasm`/`.mjs` files (a URL prefix ending in '/', or a per-file map),
   * e.g. '/ort/' when `node_modules/onnxruntime-web/dist` is served there; `undefined` keeps
   * onnxruntime-web's default (next to its script). Set once per page: it is global to onnxruntime-web.
   * @defaultValue undefined
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * WebAssembly threads; more than 1 needs a cross-origin-isolated page (COOP/COEP headers).
   * @defaultValue undefined (onnxruntime-web decides)
   */
  numThreads?: number;
  /**
   * When a requested accelerator (webgpu) is unavailable: `'cpu'` falls back to wasm, `'error'` throws
   * PROVIDER_UNAVAILABLE.
   * @defaultValue 'cpu'
   */
  fallback?: ProviderFallback;
  /** Called once per unavailable provider when falling back. @defaultValue undefined */
  onFallback?: (provider: string, reason: Error) => void;
}

/**
 * Defaults of {@link WebRuntimeOptions}.
 *
 * @example
 * const runtime = await createWebRuntime(ort, { executionProviders: WEB_RUNTIME_DEFAULTS.executionProviders });
 */
export const WEB_RUNTIME_DEFAULTS = Object.freeze({
  executionProviders: Object.freeze(['webgpu', 'wasm']) as readonly string[],
  fallback: 'cpu' as ProviderFallback,
});

type Importer = () => Promise<unknown>;
const importOnnxruntimeWeb: Importer = () => import('onnxruntime-web');

interface WebOrtModule extends OrtModuleLike {
  env: { wasm: { wasmPaths?: unknown; numThreads?: number }; versions?: { web?: string } };
}

async function webgpuAvailable(provider: string): Promise<Error | undefined> {
  if (provider !== 'webgpu') return undefined;
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (gpu === undefined) return new Error('WebGPU is not available in this environment (navigator.gpu is undefined)');
  try {
    const adapter = await gpu.requestAdapter();
    return adapter === null || adapter === undefined
      ? new Error('navigator.gpu.requestAdapter() returned no adapter')
      : undefined;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** @internal Exposed for tests: the same runtime with an injectable module importer. */
export function createWebRuntimeWith(importer: Importer, options: WebRuntimeOptions = {}): OnnxRuntime {
  const eps = options.executionProviders;
  if (
    eps !== undefined &&
    (!Array.isArray(eps) || eps.length === 0 || eps.some((p) => typeof p !== 'string' || p.length === 0))
  ) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createWebRuntime: expected executionProviders as a non-empty array of names, received ${JSON.stringify(eps)}`,
    );
  }
  if (options.fallback !== undefined && options.fallback !== 'cpu' && options.fallback !== 'error') {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `createWebRuntime: expected fallback 'cpu' or 'error', received ${String(options.fallback)}`,
    );
  }
  let loaded: Promise<OrtModuleLike> | undefined;
  let version = '';
  const load = (): Promise<OrtModuleLike> => {
    loaded ??= importer().then(
      (mod) => {
        const m = mod as Partial<WebOrtModule> & { default?: WebOrtModule };
        const ort = (m.InferenceSession !== undefined ? m : m.default) as WebOrtModule | undefined;
        if (ort?.InferenceSession === undefined)
          throw new FineRouterError(
            'RUNTIME_MISSING',
            'onnxruntime-web did not load correctly; reinstall it: npm install onnxruntime-web',
          );
        if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
        if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads;
        version = ort.env.versions?.web ?? '';
        return ort;
      },
      (e: unknown) => {
        loaded = undefined;
        const hint = isModuleMissing(e)
          ? 'is not installed'
          : `failed to load (${e instanceof Error ? e.message : String(e)})`;
        throw new FineRouterError(
          'RUNTIME_MISSING',
          `onnxruntime-web ${hint}: npm install onnxruntime-web and import from 'finerouter/web'`,
          { cause: e },
        );
      },
    );
    return loaded;
  };
  const runtime = createOrtRuntime({
    name: 'onnxruntime-web',
    load,
    executionProviders: options.executionProviders ?? WEB_RUNTIME_DEFAULTS.executionProviders,
    fallbackProvider: 'wasm',
    fallback: options.fallback ?? WEB_RUNTIME_DEFAULTS.fallback,
    intraOpNumThreads: undefined,
    onFallback: options.onFallback,
    precheck: webgpuAvailable,
  });
  return {
    get name() {
      return version === '' ? 'onnxruntime-web' : `onnxruntime-web ${version}`;
    },
    createSession: (model, sessionOptions) => runtime.createSession(model, sessionOptions),
  };
}

/**
 * Creates the browser runtime adapter over onnxruntime-web.
 * @param options - See {@link WebRuntimeOptions}.
 * @returns An {@link OnnxRuntime}; onnxruntime-web is imported on the first `createSession`.
 * @throws FineRouterError INVALID_ARGUMENT on bad options; `createSession` throws RUNTIME_MISSING,
 *   PROVIDER_UNAVAILABLE (with `fallback: 'error'`) or MODEL_INVALID.
 * @example
 * ```ts
 * import { createWebRuntime } from 'finerouter/web';
 * const runtime = createWebRuntime({ executionProviders: ['webgpu', 'wasm'], wasmPaths: '/ort/' });
 * ```
 */
export function createWebRuntime(options: WebRuntimeOptions = {}): OnnxRuntime {
  return createWebRuntimeWith(importOnnxruntimeWeb, options);
}
