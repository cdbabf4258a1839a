import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/adapters/node/atomic-write.js';
import { FineRouterError } from '../../src/errors.js';

describe('writeFileAtomic', () => {
  it('creates and replaces a file (text and bytes) and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'finerouter-atomic-'));
    try {
      const path = join(dir, 'out.json');
      await writeFile(path, 'old');
      await writeFileAtomic(path, '{"new":true}\n');
      expect(await readFile(path, 'utf8')).toBe('{"new":true}\n');
      await writeFileAtomic(join(dir, 'bytes.bin'), Uint8Array.of(1, 2, 3));
      expect([...(await readFile(join(dir, 'bytes.bin')))]).toEqual([1, 2, 3]);
      expect((await readdir(dir)).sort()).toEqual(['bytes.bin', 'out.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with OUTPUT_INVALID naming the path, and leaves the old file and no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'finerouter-atomic-'));
    try {
      const missing = join(dir, 'absent', 'out.json');
      const error = await writeFileAtomic(missing, 'x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FineRouterError);
      expect((error as FineRouterError).code).toBe('OUTPUT_INVALID');
      expect((error as Error).message).toContain(missing);
      // Rename onto a directory fails after the temporary file was written: it is removed, the target stays.
      const target = join(dir, 'target');
      await import('node:fs/promises').then((fs) => fs.mkdir(join(target, 'inside'), { recursive: true }));
      await expect(writeFileAtomic(target, 'x')).rejects.toBeInstanceOf(FineRouterError);
      expect((await readdir(dir)).sort()).toEqual(['target']);
      expect(await readdir(target)).toEqual(['inside']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
