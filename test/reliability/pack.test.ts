/**
 * Issue #13 item 5: the packed package works for a user. Packs the built tree (`npm test` builds first; `prepack`
 * builds on `npm pack`), installs the tarball into a temporary project offline (its dependencies linked from this
 * checkout's node_modules), imports every subpath from ESM and CJS, and type-checks the imports with
 * moduleResolution node16 and bundler.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';

interface PackageJson {
  scripts: Record<string, string>;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

let pkg: PackageJson;
let project: string;
let packedFiles: string[];
const subpaths = (): string[] =>
  Object.keys(pkg.exports)
    .filter((s) => s !== './package.json')
    .map((s) => (s === '.' ? 'finerouter' : `finerouter/${s.slice(2)}`));

function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

beforeAll(async () => {
  pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  const work = await tempDir('pack');
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, npm_config_offline: 'true' },
  });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  packedFiles = info!.files.map((f) => f.path);
  project = join(work, 'project');
  const installed = join(project, 'node_modules', 'finerouter');
  await mkdir(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, info!.filename), '-C', installed, '--strip-components=1']);
  await writeFile(join(project, 'package.json'), '{"name":"consumer","private":true}\n');
  for (const dep of [
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    '@types/node',
  ]) {
    const at = join(project, 'node_modules', dep);
    await mkdir(join(at, '..'), { recursive: true });
    await symlink(join(ROOT, 'node_modules', dep), at, 'dir');
  }
}, 120_000);

describe('packed package (item 5)', () => {
  it('prepack builds, and the tarball holds every file the exports map and bin name', () => {
    expect(pkg.scripts.prepack).toMatch(/npm run build|tsup/);
    const needed = [...new Set(Object.values(pkg.exports).flatMap(targets))].map((t) => t.replace(/^\.\//, ''));
    for (const file of needed) expect(packedFiles, file).toContain(file);
    expect(packedFiles).toContain('dist/cli.js');
  });

  it('every subpath imports from ESM and requires from CJS in a fresh project', () => {
    for (const spec of subpaths()) {
      const esm = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(spec)}); console.log(Object.keys(m).length)`,
        ],
        { cwd: project, encoding: 'utf8' },
      );
      expect(esm.status, `${spec} (ESM): ${esm.stderr}`).toBe(0);
      expect(Number(esm.stdout.trim()), spec).toBeGreaterThan(0);
      const cjs = spawnSync(
        process.execPath,
        ['-e', `console.log(Object.keys(require(${JSON.stringify(spec)})).length)`],
        { cwd: project, encoding: 'utf8' },
      );
      expect(cjs.status, `${spec} (CJS): ${cjs.stderr}`).toBe(0);
      expect(Number(cjs.stdout.trim()), spec).toBeGreaterThan(0);
    }
  });

  it('type-checks with moduleResolution node16 and bundler', async () => {
    const source = subpaths()
      .map(
        (spec, i) =>
          `import * as m${i} from ${JSON.stringify(spec)};\nexport const n${i}: number = Object.keys(m${i}).length;\n`,
      )
      .join('');
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const [name, options] of [
      ['node16', { module: 'node16', moduleResolution: 'node16' }],
      ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ] as const) {
      const dir = join(project, name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'index.mts'), source);
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...options,
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
          },
          files: ['index.mts'],
        }),
      );
      const run = spawnSync(process.execPath, [tsc, '-p', dir], { cwd: project, encoding: 'utf8' });
      expect(run.status, `${name}: ${run.stdout}${run.stderr}`).toBe(0);
    }
  }, 120_000);
});
