import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// Smoke tests of the BUILT package (dist/, made by `npm run build`; `npm test` builds first through
// the "pretest" script). Each check runs in a fresh `node` process, so it sees exactly what a user
// of the published package sees: ESM `import`, CJS `require`, the package's own exports map, the bin.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

// a = [[m1, m2], m3], b = [m2, m1, m3] at p = 0.5: A = (2/3, 1, 1) → ext = ⅓ + ¼ + ⅛ + ⅛ = 5/6.
const RBO_PROBE = "rankBiasedOverlap([['m1', 'm2'], 'm3'], ['m2', 'm1', 'm3'], { p: 0.5 }).ext";

describe('built package (dist/)', () => {
  beforeAll(() => {
    for (const file of [
      'index.js',
      'index.cjs',
      'train.js',
      'train.cjs',
      'eval.js',
      'eval.cjs',
      'node.js',
      'node.cjs',
      'web.js',
      'web.cjs',
      'cli.js',
    ]) {
      if (!existsSync(resolve(root, 'dist', file))) {
        throw new Error(
          `dist/${file} is missing: run \`npm run build\` first (\`npm test\` does it through "pretest")`,
        );
      }
    }
  });

  it('imports from ESM through the exports map and computes RBO', () => {
    const out = runNode([
      '--input-type=module',
      '-e',
      `import { rankBiasedOverlap, selectCandidates } from 'finerouter';
       const ext = ${RBO_PROBE};
       const picked = selectCandidates([['a', 'b'], ['a', 'c'], ['b', 'a']], { coverage: 0.6 }).candidates;
       console.log(JSON.stringify({ ext, picked }));`,
    ]);
    const { ext, picked } = JSON.parse(out) as { ext: number; picked: string[] };
    expect(ext).toBeCloseTo(5 / 6, 14);
    expect(picked).toEqual(['a']);
  });

  it('requires from CommonJS through the exports map and computes RBO', () => {
    const out = runNode([
      '-e',
      `const { rankBiasedOverlap, createRboKernel } = require('finerouter');
       const kernel = createRboKernel(3, { p: 0.5 });
       const both = [rankBiasedOverlap([[0, 1], 2], [1, 0, 2], { p: 0.5 }).ext,
                     kernel.ext(kernel.encode([[0, 1], 2]), kernel.encode([1, 0, 2]))];
       console.log(JSON.stringify({ ext: ${RBO_PROBE}, both }));`,
    ]);
    const { ext, both } = JSON.parse(out) as { ext: number; both: [number, number] };
    expect(ext).toBeCloseTo(5 / 6, 14);
    expect(both[0]).toBeCloseTo(5 / 6, 14);
    expect(both[1]).toBe(both[0]);
  });

  it('starts the encoder worker pool from ESM and CJS (dist/encoder-worker.js / .cjs found beside the bundle)', () => {
    const probe = (load: string): number[] => {
      const out = runNode([
        ...(load.startsWith('import') ? ['--input-type=module'] : []),
        '-e',
        `${load}
         (async () => {
           const pool = await createEncoderPool({ workers: 1, encoder: { kind: 'minilm' } });
           const v = await pool.embed(['This is an example sentence']);
           await pool.dispose();
           console.log(JSON.stringify([pool.dimension, v[0]]));
         })();`,
      ]);
      return JSON.parse(out.trim().split('\n').at(-1)!) as number[];
    };
    for (const load of [
      "import { createEncoderPool } from 'finerouter/node';",
      "const { createEncoderPool } = require('finerouter/node');",
    ]) {
      const [dimension, first] = probe(load);
      expect(dimension).toBe(384);
      expect(first).toBeCloseTo(0.06766, 4);
    }
  });

  it('gives ESM and CJS the same export names, for every entry point', () => {
    const probe: Record<string, string> = {
      finerouter: 'rankBiasedOverlap',
      'finerouter/train': 'buildRouter',
      'finerouter/eval': 'evaluateRouters',
      'finerouter/node': 'loadFineRouter',
      'finerouter/web': 'loadFineRouter',
      'finerouter/label': 'labelPrompts',
    };
    for (const [subpath, name] of Object.entries(probe)) {
      const esm = runNode([
        '--input-type=module',
        '-e',
        `const m = await import('${subpath}'); console.log(JSON.stringify(Object.keys(m).sort()));`,
      ]);
      const cjs = runNode(['-e', `console.log(JSON.stringify(Object.keys(require('${subpath}')).sort()))`]);
      const esmNames = JSON.parse(esm) as string[];
      expect(esmNames, subpath).toContain(name);
      expect(JSON.parse(cjs) as string[], subpath).toEqual(esmNames.filter((n) => n !== 'default'));
    }
  });

  it('trains through finerouter/train from ESM and CJS (the pipeline, with an abort from a timer)', () => {
    const script = (load: string): string => `${load}
       const records = [], rows = [];
       for (let i = 0; i < 60; i++) {
         const c = i % 2, v = [c ? 1 : 0.2, c ? 0.2 : 1, (i % 7) / 70];
         const n = Math.hypot(...v); rows.push(...v.map((x) => x / n));
         records.push({ id: 'p' + i, prompt: 'p' + i, scores: { a: c ? 1 : 0, b: c ? 0 : 1 } });
       }
       const embedder = { id: 'e', dimension: 3, embed: async () => { throw new Error('not needed'); } };
       const options = { embedder, promptEmbeddings: Float32Array.from(rows), discover: { minTaskSize: 3, k: 4 },
         train: { classifier: { epochs: 2 }, moe: { epochs: 2, taskEpochs: 2, projection: 4, llmEmbedding: 4, hidden: 4, taskHidden: 2 } } };
       const built = await buildRouter(records, options);
       const aborted = await buildRouter(records, { ...options, signal: AbortSignal.timeout(0) }).catch((e) => e.code);
       console.log(JSON.stringify({ models: built.training.manifest.models.length, bytes: built.training.routerBytes.length > 0, aborted }));`;
    for (const [kind, text] of [
      ['esm', script(`import { buildRouter } from 'finerouter/train';`)],
      ['cjs', `(async () => { ${script(`const { buildRouter } = require('finerouter/train');`)} })()`],
    ] as const) {
      const out = runNode(kind === 'esm' ? ['--input-type=module', '-e', text] : ['-e', text]);
      expect(JSON.parse(out), kind).toEqual({ models: 2, bytes: true, aborted: 'ABORTED' });
    }
  });

  it('keeps the pure entry points free of runtime, fs and network imports', () => {
    for (const file of [
      'index.js',
      'index.cjs',
      'train.js',
      'train.cjs',
      'eval.js',
      'eval.cjs',
      'label.js',
      'label.cjs',
    ]) {
      const text = readFileSync(resolve(root, 'dist', file), 'utf8');
      expect(text, file).not.toMatch(
        /(?:from\s*|require\(\s*|import\(\s*)['"](?:node:|onnxruntime|@huggingface|fs['"]|path['"])/,
      );
    }
  });

  it('runs `finerouter --help` from dist/cli.js with exit code 0', () => {
    const result = spawnSync(process.execPath, [resolve(root, 'dist/cli.js'), '--help'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Usage: finerouter <command>/);
    expect(result.stdout).toMatch(/\bdemo\b/);
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.finerouter).toBe('./dist/cli.js');
    expect(readFileSync(resolve(root, 'dist/cli.js'), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });
});
