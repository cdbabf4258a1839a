/**
 * `finerouter demo`: the product's main job on a small shipped sample, offline. Reads
 * examples/data/routing-sample.jsonl (999 prompts × 9 open models, llmrouter-dcrouter, MIT), takes the shipped
 * MiniLM vectors of its prompts (checked live against the encoder; `--embed` embeds through the cache instead),
 * runs the training pipeline (src/pipeline: discover → train → artifacts) on the training prompts, loads the
 * artifacts with loadFineRouter and routes the held-out test prompts. Presentation only: every number comes
 * from the library (buildRouter, loadFineRouter, compareWithReferences).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFineRouter } from '../../adapters/node/artifacts.js';
import { writeArtifacts } from '../../adapters/node/artifacts-write.js';
import { cachePaths, defaultCacheDir } from '../../adapters/node/cache-dir.js';
import { cachedEmbedder } from '../../adapters/node/embedder.js';
import { readRoutingJsonl } from '../../adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../adapters/node/minilm.js';
import { checkEmbeddings, readShippedEmbeddings } from '../../adapters/node/shipped-embeddings.js';
import { FineRouterError } from '../../errors.js';
import { gatherRows } from '../../numeric/rows.js';
import { buildRouter } from '../../pipeline/pipeline.js';
import { compareWithReferences } from '../../pipeline/summary.js';
import { compareRoutes, FIRST_IMPRESSION_DEFAULTS, keywordLabels } from '../../pipeline/first-impression.js';
import { parsePrices } from '../../train/train-router.js';
import type { RoutingRecord } from '../../data/types.js';
import type { RouteResult } from '../../router/router.js';
import type { Command } from '../command.js';
import { COMMON_FLAGS, integerAtLeast, numberFlag, parseFlags } from '../options.js';
import { createProgress } from '../progress.js';
import { createNodeRuntime } from '../../adapters/node/runtime.js';
import { crossValidate } from '../../eval/crossval.js';
import { summarizeCrossVal, type CrossValSummary } from '../../eval/bootstrap.js';
import { knnMethod } from '../../eval/methods/baselines.js';
import { fineRouterMethods } from '../../eval/methods/finerouter.js';

const usage = `Usage: finerouter demo [--data FILE] [--prices FILE] [--out DIR] [--embed] [--tolerance T] [--cv]

Trains a small FineRouter on the shipped sample (examples/data/routing-sample.jsonl: 999 prompts, 9 open
models, MIT-licensed llmrouter-dcrouter data), then routes its held-out test prompts, offline.

Options:
  --data FILE      routing JSONL (default: the shipped sample); records with split 'test' are routed, the rest train
  --prices FILE    model prices JSON (default: examples/data/prices.json next to the sample)
  --out DIR        where the artifacts go (default: ./finerouter-demo)
  --embed          embed every prompt now (through the embedding cache) instead of using the shipped MiniLM
                   vectors (~1-3 min on 2 cores the first time)
  --tolerance T    τ for the cost-aware routes shown next to the best-quality ones (default 0.1)
  --show N         test prompts printed in full (default 6)
  --cv             also cross-validate over every prompt of the file (5 folds, the same training as above, every
                   prompt held out once; ~1 min on 2 cores): FineRouter, kNN and the best single model with 95%
                   paired-bootstrap intervals, far tighter than the held-out split's
  --seed N         seed of discovery and training (default 42)
  --cache DIR      cache root for the built encoder and embeddings (default $XDG_CACHE_HOME/finerouter,
                   else ~/.cache/finerouter; $FINEROUTER_CACHE_DIR overrides)
  --no-cache       keep the encoder and embeddings in memory
  --threads N      onnxruntime intra-op threads for the encoder (default 1)
  --json           print the summary figures as one JSON object instead of the readable report`;

const SAMPLE = 'examples/data/routing-sample.jsonl';
/** Discovery: the library defaults (DISCOVERY_DEFAULTS); the seed comes from --seed (default 42). */
const DEMO_DISCOVERY = Object.freeze({});
/** Small heads so training takes seconds on 2 cores (the paper's widths are 512; see docs/training.md). */
const DEMO_MOE = Object.freeze({ projection: 64, llmEmbedding: 32, hidden: 64, taskHidden: 32 });

