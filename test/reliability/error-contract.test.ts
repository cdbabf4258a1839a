/**
 * Issue #13 items 7 and 8: every failure carries a FineRouterError code (dangling symlink, deeply nested
 * manifest, prototype keys, '__proto__' ids, discovery/training rejections), a UTF-8 BOM is accepted, invalid
 * UTF-8 is reported with its line; the MiniLM loader works under `node -e`.
 */
import { spawnSync } from 'node:child_process';
import { cp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRoutingJsonl } from '../../src/adapters/node/jsonl.js';
import { loadFineRouter, writeFineRouterArtifacts } from '../../src/node.js';
import { FineRouterError } from '../../src/errors.js';
import { parseRoutingLine } from '../../src/data/parse.js';
import { validateManifest } from '../../src/router/manifest.js';
import { buildRouter } from '../../src/pipeline/pipeline.js';
import { hashEncoder, ROOT, tempDir } from './helpers.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(FineRouterError);
  return (error as FineRouterError).code;
}

function syncCode(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(FineRouterError);
    return (e as FineRouterError).code;
  }
  throw new Error('expected a throw');
}

/** A minimal valid manifest draft for one model and no task (validated and written by the library). */
function draft(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema: 'finerouter/artifacts',
    version: 1,
    encoder: { id: 'test/hash-encoder', dimension: 384 },
    models: [{ id: 'a', cost: null }],
    tasks: [],
    others: { size: 1, stage1: [0.5] },
    classifier: { file: 'classifier.onnx', threshold: 0.5 },
    router: { file: 'router.onnx' },
    defaults: { alpha: 0.5, tolerance: 0 },
    ...extra,
  };
}

const digest = 'a'.repeat(64);

