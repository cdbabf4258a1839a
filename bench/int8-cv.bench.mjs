// Does the shipped router route as well on int8 MiniLM vectors as on fp32 ones? Cross-validated and paired
// (`npm run bench -- int8-cv`, or `node bench/int8-cv.bench.mjs [options]` after `npm run build`).
//
// For each shared dataset it runs, one dataset at a time (both cores via `--jobs 2`):
//
//   finerouter eval --data <d> --folds 5 --seed 0 --bootstrap 2000 --methods finerouter \
//     --compare-precision int8 --train-seeds 1 --jobs 2 --sample <f> [--prices <p>] --out <out>/<d>
//
// i.e. on the same folds: `finerouter` (fp32 vectors, training seed 0 = what `finerouter train` ships, trained on
// the training folds), `finerouter@int8` (the same training on the int8 vectors of the same prompts) and
// `finerouter@seed=1` (fp32 again, training seed 1: how much the decisions move from training noise alone). It
// prints per dataset: Δ quality int8 − fp32 and seed 1 − seed 0 with their 95% paired-bootstrap intervals and the
// shares of identical routing decisions (with intervals), against issue #12's bar (≥ 98% identical, Δ interval
// containing 0). Outputs: <out>/<dataset>/crossval.{json,md}, <out>/int8-cv.json.
//
// Options: --only a,b  --out DIR (default bench/out/int8-cv)  --cache DIR (default /work/cache when it exists)
//          --full (every dataset in full; default: id-hash samples of the three largest, see DATASETS)
//          --summarize (read <out>/<dataset>/crossval.json of an earlier run and print the table; runs nothing)
import { spawnSync } from 'node:child_process';
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
const out = arg('--out') ?? join(root, 'bench/out/int8-cv');
const cache = arg('--cache') ?? (existsSync('/work/cache/embeddings') ? '/work/cache' : join(root, '.cache'));
const full = args.includes('--full');
const summarizeOnly = args.includes('--summarize');
const only = arg('--only')?.split(',');

// id-hash sample fractions (`eval --sample`), sized for a shared 2-core machine:
// routerdc-7model 0.12 (~2,500 prompts), mmlu-pro-29models 0.17 (~2,050), routellm-gpt4-mixtral 0.26 (~4,000),
// routeprofile-test and llmrouter-dcrouter in full. --full runs every dataset in full.
const DATASETS = [
  { name: 'routeprofile-test', sample: 1 },
  {
    name: 'llmrouter-dcrouter',
    sample: 1,
    prices: join(data, 'llmrouter-dcrouter/raw/example_data/llm_candidates/default_llm.json'),
  },
  { name: 'routerdc-7model', sample: 0.12 },
  { name: 'mmlu-pro-29models', sample: 0.17 },
  { name: 'routellm-gpt4-mixtral', sample: 0.26, prices: join(root, 'bench/prices/routellm-gpt4-mixtral.json') },
].filter((d) => !only || only.includes(d.name));

const cli = join(root, 'dist/cli.js');
if (!summarizeOnly && !existsSync(cli)) {
  console.error('bench/int8-cv: dist/cli.js is missing; run `npm run build` first.');
  process.exit(1);
}

function runOne(ds) {
  const cmd = [
    cli,
    'eval',
    '--data',
    join(data, ds.name, 'routing.jsonl'),
    '--folds',
    '5',
    '--seed',
    '0',
    '--bootstrap',
    '2000',
    '--methods',
    'finerouter',
    '--compare-precision',
    'int8',
    '--train-seeds',
    '1',
    '--jobs',
    '2',
    '--cache',
    cache,
    '--out',
    join(out, ds.name),
  ];
  if (!full && ds.sample < 1) cmd.push('--sample', String(ds.sample));
  if (ds.prices) cmd.push('--prices', ds.prices);
  const load0 = loadavg()[0];
  const t0 = Date.now();
  console.error(`int8-cv: node ${cmd.join(' ')}`);
  const r = spawnSync(process.execPath, cmd, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`int8-cv: eval failed on ${ds.name} (status ${r.status})`);
  return { wallS: (Date.now() - t0) / 1000, load0, load1: loadavg()[0] };
}