function moduleDir(): string {
  return typeof __dirname === 'string' && isAbsolute(__dirname) ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/** The shipped sample: next to the package root (dist/cli.js or src/cli/commands/demo.ts), else under cwd. */
function findSample(): string | undefined {
  let dir = moduleDir();
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, SAMPLE);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  const local = resolve(SAMPLE);
  return existsSync(local) ? local : undefined;
}

const seconds = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const short = (text: string, n: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
};

/** The readable report of `finerouter demo` (presentation only: every figure comes from the library). */
function readableReport(r: {
  test: readonly RoutingRecord[];
  shown: readonly number[];
  best: readonly RouteResult[];
  cheap: readonly RouteResult[];
  tolerance: number;
  taskLine: (route: RouteResult) => string;
  comparison: ReturnType<typeof compareRoutes>;
  floor: number;
  started: number;
  outArg: string;
  cv: { summary: CrossValSummary; seconds: number } | null;
}): string[] {
  const { test, shown, best, cheap, tolerance, taskLine, comparison, floor, started, outArg, cv } = r;
  const lines: string[] = ['', 'finerouter demo: routing held-out prompts with the router trained above', ''];
  for (const i of shown) {
    const r = test[i]!;
    const bestScore = Math.max(...Object.values(r.scores));
    const bestModels = Object.keys(r.scores).filter((k) => r.scores[k] === bestScore);
    lines.push(`prompt   ${short(r.prompt, 110)}  [${r.source ?? 'unknown source'}]`);
    lines.push(`  task   ${taskLine(best[i]!)}`);
    lines.push(
      `  τ=0    → ${best[i]!.model} (observed quality ${r.scores[best[i]!.model] ?? 'n/a'}; best observed ${bestScore} by ${bestModels.length > 3 ? `${bestModels.length} models` : bestModels.join(', ')})`,
    );
    lines.push(`  why    ${best[i]!.explanation.split('; ').at(-1)}`);
    lines.push(
      `  τ=${tolerance}  → ${cheap[i]!.model} (observed quality ${r.scores[cheap[i]!.model] ?? 'n/a'}): ${cheap[i]!.explanation.split('; ').at(-1)}`,
    );
    lines.push('');
  }
  const bestSingleRow = comparison[0]!;
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  const fmtI = (x: { value: number; lo: number; hi: number }, signed = false): string => {
    const f = (v: number): string => `${signed && v > 0 ? '+' : ''}${v.toFixed(3)}`;
    return `${f(x.value)} [${f(x.lo)}, ${f(x.hi)}]`;
  };
  lines.push(
    `on the ${test.length} held-out prompts: mean observed quality of the chosen model with its 95% paired-bootstrap interval,`,
  );
  lines.push(`the difference from the best single model (same prompts), and the expected cost from list prices:`);
  lines.push('');
  lines.push(`  ${'route'.padEnd(52)} ${'quality'.padEnd(22)} ${'vs best single'.padEnd(25)} cost per 1k queries`);
  for (const row of comparison) {
    const cost =
      row.cost === null
        ? ''
        : `$${(row.cost * 1000).toFixed(4)}${row.kind === 'router' && bestSingleRow.cost ? ` (${pct(row.cost / bestSingleRow.cost)} of best single)` : ''}`;
    lines.push(
      `  ${row.name.padEnd(52)} ${fmtI(row.quality).padEnd(22)} ${(row.vsBestSingle ? fmtI(row.vsBestSingle, true) : '—').padEnd(25)} ${cost}`,
    );
  }
  lines.push('');
  lines.push(
    `  Reading: routing is for spending less at the quality you need. τ (tolerance) picks the cheapest model whose`,
  );
  lines.push(
    `  predicted score is within τ of the best; an interval that contains 0 is no measurable difference on ${test.length} prompts.`,
  );
  lines.push(
    `  In code: router.route(prompt, { tolerance: ${tolerance} }) and, per call, { maxCost: 0.0001 } (USD per query).`,
  );
  lines.push(
    `  Task labels: keywords of each task's prompts (a configured LLM describer writes sentences instead), shown only`,
  );
  lines.push(`  at classifier confidence ≥ ${floor}.`);
  lines.push('');
  if (cv) {
    const s = cv.summary;
    const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;
    const pp = (d: { value: number; lo: number; hi: number; significant: boolean } | null | undefined): string =>
      d ? `${signed(d.value)} [${signed(d.lo)}, ${signed(d.hi)}]${d.significant ? ' *' : ''}` : '—';
    lines.push(
      `${s.folds}-fold cross-validation over all ${s.prompts} prompts of the file (every prompt held out once, the same training`,
    );
    lines.push(
      `as above on each fold's other prompts; 95% paired-bootstrap intervals, ${s.resamples} resamples; * = excludes 0; ${cv.seconds.toFixed(0)} s):`,
    );
    lines.push('');
    lines.push(`  ${'route'.padEnd(34)} ${'quality %'.padEnd(20)} ${'vs best single (points)'.padEnd(26)} headroom`);
    for (const name of ['best single (train folds)', 'finerouter', 'knn', 'oracle']) {
      const row = s.rows.find((x) => x.name === name);
      if (!row) continue;
      const q = `${(100 * row.quality.value).toFixed(1)} [${(100 * row.quality.lo).toFixed(1)}, ${(100 * row.quality.hi).toFixed(1)}]`;
      const h = row.headroom
        ? `${row.headroom.value.toFixed(2)} [${row.headroom.lo.toFixed(2)}, ${row.headroom.hi.toFixed(2)}]`
        : '';
      lines.push(
        `  ${(name === 'finerouter' ? 'FineRouter τ=0' : name === 'knn' ? 'kNN (k tuned on training folds)' : name).padEnd(34)} ${q.padEnd(20)} ${(name.startsWith('best single') || name === 'oracle' ? '—' : pp(row.vsBestSingle)).padEnd(26)} ${h}`,
      );
    }
    lines.push('');
  } else {
    lines.push(
      `  ${test.length} held-out prompts give wide intervals. \`finerouter demo --cv\` cross-validates over every prompt of the`,
    );
    lines.push(
      `  file (~1 min); the five full datasets: docs/EVALUATION.md (\`finerouter eval --data FILE --folds 5\`).`,
    );
    lines.push('');
  }
  lines.push(`done in ${seconds(started)}. Route your own prompts:`);
  lines.push(
    `  node dist/cli.js route --artifacts ${outArg}/artifacts --tolerance ${tolerance} "Prove that the square root of 2 is irrational."`,
  );
  lines.push(`  node examples/route.mjs ${outArg}/artifacts`);
  return lines;
}

