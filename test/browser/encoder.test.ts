/**
 * Real browser test: the web bundle (esbuild of test/browser/page.ts → src/web.ts) served with
 * onnxruntime-web's wasm files and the MiniLM model files from a local HTTP server, loaded in Debian's
 * headless Chromium through playwright-core (never a browser download), embedding with the wasm provider
 * and compared with finerouter/node's output. Skips only when /usr/bin/chromium is absent outside CI;
 * in CI (CI=true) a missing Chromium fails.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { defaultMiniLmModelDir, loadMiniLmEncoder } from '../../src/adapters/node/minilm.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCi = process.env['CI'] === 'true' || process.env['CI'] === '1';
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ortDist = dirname(require.resolve('onnxruntime-web')); // …/onnxruntime-web/dist
const modelDir = defaultMiniLmModelDir();

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.safetensors': 'application/octet-stream',
};

describe.skipIf(!hasChromium && !inCi)('finerouter/web in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`CI=true but ${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
    const bundle = await build({
      entryPoints: [join(here, 'page.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'error',
    });
    const pageJs = bundle.outputFiles[0]!.contents;
    const html = '<!doctype html><meta charset="utf-8"><title>finerouter web</title><script type="module" src="/page.js"></script>';
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (body: Uint8Array | string, type: string): void => {
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      const serveFrom = (root: string, rel: string): void => {
        const path = normalize(join(root, rel));
        if (!path.startsWith(root)) {
          res.writeHead(403).end();
          return;
        }
        readFile(path).then(
          (body) => send(body, TYPES[extname(path)] ?? 'application/octet-stream'),
          () => res.writeHead(404).end(),
        );
      };
      if (url.pathname === '/') send(html, 'text/html');
      else if (url.pathname === '/page.js') send(pageJs, 'text/javascript');
      else if (url.pathname.startsWith('/ort/')) serveFrom(ortDist, url.pathname.slice(5));
      else if (url.pathname.startsWith('/model/')) serveFrom(modelDir, url.pathname.slice(7));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("embeds on wasm like finerouter/node (cosine ≥ 0.9999); the default ['webgpu', 'wasm'] falls back to wasm", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // Only our local server may be reached.
    await page.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
    await page.goto(base);
    await page.waitForFunction(() => typeof (globalThis as { embedTexts?: unknown }).embedTexts === 'function');
    const texts = ['This is an example sentence', 'Route this prompt to the cheapest model that can solve it.'];
    type Result = { id: string; dimension: number; runtime: string; fallbacks: string[]; providers: string[]; loadMs: number; embedMs: number; vectors: number[] };
    // --disable-gpu leaves no WebGPU adapter, so the session must run on wasm after a reported fallback.
    const web = await page.evaluate(
      ([t, p]) => (globalThis as unknown as { embedTexts(t: readonly string[], p: readonly string[]): Promise<Result> }).embedTexts(t, p),
      [texts, ['webgpu', 'wasm']] as const,
    );
    await page.close();
    expect(errors).toEqual([]);
    expect(web.id).toBe('sentence-transformers/all-MiniLM-L6-v2');
    expect(web.dimension).toBe(384);
    expect(web.runtime).toMatch(/^onnxruntime-web/);
    expect(web.fallbacks).toEqual(['webgpu']);
    expect(web.providers).toEqual(['wasm']);

    const node = await loadMiniLmEncoder({ intraOpNumThreads: 1 });
    const ref = await node.embed(texts);
    await node.dispose();
    for (let r = 0; r < texts.length; r++) {
      let dot = 0;
      for (let j = 0; j < 384; j++) dot += web.vectors[r * 384 + j]! * ref[r * 384 + j]!;
      expect(dot).toBeGreaterThanOrEqual(0.9999);
    }
    expect(web.vectors[0]).toBeCloseTo(0.06766, 4);
    console.log(`browser: load ${web.loadMs.toFixed(0)} ms, embed ${web.embedMs.toFixed(0)} ms`);
  });
});
