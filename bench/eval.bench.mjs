// `npm run bench:eval`: 5-fold cross-validation (`finerouter eval --folds 5`, built CLI) of FineRouter, its
// ablations and every baseline on the five shared datasets, full data; prints one summary table (quality with 95%
// paired-bootstrap intervals of the difference to the train-fold best single model, headroom, wall time, load).
// Outputs: bench/out/crossval/<dataset>/crossval.{json,md}, bench/out/crossval/summary.json.
//
//   node bench/eval.bench.mjs [--only name1,name2] [--folds K] [--seed N] [--bootstrap N] [--cache DIR]
//                             [--parallel P] [--jobs J] [--preset-cpu]
//
// FineRouter is trained exactly as `finerouter train` ships it (trainRouter's defaults: 5 epochs, MoE projection
// 256, LLM embedding 512, hidden 128, local prior); --preset-cpu restores the narrower MoE the earlier runs used
// (8 epochs, hidden 128, projection 128, LLM embedding 64). Parallelism does not change any figure: P datasets run
// at once (default 2, largest first), each with its folds in J worker processes (`eval --jobs J`, default 2), so
// both cores stay busy until the last fold. Embeddings come from the cache (--cache, default /work/cache when it
// exists, else .cache); the first run on a fresh cache embeds every prompt (MiniLM), later runs read it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, '..', 'shared', 'data');
const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const seed = arg('--seed') ?? '0';
const folds = arg('--folds') ?? '5';
const bootstrap = arg('--bootstrap') ?? '2000';
const only = arg('--only')?.split(',');
const parallel = Number(arg('--parallel') ?? '2');
const jobs = arg('--jobs') ?? '2';
const cache = arg('--cache') ?? (existsSync('/work/cache/embeddings') ? '/work/cache' : join(root, '.cache'));

// Largest first, so the small ones fill the cores at the end.
const DATASETS = [
  { name: 'routerdc-7model' },
  { name: 'mmlu-pro-29models' },
  { name: 'routellm-gpt4-mixtral', prices: join(root, 'bench/prices/routellm-gpt4-mixtral.json') },
  {
    name: 'llmrouter-dcrouter',
    prices: join(data, 'llmrouter-dcrouter/raw/example_data/llm_candidates/default_llm.json'),
  },
  { name: 'routeprofile-test' },
];
const PRESET = args.includes('--preset-cpu')
  ? ['--epochs', '8', '--moe-hidden', '128', '--moe-projection', '128', '--moe-llm-embedding', '64']
  : [];

const cli = join(root, 'dist/cli.js');
if (!existsSync(cli)) {
  console.error('bench/eval: dist/cli.js is missing; run `npm run build` first (npm run bench:eval does).');
  process.exit(1);
}
const outRoot = join(root, 'bench/out', PRESET.length === 0 ? 'crossval' : 'crossval-cpu-preset');
const benchStart = Date.now();
const benchLoad = loadavg()[0];

function runOne(ds) {
  const out = join(outRoot, ds.name);
  const cmd = [
    'eval',
    '--data',
    join(data, ds.name, 'routing.jsonl'),
    '--folds',
    folds,
    '--seed',
    seed,
    '--bootstrap',
    bootstrap,
    '--jobs',
    jobs,
    '--out',
    out,
    '--cache',
    cache,
  ];
  if (ds.prices) cmd.push('--prices', ds.prices);
  cmd.push(...PRESET);
  const load = loadavg()[0];
  console.error(
    `\n== ${ds.name} (load ${load.toFixed(1)} on ${cpus().length} CPUs, ${((Date.now() - benchStart) / 1000).toFixed(0)} s into the bench): node dist/cli.js ${cmd.join(' ')}`,
  );
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...cmd], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => {
      const seconds = (Date.now() - started) / 1000;
      if (code !== 0) return resolve({ name: ds.name, error: `exit ${code}`, seconds });
      const report = JSON.parse(readFileSync(join(out, 'crossval.json'), 'utf8'));
      console.error(`== ${ds.name} done in ${seconds.toFixed(0)} s (load now ${loadavg()[0].toFixed(1)})`);
      resolve({ name: ds.name, report, seconds, load0: load, load1: loadavg()[0] });
    });
  });
}

const queue = DATASETS.filter((ds) => !only || only.includes(ds.name));
const results = new Map();
await Promise.all(
  Array.from({ length: Math.max(1, Math.min(parallel, queue.length)) }, async () => {
    for (let ds = queue.shift(); ds; ds = queue.shift()) results.set(ds.name, await runOne(ds));
  }),
);
// Report in the order of the dataset list.
const rows = DATASETS.filter((ds) => results.has(ds.name)).map((ds) => results.get(ds.name));

