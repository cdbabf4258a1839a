import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  buildClassifierOnnx,
  buildQualityHeadOnnx,
  readClassifierOnnx,
  readQualityHeadOnnx,
  readOnnxContents,
} from '../../src/train/onnx-export.js';
import {
  classifierForward,
  qualityHeadForward,
  type ClassifierHeads,
  type QualityHeads,
} from '../../src/train/heads.js';
import { createRandom } from '../../src/train/random.js';

function randomArray(n: number, seed: number, scale = 0.3): Float32Array {
  const rng = createRandom(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

function routerHeads(activation: 'relu' | 'gelu'): QualityHeads {
  const d = 16,
    p = 8,
    m = 5,
    hd = 6,
    tc = 3,
    k = 2,
    ht = 4;
  const slotModels = new Float32Array((tc + 1) * k * m);
  // task 0: models 1, 3; task 1: model 4 (slot 1 padded); task 2: models 0, 2; row 3 (Others) empty.
  const cand = [[1, 3], [4], [0, 2]];
  cand.forEach((list, t) =>
    list.forEach((j, s) => {
      slotModels[(t * k + s) * m + j] = 1;
    }),
  );
  const tw1 = randomArray((tc + 1) * p * k * ht, 5);
  tw1.fill(0, tc * p * k * ht);
  return {
    dimension: d,
    projection: p,
    modelCount: m,
    hidden: hd,
    taskCount: tc,
    slots: k,
    taskHidden: ht,
    activation,
    projWeight: randomArray(d * p, 1),
    projBias: randomArray(p, 2),
    w1: randomArray(p * m * hd, 3),
    b1: randomArray(m * hd, 4),
    w2: randomArray(m * hd, 6),
    b2: randomArray(m, 7),
    tw1,
    tb1: randomArray((tc + 1) * k * ht, 8),
    tw2: randomArray((tc + 1) * k * ht, 9),
    tb2: randomArray((tc + 1) * k, 10),
    slotModels,
  };
}

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, output: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run(feeds);
    return out[output].data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('ONNX export vs TypeScript forward (onnxruntime-node)', () => {
  it('classifier.onnx matches classifierForward within 1e-5', async () => {
    const d = 16,
      t = 7,
      n = 5;
    const heads: ClassifierHeads = {
      dimension: d,
      taskCount: t,
      weight: randomArray(d * d, 11),
      bias: randomArray(d, 12),
      taskEncodings: randomArray(d * t, 13),
      taskBias: randomArray(t, 14),
    };
    const emb = randomArray(n * d, 15, 1);
    const bytes = buildClassifierOnnx(heads);
    const onnx = await run(bytes, { embedding: new ort.Tensor('float32', emb, [n, d]) }, 'task_probs');
    const ts = classifierForward(heads, emb, n);
    expect(maxAbsDiff(onnx, ts)).toBeLessThanOrEqual(1e-5);
    const back = readClassifierOnnx(bytes);
    expect(back.taskCount).toBe(t);
    expect(Array.from(back.taskEncodings)).toEqual(Array.from(heads.taskEncodings));
  });

  for (const activation of ['relu', 'gelu'] as const) {
    it(`router.onnx (${activation}) matches qualityHeadForward within 1e-5 for every task and Others`, async () => {
      const heads = routerHeads(activation);
      const n = 8;
      const emb = randomArray(n * heads.dimension, 21, 1);
      const tasks = [0, 1, 2, 3, 0, 2, 1, 3];
      const bytes = buildQualityHeadOnnx(heads);
      const onnx = await run(
        bytes,
        {
          embedding: new ort.Tensor('float32', emb, [n, heads.dimension]),
          task: new ort.Tensor('int64', BigInt64Array.from(tasks.map(BigInt)), [n]),
        },
        'quality',
      );
      const ts = qualityHeadForward(heads, emb, tasks, n);
      expect(maxAbsDiff(onnx, ts)).toBeLessThanOrEqual(1e-5);
      // Task adapters only touch candidates: task 1 (model 4) differs from Others only in column 4.
      const asOthers = qualityHeadForward(
        heads,
        emb,
        tasks.map(() => 3),
        n,
      );
      for (let j = 0; j < heads.modelCount; j++) {
        const same = Math.abs(ts[1 * heads.modelCount + j] - asOthers[1 * heads.modelCount + j]) < 1e-9;
        expect(same).toBe(j !== 4);
      }
      const back = readQualityHeadOnnx(bytes);
      expect(back.activation).toBe(activation);
      expect(back.taskCount).toBe(3);
      expect(back.slots).toBe(2);
      expect(Array.from(qualityHeadForward(back, emb, tasks, n))).toEqual(Array.from(ts));
    });
  }

  it('the quality-head graph has the same operators whatever the task count (task adapters are gathered, not branched)', () => {
    const base = routerHeads('relu');
    const withTasks = (tc: number): QualityHeads => {
      const { projection: p, modelCount: m, slots: k, taskHidden: ht } = base;
      return {
        ...base,
        taskCount: tc,
        tw1: new Float32Array((tc + 1) * p * k * ht),
        tb1: new Float32Array((tc + 1) * k * ht),
        tw2: new Float32Array((tc + 1) * k * ht),
        tb2: new Float32Array((tc + 1) * k),
        slotModels: new Float32Array((tc + 1) * k * m),
      };
    };
    const count = (bytes: Uint8Array): string => {
      const c = readOnnxContents(bytes);
      return [...c.opTypes].sort().join(',') + `|${c.initializers.size}`;
    };
    expect(count(buildQualityHeadOnnx(withTasks(1)))).toBe(count(buildQualityHeadOnnx(withTasks(200))));
    expect(readOnnxContents(buildQualityHeadOnnx(withTasks(200))).opTypes.has('Gather')).toBe(true);
  });
});
