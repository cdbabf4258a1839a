/**
 * Real browser test of an int8 FineRouter: a router trained here (demo settings) on finerouter/node's int8 MiniLM
 * vectors of the shipped sample's training prompts, served with the web bundle from a local HTTP server and loaded
 * in Debian's headless Chromium (onnxruntime-web wasm), compared with the same artifacts in onnxruntime-node on the
 * sample's held-out prompts:
 * - the same vectors route identically (routeEmbeddings: models and tasks equal, Eq. 5 scores within 1e-4);
 * - the browser's own int8 vectors stay within the documented cosine of Node's (docs/encoder.md), and routing end to
 *   end agrees on at least the documented share of prompts, every difference a near tie of Node's scores;
 * - with COOP/COEP the page is cross-origin isolated and onnxruntime-web runs 2 wasm threads, with the 1-thread
 *   page's vectors and decisions.
 * Nothing is fetched from anywhere but the local server (asserted). Skips only when /usr/bin/chromium is absent
 * outside CI.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadFineRouter } from '../../src/adapters/node/artifacts.js';
import { writeArtifacts } from '../../src/adapters/node/artifacts-write.js';
import { cachedEmbedder } from '../../src/adapters/node/embedder.js';
import { readRoutingJsonl } from '../../src/adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../src/adapters/node/minilm.js';
import type { Encoder } from '../../src/encoder/types.js';
import { buildRouter } from '../../src/pipeline/pipeline.js';
import type { FineRouter, RouteResult } from '../../src/router/router.js';
import { parsePrices } from '../../src/train/train-router.js';
import { bundlePage, hasChromium, inCi, launchChromium, openPage, startPageServer } from './harness.js';
import type { PageServer } from './harness.js';
import type { RouteInPage } from './page.js';

const here = dirname(fileURLToPath(import.meta.url));
const SAMPLE = join(here, '../../examples/data/routing-sample.jsonl');
const D = 384;
/** docs/encoder.md, "int8 in the browser": min cosine of wasm int8 to native int8 vectors (measured min 0.9969). */
const MIN_COSINE_WEB_NODE_INT8 = 0.99;
/** docs/encoder.md: share of held-out prompts routed to the same model end to end (browser vs Node, int8; measured 68/68). */
const MIN_AGREEMENT = 0.95;
/** Training prompts of the router (the sample's first 500 non-test records; keeps the test short). */
const TRAIN = 500;
/** A differing decision must be a near tie: Node's Eq. 5 score of the browser's pick within this of Node's best. */
const NEAR_TIE = 0.05;

const cosine = (a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let j = 0; j < D; j++) {
    const x = a[ai * D + j]!;
    const y = b[bi * D + j]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
};

