/**
 * A real router for the integration tests: tiny classifier.onnx / router.onnx written with OnnxGraphBuilder into a
 * temporary artifact directory and loaded by loadFineRouter with onnxruntime-node and the real MiniLM encoder.
 *
 * Three models, costs per query: small 0.0001, medium 0.001, large 0.01. Two tasks (classifier = scaled cosine
 * to the task description, sigmoid, threshold 0.5, as in test/router/integration.test.ts):
 *   'arithmetic: multiply or add numbers'        → adapter and stage-1 favour large
 *   'translate a phrase into Spanish or French' → small
 *   Others                                       → medium
 * so MATH routes to large, TRANSLATE to small and POEM to medium at τ = 0.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFineRouter } from '../../src/adapters/node/artifacts.js';
import { loadMiniLmEncoder } from '../../src/adapters/node/minilm.js';
import type { Encoder } from '../../src/encoder/types.js';
import { OnnxGraphBuilder } from '../../src/onnx/builder.js';
import type { FineRouter } from '../../src/router/router.js';
import { sha256Digest } from '../../src/router/router.js';

export const MATH = 'What is 12 times 7?';
export const TRANSLATE = 'Translate "good morning" into Spanish.';
export const POEM = 'Write a poem about the sea.';
export const MODELS = [
  { id: 'small', cost: 0.0001 },
  { id: 'medium', cost: 0.001 },
  { id: 'large', cost: 0.01 },
] as const;
const DESCRIPTIONS = ['arithmetic: multiply or add numbers', 'translate a phrase into Spanish or French'];
const SCALE = 12;
const SHIFT = 0.32;

export interface RouterFixture {
  router: FineRouter;
  encoder: Encoder;
  dir: string;
  /** Writes a second artifact directory whose Others task prefers `preferred` (for reload tests). */
  writeVariant(name: string, preferred: 'small' | 'medium' | 'large'): Promise<string>;
  close(): Promise<void>;
}

export async function createRouterFixture(): Promise<RouterFixture> {
  const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1 });
  const D = encoder.dimension;
  const T = DESCRIPTIONS.length;
  const M = MODELS.length;
  const desc = await encoder.embed(DESCRIPTIONS);
  const W = new Float32Array(D * T);
  const b = new Float32Array(T).fill(-SCALE * SHIFT);
  for (let t = 0; t < T; t++) for (let i = 0; i < D; i++) W[i * T + t] = SCALE * desc[t * D + i]!;

  const classifier = (): Uint8Array => {
    const g = new OnnxGraphBuilder('classifier');
    g.input('embedding', 'float32', ['N', D]);
    g.initializer('W', 'float32', W, [D, T]);
    g.initializer('b', 'float32', b, [T]);
    g.node('MatMul', ['embedding', 'W'], ['logits0']);
    g.node('Add', ['logits0', 'b'], ['logits']);
    g.node('Sigmoid', ['logits'], ['task_probs']);
    g.output('task_probs', 'float32', ['N', T]);
    return g.toBytes();
  };
  const routerGraph = (others: number): Uint8Array => {
    // quality = 0 · embedding + bonus[task]: task 0 → large, task 1 → small, Others → `others`.
    const bonus = new Float32Array((T + 1) * M);
    bonus[0 * M + 2] = 1;
    bonus[1 * M + 0] = 1;
    bonus[T * M + others] = 1;
    const g = new OnnxGraphBuilder('router');
    g.input('embedding', 'float32', ['N', D]);
    g.input('task', 'int64', ['N']);
    g.initializer('Wq', 'float32', new Float32Array(D * M), [D, M]);
    g.initializer('bonus', 'float32', bonus, [T + 1, M]);
    g.node('MatMul', ['embedding', 'Wq'], ['general']);
    g.node('Gather', ['bonus', 'task'], ['adapter'], { axis: { int: 0 } });
    g.node('Add', ['general', 'adapter'], ['quality']);
    g.output('quality', 'float32', ['N', M]);
    return g.toBytes();
  };
  const root = await mkdtemp(join(tmpdir(), 'finerouter-integ-'));
  const write = async (name: string, others: number): Promise<string> => {
    const target = join(root, name);
    await mkdir(target, { recursive: true });
    const c = classifier();
    const r = routerGraph(others);
    await writeFile(join(target, 'classifier.onnx'), c);
    await writeFile(join(target, 'router.onnx'), r);
    const othersStage1 = [0.2, 0.2, 0.2];
    othersStage1[others] = 0.9;
    const manifest = {
      schema: 'finerouter/artifacts',
      version: 1,
      encoder: { id: encoder.id, dimension: D },
      models: MODELS,
      tasks: [
        { id: 3, description: DESCRIPTIONS[0], size: 10, candidates: ['large'], stage1: [0.3, 0.5, 0.9] },
        { id: 5, description: DESCRIPTIONS[1], size: 10, candidates: ['small'], stage1: [0.9, 0.5, 0.4] },
      ],
      others: { size: 5, stage1: othersStage1 },
      classifier: { file: 'classifier.onnx', threshold: 0.5 },
      router: { file: 'router.onnx' },
      defaults: { alpha: 0.5, tolerance: 0 },
      files: { 'classifier.onnx': await sha256Digest(c), 'router.onnx': await sha256Digest(r) },
    };
    await writeFile(join(target, 'manifest.json'), JSON.stringify(manifest, null, 2));
    return target;
  };
  const dir = await write('artifacts', 1);
  const router = await loadFineRouter(dir, { encoder, intraOpNumThreads: 1 });
  return {
    router,
    encoder,
    dir,
    writeVariant: (name, preferred) =>
      write(
        name,
        MODELS.findIndex((m) => m.id === preferred),
      ),
    async close() {
      await router.dispose();
      await encoder.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}
