/**
 * Issue #13 items 3 and 6: the output directory is checked before any work, and replacing an artifact set is
 * atomic (the directory always holds the complete old set or the complete new set).
 * Runs the built CLI (`npm test` builds first) on the shipped sample with its shipped embeddings.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { homedir } from 'node:os';
import {
  checkArtifactOutput,
  loadFineRouter,
  readArtifacts,
  recoverArtifactDir,
  resolveArtifactDir,
  writeArtifacts,
  writeFineRouterArtifacts,
} from '../../src/node.js';
import { ARTIFACT_WRITE_STEPS } from '../../src/adapters/node/artifact-dir.js';
import { FineRouterError } from '../../src/errors.js';
import { CLI, hashEncoder, sampleCacheRoot, SAMPLE, tempDir } from './helpers.js';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `killWhen` is polled every 5 ms and SIGKILLs the child when it returns true. */
function cli(args: string[], env: Record<string, string> = {}, killWhen?: () => Promise<boolean>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    if (killWhen) {
      const poll = async (): Promise<void> => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        if (await killWhen().catch(() => false)) child.kill('SIGKILL');
        else timer = setTimeout(() => void poll(), 5);
      };
      void poll();
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Loads `dir` with real onnxruntime sessions for the heads (encoder: same id and dimension, no MiniLM build). */
async function loadedModels(dir: string): Promise<string> {
  const router = await loadFineRouter(dir, { encoder: hashEncoder(384, 'sentence-transformers/all-MiniLM-L6-v2') });
  try {
    return JSON.stringify(router.models);
  } finally {
    await router.dispose();
  }
}

let cache: string;
let baseSet: string;
let withoutAdded: string;
const ADDED = 'codegemma-7b';
/** The artifact set trained once in beforeAll, read back (manifest draft + bytes). */
async function trainedSet(): Promise<Parameters<typeof writeArtifacts>[1]> {
  const { manifest, classifierBytes, routerBytes } = await readArtifacts(baseSet);
  const { files: _files, ...draft } = manifest;
  return { manifest: draft as never, classifierBytes, routerBytes };
}
const train = (out: string, seed: number, extra: string[] = []): string[] => [
  'train',
  '--data',
  SAMPLE,
  '--out',
  out,
  '--epochs',
  '1',
  '--seed',
  String(seed),
  '--cache',
  cache,
  '--json',
  ...extra,
];

beforeAll(async () => {
  cache = await sampleCacheRoot(await tempDir('rel-cache'));
  const work = await tempDir('rel-base');
  // The base set is trained without one model, so `add-model` can add it in the crash tests.
  withoutAdded = join(work, 'without.jsonl');
  const lines = (await readFile(SAMPLE, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  await writeFile(
    withoutAdded,
    lines
      .map((l) => {
        const r = JSON.parse(l) as { scores: Record<string, number> };
        delete r.scores[ADDED];
        return JSON.stringify(r);
      })
      .join('\n') + '\n',
  );
  baseSet = join(work, 'artifacts');
  const run = await cli([
    'train',
    '--data',
    withoutAdded,
    '--out',
    baseSet,
    '--epochs',
    '1',
    '--seed',
    '1',
    '--cache',
    cache,
    '--json',
  ]);
  expect(run.code, run.stderr).toBe(0);
});

describe('output paths are checked before any work (item 6)', () => {
  it('train --out below a regular file fails at once with OUTPUT_INVALID', async () => {
    const dir = await tempDir('out-file');
    await writeFile(join(dir, 'a-file'), 'x');
    const run = await cli(train(join(dir, 'a-file', 'x'), 1));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[OUTPUT_INVALID]');
    expect(run.stderr).not.toContain('discover:'); // no stage ran
  });

  it('train --out into a non-empty directory that holds no artifacts is refused, unless --force', async () => {
    const dir = await tempDir('out-discover');
    await writeFile(join(dir, 'tasks.json'), '{"schema":"finerouter/tasks"}\n');
    await writeFile(join(dir, 'report.md'), '# report\n');
    const run = await cli(train(dir, 1));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[OUTPUT_NOT_EMPTY]');
    expect(run.stderr).not.toContain('discover:');
    expect((await readdir(dir)).sort()).toEqual(['report.md', 'tasks.json']);
  });

  it('writeFineRouterArtifacts refuses a non-empty directory without artifacts (library callers too)', async () => {
    const dir = await tempDir('out-lib');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(writeFineRouterArtifacts(dir, { manifest: {} as never, files: {} })).rejects.toMatchObject({
      code: 'OUTPUT_NOT_EMPTY',
    });
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('--force replaces such a directory with a loadable set; the root, home and current directory are refused even then', async () => {
    const dir = await tempDir('out-force');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await writeFile(join(dir, '.gitkeep'), '');
    const set = await trainedSet();
    await writeArtifacts(dir, set, { force: true });
    expect((await readdir(dir)).sort()).toEqual(['.gitkeep', 'classifier.onnx', 'manifest.json', 'router.onnx']);
    expect(await loadedModels(dir)).toContain('[');
    for (const protectedDir of ['/', homedir(), process.cwd()]) {
      await expect(checkArtifactOutput(protectedDir, { force: true })).rejects.toMatchObject({
        code: 'OUTPUT_INVALID',
      });
    }
  });
});

describe('retraining into an existing directory is atomic (item 3)', () => {
  it('SIGKILL right after the first .onnx of the new set is written leaves the old set loadable', async () => {
    const parent = await tempDir('atomic');
    const out = join(parent, 'artifacts');
    await cp(baseSet, out, { recursive: true });
    const oldModels = await loadedModels(out);
    const oldManifest = await readFile(join(out, 'manifest.json'), 'utf8');
    const onnxWritten = async (): Promise<boolean> => {
      // Any .onnx file newer than the run start, wherever the writer puts it (the directory or a sibling).
      for (const entry of await readdir(parent, { withFileTypes: true, recursive: true })) {
        if (!entry.name.endsWith('.onnx')) continue;
        const { statSync } = await import('node:fs');
        const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
        if (statSync(path).mtimeMs > started) return true;
      }
      return false;
    };
    const started = Date.now();
    const killed = await cli(train(out, 2), {}, onnxWritten);
    expect(killed.signal).toBe('SIGKILL');
    expect(await loadedModels(out)).toBe(oldModels);
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe(oldManifest);
  });

  it('a directory with .onnx files but no manifest.json is reported as ARTIFACT_INCOMPLETE', async () => {
    const dir = await tempDir('half');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'classifier.onnx'), new Uint8Array([8, 1]));
    const error = await loadFineRouter(dir, { encoder: hashEncoder(384) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe('ARTIFACT_INCOMPLETE');
  });
});

describe('crash safety: a real CLI writer killed at every step of the switch (item 3)', () => {
  const addModel = (dir: string): string[] => [
    'add-model',
    '--artifacts',
    dir,
    '--data',
    SAMPLE,
    '--model',
    ADDED,
    '--limit',
    '40',
    '--cache',
    cache,
  ];

  it.each(ARTIFACT_WRITE_STEPS.map((step) => [step]))(
    'add-model killed at %s: the directory loads the old or the new set, and the next run completes',
    async (step) => {
      const parent = await tempDir(`crash-${step}`);
      const dir = join(parent, 'artifacts');
      await cp(baseSet, dir, { recursive: true });
      await writeFile(join(dir, '.gitkeep'), 'kept');
      const oldModels = await loadedModels(dir);
      const killed = await cli(addModel(dir), { FINEROUTER_CRASH_AT: step });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const after = await loadedModels(dir);
      expect(after === oldModels || JSON.parse(after).includes(ADDED)).toBe(true);
      if (after === oldModels) expect(JSON.parse(after)).not.toContain(ADDED);
      // The next writer recovers (stale lock, leftovers) and finishes; nothing is left beside the directory.
      const again = await cli(addModel(dir));
      if (after === oldModels) {
        expect(again.code, again.stderr).toBe(0);
      } else {
        expect(again.code).toBe(1); // the model is already in the (new) set: nothing written, so tidy up explicitly
        await recoverArtifactDir(dir);
      }
      expect(JSON.parse(await loadedModels(dir))).toContain(ADDED);
      expect((await readdir(parent)).sort()).toEqual(['artifacts']);
      expect(await readFile(join(dir, '.gitkeep'), 'utf8')).toBe('kept');
    },
  );

  it('train killed between the two renames: the directory is absent for an instant, the loader finds the new set', async () => {
    const parent = await tempDir('crash-train');
    const dir = join(parent, 'artifacts');
    await cp(baseSet, dir, { recursive: true });
    const killed = await cli(train(dir, 2), { FINEROUTER_CRASH_AT: 'old-moved-aside' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const warnings: string[] = [];
    const router = await loadFineRouter(dir, {
      encoder: hashEncoder(384, 'sentence-transformers/all-MiniLM-L6-v2'),
      onWarning: (w) => warnings.push(w),
    });
    expect(router.models).toContain(ADDED); // the new set (trained on all models)
    await router.dispose();
    expect(warnings.some((w) => w.includes('interrupted'))).toBe(true);
    const { path } = await resolveArtifactDir(dir);
    expect(path).not.toBe(dir);
  });
});
