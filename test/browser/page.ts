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
  /** Per-call wall times (ms) of `timing.repeat` one-prompt embeds, after 5 untimed warm-up calls. */
  latencies: number[];
  vectors: number[];
}

/** Optional precision and one-prompt latency sampling (the browser row of docs/encoder.md). */
interface EmbedSettings {
  precision?: 'fp32' | 'int8';
  repeat?: number;
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
    const latencies: number[] = [];
    const repeat = settings.repeat ?? 0;
    for (let i = 0; i < repeat + (repeat > 0 ? 5 : 0); i++) {
      const t = performance.now();
      await encoder.embed([texts[i % texts.length]!]);
      if (i >= 5) latencies.push(performance.now() - t);
    }
    return {
      id: encoder.id,
      dimension: encoder.dimension,
      runtime: runtime.name,
      fallbacks,
      providers: used,
      loadMs: t1 - t0,
      embedMs: t2 - t1,
      latencies,
      vectors: Array.from(v),
    };
  } finally {
    await encoder.dispose();
  }
}

(globalThis as unknown as { embedTexts: typeof embedTexts }).embedTexts = embedTexts;
