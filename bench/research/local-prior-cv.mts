/**
 * 5-fold cross-validation of the local prior alone (src/train/local-prior.ts: k and β by leave-one-out on each
 * training fold, source groups when every record has a source) next to the harness's baselines, through the
 * project's own harness (src/eval/crossval.ts) and bootstrap. This is the component the default `finerouter train`
 * routes on when its dev guard keeps α = 0, ω = 1 (every fold of every full `finerouter eval --folds 5` run measured
 * so far); it skips the classifier and MoE training, so it runs in minutes on the large datasets.
 *
 *   npx vite-node bench/research/local-prior-cv.mts llmrouter-dcrouter [more datasets]
 *
 * Embeddings: /work/emb/<dataset>.f32 (FINEROUTER_EMB), MiniLM fp32 in the file order of routing.jsonl.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readRoutingJsonl } from '../../src/adapters/node/jsonl.js';
import { crossValidate, type CrossValMethod } from '../../src/eval/crossval.js';
import { summarizeCrossVal } from '../../src/eval/bootstrap.js';
import { crossValMarkdown } from '../../src/eval/crossval-report.js';
import { bestSingleMethod, knnMethod, perSourceOracleMethod, randomMethod } from '../../src/eval/methods/baselines.js';
import { gatherRows } from '../../src/eval/twostage.js';
import { fitLocalPrior, localPriorForward } from '../../src/train/local-prior.js';
import { scoreMatrix, supportPriors } from '../../src/train/train-router.js';

const DATA = process.env.FINEROUTER_DATA ?? '/work/shared/data';
const EMB = process.env.FINEROUTER_EMB ?? '/work/emb';
// Estimators of P(group | prompt) to compare (LOCAL_ESTIMATORS=neighbours,auto,classifier); 'neighbours' is the
// row named local-prior, the reference of the Δ columns.
const ESTIMATORS = (process.env.LOCAL_ESTIMATORS ?? 'neighbours,auto').split(',') as (
  'neighbours' | 'classifier' | 'auto'
)[];

function localPriorMethod(name: string, estimator: 'neighbours' | 'classifier' | 'auto'): CrossValMethod {
  return {
    name,
    kind: 'router',
    async fit(fold) {
      const started = Date.now();
      const D = fold.dimension;
      const records = Array.from(fold.train, (i) => fold.records[i]!);
      const emb = gatherRows(fold.embeddings, D, fold.train);
      const { scores, mask } = scoreMatrix(records, fold.models);
      const names = new Map<string, number>();
      const groups = Int32Array.from(records, (r) => {
        const s = r.source ?? '';
        if (!names.has(s)) names.set(s, names.size);
        return names.get(s)!;
      });
      const support = supportPriors(scores, mask, fold.models.length, 30);
      const fit = fitLocalPrior(
        {
          embeddings: emb,
          dimension: D,
          scores,
          mask,
          modelCount: fold.models.length,
          groups,
          rows: Int32Array.from(records, (_, i) => i),
        },
        { modelPrior: support.prior, estimator },
      );
      return {
        predict: (idx) =>
          Float64Array.from(localPriorForward(fit.prior, gatherRows(fold.embeddings, D, idx), idx.length)),
        info: {
          estimator: fit.estimator,
          k: fit.prior.k,
          beta: fit.prior.beta,
          looQuality: fit.quality,
          estimatorQuality: fit.estimatorQuality,
          groups: names.size,
          fitMs: Date.now() - started,
        },
      };
    },
  };
}

for (const name of process.argv.slice(2)) {
  const { records } = await readRoutingJsonl(`${DATA}/${name}/routing.jsonl`);
  const ids = JSON.parse(readFileSync(`${EMB}/${name}.ids.json`, 'utf8')) as string[];
  if (ids.length !== records.length || ids.some((id, i) => id !== records[i]!.id))
    throw new Error(`${name}: embedding ids differ from the file order`);
  const buf = readFileSync(`${EMB}/${name}.f32`);
  const embeddings = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
  const D = embeddings.length / records.length;
  for (let i = 0; i < records.length; i++) {
    let s = 0;
    for (let t = 0; t < D; t++) s += embeddings[i * D + t]! ** 2;
    const inv = 1 / Math.sqrt(s || 1);
    for (let t = 0; t < D; t++) embeddings[i * D + t]! *= inv;
  }
  const load0 = loadavg()[0]!;
  const t0 = Date.now();
  const cv = await crossValidate({
    records,
    embeddings,
    dimension: D,
    methods: [
      bestSingleMethod(),
      randomMethod(),
      perSourceOracleMethod(),
      knnMethod(),
      ...ESTIMATORS.map((e) => localPriorMethod(e === 'neighbours' ? 'local-prior' : `local-prior-${e}`, e)),
    ],
    folds: 5,
    seed: 0,
  });
  const summary = summarizeCrossVal(cv, { resamples: 2000, seed: 0, reference: 'local-prior' });
  const note = `Command: \`LOCAL_ESTIMATORS=${ESTIMATORS.join(',')} npx vite-node bench/research/local-prior-cv.mts ${name}\`; ${((Date.now() - t0) / 1000).toFixed(0)} s, load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}. per fold: ${cv.methods
    .filter((m) => m.name.startsWith('local-prior'))
    .map((m) => `${m.name} ${JSON.stringify(m.info)}`)
    .join('; ')}`;
  process.stdout.write(crossValMarkdown(summary, { title: name, notes: [note, ''] }));
}