describe.skipIf(!hasChromium && !inCi)('an int8 FineRouter in headless Chromium', () => {
  let browser: Browser;
  let plain: PageServer;
  let isolated: PageServer;
  let dir: string;
  let encoder: Encoder;
  let router: FineRouter;
  let prompts: string[];
  let nodeVectors: Float32Array;

  beforeAll(async () => {
    const { records } = await readRoutingJsonl(SAMPLE);
    const train = records.filter((r) => r.split !== 'test').slice(0, TRAIN);
    prompts = records.filter((r) => r.split === 'test').map((r) => r.prompt);
    dir = await mkdtemp(join(tmpdir(), 'finerouter-browser-router-'));
    encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1, precision: 'int8' });
    const prices = parsePrices(JSON.parse(await readFile(join(dirname(SAMPLE), 'prices.json'), 'utf8')));
    await buildRouter(train, {
      embedder: cachedEmbedder(encoder, { cacheDir: null }),
      seed: 42,
      train: { moe: { projection: 64, llmEmbedding: 32, hidden: 64, taskHidden: 32 }, prices },
      write: (result) => writeArtifacts(join(dir, 'int8'), result),
    });
    router = await loadFineRouter(join(dir, 'int8'), { encoder, intraOpNumThreads: 1 });
    // One prompt per call, as route() embeds it (an int8 vector depends slightly on its batch).
    nodeVectors = new Float32Array(prompts.length * D);
    for (let i = 0; i < prompts.length; i++) nodeVectors.set(await encoder.embed([prompts[i]!]), i * D);
    const pageJs = await bundlePage();
    const mounts = { '/artifacts/': dir };
    plain = await startPageServer(pageJs, { mounts });
    isolated = await startPageServer(pageJs, { mounts, isolated: true });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await plain?.close();
    await isolated?.close();
    await router?.dispose();
    await encoder?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const runPage = async (
    server: PageServer,
    texts: readonly string[],
    vectors: Float32Array,
    numThreads: number,
    routeCount: number,
  ) => {
    const { page, errors, foreign } = await openPage(browser, server.base, 'routePrompts');
    const result = await page.evaluate(
      ([t, v, s]) =>
        (
          globalThis as unknown as {
            routePrompts(t: readonly string[], v: readonly number[], s: object): Promise<RouteInPage>;
          }
        ).routePrompts(t, v, s),
      [
        texts,
        Array.from(vectors),
        { precision: 'int8', artifacts: '/artifacts/int8/', numThreads, routeCount },
      ] as const,
    );
    await page.close();
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    return result;
  };

  let onePage: RouteInPage;

  it('routes like onnxruntime-node: identically on the same vectors, and end to end within the documented agreement', async () => {
    onePage = await runPage(plain, prompts, nodeVectors, 1, 12);
    expect(onePage.crossOriginIsolated).toBe(false);
    expect(onePage.ortThreads).toBe(1);
    expect(onePage.encoderId).toBe('sentence-transformers/all-MiniLM-L6-v2#int8');
    expect(onePage.providers).toEqual(['wasm']);

    // The heads and Eq. 5 on wasm: the same decisions as native on the same vectors.
    const viaNode = await router.routeEmbeddings(nodeVectors);
    expect(onePage.givenModels).toEqual(viaNode.map((r) => r.model));
    expect(onePage.givenTasks).toEqual(viaNode.map((r) => r.task?.id ?? -1));
    viaNode.forEach((r, i) =>
      router.models.forEach((m, j) =>
        expect(onePage.givenFinal[i]![j]).toBeCloseTo(r.scores.find((s) => s.model === m)!.final, 4),
      ),
    );

    // route() is embed + routeEmbeddings in the page too.
    expect(onePage.routed).toEqual(onePage.models.slice(0, 12));

    // The browser's own int8 encoder: wasm and native int8 kernels differ slightly.
    const cosines = prompts.map((_, i) => cosine(onePage.vectors, i, nodeVectors, i));
    // For the docs: how close each int8 kernel is to fp32 (native).
    const fp32 = await loadMiniLmEncoder({ intraOpNumThreads: 1 });
    const ref = new Float32Array(prompts.length * D);
    for (let i = 0; i < prompts.length; i++) ref.set(await fp32.embed([prompts[i]!]), i * D);
    await fp32.dispose();
    const toFp32 = (v: ArrayLike<number>): string => {
      const c = prompts.map((_, i) => cosine(v, i, ref, i));
      return `min ${Math.min(...c).toFixed(5)} mean ${(c.reduce((a, b) => a + b, 0) / c.length).toFixed(5)}`;
    };
    // Node's route(p) is routeEmbeddings(embed([p])): viaNode.
    const nodeRoutes: readonly RouteResult[] = viaNode;
    let same = 0;
    nodeRoutes.forEach((r, i) => {
      if (r.model === onePage.models[i]) same++;
      else {
        const pick = r.scores.find((s) => s.model === onePage.models[i]);
        expect(pick, `prompt ${i}: the browser chose ${onePage.models[i]}, not considered by Node`).toBeDefined();
        expect(r.scores[0]!.final - pick!.final).toBeLessThanOrEqual(NEAR_TIE);
      }
    });
    console.log(
      `browser vs node int8 on ${prompts.length} held-out prompts: cosine min ${Math.min(...cosines).toFixed(5)}, ` +
        `mean ${(cosines.reduce((a, b) => a + b, 0) / cosines.length).toFixed(5)}; same model ${same}/${prompts.length}, ` +
        `same task ${onePage.tasks.filter((t, i) => t === (nodeRoutes[i]!.task?.id ?? -1)).length}/${prompts.length}; ` +
        `cosine to node fp32: browser int8 ${toFp32(onePage.vectors)}, node int8 ${toFp32(nodeVectors)}`,
    );
    expect(Math.min(...cosines)).toBeGreaterThanOrEqual(MIN_COSINE_WEB_NODE_INT8);
    expect(same / prompts.length).toBeGreaterThanOrEqual(MIN_AGREEMENT);
  }, 240_000);

  it('runs 2 wasm threads in a cross-origin-isolated page with the 1-thread vectors and decisions', async () => {
    expect(onePage, 'the 1-thread test must run first').toBeDefined();
    const k = 8;
    const threaded = await runPage(isolated, prompts.slice(0, k), nodeVectors.subarray(0, k * D), 2, 0);
    expect(threaded.crossOriginIsolated).toBe(true);
    expect(threaded.ortThreads).toBe(2);
    expect(threaded.providers).toEqual(['wasm']);
    const cosines = Array.from({ length: k }, (_, i) => cosine(threaded.vectors, i, onePage.vectors, i));
    console.log(`browser 2 threads vs 1 thread, int8, ${k} prompts: cosine min ${Math.min(...cosines).toFixed(7)}`);
    expect(Math.min(...cosines)).toBeGreaterThanOrEqual(0.9999);
    expect(threaded.models).toEqual(onePage.models.slice(0, k));
    expect(threaded.tasks).toEqual(onePage.tasks.slice(0, k));
    expect(threaded.givenModels).toEqual(onePage.givenModels.slice(0, k));
  }, 240_000);
});
