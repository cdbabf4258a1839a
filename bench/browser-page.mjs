// Page script of bench/browser.bench.mjs, bundled by esbuild from the BUILT package (dist/web.js, which imports
// onnxruntime-web) and served to headless Chromium. It exposes `globalThis.finerouterBench`; the bench drives it
// with page.evaluate. Everything is fetched from the bench's own HTTP server on 127.0.0.1: /ort/ (onnxruntime-web's
// dist), /model/ (the MiniLM safetensors, config and tokenizer) and /artifacts/<precision>/ (trained routers).
import { createWebRuntime, loadFineRouter, loadMiniLmEncoder } from '../dist/web.js';

const PRECISIONS = ['fp32', 'int8'];
let runtime;
let threads;
const encoders = {};
const routers = {};

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** Wall times (ms) of `n` rounds of `calls[p](i)` for each precision, alternated call by call. */
async function alternate(calls, n, warmup) {
  const out = { fp32: [], int8: [] };
  for (let i = 0; i < n + warmup; i++) {
    for (const p of i % 2 === 0 ? PRECISIONS : [...PRECISIONS].reverse()) {
      const t = performance.now();
      await calls[p](i);
      if (i >= warmup) out[p].push(performance.now() - t);
    }
  }
  return out;
}

const api = {
  /** Sets up onnxruntime-web once per page (its thread count is global and fixed at first use). */
  init(numThreads) {
    threads = numThreads;
    runtime = createWebRuntime({ executionProviders: ['wasm'], wasmPaths: '/ort/', numThreads });
    return {
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      hardwareConcurrency: navigator.hardwareConcurrency,
    };
  },
  /** Loads (or reloads) the encoder of one precision; returns the wall time from the first fetch to ready. */
  async loadEncoder(precision) {
    if (encoders[precision]) await encoders[precision].dispose();
    const t = performance.now();
    encoders[precision] = await loadMiniLmEncoder({
      weights: '/model/model.fp16.safetensors',
      config: '/model/config.json',
      tokenizer: '/model/tokenizer.json',
      runtime,
      precision,
    });
    return { ms: performance.now() - t, id: encoders[precision].id, runtime: runtime.name };
  },
  /** Loads the router trained on this precision's Node embeddings (fetch, checksums, head sessions). */
  async loadRouter(precision) {
    const t = performance.now();
    routers[precision] = await loadFineRouter(`/artifacts/${precision}/`, { encoder: encoders[precision], runtime });
    return { ms: performance.now() - t };
  },
  /** Threads onnxruntime-web really uses (it drops to 1 without cross-origin isolation). */
  async ortThreads() {
    const ort = await import('onnxruntime-web');
    return (ort.default ?? ort).env.wasm.numThreads ?? threads;
  },
  /** Wall time of one embed call (the first after a load: before V8 has tiered the wasm code up). */
  async embedOnce(precision, text) {
    const t = performance.now();
    await encoders[precision].embed([text]);
    return performance.now() - t;
  },
  /**
   * Runs both encoders (one-prompt calls, one batch per round) for at least `ms` and `rounds` rounds: V8 first runs
   * wasm on its baseline compiler and tiers hot functions up in the background, which takes tens of calls (longer
   * on a loaded machine); measuring before that would time the baseline code.
   */
  async warmup(texts, batch, ms, rounds) {
    const t = performance.now();
    let done = 0;
    while (done < rounds || performance.now() - t < ms) {
      for (const p of PRECISIONS) {
        for (let i = 0; i < 8; i++) await encoders[p].embed([texts[(done * 8 + i) % texts.length]]);
        await encoders[p].embed(batch, { batchSize: 32 });
      }
      done++;
    }
    return { rounds: done, ms: performance.now() - t };
  },
  /** One-prompt embed latency, fp32 and int8 alternated call by call. */
  async embedLatency(texts, n) {
    const lat = await alternate(
      Object.fromEntries(PRECISIONS.map((p) => [p, (i) => encoders[p].embed([texts[i % texts.length]])])),
      n,
      3,
    );
    return Object.fromEntries(PRECISIONS.map((p) => [p, { p50: quantile(lat[p], 0.5), p99: quantile(lat[p], 0.99) }]));
  },
  /** Prompts per second of one 32-prompt embed call (batchSize 32), alternated; median of `n`. */
  async batchRate(texts, n) {
    const lat = await alternate(
      Object.fromEntries(PRECISIONS.map((p) => [p, () => encoders[p].embed(texts, { batchSize: 32 })])),
      n,
      1,
    );
    return Object.fromEntries(PRECISIONS.map((p) => [p, texts.length / (quantile(lat[p], 0.5) / 1000)]));
  },
  /** route() latency with each precision's router, alternated call by call. */
  async routeLatency(texts, n) {
    const lat = await alternate(
      Object.fromEntries(PRECISIONS.map((p) => [p, (i) => routers[p].route(texts[i % texts.length])])),
      n,
      3,
    );
    return Object.fromEntries(PRECISIONS.map((p) => [p, { p50: quantile(lat[p], 0.5), p99: quantile(lat[p], 0.99) }]));
  },
  /** The models chosen for `texts` (τ = 0) by one precision's router. */
  async routeModels(precision, texts) {
    return (await routers[precision].routeBatch(texts)).map((r) => r.model);
  },
};

globalThis.finerouterBench = api;
