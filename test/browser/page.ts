// Page script of test/browser/encoder.test.ts, bundled with esbuild from the package source for the browser.
// The web adapters directly (what finerouter/web re-exports), so the page bundle stays small.
import { createWebRuntime } from '../../src/adapters/web/runtime.js';
import { loadMiniLmEncoder } from '../../src/adapters/web/minilm.js';

interface EmbedResult {
  id: string;
  dimension: number;
  runtime: string;
  fallbacks: string[];
  providers: string[];
  loadMs: number;
  embedMs: number;
  vectors: number[];
}

/** Optional precision (speed is measured by bench/browser.bench.mjs, not here). */
interface EmbedSettings {
  precision?: 'fp32' | 'int8';
}

async function embedTexts(
  texts: readonly string[],
  providers: readonly string[],
  settings: EmbedSettings = {},
): Promise<EmbedResult> {
  const fallbacks: string[] = [];
  const web = createWebRuntime({
    executionProviders: providers,
    wasmPaths: '/ort/',
    numThreads: 1,
    onFallback: (p) => fallbacks.push(p),
  });
  const used: string[] = [];
  // Records the provider each session really runs on.
  const runtime = {
    get name() {
      return web.name;
    },
    createSession: async (model: Uint8Array, options?: Parameters<typeof web.createSession>[1]) => {
      const session = await web.createSession(model, options);
      used.push(session.executionProvider);
      return session;
    },
  };
  const t0 = performance.now();
  const encoder = await loadMiniLmEncoder({
    weights: '/model/model.fp16.safetensors',
    config: '/model/config.json',
    tokenizer: '/model/tokenizer.json',
    runtime,
    precision: settings.precision ?? 'fp32',
  });
  try {
    const t1 = performance.now();
    const v = await encoder.embed(texts);
    const t2 = performance.now();
    return {
      id: encoder.id,
      dimension: encoder.dimension,
      runtime: runtime.name,
      fallbacks,
      providers: used,
      loadMs: t1 - t0,
      embedMs: t2 - t1,
      vectors: Array.from(v),
    };
  } finally {
    await encoder.dispose();
  }
}

(globalThis as unknown as { embedTexts: typeof embedTexts }).embedTexts = embedTexts;

/** What {@link routePrompts} did in the page (test/browser/router.test.ts reads it). */
export interface RouteInPage {
  crossOriginIsolated: boolean;
  /** onnxruntime-web's wasm thread count after its start-up (it drops to 1 without cross-origin isolation). */
  ortThreads: number;
  encoderId: string;
  providers: string[];
  /** Each prompt's int8 vector, embedded alone (row-major, 384 per prompt). */
  vectors: number[];
  /** `routeEmbeddings(vectors)` on the page's own vectors: chosen model and task id (-1 = Others). */
  models: string[];
  tasks: number[];
  /** `route(prompt)` end to end for the first `settings.routeCount` prompts. */
  routed: string[];
  /** `routeEmbeddings(given)`: the same router on vectors computed elsewhere. */
  givenModels: string[];
  givenTasks: number[];
  /** Eq. 5 final scores of `routeEmbeddings(given)`, per prompt in the router's model order. */
  givenFinal: number[][];
}

/**
 * Loads the MiniLM encoder of `precision` and the router served under `artifacts`, embeds each prompt alone (as
 * `route` does) and routes those vectors, routes the first `routeCount` prompts end to end with `route`, and routes
 * `given` (Node's vectors of the same prompts) with `routeEmbeddings`.
 */
async function routePrompts(
  prompts: readonly string[],
  given: readonly number[],
  settings: { precision: 'fp32' | 'int8'; artifacts: string; numThreads: number; routeCount: number },
): Promise<RouteInPage> {
  const { loadFineRouter } = await import('../../src/adapters/web/artifacts.js');
  const web = createWebRuntime({ executionProviders: ['wasm'], wasmPaths: '/ort/', numThreads: settings.numThreads });
  const providers: string[] = [];
  const runtime = {
    get name() {
      return web.name;
    },
    createSession: async (model: Uint8Array, options?: Parameters<typeof web.createSession>[1]) => {
      const session = await web.createSession(model, options);
      providers.push(session.executionProvider);
      return session;
    },
  };
  const encoder = await loadMiniLmEncoder({
    weights: '/model/model.fp16.safetensors',
    config: '/model/config.json',
    tokenizer: '/model/tokenizer.json',
    runtime,
    precision: settings.precision,
  });
  const router = await loadFineRouter(settings.artifacts, { encoder, runtime });
  try {
    const vectors: number[] = [];
    for (const p of prompts) vectors.push(...(await encoder.embed([p])));
    const own = await router.routeEmbeddings(Float32Array.from(vectors));
    const routed: string[] = [];
    for (const p of prompts.slice(0, settings.routeCount)) routed.push((await router.route(p)).model);
    const viaGiven = await router.routeEmbeddings(Float32Array.from(given));
    const ort = await import('onnxruntime-web');
    const final = (r: (typeof viaGiven)[number]): number[] =>
      router.models.map((m) => r.scores.find((s) => s.model === m)?.final ?? Number.NaN);
    return {
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      ortThreads: (ort.default ?? ort).env.wasm.numThreads ?? -1,
      encoderId: encoder.id,
      providers: [...new Set(providers)],
      vectors,
      models: own.map((r) => r.model),
      tasks: own.map((r) => r.task?.id ?? -1),
      routed,
      givenModels: viaGiven.map((r) => r.model),
      givenTasks: viaGiven.map((r) => r.task?.id ?? -1),
      givenFinal: viaGiven.map(final),
    };
  } finally {
    await router.dispose();
    await encoder.dispose();
  }
}

(globalThis as unknown as { routePrompts: typeof routePrompts }).routePrompts = routePrompts;
