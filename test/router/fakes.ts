/**
 * Fakes of the runtime and encoder interfaces for router unit tests (the integration test uses the real ones).
 * A fake "model" is JSON bytes naming its kind, so sha256 checks run on real bytes.
 *
 * Layout of a fake embedding row (D = T + M + 1): [task probabilities (T) | stage-2 qualities (M) | pad].
 * The fake classifier copies the first T values to task_probs; the fake router copies the next M values to
 * quality and adds 0.5 to the columns of the assigned task's candidate models (so the task input matters).
 */
import type { Encoder, EmbedOptions } from '../../src/encoder/types.js';
import type { OnnxRuntime, RuntimeSession, RuntimeTensor, SessionOptions } from '../../src/runtime/types.js';
import type { Manifest } from '../../src/router/manifest.js';
import { sha256Digest } from '../../src/router/router.js';

export interface FakeGraph {
  kind: 'classifier' | 'router';
  T: number;
  M: number;
  /** Per task position, the model indices whose quality gets +0.5 (the "task adapter"). */
  candidates?: number[][];
  inputs?: string[];
  outputs?: string[];
  /** Output columns to report (to break the shape). */
  badCols?: number;
}

export const fakeModelBytes = (graph: FakeGraph): Uint8Array => new TextEncoder().encode(JSON.stringify(graph));

/** Seeded LCG for delays. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export class FakeRuntime implements OnnxRuntime {
  readonly name = 'fake-runtime';
  runs = 0;
  released = 0;
  lastFeeds: Record<string, RuntimeTensor>[] = [];
  readonly options: (SessionOptions | undefined)[] = [];
  #random: () => number;
  constructor(
    readonly delays = false,
    seed = 1,
  ) {
    this.#random = lcg(seed);
  }
  async createSession(model: Uint8Array, options?: SessionOptions): Promise<RuntimeSession> {
    this.options.push(options);
    let graph: FakeGraph;
    try {
      graph = JSON.parse(new TextDecoder().decode(model)) as FakeGraph;
    } catch (cause) {
      throw new Error('fake runtime: protobuf parsing failed', { cause });
    }
    const runtime = this;
    const inputs = graph.inputs ?? (graph.kind === 'classifier' ? ['embedding'] : ['embedding', 'task']);
    const outputs = graph.outputs ?? (graph.kind === 'classifier' ? ['task_probs'] : ['quality']);
    return {
      inputNames: inputs,
      outputNames: outputs,
      executionProvider: 'cpu',
      async run(feeds) {
        runtime.runs++;
        runtime.lastFeeds.push(feeds);
        if (runtime.delays) await new Promise((r) => setTimeout(r, Math.floor(runtime.#random() * 5)));
        const emb = feeds.embedding as RuntimeTensor<'float32'>;
        const [n, D] = emb.dims as [number, number];
        if (graph.kind === 'classifier') {
          const cols = graph.badCols ?? graph.T;
          const out = new Float32Array(n * cols);
          for (let r = 0; r < n; r++) for (let j = 0; j < cols; j++) out[r * cols + j] = emb.data[r * D + j] ?? 0;
          return { [outputs[0]!]: { type: 'float32', data: out, dims: [n, cols] } };
        }
        const task = feeds.task as RuntimeTensor<'int64'>;
        const cols = graph.badCols ?? graph.M;
        const out = new Float32Array(n * cols);
        for (let r = 0; r < n; r++) {
          const t = Number(task.data[r]);
          for (let k = 0; k < cols; k++) {
            let q = emb.data[r * D + graph.T + k] ?? 0;
            if (t < graph.T && graph.candidates?.[t]?.includes(k)) q += 0.5;
            out[r * cols + k] = q;
          }
        }
        return { [outputs[0]!]: { type: 'float32', data: out, dims: [n, cols] } };
      },
      async release() {
        runtime.released++;
      },
    };
  }
}

export class FakeEncoder implements Encoder {
  calls = 0;
  disposed = false;
  constructor(
    readonly table: ReadonlyMap<string, readonly number[]>,
    readonly dimension: number,
    readonly id = 'fake-encoder',
  ) {}
  async embed(texts: readonly string[], _options?: EmbedOptions): Promise<Float32Array> {
    this.calls++;
    const out = new Float32Array(texts.length * this.dimension);
    texts.forEach((t, i) => {
      const row = this.table.get(t);
      if (!row) throw new Error(`fake encoder: no row for ${t}`);
      out.set(row, i * this.dimension);
    });
    return out;
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

/**
 * A 3-model, 2-task fixture. Models A (cost 1), B (cost 2), C (cost null).
 * Task 7 'symbolic math' candidates [B, C]; task 9 'translation' candidates [A].
 */
export async function fixture(overrides: { classifier?: Partial<FakeGraph>; router?: Partial<FakeGraph> } = {}) {
  const T = 2;
  const M = 3;
  const D = T + M + 1;
  const classifierGraph: FakeGraph = { kind: 'classifier', T, M, ...overrides.classifier };
  const routerGraph: FakeGraph = { kind: 'router', T, M, candidates: [[1, 2], [0]], ...overrides.router };
  const classifierModel = fakeModelBytes(classifierGraph);
  const routerModel = fakeModelBytes(routerGraph);
  const manifestJson = {
    schema: 'finerouter/artifacts',
    version: 1,
    encoder: { id: 'fake-encoder', dimension: D },
    models: [
      { id: 'A', cost: 1 },
      { id: 'B', cost: 2 },
      { id: 'C', cost: null },
    ],
    tasks: [
      { id: 7, description: 'symbolic math', size: 40, candidates: ['B', 'C'], stage1: [0.2, 0.6, 0.4] },
      { id: 9, description: 'translation', size: 30, candidates: ['A'], stage1: [0.9, 0.5, 0.1] },
    ],
    others: { size: 30, stage1: [0.5, 0.5, 0.5] },
    classifier: { file: 'classifier.onnx', threshold: 0.5 },
    router: { file: 'router.onnx' },
    defaults: { alpha: 0.5, tolerance: 0 },
    files: { 'classifier.onnx': await sha256Digest(classifierModel), 'router.onnx': await sha256Digest(routerModel) },
  };
  // Rows: [p(task7), p(task9), qA, qB, qC, pad]
  const table = new Map<string, number[]>([
    // task 7 (p 0.8): stage2 raw [0.5, 0.3-... ] → router adds 0.5 to B and C
    ['math', [0.8, 0.1, 0.5, -0.2, 0.4, 0]],
    // task 9 (p 0.7): stage2 = [0.1+0.5, 0.3, 0.2]
    ['translate', [0.2, 0.7, 0.1, 0.3, 0.2, 0]],
    // Others (max p 0.4 < 0.5): stage2 = [0.3, 0.9, 0.6], stage1 flat
    ['other', [0.4, 0.3, 0.3, 0.9, 0.6, 0]],
    // both at threshold exactly 0.5 → first task (id 7)
    ['tie', [0.5, 0.5, 0.1, 0.2, 0.3, 0]],
  ]);
  return { manifestJson, classifierModel, routerModel, table, D, T, M };
}

export type Fixture = Awaited<ReturnType<typeof fixture>>;
export type { Manifest };
