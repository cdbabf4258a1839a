/**
 * `finerouter eval`: evaluate FineRouter and the paper's baselines on a routing JSONL file (src/eval does the
 * work; this file parses arguments, caches embeddings on disk, wires the Node runtime, writes the outputs and
 * draws progress on stderr).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../adapters/node/atomic-write.js';
import { join } from 'node:path';
import { readRoutingJsonl } from '../../adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../adapters/node/minilm.js';
import { createNodeRuntime } from '../../adapters/node/runtime.js';
import { loadFineRouter } from '../../adapters/node/artifacts.js';
import { writeArtifacts } from '../../adapters/node/artifacts-write.js';
import { embedTextsCached } from '../../adapters/node/embedding-store.js';
import { cachedEmbedder } from '../../adapters/node/embedder.js';
import { buildRouter } from '../../pipeline/pipeline.js';
import { cachePaths, defaultCacheDir } from '../../adapters/node/cache-dir.js';
import { createProgress } from '../progress.js';
import { FineRouter, sha256Digest } from '../../router/router.js';
import { validateManifest } from '../../router/manifest.js';
import { alignDiscovery, gatherRows, runArtifactHeads } from '../../eval/twostage.js';
import { evaluateRouters, type TwoStageInput } from '../../eval/harness.js';
import { costQualitySvg, qualityBarsSvg, reportMarkdown } from '../../eval/report.js';
import { sampleIndices, splitRecords } from '../../eval/split.js';
import type { Manifest } from '../../router/manifest.js';
import { modelCosts, parsePrices, type ModelPrice } from '../../train/train-router.js';
import type { Command } from '../command.js';
import type { RoutingRecord } from '../../data/types.js';
import {
  crossValidate,
  crossValidateFold,
  type CrossValMethod,
  type CrossValOptions,
  type FoldOutput,
} from '../../eval/crossval.js';
import { fork, type ChildProcess } from 'node:child_process';
import { summarizeCrossVal } from '../../eval/bootstrap.js';
import { crossValMarkdown } from '../../eval/crossval-report.js';
import {
  bestSingleMethod,
  knnMethod,
  mlpMethod,
  perSourceOracleMethod,
  randomMethod,
} from '../../eval/methods/baselines.js';
import { fineRouterMethods, type FineRouterVariant } from '../../eval/methods/finerouter.js';
import { FineRouterError } from '../../errors.js';
import { cpus, loadavg } from 'node:os';
import { choiceFlag, COMMON_FLAGS, integerAtLeast, numberFlag, parseFlags, UsageError } from '../options.js';

const CV_METHODS = [
  'best-single',
  'random',
  'per-source-oracle',
  'knn',
  'mlp',
  'finerouter',
  'finerouter-paper',
  'stage1-only',
  'stage2-only',
  'general-only',
] as const;

const usage = `Usage: finerouter eval --data FILE [options]
       finerouter eval --data FILE --folds K [cross-validation options]

Evaluates FineRouter against every single model, the oracle, random, kNN and MLP routers and the stage-1 /
stage-2 ablations on one split of a routing JSONL file, and writes report.json, report.md and a figure.

Options:
  --data FILE          routing JSONL (required)
  --artifacts DIR      trained artifacts to evaluate; without it, discovery and training run first on the
                       train split (written to OUT/artifacts with --out)
  --baselines-only     skip FineRouter entirely (no training, no FineRouter rows)
  --epochs N           training epochs of the classifier and both MoE phases (default: trainRouter's, 10)
  --moe-hidden N       MoE adapter hidden width (default 128 from trainRouter; the paper uses 512)
  --moe-projection N   MoE prompt projection width (default 256)
  --moe-llm-embedding N  MoE LLM embedding width (default 512, the paper's)
  --split NAME         split to evaluate: test (default), dev, or an extra split of the data such as ood
  --out DIR            write report.json, report.md and cost-quality.svg (or quality.svg) there
  --json               print report.json to stdout
  --seed N             seed of the random baseline, the MLP and the hash split (default 0)
  --sample F           evaluate a deterministic id-hash subsample, fraction F in (0, 1] (default 1)
  --prices FILE        per-model prices (USD per query, or per 1M tokens: default_llm.json form) used where
                       records carry no per-prompt costs
  --output-tokens N    output tokens assumed per query when pricing per 1M tokens (default 256)
  --alpha A            Eq. 5 weight for the FineRouter rows (default: the manifest's)
  --cache DIR          cache root: DIR/embeddings (prompt embeddings, shared with 'finerouter train') and
                       DIR/minilm (the built encoder); default $XDG_CACHE_HOME/finerouter, else ~/.cache/finerouter
  --no-cache           embed everything in memory
  --threads N          onnxruntime intra-op threads for the encoder
  --precision P        fp32|int8: arithmetic of the embedded MiniLM every method is trained and evaluated on
                       (default fp32; int8 has its own encoder id and embedding cache file, docs/encoder.md)
  --help               this text

Cross-validation (--folds K): K-fold CV over every record (stratified by source, seeded), every method fitted
on the same training folds, per-prompt outcomes pooled over folds, 95% paired-bootstrap intervals of each
method's difference to the train-fold best single model and to FineRouter; writes crossval.json and
crossval.md with --out. --split and --artifacts do not apply; --sample F cross-validates an id-hash subsample.
  --folds K            number of folds (≥ 2)
  --bootstrap N        bootstrap resamples (default 2000)
  --methods LIST       comma list among ${CV_METHODS.join(', ')}
                       (default: all but best-single, which the tables always carry as the
                       train-fold best single model)
  --reference NAME     method the others are compared with (default finerouter)
  --jobs N             folds run in N worker processes at once (default 1); the figures are the same for
                       every N (each fold's methods derive their randomness from the seed and the fold)
  --compare-precision P  also train and evaluate FineRouter on the other precision's embeddings of the same
                       prompts (fp32|int8, not --precision's), same folds and seed: row finerouter@P, paired
                       with finerouter (Δ with its interval, share of identical routing decisions)
  --train-seeds LIST   also train FineRouter with these training seeds (comma list of integers) on the same
                       folds and embeddings: rows finerouter@seed=N, the training noise of the decisions
  (--seed, --prices, --output-tokens, --cache, --no-cache, --threads, --epochs, --moe-* as above)`;

/** A short dataset name: the file's folder for `.../<name>/routing.jsonl`, else the file name. */
function datasetName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  const file = parts[parts.length - 1] ?? path;
  return file === 'routing.jsonl' && parts.length > 1 ? parts[parts.length - 2]! : file;
}

