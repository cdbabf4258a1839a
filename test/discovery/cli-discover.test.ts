// `finerouter discover` end to end: JSONL with a bad line → OpenAI-compatible describer on 127.0.0.1 →
// real MiniLM embeddings → tasks.json + tasks.md; a rerun answers every description from the cache.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { discoverCommand } from '../../src/cli/commands/discover.js';
import { validateTasksFile } from '../../src/discovery/tasks-file.js';
import { FineRouterError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'finerouter-cli-discover-'));
let server: Server;
let baseUrl = '';
let requests = 0;
const topics = ['arithmetic word problem', 'python programming task', 'world history question'];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      requests++;
      const body = JSON.parse(raw) as { messages: { role: string; content: string }[] };
      const user = body.messages[1]!.content;
      const topic = topics.find((t) => user.includes(t.split(' ')[0]!)) ?? 'mixed tasks';
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ choices: [{ message: { content: `Solve a ${topic}.` } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('finerouter discover', () => {
  it('writes a valid tasks.json and tasks.md, reports the bad line, and reuses the caches', async () => {
    const lines: string[] = [];
    topics.forEach((topic, g) => {
      for (let i = 0; i < 6; i++) {
        const scores: Record<string, number> = { a: 0, b: 0, c: 0 };
        scores[['a', 'b', 'c'][g]!] = 1;
        lines.push(
          JSON.stringify({
            id: `${g}-${i}`,
            prompt: `${topic.split(' ')[0]} prompt number ${i}`,
            scores,
            source: topic,
            split: 'train',
          }),
        );
      }
    });
    lines.splice(3, 0, '{"id": "broken", "prompt": 3}');
    const data = join(dir, 'data.jsonl');
    writeFileSync(data, `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    const args = [
      '--data',
      data,
      '--split',
      'train',
      '--out',
      out,
      '--on-bad-line',
      'skip',
      '--describer',
      'openai',
      '--base-url',
      baseUrl,
      '--model',
      'fake',
      '--cache',
      join(dir, 'cache'),
      '--min-task-size',
      '3',
      '--threads',
      '1',
    ];
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await discoverCommand.run(args)).toBe(0);
      const firstRequests = requests;
      expect(firstRequests).toBeGreaterThanOrEqual(18); // 18 prompt descriptions + task summaries
      const file = validateTasksFile(JSON.parse(readFileSync(join(out, 'tasks.json'), 'utf8')));
      expect(file.ids).toHaveLength(18);
      expect(file.tasks.length).toBeGreaterThanOrEqual(3);
      for (const task of file.tasks) expect(task.description).toMatch(/^Solve a /);
      expect(file.options.describer).toBe('openai:fake');
      expect(readFileSync(join(out, 'tasks.md'), 'utf8')).toContain('# Discovered tasks');
      expect(stderr.join('')).toContain('skipped line 4');
      // Rerun: descriptions, summaries and embeddings all come from the caches.
      expect(await discoverCommand.run(args)).toBe(0);
      expect(requests).toBe(firstRequests);
      expect(stderr.join('')).toContain('embeddings: 0 embedded, 18 from cache');
    } finally {
      spy.mockRestore();
      stdout.mockRestore();
    }
  });

  it('rejects missing and invalid arguments with INVALID_ARGUMENT', async () => {
    const code = async (args: string[]): Promise<string | undefined> => {
      try {
        await discoverCommand.run(args);
      } catch (error) {
        return error instanceof FineRouterError ? error.code : String(error);
      }
      return undefined;
    };
    expect(await code(['--out', dir])).toBe('INVALID_ARGUMENT');
    expect(await code(['--data', 'x', '--out', dir, '--k', 'two'])).toBe('INVALID_ARGUMENT');
    expect(await code(['--data', 'x', '--out', dir, '--objective', 'louvain'])).toBe('INVALID_ARGUMENT');
  });
});
