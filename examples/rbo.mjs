// Ranking primitives on their own: per-prompt model rankings from quality scores, RBO between two
// prompts, and the candidate models of a small cluster. Build first (`npm run build`), then:
//   node examples/rbo.mjs
import { createRboKernel, rankBiasedOverlap, rankingFromScores, selectCandidates } from 'finerouter';

const scores = [
  { 'model-a': 1, 'model-b': 1, 'model-c': 0, 'model-d': 0.5 },
  { 'model-a': 1, 'model-b': 0, 'model-c': 0, 'model-d': 1 },
  { 'model-a': 0, 'model-b': 1, 'model-c': 1, 'model-d': 0 },
];
const rankings = scores.map(rankingFromScores); // tie groups, best first
console.log('rankings:', JSON.stringify(rankings));

const { ext, min, max } = rankBiasedOverlap(rankings[0], rankings[1], { p: 0.9 });
console.log(`RBO(prompt 1, prompt 2): ext ${ext.toFixed(4)}  bounds [${min.toFixed(4)}, ${max.toFixed(4)}]`);

// Many pairs over one model set: encode once, then compare without allocating.
const models = ['model-a', 'model-b', 'model-c', 'model-d'];
const kernel = createRboKernel(models.length, { p: 0.9 });
const packed = kernel.encodeAll(rankings.map((r) => r.map((group) => group.map((m) => models.indexOf(m)))));
console.log('kernel ext(1, 2):', kernel.ext(packed, packed, 0, kernel.stride).toFixed(4), '(same value)');

const { candidates, coverage, fused } = selectCandidates(rankings, { coverage: 0.8 });
console.log('fused:', fused.map((f) => `${f.item} ${f.score.toFixed(4)}`).join(', '));
console.log(`candidates: ${candidates.join(', ')} (coverage ${coverage.toFixed(2)})`);