type EvalValues = ReturnType<typeof parseEvalFlags>;
type Encoder = Awaited<ReturnType<typeof loadMiniLmEncoder>>;
type Progress = ReturnType<typeof createProgress>;

function parseEvalFlags(argv: readonly string[]) {
  return parseFlags(
    'eval',
    argv,
    {
      data: { type: 'string' },
      artifacts: { type: 'string' },
      split: { type: 'string' },
      out: { type: 'string' },
      sample: { type: 'string' },
      prices: { type: 'string' },
      'output-tokens': { type: 'string' },
      alpha: { type: 'string' },
      'baselines-only': { type: 'boolean' },
      epochs: { type: 'string' },
      'moe-hidden': { type: 'string' },
      'moe-projection': { type: 'string' },
      'moe-llm-embedding': { type: 'string' },
      folds: { type: 'string' },
      bootstrap: { type: 'string' },
      methods: { type: 'string' },
      reference: { type: 'string' },
      jobs: { type: 'string' },
      precision: { type: 'string' },
      'compare-precision': { type: 'string' },
      'train-seeds': { type: 'string' },
      ...COMMON_FLAGS,
    },
    { required: ['data'] },
  ).values;
}

/** The flags both modes share, checked. */
function sharedSettings(values: EvalValues) {
  const epochs = numberFlag('eval', 'epochs', values.epochs, 'a positive integer', integerAtLeast(1));
  const moe: Record<string, number> = {};
  for (const [flag, key] of [
    ['moe-hidden', 'hidden'],
    ['moe-projection', 'projection'],
    ['moe-llm-embedding', 'llmEmbedding'],
  ] as const) {
    const v = numberFlag('eval', flag, values[flag], 'a positive integer', integerAtLeast(1));
    if (v !== undefined) moe[key] = v;
  }
  if (epochs !== undefined) {
    moe.epochs = epochs;
    moe.taskEpochs = epochs;
  }
  return {
    data: values.data!,
    cache: values['no-cache'] ? null : cachePaths(values.cache ?? defaultCacheDir()),
    seed: numberFlag('eval', 'seed', values.seed, 'an integer', Number.isInteger) ?? 0,
    sample: numberFlag('eval', 'sample', values.sample, 'a fraction in (0, 1]', (x) => x > 0 && x <= 1) ?? 1,
    outputTokens:
      numberFlag('eval', 'output-tokens', values['output-tokens'], 'a non-negative integer', integerAtLeast(0)) ?? 256,
    alpha: numberFlag('eval', 'alpha', values.alpha, 'a number in [0, 1]', (x) => x >= 0 && x <= 1),
    threads: numberFlag('eval', 'threads', values.threads, 'a positive integer', integerAtLeast(1)),
    precision: choiceFlag('eval', 'precision', values.precision, PRECISIONS) ?? 'fp32',
    epochs,
    moe,
  };
}

const PRECISIONS = ['fp32', 'int8'] as const;
type Precision = (typeof PRECISIONS)[number];