type Log = (line: string) => void;
type Progress = ReturnType<typeof createProgress>;
type Encoder = Awaited<ReturnType<typeof loadMiniLmEncoder>>;
type Embedder = ReturnType<typeof cachedEmbedder>;
type Built = Awaited<ReturnType<typeof buildRouter>>;
type Router = Awaited<ReturnType<typeof loadFineRouter>>;
type CrossValidation = { summary: CrossValSummary; seconds: number };

/** The demo's flags over their defaults, checked. */
interface DemoSettings {
  tolerance: number;
  show: number;
  seed: number;
  threads: number;
  cache: ReturnType<typeof cachePaths> | null;
  dataFile: string;
  pricesFile: string;
  outArg: string;
  out: string;
  artifactsDir: string;
  embed: boolean;
  cv: boolean;
  json: boolean;
}

function demoSettings(argv: readonly string[]): DemoSettings {
  const { values } = parseFlags('demo', argv, {
    data: { type: 'string' },
    prices: { type: 'string' },
    out: { type: 'string' },
    embed: { type: 'boolean' },
    tolerance: { type: 'string' },
    show: { type: 'string' },
    cv: { type: 'boolean' },
    ...COMMON_FLAGS,
  });
  const dataFile = values.data ?? findSample();
  if (dataFile === undefined)
    throw new FineRouterError(
      'ARTIFACT_MISSING',
      `demo: cannot find ${SAMPLE}; run from a clone of the repository or pass --data FILE`,
    );
  const outArg = values.out ?? 'finerouter-demo';
  const out = resolve(outArg);
  return {
    tolerance: numberFlag('demo', 'tolerance', values.tolerance, 'a number in [0, 1]', (x) => x >= 0 && x <= 1) ?? 0.1,
    show: numberFlag('demo', 'show', values.show, 'a non-negative integer', integerAtLeast(0)) ?? 6,
    seed: numberFlag('demo', 'seed', values.seed, 'an integer ≥ 0', integerAtLeast(0)) ?? 42,
    threads: numberFlag('demo', 'threads', values.threads, 'an integer ≥ 1', integerAtLeast(1)) ?? 1,
    cache: values['no-cache'] ? null : cachePaths(values.cache ?? defaultCacheDir()),
    dataFile,
    pricesFile: values.prices ?? join(dirname(dataFile), 'prices.json'),
    outArg,
    out,
    artifactsDir: join(out, 'artifacts'),
    embed: values.embed === true,
    cv: values.cv === true,
    json: values.json === true,
  };
}