const pct = (x) => (x === undefined || x === null || !Number.isFinite(x) ? '–' : (x * 100).toFixed(1));
const pp = (d) =>
  d
    ? `${d.value >= 0 ? '+' : '−'}${Math.abs(d.value * 100).toFixed(1)} [${pct(d.lo)}, ${pct(d.hi)}]${d.significant ? '*' : ''}`
    : '–';
console.log(
  `\n${folds}-fold cross-validation, seed ${seed}, ${bootstrap} bootstrap resamples, full data; quality %, Δ to the train-fold best single model in points [95% CI], * = significant`,
);
const methods = ['finerouter', 'knn', 'mlp', 'stage2-only', 'general-only', 'stage1-only', 'per-source-oracle'];
console.log(['dataset', 'N', 'best single', ...methods, 'oracle', 'FR headroom', 'secs', 'load'].join(' | '));
for (const r of rows) {
  if (r.error) {
    console.log(`${r.name} | ${r.error} after ${r.seconds.toFixed(0)} s`);
    continue;
  }
  const row = (n) => r.report.rows.find((x) => x.name === n);
  const best = row('best single (train folds)');
  const fr = row('finerouter');
  console.log(
    [
      r.name,
      r.report.prompts,
      pct(best.quality.value),
      ...methods.map((m) => (row(m) ? `${pct(row(m).quality.value)} (${pp(row(m).vsBestSingle)})` : '–')),
      pct(row('oracle').quality.value),
      fr?.headroom
        ? `${fr.headroom.value.toFixed(2)} [${fr.headroom.lo.toFixed(2)}, ${fr.headroom.hi.toFixed(2)}]`
        : '–',
      r.seconds.toFixed(0),
      `${r.load0.toFixed(1)}→${r.load1.toFixed(1)}`,
    ].join(' | '),
  );
}
const costed = rows.filter((r) => !r.error && r.report.costAvailable);
for (const r of costed) {
  const fr = r.report.rows.find((x) => x.name === 'finerouter');
  const knn = r.report.rows.find((x) => x.name === 'knn');
  if (!fr) continue;
  console.log(
    `${r.name}: FineRouter matches the best single model at ${fr.costRatioToMatchBestSingle === null ? 'no point of its τ sweep' : `${fr.costRatioToMatchBestSingle.toFixed(2)}× its cost`} (kNN ${knn?.costRatioToMatchBestSingle?.toFixed(2) ?? '–'}×); AIQ ${pct(fr.aiq)} vs kNN ${pct(knn?.aiq)} vs zero router ${pct(r.report.zeroRouter?.aiq)}`,
  );
}
for (const r of rows.filter((x) => !x.error && x.report.twoModel)) {
  for (const n of ['finerouter', 'knn', 'mlp', 'random']) {
    const x = r.report.rows.find((y) => y.name === n);
    if (x?.apgr)
      console.log(
        `${r.name} ${n}: APGR ${x.apgr.value.toFixed(3)} [${x.apgr.lo.toFixed(3)}, ${x.apgr.hi.toFixed(3)}], CPT(50%) ${x.cpt50 ? `${pct(x.cpt50.value)}% [${pct(x.cpt50.lo)}, ${pct(x.cpt50.hi)}]` : 'never'}, CPT(80%) ${x.cpt80 ? `${pct(x.cpt80.value)}%` : 'never'}`,
      );
  }
}
const wall = (Date.now() - benchStart) / 1000;
console.log(
  `\nwhole bench ${wall.toFixed(0)} s (${(wall / 60).toFixed(1)} min; target ≤ 45 min); load average at the start ${benchLoad.toFixed(1)}, now ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${cpus().length} CPUs; ${parallel} datasets at a time, --jobs ${jobs}`,
);
mkdirSync(outRoot, { recursive: true });
writeFileSync(
  join(outRoot, 'summary.json'),
  `${JSON.stringify(
    {
      wallSeconds: wall,
      loadStart: benchLoad,
      loadEnd: loadavg()[0],
      cpus: cpus().length,
      parallel,
      jobs: Number(jobs),
      preset: PRESET,
      datasets: rows.map((r) => ({
        name: r.name,
        seconds: r.seconds,
        error: r.error ?? null,
        load0: r.load0,
        load1: r.load1,
      })),
    },
    null,
    1,
  )}\n`,
);