/** `--compare-precision` and `--train-seeds`, checked (cross-validation only). */
function comparisonSettings(values: EvalValues, precision: Precision) {
  const comparePrecision = choiceFlag('eval', 'compare-precision', values['compare-precision'], PRECISIONS);
  if (comparePrecision === precision)
    throw new UsageError(
      `eval: --compare-precision expects the precision the run does not use (--precision is ${precision}), received '${comparePrecision}'`,
    );
  const trainSeeds =
    values['train-seeds'] === undefined
      ? []
      : values['train-seeds'].split(',').map((x) => {
          const n = numberFlag('eval', 'train-seeds', x, 'a comma list of integers', Number.isInteger);
          if (n === undefined) throw new UsageError(`eval: --train-seeds expects a comma list of integers`);
          return n;
        });
  if (new Set(trainSeeds).size !== trainSeeds.length)
    throw new UsageError(`eval: --train-seeds expects distinct seeds, received '${values['train-seeds']}'`);
  return { comparePrecision, trainSeeds };
}
type EvalSettings = ReturnType<typeof sharedSettings>;

/** `--folds K`: the cross-validation flags checked, then {@link crossValidateCommand}. */
function crossValidationRun(values: EvalValues, s: EvalSettings, argv: readonly string[]): Promise<number> {
  const folds = numberFlag('eval', 'folds', values.folds, 'an integer ≥ 2', integerAtLeast(2))!;
  const resamples = numberFlag('eval', 'bootstrap', values.bootstrap, 'an integer ≥ 1', integerAtLeast(1)) ?? 2000;
  const methods = values.methods
    ? values.methods
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m.length > 0)
    : CV_METHODS.filter((m) => m !== 'best-single');
  for (const m of methods) {
    if (!(CV_METHODS as readonly string[]).includes(m))
      throw new FineRouterError(
        'INVALID_ARGUMENT',
        `eval: --methods expects names among ${CV_METHODS.join(', ')}, received '${m}'`,
      );
  }
  const jobs = numberFlag('eval', 'jobs', values.jobs, 'an integer ≥ 1', integerAtLeast(1)) ?? 1;
  const { comparePrecision, trainSeeds } = comparisonSettings(values, s.precision);
  for (const flag of ['split', 'artifacts', 'alpha', 'baselines-only'] as const) {
    if (values[flag] !== undefined)
      throw new FineRouterError('INVALID_ARGUMENT', `eval: --${flag} does not apply with --folds`);
  }
  const { data, seed, sample, outputTokens, moe, epochs, threads, precision } = s;
  return crossValidateCommand({
    precision,
    comparePrecision,
    trainSeeds,
    data,
    folds,
    resamples,
    methods,
    seed,
    sample,
    outputTokens,
    moe,
    epochs,
    threads,
    jobs,
    argv,
    values,
  });
}

/** The file read (bad lines skipped and counted), sampled and split (the data's own split, else seeded). */
async function singleSplitData(s: EvalSettings) {
  const read = await readRoutingJsonl(s.data, { onBadLine: 'skip' });
  if (read.skipped.length > 0)
    process.stderr.write(
      `eval: skipped ${read.skipped.length} bad lines (first: line ${read.skipped[0]!.line}: ${read.skipped[0]!.reason})\n`,
    );
  const kept = sampleIndices(read.records, s.sample);
  const records = Array.from(kept, (i) => read.records[i]!);
  const split = splitRecords(records, { seed: s.seed });
  process.stderr.write(
    `eval: ${records.length} records${s.sample < 1 ? ` (sample ${s.sample} of ${read.records.length})` : ''}; ${split.description}\n`,
  );
  return { read, records, split };
}
type SingleSplitData = Awaited<ReturnType<typeof singleSplitData>>;

async function embedAll(
  encoder: Encoder,
  records: readonly RoutingRecord[],
  s: EvalSettings,
  progress: Progress,
): Promise<Float32Array> {
  const started = Date.now();
  const { embeddings } = await embedTextsCached(
    encoder,
    records.map((r) => r.prompt),
    {
      cacheDir: s.cache ? s.cache.embeddings : null,
      onProgress: (done, total) =>
        progress.update('embed', done, total, `${(done / Math.max(1e-3, (Date.now() - started) / 1000)).toFixed(1)}/s`),
    },
  );
  progress.end();
  return embeddings;
}

/** `--prices`: one per-model cost for every prompt (a proxy from list prices and the training prompts' length). */
async function priceProxy(pricesFile: string, d: SingleSplitData, outputTokens: number) {
  const prices = parsePrices(JSON.parse(await readFile(pricesFile, 'utf8')));
  const trainRecords = Array.from(d.split.train, (i) => d.records[i]!);
  const ids = Object.keys(prices);
  const costs = modelCosts(
    trainRecords.map((r) => ({ ...r, costs: {} })),
    ids,
    prices,
    outputTokens,
  );
  const modelCostsProxy: Record<string, number> = {};
  ids.forEach((id, j) => {
    if (costs[j] !== null && costs[j] !== undefined) modelCostsProxy[id] = costs[j]!;
  });
  const meanChars =
    trainRecords.reduce((sum, r) => sum + Math.ceil(r.prompt.length / 4), 0) / Math.max(1, trainRecords.length);
  const costNote = `price proxy from ${pricesFile}: USD per 1M tokens × (mean ⌈prompt chars / 4⌉ = ${meanChars.toFixed(0)} input tokens over the training prompts + ${outputTokens} output tokens), the same for every prompt; records' own per-prompt costs take precedence`;
  return { prices, modelCostsProxy, costNote };
}

