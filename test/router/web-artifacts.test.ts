import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFineRouter } from '../../src/adapters/web/artifacts.js';
import { FineRouterError } from '../../src/errors.js';
import { FakeEncoder, FakeRuntime, fixture } from './fakes.js';
import type { Fixture } from './fakes.js';

let server: Server;
let base: string;
let f: Fixture;
const routes = new Map<string, Uint8Array | number>();

beforeAll(async () => {
  f = await fixture();
  routes.set('/a/manifest.json', new TextEncoder().encode(JSON.stringify(f.manifestJson)));
  routes.set('/a/classifier.onnx', f.classifierModel);
  routes.set('/a/router.onnx', f.routerModel);
  routes.set('/bad/manifest.json', new TextEncoder().encode(JSON.stringify(f.manifestJson)));
  routes.set('/bad/classifier.onnx', f.classifierModel);
  routes.set('/bad/router.onnx', f.classifierModel); // wrong bytes
  routes.set('/err/manifest.json', new TextEncoder().encode(JSON.stringify(f.manifestJson)));
  routes.set('/err/classifier.onnx', 500);
  routes.set('/err/router.onnx', f.routerModel);
  routes.set('/json/manifest.json', new TextEncoder().encode('{not json'));
  server = createServer((req, res) => {
    const body = routes.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end();
    else if (typeof body === 'number') res.writeHead(body).end();
    else res.writeHead(200).end(Buffer.from(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const opts = () => ({ runtime: new FakeRuntime(), encoder: new FakeEncoder(f.table, f.D) });

async function code(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FineRouterError);
  return (e as FineRouterError).code;
}

describe('loadFineRouter (web, real fetch against a local server)', () => {
  it('loads from a base URL (with or without trailing slash) and routes', async () => {
    for (const url of [`${base}/a/`, `${base}/a`]) {
      const router = await loadFineRouter(url, opts());
      expect((await router.route('math')).model).toBe('C');
      await router.dispose();
    }
  });
  it('loads from an explicit URL map', async () => {
    const router = await loadFineRouter(
      {
        manifest: `${base}/a/manifest.json`,
        files: { 'classifier.onnx': `${base}/a/classifier.onnx`, 'router.onnx': 'router.onnx' },
      },
      opts(),
    );
    expect((await router.route('translate')).model).toBe('A');
  });
  it('reports each failure with its code', async () => {
    expect(await code(loadFineRouter(`${base}/none/`, opts()))).toBe('ARTIFACT_MISSING');
    expect(await code(loadFineRouter(`${base}/bad/`, opts()))).toBe('ARTIFACT_CHECKSUM');
    expect(await code(loadFineRouter(`${base}/err/`, opts()))).toBe('HTTP_ERROR');
    expect(await code(loadFineRouter(`${base}/json/`, opts()))).toBe('ARTIFACT_SCHEMA');
    expect(
      await code(
        loadFineRouter(
          { manifest: `${base}/a/manifest.json`, files: { 'classifier.onnx': `${base}/a/classifier.onnx` } },
          opts(),
        ),
      ),
    ).toBe('ARTIFACT_MISSING');
    expect(
      await code(
        loadFineRouter(
          {
            manifest: `${base}/a/manifest.json`,
            files: { 'classifier.onnx': 'classifier.onnx', 'router.onnx': 'router.onnx', 'stale.onnx': 'x' },
          },
          opts(),
        ),
      ),
    ).toBe('ARTIFACT_UNEXPECTED');
    expect(await code(loadFineRouter('http://127.0.0.1:1/x/', opts()))).toBe('HTTP_ERROR');
    expect(await code(loadFineRouter(`${base}/a/`, {} as never))).toBe('INVALID_ARGUMENT');
    const controller = new AbortController();
    controller.abort();
    expect(await code(loadFineRouter(`${base}/a/`, { ...opts(), signal: controller.signal }))).toBe('ABORTED');
  });
});