describe('error contract (item 7)', () => {
  it('a dangling symlink in place of an artifact file is ARTIFACT_MISSING, not a raw ENOENT', async () => {
    const dir = join(await tempDir('dangling'), 'artifacts');
    await writeFineRouterArtifacts(dir, {
      manifest: draft() as never,
      files: { 'classifier.onnx': new Uint8Array([1]), 'router.onnx': new Uint8Array([2]) },
    });
    await rm(join(dir, 'router.onnx'));
    await symlink(join(dir, 'does-not-exist.onnx'), join(dir, 'router.onnx'));
    expect(await codeOf(loadFineRouter(dir, { encoder: hashEncoder() }))).toBe('ARTIFACT_MISSING');
  });

  it('a deeply nested manifest is ARTIFACT_SCHEMA, not a stack overflow', async () => {
    const dir = await tempDir('deep');
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    await writeFile(
      join(dir, 'manifest.json'),
      `{"schema":"finerouter/artifacts","version":1,"training":{"x":${deep}}}`,
    );
    expect(await codeOf(loadFineRouter(dir, { encoder: hashEncoder() }))).toBe('ARTIFACT_SCHEMA');
    let nested: unknown = 1;
    for (let i = 0; i < 100_000; i++) nested = { n: nested };
    const files = { 'classifier.onnx': digest, 'router.onnx': digest };
    expect(syncCode(() => validateManifest({ ...draft(), files, training: { nested } }))).toBe('ARTIFACT_SCHEMA');
  });

  it('prototype keys do not pass as listed files: classifier.file "constructor", an extra file named toString', async () => {
    const files = { 'classifier.onnx': digest, 'router.onnx': digest };
    expect(
      syncCode(() => validateManifest({ ...draft(), classifier: { file: 'constructor', threshold: 0.5 }, files })),
    ).toBe('ARTIFACT_SCHEMA');
    const dir = join(await tempDir('tostring'), 'artifacts');
    await writeFineRouterArtifacts(dir, {
      manifest: draft() as never,
      files: { 'classifier.onnx': new Uint8Array([1]), 'router.onnx': new Uint8Array([2]) },
    });
    await writeFile(join(dir, 'toString'), 'stale model');
    expect(await codeOf(loadFineRouter(dir, { encoder: hashEncoder() }))).toBe('ARTIFACT_UNEXPECTED');
  });

  it("a '__proto__' model id is rejected, never silently dropped", () => {
    expect(syncCode(() => parseRoutingLine('{"id":"1","prompt":"p","scores":{"__proto__":1,"b":0}}', 1))).toBe(
      'DATA_INVALID',
    );
    expect(
      syncCode(() => parseRoutingLine('{"id":"1","prompt":"p","scores":{"b":0},"costs":{"__proto__":1}}', 1)),
    ).toBe('DATA_INVALID');
    const files = { 'classifier.onnx': digest, 'router.onnx': digest };
    expect(syncCode(() => validateManifest({ ...draft(), models: [{ id: '__proto__', cost: null }], files }))).toBe(
      'ARTIFACT_SCHEMA',
    );
  });

  it('a UTF-8 BOM is accepted (JSONL and manifest); invalid UTF-8 is DATA_INVALID naming its line', async () => {
    const dir = await tempDir('utf8');
    const file = join(dir, 'data.jsonl');
    await writeFile(file, '\uFEFF{"id":"1","prompt":"p","scores":{"a":1}}\n{"id":"2","prompt":"q","scores":{"a":0}}\n');
    expect((await readRoutingJsonl(file)).records.map((r) => r.id)).toEqual(['1', '2']);
    const bad = Buffer.concat([
      Buffer.from('{"id":"1","prompt":"ok","scores":{"a":1}}\n{"id":"2","prompt":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('","scores":{"a":0}}\n'),
    ]);
    await writeFile(file, bad);
    const error = await readRoutingJsonl(file).catch((e: unknown) => e);
    expect((error as FineRouterError).code).toBe('DATA_INVALID');
    expect((error as Error).message).toMatch(/^line 2: invalid UTF-8/);
    const skipped = await readRoutingJsonl(file, { onBadLine: 'skip' });
    expect(skipped.skipped.map((s) => s.line)).toEqual([2]);
    // Manifest with a BOM loads past the JSON step (the files check then runs).
    const art = join(await tempDir('bom-manifest'), 'artifacts');
    await writeFineRouterArtifacts(art, {
      manifest: draft() as never,
      files: { 'classifier.onnx': new Uint8Array([1]), 'router.onnx': new Uint8Array([2]) },
    });
    await writeFile(join(art, 'manifest.json'), `\uFEFF${await readFile(join(art, 'manifest.json'), 'utf8')}`);
    expect(await codeOf(loadFineRouter(art, { encoder: hashEncoder() }))).toBe('MODEL_INVALID'); // past the manifest: the 1-byte graphs are rejected
  });

  it('discovery or training rejecting the data reaches buildRouter callers as a coded FineRouterError', async () => {
    // One record, one model: discovery finds no task and training cannot split; the pure error is the cause.
    const records = [{ id: '1', prompt: 'p', scores: { a: 1 } }];
    const encoder = hashEncoder();
    const embedder = {
      id: encoder.id,
      dimension: encoder.dimension,
      embed: async (texts: readonly string[]) => ({ embeddings: await encoder.embed(texts), embedded: texts.length }),
    };
    expect(await codeOf(buildRouter(records, { embedder }))).toBe('DATA_INVALID');
  });
});

describe('loadMiniLmEncoder under node -e (item 8)', () => {
  it('works from ESM import() and CJS require() in an eval script', () => {
    for (const script of [
      "import('finerouter/node').then(async (m) => { const e = await m.loadMiniLmEncoder(); console.log('dim', e.dimension); await e.dispose(); })",
      "require('finerouter/node').loadMiniLmEncoder().then(async (e) => { console.log('dim', e.dimension); await e.dispose(); })",
    ]) {
      const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('dim 384');
    }
  });
});