/** FineRouter for the harness: its router, graph bytes and (when trained here) the discovery's alignment. */
interface TwoStageRouter {
  router: FineRouter;
  classifierModel: Uint8Array;
  routerModel: Uint8Array;
  centers?: Float32Array;
  trainLabels?: Map<number, number>;
  training?: Record<string, unknown>;
}

async function routerFromArtifacts(dir: string, encoder: Encoder): Promise<TwoStageRouter> {
  const router = await loadFineRouter(dir, { encoder });
  return {
    router,
    classifierModel: new Uint8Array(await readFile(join(dir, router.manifest.classifier.file))),
    routerModel: new Uint8Array(await readFile(join(dir, router.manifest.router.file))),
  };
}

/** Trains on the train split only (dev and test never reach discovery or training), through src/pipeline. */
async function routerByTraining(
  s: EvalSettings,
  d: SingleSplitData,
  embeddings: Float32Array,
  encoder: Encoder,
  prices: Record<string, ModelPrice> | undefined,
  out: string | undefined,
  progress: Progress,
  timings: Record<string, number>,
): Promise<TwoStageRouter> {
  const D = encoder.dimension;
  const { split } = d;
  const built = await buildRouter(
    Array.from(split.train, (i) => d.records[i]!),
    {
      embedder: cachedEmbedder(encoder, { cacheDir: s.cache ? s.cache.embeddings : null }),
      promptEmbeddings: gatherRows(embeddings, D, split.train),
      seed: s.seed,
      train: {
        ...(prices ? { prices, outputTokens: s.outputTokens } : {}),
        ...(s.epochs !== undefined ? { classifier: { epochs: s.epochs } } : {}),
        moe: s.moe,
      },
      onProgress: (event) => progress.pipeline(event),
    },
  );
  progress.end();
  const { discovery, training: result } = built;
  timings.discoverMs = Math.round(built.ms.discover);
  timings.trainMs = Math.round(built.ms.train);
  const classifierModel = result.classifierBytes;
  const routerModel = result.routerBytes;
  const manifest = out
    ? await writeArtifacts(join(out, 'artifacts'), result)
    : validateManifest({
        ...result.manifest,
        files: {
          [result.manifest.classifier.file]: await sha256Digest(classifierModel),
          [result.manifest.router.file]: await sha256Digest(routerModel),
        },
      });
  const router = await FineRouter.create({
    manifest,
    classifierModel,
    routerModel,
    runtime: createNodeRuntime(),
    encoder,
  });
  const aligned = alignDiscovery(discovery, manifest, D);
  const trainLabels = new Map<number, number>();
  for (let k = 0; k < aligned.labels.length; k++) trainLabels.set(split.train[k]!, aligned.labels[k]!);
  return {
    router,
    classifierModel,
    routerModel,
    centers: aligned.centers,
    trainLabels,
    training: {
      tasks: result.manifest.tasks.length,
      others: result.manifest.others.size,
      options: { epochs: s.epochs ?? null, moe: s.moe },
      metrics: result.metrics,
    },
  };
}

/** What the harness needs of FineRouter: both heads on any embeddings and the router's own decisions. */
function twoStageInput(t: TwoStageRouter): TwoStageInput {
  const manifest: Manifest = t.router.manifest;
  const runtime = createNodeRuntime();
  const { classifierModel, routerModel, router } = t;
  return {
    manifest,
    heads: (emb) => runArtifactHeads({ runtime, manifest, classifierModel, routerModel, embeddings: emb }),
    routeCheck: async (emb) => (await router.routeEmbeddings(emb, { tolerance: 0 })).map((r) => r.model),
    ...(t.centers ? { centers: t.centers } : {}),
    ...(t.trainLabels ? { trainLabels: t.trainLabels } : {}),
  };
}