const pp = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
const pc = (x) => (x * 100).toFixed(1);
const diff = (d) => `${pp(d.value)} [${pp(d.lo)}, ${pp(d.hi)}]${d.significant ? ' *' : ''}`;
const share = (a) => `${pc(a.value)}% [${pc(a.lo)}, ${pc(a.hi)}]`;

const rows = [];
for (const ds of DATASETS) {
  const run = summarizeOnly ? null : runOne(ds);
  const file = join(out, ds.name, 'crossval.json');
  if (!existsSync(file)) {
    console.error(`int8-cv: no ${file}; skipped`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const row = (n) => r.rows.find((x) => x.name === n);
  const fr = row('finerouter');
  const int8 = row('finerouter@int8');
  const seed = row('finerouter@seed=1');
  if (!fr || !int8 || !seed) throw new Error(`int8-cv: ${file} lacks the finerouter / @int8 / @seed=1 rows`);
  // Folds where the paired training made the same dev choices as the fp32 seed-0 one (tasks found aside).
  const choices = (name) =>
    (r.methodInfo[name] ?? []).map((i) => JSON.stringify([i?.alpha, i?.localPrior, i?.stage1Statistic]));
  const sameChoices = (name) => choices(name).filter((c, f) => c === choices('finerouter')[f]).length;
  rows.push({
    dataset: ds.name,
    folds: r.folds,
    sameDevChoices: { int8: sameChoices('finerouter@int8'), seed: sameChoices('finerouter@seed=1') },
    tasks: Object.fromEntries(
      ['finerouter', 'finerouter@int8', 'finerouter@seed=1'].map((n) => [
        n,
        (r.methodInfo[n] ?? []).map((i) => i?.tasks),
      ]),
    ),
    prompts: r.prompts,
    of: r.input.lines - r.input.badLines,
    sample: r.input.sample,
    encoders: [r.encoder.id, r.compare.encoder?.id],
    fp32: fr.quality,
    int8: int8.quality,
    int8VsFp32: int8.vsReference,
    int8Agreement: int8.agreement,
    seedVsSeed: seed.vsReference,
    seedAgreement: seed.agreement,
    bestSingle: row('best single (train folds)').quality.value,
    wallS: run?.wallS ?? r.timings.totalMs / 1000,
    load: run ? [run.load0, run.load1] : [r.machine.load1Start, r.machine.load1End],
  });
}

console.log(
  `\nint8 vs fp32 MiniLM under 5-fold CV (seed 0), the shipped default router; node ${process.version}, ${cpus().length} CPUs`,
);
console.log(
  '\n| dataset | prompts (of) | FineRouter fp32 % | int8 % | Δ int8 − fp32 (pp) [95% CI] | identical decisions int8 vs fp32 [95% CI] | Δ seed 1 − seed 0 (pp) | identical decisions seed 1 vs seed 0 | ≥ 98% identical? | folds with the same dev choices (int8 / seed 1) | wall s (load) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const x of rows)
  console.log(
    `| ${x.dataset} | ${x.prompts} (${x.of}) | ${pc(x.fp32.value)} | ${pc(x.int8.value)} | ${diff(x.int8VsFp32)} | ${share(x.int8Agreement)} | ${diff(x.seedVsSeed)} | ${share(x.seedAgreement)} | int8 ${x.int8Agreement.value >= 0.98 ? 'yes' : 'no'}; seed ${x.seedAgreement.value >= 0.98 ? 'yes' : 'no'} | ${x.sameDevChoices.int8}/${x.folds} / ${x.sameDevChoices.seed}/${x.folds} | ${x.wallS.toFixed(0)} (${x.load[0].toFixed(1)} → ${x.load[1].toFixed(1)}) |`,
  );
console.log(
  '\n* = interval excludes 0. Identical decisions: share of prompts where the two routers chose the same model (τ = 0).' +
    ' Dev choices: α, the local prior (estimator, k, β, weight, groups) and the stage-1 statistic chosen on the training fold.',
);
for (const x of rows)
  console.log(
    `${x.dataset}: tasks per fold ${Object.entries(x.tasks)
      .map(([n, t]) => `${n} ${t.join('/')}`)
      .join('; ')}`,
  );
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'int8-cv.json'), `${JSON.stringify({ rows }, null, 1)}\n`);
