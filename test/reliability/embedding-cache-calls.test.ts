/**
 * embedTextsCached's encoder calls: big calls (2,048 texts) with the next one started before the previous is
 * appended (so a worker pool never drains between calls), every vector exact and appended, and a failing or aborted
 * call rejects cleanly without leaving the call in flight as an unhandled rejection.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedTextsCached, readEmbeddingCache } from '../../src/adapters/node/embedding-store.js';
import type { Encoder } from '../../src/encoder/types.js';
import { FineRouterError } from '../../src/errors.js';
import { hashEncoder, hashVector, tempDir } from './helpers.js';

const D = 16;
const texts = Array.from({ length: 5000 }, (_, i) => `prompt ${i}: ${'y'.repeat(i % 37)}`);

/** Wraps an encoder: records each call's size and the most calls in flight; `failAt` makes call k reject. */
function instrumented(failAt?: number): Encoder & { sizes: number[]; most: number } {
  const inner = hashEncoder(D);
  let inFlight = 0;
  const state = {
    id: inner.id,
    dimension: D,
    sizes: [] as number[],
    most: 0,
    async embed(batch: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array> {
      const k = state.sizes.push(batch.length);
      state.most = Math.max(state.most, ++inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        if (options?.signal?.aborted) throw new FineRouterError('ABORTED', 'embed: aborted');
        if (k === failAt) throw new FineRouterError('MODEL_INVALID', `call ${k} failed`);
        return await inner.embed(batch);
      } finally {
        inFlight--;
      }
    },
    dispose: async () => undefined,
  };
  return state;
}

describe('embedTextsCached encoder calls', () => {
  it('embeds in calls of ≤ 2,048 texts, one call ahead, and appends every exact vector', async () => {
    const dir = await tempDir('cache-calls');
    const encoder = instrumented();
    const { embeddings, embedded } = await embedTextsCached(encoder, texts, { cacheDir: dir });
    expect(embedded).toBe(texts.length);
    expect(encoder.sizes).toEqual([2048, 2048, 904]);
    expect(encoder.most).toBe(2);
    texts.forEach((t, i) => expect(embeddings.subarray(i * D, (i + 1) * D)).toEqual(hashVector(t, D)));
    const cached = await readEmbeddingCache(dir, encoder.id, D);
    expect(cached.records).toBe(texts.length);
  });

  it('a failing call rejects with its error; the call started ahead is abandoned without an unhandled rejection', async () => {
    const dir = await tempDir('cache-calls-fail');
    const encoder = instrumented(1);
    await expect(embedTextsCached(encoder, texts, { cacheDir: dir })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    // Nothing of the failed call was appended.
    const files = await readdir(dir).catch(() => []);
    for (const f of files) expect((await readFile(join(dir, f))).length).toBe(0);
    const late = instrumented(2);
    await expect(embedTextsCached(late, texts, { cacheDir: null })).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    // Let the abandoned third call settle inside this test (an unhandled rejection would fail the run).
    await new Promise((r) => setTimeout(r, 30));
  });

  it('an abort between calls rejects with ABORTED', async () => {
    const controller = new AbortController();
    const encoder = instrumented();
    let startedAtAbort = -1;
    const call = embedTextsCached(encoder, texts, {
      cacheDir: null,
      signal: controller.signal,
      onProgress: () => {
        startedAtAbort = encoder.sizes.length;
        controller.abort();
      },
    });
    await expect(call).rejects.toBeInstanceOf(FineRouterError);
    await expect(call).rejects.toMatchObject({ code: 'ABORTED' });
    await new Promise((r) => setTimeout(r, 30));
    // No call starts after the abort.
    expect(startedAtAbort).toBeGreaterThan(0);
    expect(encoder.sizes.length).toBe(startedAtAbort);
  });
});
