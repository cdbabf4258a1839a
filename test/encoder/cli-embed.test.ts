import { describe, expect, it, vi } from 'vitest';
import { embedCommand } from '../../src/cli/commands/embed.js';
import { UsageError } from '../../src/cli/options.js';

describe('finerouter embed', () => {
  it('prints one JSON line per text with dims and a unit embedding', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await embedCommand.run(['--threads', '1', '--no-cache', 'This is an example sentence', '']);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    const lines = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; dims: number; embedding: number[] });
    expect(lines.map((l) => l.text)).toEqual(['This is an example sentence', '']);
    expect(lines[0]!.dims).toBe(384);
    expect(lines[0]!.embedding).toHaveLength(384);
    expect(lines[0]!.embedding[0]).toBeCloseTo(0.06766, 4);
  });

  it('--precision int8 embeds with the int8 MiniLM (close to fp32, not equal)', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(
        await embedCommand.run(['--threads', '1', '--no-cache', '--precision', 'int8', 'This is an example sentence']),
      ).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const [line] = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { embedding: number[] });
    expect(line!.embedding).toHaveLength(384);
    expect(line!.embedding[0]).toBeCloseTo(0.06766, 1);
    expect(line!.embedding[0]).not.toBe(0.06766);
    await expect(embedCommand.run(['--precision', 'int4', 'x'])).rejects.toThrow(UsageError);
    await expect(
      embedCommand.run(['--precision', 'int8', '--model', 'm.onnx', '--tokenizer', 't.json', 'x']),
    ).rejects.toThrow(UsageError);
  });

  it('--workers 2 embeds on the worker pool: same lines, same order', async () => {
    const texts = ['This is an example sentence', 'What is 12 times 7?', '', 'Translate good morning into Spanish.'];
    const run = async (flags: string[]): Promise<{ text: string; embedding: number[] }[]> => {
      const out: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out.push(String(chunk));
        return true;
      });
      try {
        expect(await embedCommand.run([...flags, '--no-cache', ...texts])).toBe(0);
      } finally {
        spy.mockRestore();
      }
      return out
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { text: string; embedding: number[] });
    };
    const [pooled, inline] = [await run(['--workers', '2']), await run(['--threads', '1'])];
    expect(pooled.map((l) => l.text)).toEqual(texts);
    pooled.forEach((l, i) =>
      expect(l.embedding.reduce((s, x, j) => s + x * inline[i]!.embedding[j]!, 0)).toBeGreaterThan(0.99999),
    );
    await expect(embedCommand.run(['--workers', '2', '--threads', '2', 'x'])).rejects.toThrow(UsageError);
    await expect(embedCommand.run(['--workers', '-1', 'x'])).rejects.toThrow(UsageError);
  });

  it('rejects unknown options and a lone --model', async () => {
    await expect(embedCommand.run(['--bogus', 'x'])).rejects.toThrow(UsageError);
    await expect(embedCommand.run(['--model', 'm.onnx', 'x'])).rejects.toThrow(UsageError);
    await expect(embedCommand.run(['--threads', '0', 'x'])).rejects.toThrow(UsageError);
    await expect(embedCommand.run([])).rejects.toThrow(UsageError);
  });
});
