import type { RoutingRecord } from '../../src/data/types.js';
import type { DiscoveryResult } from '../../src/discovery/types.js';
import { DISCOVERY_DEFAULTS } from '../../src/discovery/types.js';
import { createRandom } from '../../src/train/random.js';

export const MODELS = ['m-a', 'm-b', 'm-c', 'm-d'];

/**
 * Synthetic routing data: `clusters` directions in D dims; prompts near a direction form a task whose best
 * model is `clusters[c] % M`; 20% of prompts are noise (Others). Model m-d lacks a score on every 5th prompt.
 */
export function synthetic(
  n = 300,
  d = 16,
  clusters = 3,
  seed = 1,
): { records: RoutingRecord[]; embeddings: Float32Array; discovery: DiscoveryResult } {
  const rng = createRandom(seed);
  const centers: Float32Array[] = [];
  for (let c = 0; c < clusters; c++) {
    const v = Float32Array.from({ length: d }, () => rng.normal());
    const norm = Math.hypot(...v);
    centers.push(v.map((x) => x / norm));
  }
  const embeddings = new Float32Array(n * d);
  const assignment = new Int32Array(n);
  const records: RoutingRecord[] = [];
  for (let i = 0; i < n; i++) {
    const noise = i % 5 === 4;
    const c = i % clusters;
    const row = Float32Array.from({ length: d }, (_, k) =>
      noise ? rng.normal() : centers[c][k] * 3 + rng.normal() * 0.4,
    );
    const norm = Math.hypot(...row);
    embeddings.set(
      row.map((x) => x / norm),
      i * d,
    );
    assignment[i] = noise ? -1 : c;
    const scores: Record<string, number> = {};
    MODELS.forEach((id, j) => {
      if (id === 'm-d' && i % 5 === 0) return;
      const good = !noise && j === c % MODELS.length;
      scores[id] = Math.min(1, Math.max(0, (good ? 0.85 : 0.35) + rng.normal() * 0.05 + (0.1 * row[j]) / norm));
    });
    records.push({ id: `p${i}`, prompt: `prompt ${i}`, scores, ...(i % 2 === 0 ? { costs: { 'm-a': 0.002 } } : {}) });
  }
  const tasks = centers.map((center, c) => {
    const members = [...assignment].flatMap((a, i) => (a === c ? [i] : []));
    return {
      id: c,
      size: members.length,
      description: `task ${c}`,
      candidates: c === 1 ? [MODELS[c % MODELS.length], MODELS[(c + 1) % MODELS.length]] : [MODELS[c % MODELS.length]],
      coverage: 1,
      fused: [],
      stage1: Object.fromEntries(MODELS.map((id, j) => [id, j === c ? 0.85 : 0.35])),
      center: Array.from(center),
      members,
      medoid: members[0],
      sources: [],
    };
  });
  const othersMembers = [...assignment].flatMap((a, i) => (a < 0 ? [i] : []));
  const discovery: DiscoveryResult = {
    models: [...MODELS],
    tasks,
    others: {
      size: othersMembers.length,
      stage1: Object.fromEntries(MODELS.map((id) => [id, 0.35])),
      fused: [],
      members: othersMembers,
    },
    assignment,
    options: { ...DISCOVERY_DEFAULTS, describer: null },
    stats: { levels: [], tasksMs: 0 },
  };
  return { records, embeddings, discovery };
}

export const SMALL = {
  encoder: { id: 'test-encoder', dimension: 16 },
  classifier: { epochs: 30, batchSize: 32, learningRate: 0.01, patience: 5 },
  moe: {
    projection: 8,
    llmEmbedding: 8,
    hidden: 16,
    taskHidden: 4,
    epochs: 40,
    taskEpochs: 20,
    batchSize: 32,
    learningRate: 0.01,
    taskLearningRate: 0.01,
    patience: 5,
  },
};
