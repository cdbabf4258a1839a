import { describe, expect, it } from 'vitest';
import { buildRouter, type PipelineEmbedder, type PipelineProgress } from '../../src/pipeline/pipeline.js';
import { discoverTasks } from '../../src/discovery/discover.js';
import { trainRouter } from '../../src/train/train-router.js';
import { FineRouterError } from '../../src/errors.js';
import { compareWithReferences } from '../../src/pipeline/summary.js';
import { synthetic, SMALL } from '../train/fixtures.js';

const data = synthetic(240, 16, 3, 7);
const D = 16;

/** An embedder over precomputed vectors: text → its row (descriptions map to their prompt's row, negated). */
function tableEmbedder(): PipelineEmbedder & { calls: string[][] } {
  const rows = new Map<string, Float32Array>();
  data.records.forEach((r, i) => rows.set(r.prompt, data.embeddings.subarray(i * D, (i + 1) * D)));
  const calls: string[][] = [];
  return {
    id: SMALL.encoder.id,
    dimension: D,
    calls,
    async embed(texts, options = {}) {
      calls.push([...texts]);
      const out = new Float32Array(texts.length * D);
      texts.forEach((t, i) => {
        const row = rows.get(t) ?? rows.get(t.replace(/^about /, ''));
        if (!row) throw new RangeError(`tableEmbedder: unknown text ${t}`);
        out.set(row, i * D);
        options.onProgress?.(i + 1, texts.length);
      });
      return { embeddings: out, embedded: texts.length };
    },
  };
}

const train = { classifier: SMALL.classifier, moe: SMALL.moe };
const discover = { minTaskSize: 10 };

describe('buildRouter (embed → discover → train → write)', () => {
  it('gives the same bytes as calling discoverTasks and trainRouter directly, for a seed', async () => {
    const embedder = tableEmbedder();
    const built = await buildRouter(data.records, { embedder, seed: 5, discover, train });
    const discovery = await discoverTasks(data.records, data.embeddings, { ...discover, seed: 5 });
    const direct = await trainRouter(data.records, data.embeddings, discovery, {
      ...train,
      encoder: SMALL.encoder,
      seed: 5,
    });
    expect(built.discovery.assignment).toEqual(discovery.assignment);
    expect(Buffer.from(built.training.classifierBytes).equals(Buffer.from(direct.classifierBytes))).toBe(true);
    expect(Buffer.from(built.training.routerBytes).equals(Buffer.from(direct.routerBytes))).toBe(true);
    expect(built.embeddings).toEqual(data.embeddings);
    expect(built.embedded).toBe(data.records.length);
    expect(built.manifest).toBeNull();
    expect(embedder.calls).toHaveLength(1); // no descriptions: prompts embedded once, reused for discovery
  });

  it('reports progress step by step, in order, and runs the write step last', async () => {
    const steps: PipelineProgress['step'][] = [];
    let written = 0;
    const built = await buildRouter(data.records, {
      embedder: tableEmbedder(),
      discover,
      train,
      write: async (result) => {
        written += 1;
        return { ...result.manifest, files: { 'classifier.onnx': 'x', 'router.onnx': 'y' } };
      },
      onProgress: (e) => {
        if (steps.at(-1) !== e.step) steps.push(e.step);
        expect(e.done).toBeLessThanOrEqual(e.total);
      },
    });
    expect(steps).toEqual(['embed', 'discover', 'train', 'write']);
    expect(written).toBe(1);
    expect(built.manifest?.files['router.onnx']).toBe('y');
    expect(Object.keys(built.ms)).toEqual(['embed', 'discover', 'train', 'write']);
  });

  it('uses precomputed prompt embeddings, embeds descriptions for discovery, and skips discovery when given', async () => {
    const records = data.records.map((r) => ({ ...r, description: `about ${r.prompt}` }));
    const embedder = tableEmbedder();
    const built = await buildRouter(records, {
      embedder,
      promptEmbeddings: data.embeddings,
      discovery: data.discovery,
      train,
    });
    expect(embedder.calls.map((c) => c[0])).toEqual(['about prompt 0']); // descriptions only, once
    expect(built.discovery).toBe(data.discovery);
    expect(built.embedded).toBe(records.length);
  });

  it('stops with FineRouterError ABORTED when an abort fires from a timer', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('timer')), 0);
    const error = await buildRouter(data.records, {
      embedder: tableEmbedder(),
      discover,
      train,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe('ABORTED');
  });

  it('trainRouter alone also stops on an abort fired from a timer (it yields between phases)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('timer')), 0);
    const error = await trainRouter(data.records, data.embeddings, data.discovery, {
      ...train,
      encoder: SMALL.encoder,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe('ABORTED');
  });

  it('rejects empty records and mis-sized precomputed embeddings', async () => {
    await expect(buildRouter([], { embedder: tableEmbedder() })).rejects.toBeInstanceOf(RangeError);
    await expect(
      buildRouter(data.records, { embedder: tableEmbedder(), promptEmbeddings: new Float32Array(3) }),
    ).rejects.toBeInstanceOf(RangeError);
  });
});

describe('compareWithReferences', () => {
  it('computes routed, best-single and oracle figures by hand', () => {
    const train = [
      { id: 'a', prompt: 'a', scores: { x: 1, y: 0 } },
      { id: 'b', prompt: 'b', scores: { x: 1, y: 1 } },
    ];
    const test = [
      { id: 'c', prompt: 'c', scores: { x: 0, y: 1 } },
      { id: 'd', prompt: 'd', scores: { x: 1 } },
    ];
    const r = compareWithReferences(train, test, ['y', 'y'], { x: 0.5, y: 0.1 });
    expect(r.routed).toEqual({ quality: 0.5, cost: 0.1 });
    expect(r.bestSingle).toEqual({ model: 'x', quality: 0.5, cost: 0.5 });
    expect(r.oracle).toBe(1);
    expect(() => compareWithReferences(train, test, ['y'], {})).toThrow(RangeError);
  });
});
