/**
 * Shared set-up of the browser tests: the page bundle (esbuild of test/browser/page.ts → the web adapters), a
 * node:http server on 127.0.0.1 serving it with onnxruntime-web's dist (/ort/), the MiniLM model files (/model/)
 * and any extra directories, optionally cross-origin isolated (COOP same-origin + COEP require-corp, so wasm
 * threads are allowed), and Debian's headless Chromium through playwright-core (never a browser download).
 * Every request a page makes is recorded, so a test can assert that nothing left 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { defaultMiniLmModelDir } from '../../src/adapters/node/minilm.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const inCi = process.env['CI'] === 'true' || process.env['CI'] === '1';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ortDist = dirname(require.resolve('onnxruntime-web')); // …/onnxruntime-web/dist

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};

/** A running page server. */
export interface PageServer {
  base: string;
  close(): Promise<void>;
}

/** Bundles page.ts once per test file. */
export async function bundlePage(): Promise<Uint8Array> {
  const bundle = await build({
    entryPoints: [join(here, 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  return bundle.outputFiles[0]!.contents;
}

/**
 * Serves the page, /ort/, /model/ and `mounts` (URL prefix like '/artifacts/' → directory) on 127.0.0.1.
 * @param isolated - send COOP/COEP (and CORP) headers so the page is cross-origin isolated.
 */
export async function startPageServer(
  pageJs: Uint8Array,
  options: { isolated?: boolean; mounts?: Record<string, string> } = {},
): Promise<PageServer> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>finerouter web</title><script type="module" src="/page.js"></script>';
  const mounts: [string, string][] = [
    ['/ort/', ortDist],
    ['/model/', defaultMiniLmModelDir()],
    ...Object.entries(options.mounts ?? {}),
  ];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (options.isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    const send = (body: Uint8Array | string, type: string): void => {
      res.writeHead(200, { ...headers, 'content-type': type });
      res.end(body);
    };
    if (url.pathname === '/') return send(html, 'text/html');
    if (url.pathname === '/page.js') return send(pageJs, 'text/javascript');
    for (const [prefix, root] of mounts) {
      if (!url.pathname.startsWith(prefix)) continue;
      const path = normalize(join(root, decodeURIComponent(url.pathname.slice(prefix.length))));
      if (!path.startsWith(root + sep)) return void res.writeHead(403).end();
      return void readFile(path).then(
        (body) => send(body, TYPES[extname(path)] ?? 'application/octet-stream'),
        () => res.writeHead(404).end(),
      );
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Debian's Chromium, headless, no GPU (so WebGPU has no adapter), no background network. */
export async function launchChromium(): Promise<Browser> {
  if (!hasChromium)
    throw new Error(`CI=true but ${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page at `base` with its errors and every non-local request recorded (requests elsewhere are aborted). */
export async function openPage(
  browser: Browser,
  base: string,
  ready: string,
): Promise<{ page: Page; errors: string[]; foreign: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base)) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  await page.goto(base);
  await page.waitForFunction((name) => typeof (globalThis as Record<string, unknown>)[name] === 'function', ready);
  return { page, errors, foreign };
}
