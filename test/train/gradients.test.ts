import { describe, expect, it } from 'vitest';
import { GeneralNet } from '../../src/train/moe.js';
import { ClassifierNet } from '../../src/train/classifier.js';
import { createRandom } from '../../src/train/random.js';
import type { Param } from '../../src/train/optimizer.js';

function rand(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRandom(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

/** Central differences on a sample of entries of every parameter vs the analytic gradient. */
function gradientCheck(params: readonly Param[], loss: (backward: boolean) => number, samples = 6): number {
  for (const p of params) p.grad.fill(0);
  loss(true);
  const analytic = params.map((p) => p.grad.slice());
  let worst = 0;
  const rng = createRandom(99);
  params.forEach((p, pi) => {
    for (let s = 0; s < samples; s++) {
      const i = rng.int(p.value.length);
      const old = p.value[i];
      const h = 1e-2 * Math.max(1, Math.abs(old));
      p.value[i] = old + h;
      const up = loss(false);
      p.value[i] = old - h;
      const down = loss(false);
      p.value[i] = old;
      const fd = (up - down) / (2 * h);
      const err = Math.abs(fd - analytic[pi][i]) / Math.max(1e-3, Math.abs(fd) + Math.abs(analytic[pi][i]));
      if (err > worst) worst = err;
      expect(err, `${p.name}[${i}]: fd ${fd} vs analytic ${analytic[pi][i]}`).toBeLessThan(0.03);
    }
  });
  return worst;
}

describe('gradient checks by finite differences', () => {
  it('general MoE network (projection, LLM embeddings, general adapters, masked MSE)', () => {
    const d = 6,
      m = 3,
      rows = 5;
    const net = new GeneralNet(
      d,
      m,
      { projection: 4, llmEmbedding: 3, hidden: 5, activation: 'gelu' },
      rows,
      createRandom(4),
    );
    const x = rand(rows * d, 1);
    const target = rand(rows * m, 2, 0.5);
    const mask = Uint8Array.from({ length: rows * m }, (_, i) => (i % 4 === 3 ? 0 : 1));
    gradientCheck(net.params, (backward) => net.batchLoss(x, target, mask, rows, backward).loss);
  });

  it('general MoE network with ReLU', () => {
    const d = 5,
      m = 2,
      rows = 4;
    const net = new GeneralNet(
      d,
      m,
      { projection: 3, llmEmbedding: 2, hidden: 4, activation: 'relu' },
      rows,
      createRandom(5),
    );
    const x = rand(rows * d, 3);
    const target = rand(rows * m, 4, 0.5);
    const mask = new Uint8Array(rows * m).fill(1);
    // Finite differences across a ReLU kink are wrong by construction; a small step keeps almost all samples away.
    gradientCheck(net.params, (backward) => net.batchLoss(x, target, mask, rows, backward).loss, 4);
  });

  it('bilinear classifier (projection, task encodings, biases, BCE)', () => {
    const d = 5,
      t = 4,
      rows = 6;
    const heads = {
      dimension: d,
      taskCount: t,
      weight: rand(d * d, 6, 0.5),
      bias: rand(d, 7, 0.1),
      taskEncodings: rand(d * t, 8, 0.5),
      taskBias: rand(t, 9, 0.1),
    };
    const net = new ClassifierNet(heads, rows);
    const x = rand(rows * d, 10);
    const targets = new Float32Array(rows * t);
    for (let r = 0; r < rows; r++) if (r % 3 !== 2) targets[r * t + (r % t)] = 1;
    gradientCheck(net.params, (backward) => net.batchLoss(x, targets, rows, backward));
  });
});