/** report.json, report.md and the figure under `--out` (each replaced atomically), and stdout. */
async function writeEvalOutputs(
  report: Awaited<ReturnType<typeof evaluateRouters>>,
  extra: Record<string, unknown>,
  values: EvalValues,
): Promise<void> {
  const figure = report.cost.available ? 'cost-quality.svg' : 'quality.svg';
  const json = `${JSON.stringify({ ...report, ...extra }, null, 1)}\n`;
  if (values.out) {
    await mkdir(values.out, { recursive: true });
    await writeFileAtomic(join(values.out, 'report.json'), json);
    await writeFileAtomic(join(values.out, 'report.md'), reportMarkdown(report, { figure }));
    await writeFileAtomic(
      join(values.out, figure),
      report.cost.available ? costQualitySvg(report) : qualityBarsSvg(report),
    );
    process.stderr.write(`eval: wrote ${join(values.out, 'report.json')}, report.md, ${figure}\n`);
  }
  if (values.json) process.stdout.write(json);
  else {
    const fr = report.methods.find((m) => m.name === 'finerouter');
    const lines = report.methods.map(
      (m) =>
        `${m.name.padEnd(40)} ${(m.quality * 100).toFixed(2).padStart(6)}${m.cost !== null ? `  $${m.cost.toExponential(3)}` : ''}${m.headroom !== null ? `  headroom ${m.headroom.toFixed(3)}` : ''}`,
    );
    process.stdout.write(`${lines.join('\n')}\n${fr ? '' : '(no --artifacts: FineRouter rows left out)\n'}`);
  }
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate FineRouter and the baselines on routing data (tables, cost-quality curve, AIQ)',
  usage,
  async run(argv) {
    const values = parseEvalFlags(argv);
    const s = sharedSettings(values);
    if (values.folds !== undefined) return crossValidationRun(values, s, argv);
    for (const flag of ['jobs', 'compare-precision', 'train-seeds'] as const) {
      if (values[flag] !== undefined)
        throw new FineRouterError('INVALID_ARGUMENT', `eval: --${flag} applies with --folds only`);
    }
    const progress = createProgress({ prefix: 'eval' });
    const timings: Record<string, number> = {};
    const t0 = Date.now();
    const d = await singleSplitData(s);
    timings.readMs = Date.now() - t0;

    let t = Date.now();
    const encoder = await loadMiniLmEncoder({
      ...(s.cache ? { cacheDir: s.cache.encoder } : {}),
      ...(s.threads !== undefined ? { intraOpNumThreads: s.threads } : {}),
      precision: s.precision,
    });
    const embeddings = await embedAll(encoder, d.records, s, progress);
    timings.embedMs = Date.now() - t;
    const costs = values.prices ? await priceProxy(values.prices, d, s.outputTokens) : undefined;

    let fineRouter: TwoStageRouter | undefined;
    if (!values['baselines-only']) {
      t = Date.now();
      if (values.artifacts) {
        fineRouter = await routerFromArtifacts(values.artifacts, encoder);
        timings.loadArtifactsMs = Date.now() - t;
      } else {
        fineRouter = await routerByTraining(s, d, embeddings, encoder, costs?.prices, values.out, progress, timings);
      }
    }

    t = Date.now();
    const report = await evaluateRouters({
      records: d.records,
      embeddings,
      dimension: encoder.dimension,
      split: d.split,
      evaluate: values.split ?? 'test',
      seed: s.seed,
      dataset: datasetName(s.data),
      ...(costs ? { modelCosts: costs.modelCostsProxy, costNote: costs.costNote } : {}),
      ...(s.alpha !== undefined ? { alpha: s.alpha } : {}),
      ...(fineRouter ? { twoStage: twoStageInput(fineRouter) } : {}),
      onProgress: (stage) => progress.note(stage),
    });
    timings.evaluateMs = Date.now() - t;
    timings.totalMs = Date.now() - t0;
    Object.assign(report.timings, timings);
    await fineRouter?.router.dispose();
    await encoder.dispose();
    const input = {
      path: s.data,
      lines: d.read.records.length + d.read.skipped.length,
      badLines: d.read.skipped.length,
      sample: s.sample,
    };
    await writeEvalOutputs(
      report,
      { input, ...(fineRouter?.training ? { training: fineRouter.training } : {}) },
      values,
    );
    return 0;
  },
};

interface CrossValArgs {
  /** Encoder precision of every method's embeddings. */
  precision: Precision;
  /** Adds finerouter@P trained and evaluated on this precision's embeddings (undefined: none). */
  comparePrecision: Precision | undefined;
  /** Adds finerouter@seed=N per training seed, on the run's folds and embeddings. */
  trainSeeds: readonly number[];
  data: string;
  folds: number;
  sample: number;
  resamples: number;
  methods: readonly string[];
  seed: number;
  outputTokens: number;
  moe: Record<string, number>;
  epochs: number | undefined;
  threads: number | undefined;
  /** Worker processes that run folds (1 = in this process). */
  jobs: number;
  /** The command's own arguments (a worker process is started with the same ones). */
  argv: readonly string[];
  values: {
    out?: string | undefined;
    json?: boolean | undefined;
    prices?: string | undefined;
    cache?: string | undefined;
    'no-cache'?: boolean | undefined;
    reference?: string | undefined;
  };
}

