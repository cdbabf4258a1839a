// `npm run bench:eval`: runs `finerouter eval` (built CLI, train + evaluate, every method) on the five shared
// datasets one after another and prints one summary table. Outputs go to bench/out/eval/<dataset>/
// (report.json, report.md, the SVG figure, the trained artifacts); with --paper-size to bench/out/eval-paper/.
//
//   node bench/eval.bench.mjs [--only name1,name2] [--full] [--paper-size] [--seed N]
//
// --full evaluates every record; by default the three large datasets run on a deterministic id-hash sample
// (SAMPLE below) so that each dataset's train + eval fits in about ten minutes on a shared 2-core machine.
// The first run embeds the prompts (MiniLM, cached in .cache/embeddings); later runs read the cache.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, '..', 'shared', 'data');
const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const full = args.includes('--full');
const seed = arg('--seed') ?? '0';
const only = arg('--only')?.split(',');

const DATASETS = [
  { name: 'routeprofile-test', sample: 1 },
  { name: 'llmrouter-dcrouter', sample: 1, prices: join(data, 'llmrouter-dcrouter/raw/example_data/llm_candidates/default_llm.json') },
  { name: 'mmlu-pro-29models', sample: 0.3 },
  { name: 'routellm-gpt4-mixtral', sample: 0.3, prices: join(root, 'bench/prices/routellm-gpt4-mixtral.json') },
  { name: 'routerdc-7model', sample: 0.3 },
];
// Training preset for a shared 2-core CPU: narrower MoE adapters than the paper's 512 (see docs/EVALUATION.md);
// --paper-size keeps trainRouter's defaults.
const PRESET = args.includes('--paper-size') ? [] : ['--epochs', '8', '--moe-hidden', '128', '--moe-projection', '128', '--moe-llm-embedding', '64'];

const cli = join(root, 'dist/cli.js');
if (!existsSync(cli)) {
  console.error('bench/eval: dist/cli.js is missing; run `npm run build` first (npm run bench:eval does).');
  process.exit(1);
}
const rows = [];
for (const ds of DATASETS) {
  if (only && !only.includes(ds.name)) continue;
  const out = join(root, 'bench/out', PRESET.length === 0 ? 'eval-paper' : 'eval', ds.name);
  const sample = full ? 1 : ds.sample;
  const cmd = ['eval', '--data', join(data, ds.name, 'routing.jsonl'), '--out', out, '--seed', seed, '--sample', String(sample)];
  if (ds.prices) cmd.push('--prices', ds.prices);
  cmd.push(...PRESET);
  console.error(`\n== ${ds.name}: node dist/cli.js ${cmd.join(' ')}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, [cli, ...cmd], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const seconds = (Date.now() - started) / 1000;
  if (run.status !== 0) {
    rows.push({ name: ds.name, error: `exit ${run.status}`, seconds });
    continue;
  }
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  const q = (n) => report.methods.find((m) => m.name === n);
  rows.push({ name: ds.name, report, q, seconds, sample });
}

const pct = (x) => (x === undefined || x === null || !Number.isFinite(x) ? '   –  ' : (x * 100).toFixed(1).padStart(6));
const methods = ['finerouter', 'stage2-only', 'general-only', 'stage1-cls', 'stage1-embedding', 'knn', 'mlp', 'random', 'oracle'];
console.log(`\nOverall test quality (%), seed ${seed}${full ? ', full data' : ''}`);
console.log(['dataset'.padEnd(24), 'sample', 'test'.padStart(6), 'best single'.padStart(11), ...methods.map((m) => m.slice(0, 10).padStart(10)), 'FR/best', 'FR/kNN', 'headroom', 'secs'].join(' '));
for (const r of rows) {
  if (r.error) {
    console.log(`${r.name.padEnd(24)} ${r.error} after ${r.seconds.toFixed(0)} s`);
    continue;
  }
  const fr = r.q('finerouter');
  const best = r.report.bestSingle.quality;
  console.log([
    r.name.padEnd(24),
    String(r.sample).padStart(6),
    String(r.report.prompts).padStart(6),
    pct(best).padStart(11),
    ...methods.map((m) => pct(r.q(m)?.quality).padStart(10)),
    (fr ? (fr.quality / best).toFixed(3) : '–').padStart(7),
    (fr ? (fr.quality / r.q('knn').quality).toFixed(3) : '–').padStart(6),
    (fr?.headroom ?? Number.NaN).toFixed(3).padStart(8),
    r.seconds.toFixed(0).padStart(5),
  ].join(' '));
}
const costed = rows.filter((r) => !r.error && r.report.cost.available);
if (costed.length > 0) {
  console.log('\nCost (USD per query) where the data has costs or prices');
  for (const r of costed) {
    const fr = r.q('finerouter');
    const bs = r.report.bestSingle;
    console.log(`${r.name.padEnd(24)} best single ${bs.name} ${bs.cost.toExponential(3)}; finerouter τ=0 ${fr?.cost?.toExponential(3) ?? '–'}; ` +
      `matches best single at ${fr?.costToMatchBestSingle?.toExponential(3) ?? 'never'} (${fr?.costRatioToMatchBestSingle?.toFixed(2) ?? '–'}× its cost); AIQ finerouter ${pct(fr?.aiq)} vs kNN ${pct(r.q('knn')?.aiq)}`);
  }
}
