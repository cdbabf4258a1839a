import type { RoutingRecord } from '../../src/data/types.js';
import { mulberry32 as seeded } from '../../src/random.js';

/** Small seeded generator for test data: the library's mulberry32. */
export { seeded };

export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

/** n unit rows in d dims around `clusters` random centers; returns rows and each row's cluster. */
export function clusteredVectors(
  n: number,
  d: number,
  clusters: number,
  noise: number,
  seed: number,
): { x: Float32Array; label: Int32Array } {
  const random = seeded(seed);
  const centers = Float64Array.from({ length: clusters * d }, () => gaussian(random));
  const x = new Float32Array(n * d);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    label[i] = c;
    let norm = 0;
    for (let t = 0; t < d; t++) {
      const v = centers[c * d + t]! + noise * gaussian(random);
      x[i * d + t] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let t = 0; t < d; t++) x[i * d + t] = x[i * d + t]! * inv;
  }
  return { x, label };
}

/**
 * Records whose scores depend on the cluster: in cluster c, model (c mod M) scores 1, the next one
 * 0.5 with probability `agree`, all others 0 — so prompts of one cluster share a preferred model.
 */
export function clusteredRecords(
  label: Int32Array,
  models: readonly string[],
  seed: number,
  agree = 0.9,
): RoutingRecord[] {
  const random = seeded(seed);
  return Array.from(label, (c, i) => {
    const scores: Record<string, number> = {};
    models.forEach((m, j) => {
      scores[m] = 0;
      if (j === c % models.length) scores[m] = random() < agree ? 1 : 0;
      if (j === (c + 1) % models.length) scores[m] = random() < agree ? 0.5 : 1;
    });
    return { id: `r${i}`, prompt: `prompt ${i} of cluster ${c}`, scores, source: `src${c}` };
  });
}