/** The records split into training and held-out (`split: 'test'`) rows, and the prices if the file exists. */
interface DemoData {
  records: RoutingRecord[];
  trainRows: number[];
  testRows: number[];
  train: RoutingRecord[];
  test: RoutingRecord[];
  prices: ReturnType<typeof parsePrices> | undefined;
}

async function readDemoData(s: DemoSettings, log: Log): Promise<DemoData> {
  const t0 = performance.now();
  const { records } = await readRoutingJsonl(s.dataFile);
  const trainRows: number[] = [];
  const testRows: number[] = [];
  records.forEach((r, i) => (r.split === 'test' ? testRows : trainRows).push(i));
  const train = trainRows.map((i) => records[i]!);
  const test = testRows.map((i) => records[i]!);
  const prices = existsSync(s.pricesFile) ? parsePrices(JSON.parse(await readFile(s.pricesFile, 'utf8'))) : undefined;
  log(
    `data      ${s.dataFile}: ${train.length} training + ${test.length} test prompts${prices ? `, prices from ${s.pricesFile}` : ''} (${seconds(t0)})`,
  );
  return { records, trainRows, testRows, train, test, prices };
}

/** Every prompt's vector: the shipped MiniLM vectors when they match the live encoder, else through the cache. */
async function promptEmbeddings(
  s: DemoSettings,
  data: DemoData,
  encoder: Encoder,
  embedder: Embedder,
  log: Log,
  progress: Progress,
): Promise<Float32Array> {
  const t0 = performance.now();
  const prompts = data.records.map((r) => r.prompt);
  if (!s.embed) {
    const shipped = await readShippedEmbeddings(s.dataFile, prompts, encoder);
    if (typeof shipped === 'string') log(`embed     ${shipped}; embedding now`);
    else {
      const { maxAbsDifference: worst, checked } = await checkEmbeddings(encoder, prompts, shipped);
      if (worst <= 1e-3) {
        log(
          `embed     shipped MiniLM vectors of the ${prompts.length} prompts, checked live on ${checked} (max |Δ| ${worst.toExponential(1)}); --embed recomputes them (${seconds(t0)})`,
        );
        return shipped;
      }
      log(`embed     shipped vectors differ from the live encoder (max |Δ| ${worst.toExponential(1)}); embedding now`);
    }
  }
  const embedded = await embedder.embed(prompts, {
    onProgress: (done, total) => progress.update('embed', done, total),
  });
  log(`embed     ${prompts.length} prompts (${embedded.embedded} new, the rest from the cache) (${seconds(t0)})`);
  return embedded.embeddings;
}