/** `finerouter eval --folds K`: cross-validation of every method on the whole file (src/eval/crossval.ts). */
async function crossValidateCommand(a: CrossValArgs): Promise<number> {
  const { values } = a;
  const worker = process.env[WORKER_ENV] === '1' && typeof process.send === 'function' ? workerChannel() : null;
  const t0 = Date.now();
  const load0 = loadavg()[0]!;
  const read = await readRoutingJsonl(a.data, { onBadLine: 'skip' });
  if (read.skipped.length > 0)
    process.stderr.write(
      `eval: skipped ${read.skipped.length} bad lines (first: line ${read.skipped[0]!.line}: ${read.skipped[0]!.reason})\n`,
    );
  const kept = sampleIndices(read.records, a.sample);
  const records = Array.from(kept, (i) => read.records[i]!);
  if (!worker)
    process.stderr.write(
      `eval: ${records.length} records${a.sample < 1 ? ` (id-hash sample ${a.sample} of ${read.records.length})` : ''}; ${a.folds}-fold cross-validation, seed ${a.seed}${a.jobs > 1 ? `, ${a.jobs} worker processes` : ''}\n`,
    );
  const timings: Record<string, number> = {};
  let t = Date.now();
  const cache = values['no-cache'] ? null : cachePaths(values.cache ?? defaultCacheDir());
  const progress = createProgress({ prefix: worker ? `eval worker ${process.pid}` : 'eval' });
  const loadEncoder = (precision: Precision) =>
    loadMiniLmEncoder({
      ...(cache ? { cacheDir: cache.encoder } : {}),
      ...(a.threads !== undefined ? { intraOpNumThreads: a.threads } : {}),
      precision,
    });
  const embedPrompts = async (enc: Encoder): Promise<Float32Array> => {
    const started = Date.now();
    const out = await embedTextsCached(
      enc,
      records.map((r) => r.prompt),
      {
        cacheDir: cache ? cache.embeddings : null,
        onProgress: (done, total) =>
          progress.update(
            `embed ${enc.id}`,
            done,
            total,
            `${(done / Math.max(1e-3, (Date.now() - started) / 1000)).toFixed(1)}/s`,
          ),
      },
    );
    progress.end();
    return out.embeddings;
  };
  const encoder = await loadEncoder(a.precision);
  const other = a.comparePrecision === undefined ? null : await loadEncoder(a.comparePrecision);
  // A worker gets the parent's embeddings (the same vectors, without embedding or reading the cache again).
  const given = worker ? await worker.embeddings : null;
  const embeddings = given ? given.embeddings : await embedPrompts(encoder);
  const otherEmbeddings = other ? (given ? given.other : await embedPrompts(other)) : null;
  if (other && !otherEmbeddings) throw new Error('eval: a worker process received no --compare-precision embeddings');
  const D = encoder.dimension;
  timings.embedMs = Date.now() - t;

  let modelCostsProxy: Record<string, number> | undefined;
  let prices: Record<string, ModelPrice> | undefined;
  let costNote = records.some((r) => r.costs && Object.keys(r.costs).length > 0)
    ? 'per-prompt USD costs from the data (`costs`)'
    : 'no cost information';
  if (values.prices) {
    prices = parsePrices(JSON.parse(await readFile(values.prices, 'utf8')));
    const ids = Object.keys(prices);
    // One price proxy for the whole file (prompt lengths are not labels; no quality information leaks).
    const costs = modelCosts(
      records.map((r) => ({ ...r, costs: {} })),
      ids,
      prices,
      a.outputTokens,
    );
    modelCostsProxy = {};
    ids.forEach((id, j) => {
      if (costs[j] !== null && costs[j] !== undefined) modelCostsProxy![id] = costs[j]!;
    });
    costNote = `price proxy from ${values.prices}: USD per 1M tokens × (mean ⌈prompt chars / 4⌉ input tokens + ${a.outputTokens} output tokens), the same for every prompt`;
  }
  const methods: CrossValMethod[] = [];
  const want = new Set(a.methods);
  if (want.has('best-single')) methods.push(bestSingleMethod());
  if (want.has('random')) methods.push(randomMethod());
  if (want.has('per-source-oracle')) methods.push(perSourceOracleMethod());
  if (want.has('knn')) methods.push(knnMethod());
  if (want.has('mlp')) methods.push(mlpMethod());
  const variants = (['finerouter', 'finerouter-paper', 'stage1-only', 'stage2-only', 'general-only'] as const).filter(
    (v): v is FineRouterVariant => want.has(v),
  );
  const runtime = createNodeRuntime();
  const fineRouterOptions = (enc: Encoder) => ({
    runtime,
    encoder: enc,
    embedder: cachedEmbedder(enc, {
      cacheDir: values['no-cache'] ? null : join(values.cache ?? '.cache', 'embeddings'),
    }),
    ...(prices ? { prices } : {}),
    train: {
      outputTokens: a.outputTokens,
      ...(a.epochs !== undefined ? { classifier: { epochs: a.epochs } } : {}),
      moe: a.moe,
    },
  });
  if (variants.length > 0) methods.push(...fineRouterMethods({ ...fineRouterOptions(encoder), variants }));
  // Paired rows on the same folds: the shipped router on the other precision's vectors, and with other seeds.
  if (other && otherEmbeddings)
    methods.push(
      ...fineRouterMethods({
        ...fineRouterOptions(other),
        variants: ['finerouter'],
        embeddings: otherEmbeddings,
        suffix: `@${a.comparePrecision}`,
      }),
    );
  for (const trainSeed of a.trainSeeds)
    methods.push(
      ...fineRouterMethods({
        ...fineRouterOptions(encoder),
        variants: ['finerouter'],
        trainSeed,
        suffix: `@seed=${trainSeed}`,
      }),
    );
  t = Date.now();
  const cvOptions: CrossValOptions = {
    records,
    embeddings,
    dimension: D,
    methods,
    folds: a.folds,
    seed: a.seed,
    ...(modelCostsProxy ? { modelCosts: modelCostsProxy } : {}),
    ...(a.jobs > 1 && !worker
      ? {
          runFolds: (folds: readonly number[]) =>
            runFoldsInWorkers(folds, a, { embeddings, other: otherEmbeddings }, progress),
        }
      : {}),
    onProgress: (e) =>
      progress.update(`${e.method} fold ${e.fold + 1}/${e.folds} ${e.stage}`, e.done ?? 0, e.total ?? 0),
  };
  if (worker) {
    await worker.serve((fold) => crossValidateFold(cvOptions, fold));
    await encoder.dispose();
    await other?.dispose();
    return 0;
  }
  const cv = await crossValidate(cvOptions);
  progress.end();
  await encoder.dispose();
  await other?.dispose();
  timings.crossValidateMs = Date.now() - t;
  t = Date.now();
  const summary = summarizeCrossVal(cv, {
    resamples: a.resamples,
    seed: a.seed,
    reference: values.reference ?? 'finerouter',
  });
  timings.bootstrapMs = Date.now() - t;
  timings.totalMs = Date.now() - t0;
  const load1 = loadavg()[0]!;
  const dataset = datasetName(a.data);
  const report = {
    schema: 'finerouter/crossval-report',
    version: 1,
    dataset,
    input: {
      path: a.data,
      lines: read.records.length + read.skipped.length,
      records: records.length,
      sample: a.sample,
      badLines: read.skipped.length,
    },
    cost: { note: costNote, modelCost: modelCostsProxy ?? null },
    // Every method's embeddings came from `encoder`; finerouter@P rows from `compare.encoder`.
    encoder: { id: encoder.id, precision: a.precision, dimension: D },
    compare: {
      encoder: other ? { id: other.id, precision: a.comparePrecision } : null,
      trainSeeds: a.trainSeeds,
    },
    training: { epochs: a.epochs ?? null, moe: a.moe },
    machine: { cpus: cpus().length, load1Start: load0, load1End: load1 },
    timings,
    methodFitMs: Object.fromEntries(
      cv.methods.filter((m) => m.fitMs.length > 0).map((m) => [m.name, m.fitMs.map((x) => Math.round(x))]),
    ),
    methodInfo: Object.fromEntries(
      cv.methods.filter((m) => m.info.some((x) => x !== null)).map((m) => [m.name, m.info]),
    ),
    ...summary,
    rows: summary.rows.map((r) => ({
      ...r,
      curve: r.curve?.map((p) => ({ tolerance: p.tolerance, quality: p.quality, cost: p.cost })),
    })),
  };
  const md = crossValMarkdown(summary, {
    title: dataset,
    notes: [
      `Command: \`finerouter eval --data ${a.data} --folds ${a.folds} --seed ${a.seed} --bootstrap ${a.resamples}${a.precision !== 'fp32' ? ` --precision ${a.precision}` : ''}${a.comparePrecision ? ` --compare-precision ${a.comparePrecision}` : ''}${a.trainSeeds.length > 0 ? ` --train-seeds ${a.trainSeeds.join(',')}` : ''}${a.sample < 1 ? ` --sample ${a.sample}` : ''}${a.methods.length < CV_METHODS.length - 1 ? ` --methods ${a.methods.join(',')}` : ''}${values.prices ? ` --prices ${values.prices}` : ''}${a.epochs !== undefined ? ` --epochs ${a.epochs}` : ''}${Object.entries(
        a.moe,
      )
        .filter(([k]) => k !== 'epochs' && k !== 'taskEpochs')
        .map(([k, v]) => ` --moe-${k === 'llmEmbedding' ? 'llm-embedding' : k} ${v}`)
        .join('')}\`. ` +
        `Encoder ${encoder.id}${other ? ` (finerouter@${a.comparePrecision}: ${other.id})` : ''}. ` +
        `Wall time ${(timings.totalMs / 1000).toFixed(0)} s (cross-validation ${(timings.crossValidateMs / 1000).toFixed(0)} s, bootstrap ${(timings.bootstrapMs / 1000).toFixed(1)} s); load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${cpus().length} CPUs. Costs: ${costNote}.`,
      '',
    ],
  });
  if (values.out) {
    await mkdir(values.out, { recursive: true });
    await writeFileAtomic(join(values.out, 'crossval.json'), `${JSON.stringify(report, null, 1)}\n`);
    await writeFileAtomic(join(values.out, 'crossval.md'), md);
    process.stderr.write(`eval: wrote ${join(values.out, 'crossval.json')} and crossval.md\n`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
  else process.stdout.write(md);
  return 0;
}

/** Set in the environment of the worker processes of `eval --folds K --jobs N`. */
const WORKER_ENV = 'FINEROUTER_EVAL_WORKER';

/** Messages between `eval --jobs N` and its workers (structured clone: typed arrays travel as they are). */
/** The prompt embeddings of the run's encoder and, with --compare-precision, of the other precision. */
interface WorkerEmbeddings {
  embeddings: Float32Array;
  other: Float32Array | null;
}
type ToWorker = ({ type: 'init' } & WorkerEmbeddings) | { type: 'fold'; fold: number } | { type: 'exit' };
type FromWorker = { type: 'ready' } | { type: 'fold'; output: FoldOutput } | { type: 'error'; message: string };

/** The worker side: receives the embeddings once, then runs the folds it is sent, one at a time. */
function workerChannel(): {
  embeddings: Promise<WorkerEmbeddings>;
  serve(run: (fold: number) => Promise<FoldOutput>): Promise<void>;
} {
  const send = (m: FromWorker): void => {
    process.send!(m);
  };
  let resolveEmbeddings!: (e: WorkerEmbeddings) => void;
  const embeddings = new Promise<WorkerEmbeddings>((resolve) => (resolveEmbeddings = resolve));
  const queue: ToWorker[] = [];
  let wake: (() => void) | null = null;
  process.on('message', (m: ToWorker) => {
    if (m.type === 'init') resolveEmbeddings({ embeddings: m.embeddings, other: m.other });
    else {
      queue.push(m);
      wake?.();
    }
  });
  return {
    embeddings,
    async serve(run) {
      send({ type: 'ready' });
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const m = queue.shift()!;
        if (m.type === 'exit') break;
        if (m.type !== 'fold') continue;
        try {
          send({ type: 'fold', output: await run(m.fold) });
        } catch (error) {
          send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
        }
      }
      process.removeAllListeners('message');
      process.disconnect?.();
    },
  };
}

/**
 * The parent side of `--jobs N`: starts min(N, folds) copies of this command as worker processes (same arguments,
 * the embeddings sent once) and hands each the next fold as soon as it is free. Folds are independent, so the
 * outputs are the same as one process running them in order.
 */
async function runFoldsInWorkers(
  folds: readonly number[],
  a: CrossValArgs,
  embeddings: WorkerEmbeddings,
  progress: ReturnType<typeof createProgress>,
): Promise<FoldOutput[]> {
  const outputs = new Map<number, FoldOutput>();
  const pending = [...folds];
  const count = Math.min(a.jobs, folds.length);
  const children: ChildProcess[] = [];
  const started = Date.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const busy = new Set<ChildProcess>();
      const next = (child: ChildProcess): void => {
        const fold = pending.shift();
        if (fold === undefined) {
          child.send({ type: 'exit' } satisfies ToWorker);
          return;
        }
        busy.add(child);
        child.send({ type: 'fold', fold } satisfies ToWorker);
      };
      for (let w = 0; w < count; w++) {
        const child = fork(process.argv[1]!, ['eval', ...a.argv], {
          env: { ...process.env, [WORKER_ENV]: '1' },
          serialization: 'advanced',
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        children.push(child);
        child.on('message', (m: FromWorker) => {
          if (m.type === 'ready') next(child);
          else if (m.type === 'fold') {
            busy.delete(child);
            outputs.set(m.output.fold, m.output);
            progress.note(
              `fold ${m.output.fold + 1} done in a worker (${outputs.size}/${folds.length}, ${((Date.now() - started) / 1000).toFixed(0)} s)`,
            );
            if (outputs.size === folds.length) resolve();
            else next(child);
          } else reject(new Error(`eval: a worker process failed: ${m.message}`));
        });
        child.on('exit', (code, signal) => {
          if (busy.has(child) || (code !== 0 && outputs.size < folds.length))
            reject(
              new Error(`eval: a worker process exited (code ${code}, signal ${signal}) before its fold was done`),
            );
        });
        child.send({ type: 'init', ...embeddings } satisfies ToWorker);
      }
    });
  } finally {
    for (const child of children) if (child.connected) child.send({ type: 'exit' } satisfies ToWorker);
  }
  return folds.map((f) => outputs.get(f)!);
}
