/**
 * A labelling run killed with SIGKILL in the middle (the built CLI in a child process, against the fake
 * OpenAI server on 127.0.0.1) resumes without paying twice for any stored answer and without a corrupt
 * record, and ends with exactly the labels and costs of an uninterrupted run. Needs `npm run build`
 * (the `pretest` script does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStoreEntry } from '../../src/label/store.js';
import { readRoutingJsonl } from '../../src/adapters/node/jsonl.js';
import { startFakeOpenAi, type FakeServer } from './fake-openai.js';
import { expectedCorrect, expectedCost, question, sums, worldModels, worldPool } from './world.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const cli = join(root, 'dist', 'cli.js');

function exit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  return new Promise((done) => child.on('exit', (code, signal) => done({ code, signal, stderr })));
}

let server: FakeServer | undefined;
afterAll(async () => server?.close());

describe('finerouter label killed with SIGKILL mid-run', () => {
  it('resumes without paying twice and writes the same labels as an uninterrupted run', async () => {
    expect(existsSync(cli), 'dist/cli.js is missing: run npm run build').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'label-kill-'));
    const list = sums(10);
    const promptsPath = join(dir, 'prompts.jsonl');
    writeFileSync(
      promptsPath,
      list.map((s) => JSON.stringify({ id: s.id, prompt: question(s), reference: String(s.a + s.b) })).join('\n') +
        '\n',
    );
    let child: ChildProcess | undefined;
    let killing = true;
    const killAt = 12;
    server = await startFakeOpenAi({
      models: worldModels,
      fault: (_r, i) => {
        if (i === killAt) child?.kill('SIGKILL');
        // requests already on the wire when the kill lands are never answered either
        return i >= killAt && killing ? { kind: 'hang', ms: 30_000 } : undefined;
      },
    });
    const poolPath = join(dir, 'pool.json');
    writeFileSync(poolPath, JSON.stringify(worldPool(server.url, false)));
    const out = join(dir, 'routing.jsonl');
    const storePath = `${out}.store.jsonl`;
    const args = [
      cli,
      'label',
      '--prompts',
      promptsPath,
      '--pool',
      poolPath,
      '--judge',
      'numeric',
      '--out',
      out,
      '--concurrency',
      '4',
      '--max-tokens',
      '16',
    ];

    child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const first = await exit(child);
    expect(first.signal).toBe('SIGKILL');
    killing = false;
    const firstRequests = server.requests.length;
    expect(firstRequests).toBeGreaterThanOrEqual(killAt + 1);
    expect(firstRequests).toBeLessThanOrEqual(killAt + 4); // at most --concurrency requests were on the wire
    expect(existsSync(out)).toBe(false); // nothing half-written

    // The store holds only whole entries (a torn last line, if the kill hit a write, is repaired on open).
    const text = readFileSync(storePath, 'utf8');
    const lines = text.split('\n');
    const complete = lines.slice(0, -1); // the text after the last newline is '' or a torn line
    const stored = new Set<string>();
    for (const line of complete) {
      const entry = parseStoreEntry(JSON.parse(line));
      expect(entry).toBeDefined();
      if (entry!.type === 'generation') stored.add(`${entry!.model}|${entry!.promptId}`);
    }
    expect(stored.size).toBeGreaterThan(0);
    expect(stored.size).toBeLessThanOrEqual(killAt);

    const second = await exit(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(second.code, second.stderr).toBe(0);
    const upstreamToId: Record<string, string> = { 'up-oracle': 'oracle', 'up-half': 'half', 'up-never': 'never' };
    const promptIdOf = new Map(list.map((s) => [question(s), s.id]));
    const resumed = server.requests
      .slice(firstRequests)
      .map((r) => `${upstreamToId[r.model]}|${promptIdOf.get(r.messages.at(-1)!.content)}`);
    // No stored answer is asked again; every other pair is asked exactly once.
    for (const key of resumed) expect(stored.has(key), key).toBe(false);
    expect(new Set(resumed).size).toBe(resumed.length);
    expect(resumed.length).toBe(30 - stored.size);
    // Paid twice at most for the calls in flight at the kill (bounded by --concurrency).
    expect(firstRequests - stored.size).toBeLessThanOrEqual(4);

    const { records } = await readRoutingJsonl(out);
    expect(records).toHaveLength(10);
    records.forEach((r, i) => {
      const s = list[i]!;
      for (const k of ['oracle', 'half', 'never'] as const) {
        expect(r.scores[k]).toBe(expectedCorrect(k, s));
        expect(r.costs![k]).toBeCloseTo(expectedCost(k, s), 15);
      }
    });
    const generations = readFileSync(storePath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => parseStoreEntry(JSON.parse(l))!)
      .filter((e) => e.type === 'generation');
    expect(new Set(generations.map((e) => e.key)).size).toBe(generations.length);
    expect(generations).toHaveLength(30);
    expect(existsSync(`${storePath}.lock`)).toBe(false);
  }, 60_000);
});