/** Stages 1 and 2 through the library pipeline; only a previous demo's artifact directory is ever replaced. */
async function trainDemoRouter(
  s: DemoSettings,
  data: DemoData,
  embedder: Embedder,
  trainEmbeddings: Float32Array,
  log: Log,
  progress: Progress,
): Promise<Built> {
  if (existsSync(s.artifactsDir)) {
    const entries = await readdir(s.artifactsDir);
    if (entries.length > 0 && !entries.includes('manifest.json')) {
      throw new FineRouterError(
        'ARTIFACT_UNEXPECTED',
        `demo: ${s.artifactsDir} exists and is not a FineRouter artifact directory; choose another --out`,
      );
    }
  }
  const built = await buildRouter(data.train, {
    embedder,
    promptEmbeddings: trainEmbeddings,
    seed: s.seed,
    discover: DEMO_DISCOVERY,
    train: { moe: DEMO_MOE, ...(data.prices ? { prices: data.prices } : {}) },
    write: async (result) => {
      if (existsSync(s.artifactsDir)) await rm(s.artifactsDir, { recursive: true });
      await mkdir(s.out, { recursive: true });
      return writeArtifacts(s.artifactsDir, result);
    },
    onProgress: (event) => {
      if (event.step === 'train') progress.pipeline(event);
    },
  });
  const { discovery } = built;
  const assigned = discovery.tasks.reduce((sum, t) => sum + t.size, 0);
  const meanCandidates =
    discovery.tasks.reduce((sum, t) => sum + t.candidates.length, 0) / Math.max(1, discovery.tasks.length);
  log(
    `discover  ${discovery.tasks.length} tasks covering ${assigned}/${data.train.length} prompts (rest: Others), ${meanCandidates.toFixed(2)} candidates per task on average (${(built.ms.discover / 1000).toFixed(1)} s)`,
  );
  const m = built.training.metrics;
  const pct = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(0)}%`);
  log(
    `train     classifier threshold ${m.classifier.threshold.toFixed(2)}, held-out macro-F1 ${m.classifier.holdoutMacroF1?.toFixed(3) ?? 'n/a'}, ` +
      `${pct(m.classifier.holdoutCoverage)} of held-out prompts get a task; quality MSE held-out ${m.moe.holdoutMseFull?.toFixed(4) ?? 'n/a'} ` +
      `(per-model mean baseline ${m.moe.holdoutMseMean?.toFixed(4) ?? 'n/a'}) (${(built.ms.train / 1000).toFixed(1)} s)`,
  );
  log(
    `artifacts ${s.artifactsDir} (manifest.json, ${built.training.manifest.classifier.file}, ${built.training.manifest.router.file})`,
  );
  return built;
}

/** The held-out routes: τ = 0, the chosen τ and a τ sweep from stored vectors; the printed ones again from text. */
interface HeldOutRoutes {
  best: RouteResult[];
  cheap: RouteResult[];
  sweep: number[];
  swept: RouteResult[][];
  shown: number[];
}

async function routeHeldOut(
  s: DemoSettings,
  test: readonly RoutingRecord[],
  router: Router,
  testEmbeddings: Float32Array,
  log: Log,
): Promise<HeldOutRoutes> {
  let t0 = performance.now();
  const best = await router.routeEmbeddings(testEmbeddings);
  const cheap = await router.routeEmbeddings(testEmbeddings, { tolerance: s.tolerance });
  const sweep = [...new Set([0.05, s.tolerance, 0.2, 0.3])].filter((t) => t > 0).sort((a, b) => a - b);
  const swept = await Promise.all(sweep.map((t) => router.routeEmbeddings(testEmbeddings, { tolerance: t })));
  log(
    `route     ${test.length} test prompts routed from their embeddings at τ = 0 and τ = ${s.tolerance} (${seconds(t0)})`,
  );
  const shown = exampleOrder(test).slice(0, s.show);
  // The printed prompts go through the whole path (text → encoder → heads) and must agree.
  t0 = performance.now();
  const live = await router.routeBatch(shown.map((i) => test[i]!.prompt));
  shown.forEach((i, k) => {
    if (live[k]!.model !== best[i]!.model)
      log(`note      live route of test prompt ${i} chose ${live[k]!.model}, from stored embeddings ${best[i]!.model}`);
  });
  log(`route     ${shown.length} prompts routed from text (encoder + heads) (${seconds(t0)})`);
  return { best, cheap, sweep, swept, shown };
}

/** Test rows with one prompt per source first (in file order), so the printed examples vary. */
function exampleOrder(test: readonly RoutingRecord[]): number[] {
  const seen = new Set<string>();
  const firsts: number[] = [];
  const rest: number[] = [];
  test.forEach((r, i) => {
    const source = r.source ?? '';
    if (seen.has(source)) rest.push(i);
    else {
      seen.add(source);
      firsts.push(i);
    }
  });
  return [...firsts, ...rest];
}

/** One line per route: a short task label (keywords of its training prompts) shown only at confident assignments. */
function taskLineOf(train: readonly RoutingRecord[], built: Built, floor: number): (route: RouteResult) => string {
  const { tasks } = built.discovery;
  const labelList = keywordLabels(
    train.map((r) => r.prompt),
    tasks.map((t) => t.members),
  );
  const labels = new Map(tasks.map((t, k) => [t.id, labelList[k]!]));
  return (r) =>
    r.task === null
      ? `no task (Others)`
      : r.task.confidence >= floor
        ? `${labels.get(r.task.id) || `task ${r.task.id}`} (task ${r.task.id}, confidence ${r.task.confidence.toFixed(2)})`
        : `no confident task (best guess confidence ${r.task.confidence.toFixed(2)} < ${floor}; general and task scores blended as usual)`;
}

/** `--cv`: 5-fold cross-validation of the demo's training and kNN over every prompt of the file (src/eval). */
async function demoCrossValidation(
  s: DemoSettings,
  data: DemoData,
  embeddings: Float32Array,
  encoder: Encoder,
  embedder: Embedder,
  log: Log,
  progress: Progress,
): Promise<CrossValidation> {
  const t0 = performance.now();
  const result = await crossValidate({
    records: data.records,
    embeddings,
    dimension: encoder.dimension,
    folds: 5,
    seed: s.seed,
    methods: [
      knnMethod(),
      ...fineRouterMethods({
        runtime: createNodeRuntime(),
        encoder,
        embedder,
        variants: ['finerouter'],
        discover: DEMO_DISCOVERY,
        ...(data.prices ? { prices: data.prices } : {}),
        train: { moe: DEMO_MOE },
      }),
    ],
    onProgress: (e) =>
      progress.update(`cv ${e.method} fold ${e.fold + 1}/${e.folds} ${e.stage}`, e.done ?? 0, e.total ?? 0),
  });
  progress.end();
  const cv = {
    summary: summarizeCrossVal(result, { resamples: 2000, seed: s.seed, reference: 'finerouter' }),
    seconds: (performance.now() - t0) / 1000,
  };
  log(`cv        5-fold cross-validation of FineRouter and kNN over ${data.records.length} prompts (${seconds(t0)})`);
  return cv;
}

/** The `--json` summary object. */
function demoJson(r: {
  s: DemoSettings;
  data: DemoData;
  built: Built;
  atZero: ReturnType<typeof compareWithReferences>;
  atTolerance: ReturnType<typeof compareWithReferences>;
  comparison: ReturnType<typeof compareRoutes>;
  cv: CrossValidation | null;
  started: number;
}): Record<string, unknown> {
  const { s, data, built, atZero, atTolerance, comparison, cv } = r;
  return {
    data: s.dataFile,
    artifacts: s.artifactsDir,
    train: data.train.length,
    test: data.test.length,
    tasks: built.discovery.tasks.length,
    tolerance: s.tolerance,
    routed: { 0: atZero.routed, [s.tolerance]: atTolerance.routed },
    comparison,
    bestSingle: atZero.bestSingle,
    oracle: atZero.oracle,
    ms: { ...built.ms, total: Math.round(performance.now() - r.started) },
    ...(cv
      ? {
          crossValidation: {
            folds: cv.summary.folds,
            prompts: cv.summary.prompts,
            rows: cv.summary.rows
              .filter((x) => x.kind !== 'single')
              .map((x) => ({ name: x.name, quality: x.quality, vsBestSingle: x.vsBestSingle, headroom: x.headroom })),
          },
        }
      : {}),
  };
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'train a small router on the shipped sample and route prompts (offline, < 1 min)',
  usage,
  async run(argv) {
    const s = demoSettings(argv);
    const started = performance.now();
    const progress = createProgress();
    const log: Log = (line) => progress.note(line);
    const data = await readDemoData(s, log);
    const t0 = performance.now();
    const encoder = await loadMiniLmEncoder({
      intraOpNumThreads: s.threads,
      ...(s.cache ? { cacheDir: s.cache.encoder } : {}),
    });
    log(`encoder   ${encoder.id} (${encoder.dimension} dims) loaded (${seconds(t0)})`);
    try {
      const embedder = cachedEmbedder(encoder, { cacheDir: s.cache ? s.cache.embeddings : null });
      const all = await promptEmbeddings(s, data, encoder, embedder, log, progress);
      const trainEmbeddings = gatherRows(all, encoder.dimension, data.trainRows);
      const testEmbeddings = gatherRows(all, encoder.dimension, data.testRows);
      const built = await trainDemoRouter(s, data, embedder, trainEmbeddings, log, progress);

      // route the held-out prompts with the artifacts as an app would load them
      const t1 = performance.now();
      const router = await loadFineRouter(s.artifactsDir, { encoder });
      log(`load      loadFineRouter checked schema, files, checksums, encoder and graphs (${seconds(t1)})`);
      try {
        const routes = await routeHeldOut(s, data.test, router, testEmbeddings, log);
        const { best, cheap, sweep, swept, shown } = routes;
        const costs = Object.fromEntries(router.models.map((id, j) => [id, router.costs[j] ?? null]));
        const picks = (rs: readonly RouteResult[]): string[] => rs.map((r) => r.model);
        const atZero = compareWithReferences(data.train, data.test, picks(best), costs);
        const atTolerance = compareWithReferences(data.train, data.test, picks(cheap), costs);
        // Quality and cost against the best single and the cheapest model, paired-bootstrap intervals, τ sweep.
        const comparison = compareRoutes(
          data.train,
          data.test,
          {
            'FineRouter τ=0': picks(best),
            ...Object.fromEntries(sweep.map((t, k) => [`FineRouter τ=${t}`, picks(swept[k]!)])),
          },
          costs,
        );
        const cv = s.cv ? await demoCrossValidation(s, data, all, encoder, embedder, log, progress) : null;
        if (s.json) {
          const summary = demoJson({ s, data, built, atZero, atTolerance, comparison, cv, started });
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return 0;
        }
        const floor = FIRST_IMPRESSION_DEFAULTS.labelConfidenceFloor;
        const lines = readableReport({
          test: data.test,
          shown,
          best,
          cheap,
          tolerance: s.tolerance,
          taskLine: taskLineOf(data.train, built, floor),
          comparison,
          floor,
          started,
          outArg: s.outArg,
          cv,
        });
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await router.dispose();
      }
    } finally {
      await encoder.dispose();
    }
    return 0;
  },
};
