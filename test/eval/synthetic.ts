// Seeded synthetic routing data for the eval tests: three latent tasks in a 16-dimensional embedding space.
import type { RoutingRecord } from '../../src/data/types.js';
import { mulberry32 } from '../../src/eval/baselines.js';

export const D = 16;
export const SYN_MODELS = ['m0', 'm1', 'm2', 'm3'];
export const SYN_COST = [2, 2, 3, 0.5];
// P(success) of each model on each of three latent tasks.
export const SYN_P = [
  [0.9, 0.2, 0.6, 0.35],
  [0.2, 0.9, 0.6, 0.35],
  [0.3, 0.3, 0.6, 0.55],
];

function unit(v: Float64Array): Float64Array {
  let n = 0;
  for (const x of v) n += x * x;
  return v.map((x) => x / Math.sqrt(n));
}

/** A seeded synthetic routing dataset: three latent tasks, binary scores, per-prompt costs. */
export function synthetic(
  n: number,
  seed: number,
): { records: RoutingRecord[]; embeddings: Float32Array; centers: Float64Array[]; task: number[] } {
  const rand = mulberry32(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centers = [0, 1, 2].map(() => unit(Float64Array.from({ length: D }, gauss)));
  const records: RoutingRecord[] = [];
  const embeddings = new Float32Array(n * D);
  const task: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i % 3;
    task.push(t);
    const e = unit(Float64Array.from({ length: D }, (_, x) => centers[t]![x]! + 0.35 * gauss()));
    embeddings.set(e, i * D);
    const scores: Record<string, number> = {};
    const costs: Record<string, number> = {};
    SYN_MODELS.forEach((m, j) => {
      scores[m] = rand() < SYN_P[t]![j]! ? 1 : 0;
      costs[m] = SYN_COST[j]! * (0.8 + 0.4 * rand());
    });
    records.push({ id: `q${i}`, prompt: `prompt ${i}`, scores, costs, source: `task${t}` });
  }
  return { records, embeddings, centers, task };
}
