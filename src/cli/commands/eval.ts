/**
 * `finerouter eval`: evaluate FineRouter and the paper's baselines on a routing JSONL file (src/eval does the
 * work; this file parses arguments, caches embeddings on disk, wires the Node runtime, writes the outputs and
 * draws progress on stderr).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRoutingJsonl } from '../../adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../adapters/node/minilm.js';
import { createNodeRuntime } from '../../adapters/node/runtime.js';
import { loadFineRouter } from '../../adapters/node/artifacts.js';
import { writeArtifacts } from '../../adapters/node/artifacts-write.js';
import { embedTextsCached } from '../../adapters/node/embedding-store.js';
import { discoverTasks } from '../../discovery/discover.js';
import { FineRouter, sha256Digest } from '../../router/router.js';
import { validateManifest } from '../../router/manifest.js';
import { alignDiscovery, gatherRows, runArtifactHeads } from '../../eval/twostage.js';
import { evaluateRouters, type TwoStageInput } from '../../eval/harness.js';
import { costQualitySvg, qualityBarsSvg, reportMarkdown } from '../../eval/report.js';
import { sampleIndices, splitRecords } from '../../eval/split.js';
import type { Manifest } from '../../router/manifest.js';
import { modelCosts, parsePrices, trainRouter, type ModelPrice } from '../../train/train-router.js';
import type { Command } from '../command.js';
import { integerAtLeast, numberFlag } from '../options.js';

const usage = `Usage: finerouter eval --data FILE [options]

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
                       DIR/minilm (the built encoder); default .cache
  --no-cache           embed everything in memory
  --threads N          onnxruntime intra-op threads for the encoder
  --help               this text`;

function progressLine(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
  else process.stderr.write(`${text}\n`);
}

/** A short dataset name: the file's folder for `.../<name>/routing.jsonl`, else the file name. */
function datasetName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  const file = parts[parts.length - 1] ?? path;
  return file === 'routing.jsonl' && parts.length > 1 ? parts[parts.length - 2]! : file;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate FineRouter and the baselines on routing data (tables, cost-quality curve, AIQ)',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        artifacts: { type: 'string' },
        split: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        seed: { type: 'string' },
        sample: { type: 'string' },
        prices: { type: 'string' },
        'output-tokens': { type: 'string' },
        alpha: { type: 'string' },
        cache: { type: 'string' },
        'no-cache': { type: 'boolean' },
        threads: { type: 'string' },
        'baselines-only': { type: 'boolean' },
        epochs: { type: 'string' },
        'moe-hidden': { type: 'string' },
        'moe-projection': { type: 'string' },
        'moe-llm-embedding': { type: 'string' },
      },
    });
    if (!values.data) {
      process.stderr.write(`eval: --data FILE is required\n\n${usage}\n`);
      return 2;
    }
    const seed = numberFlag('eval', 'seed', values.seed, 'an integer', Number.isInteger) ?? 0;
    const sample = numberFlag('eval', 'sample', values.sample, 'a fraction in (0, 1]', (x) => x > 0 && x <= 1) ?? 1;
    const outputTokens = numberFlag('eval', 'output-tokens', values['output-tokens'], 'a non-negative integer', integerAtLeast(0)) ?? 256;
    const alpha = numberFlag('eval', 'alpha', values.alpha, 'a number in [0, 1]', (x) => x >= 0 && x <= 1);
    const threads = numberFlag('eval', 'threads', values.threads, 'a positive integer', integerAtLeast(1));
    const epochs = numberFlag('eval', 'epochs', values.epochs, 'a positive integer', integerAtLeast(1));
    const moe: Record<string, number> = {};
    for (const [flag, key] of [['moe-hidden', 'hidden'], ['moe-projection', 'projection'], ['moe-llm-embedding', 'llmEmbedding']] as const) {
      const v = numberFlag('eval', flag, values[flag], 'a positive integer', integerAtLeast(1));
      if (v !== undefined) moe[key] = v;
    }
    if (epochs !== undefined) {
      moe.epochs = epochs;
      moe.taskEpochs = epochs;
    }
    const timings: Record<string, number> = {};
    const t0 = Date.now();

    const read = await readRoutingJsonl(values.data, { onBadLine: 'skip' });
    if (read.skipped.length > 0) process.stderr.write(`eval: skipped ${read.skipped.length} bad lines (first: line ${read.skipped[0]!.line}: ${read.skipped[0]!.reason})\n`);
    const kept = sampleIndices(read.records, sample);
    const records = Array.from(kept, (i) => read.records[i]!);
    const split = splitRecords(records, { seed });
    process.stderr.write(`eval: ${records.length} records${sample < 1 ? ` (sample ${sample} of ${read.records.length})` : ''}; ${split.description}\n`);
    timings.readMs = Date.now() - t0;

    let t = Date.now();
    const encoder = await loadMiniLmEncoder({ cacheDir: join(values.cache ?? '.cache', 'minilm'), ...(threads !== undefined ? { intraOpNumThreads: threads } : {}) });
    const started = Date.now();
    const { embeddings, embedded } = await embedTextsCached(encoder, records.map((r) => r.prompt), {
      cacheDir: values['no-cache'] ? null : join(values.cache ?? '.cache', 'embeddings'),
      onProgress: (done, total) => progressLine(`eval: embedded ${done}/${total} new prompts (${(done / Math.max(1e-3, (Date.now() - started) / 1000)).toFixed(1)}/s)`),
    });
    if (embedded > 0 && process.stderr.isTTY) process.stderr.write('\n');
    timings.embedMs = Date.now() - t;

    let modelCostsProxy: Record<string, number> | undefined;
    let pricesTable: Record<string, ModelPrice> | undefined;
    let costNote: string | undefined;
    if (values.prices) {
      const prices = parsePrices(JSON.parse(await readFile(values.prices, 'utf8')));
      pricesTable = prices;
      const trainRecords = Array.from(split.train, (i) => records[i]!);
      const ids = Object.keys(prices);
      const costs = modelCosts(trainRecords.map((r) => ({ ...r, costs: {} })), ids, prices, outputTokens);
      modelCostsProxy = {};
      ids.forEach((id, j) => {
        if (costs[j] !== null && costs[j] !== undefined) modelCostsProxy![id] = costs[j]!;
      });
      const meanChars = trainRecords.reduce((s, r) => s + Math.ceil(r.prompt.length / 4), 0) / Math.max(1, trainRecords.length);
      costNote = `price proxy from ${values.prices}: USD per 1M tokens × (mean ⌈prompt chars / 4⌉ = ${meanChars.toFixed(0)} input tokens over the training prompts + ${outputTokens} output tokens), the same for every prompt; records' own per-prompt costs take precedence`;
    }

    let twoStage: TwoStageInput | undefined;
    let dispose: (() => Promise<void>) | undefined;
    let training: Record<string, unknown> | undefined;
    if (!values['baselines-only']) {
      t = Date.now();
      let router: FineRouter;
      let classifierModel: Uint8Array;
      let routerModel: Uint8Array;
      let centers: Float32Array | undefined;
      let trainLabels: Map<number, number> | undefined;
      if (values.artifacts) {
        router = await loadFineRouter(values.artifacts, { encoder });
        classifierModel = new Uint8Array(await readFile(join(values.artifacts, router.manifest.classifier.file)));
        routerModel = new Uint8Array(await readFile(join(values.artifacts, router.manifest.router.file)));
        timings.loadArtifactsMs = Date.now() - t;
      } else {
        // Train on the train split only (dev and test never reach discovery or training).
        const D = encoder.dimension;
        const trainRecords = Array.from(split.train, (i) => records[i]!);
        const trainEmb = gatherRows(embeddings, D, split.train);
        const discovery = await discoverTasks(trainRecords, trainEmb, { seed, onProgress: (stage, done, total) => progressLine(`eval: discover ${stage} ${done}/${total}`) });
        timings.discoverMs = Date.now() - t;
        t = Date.now();
        const result = await trainRouter(trainRecords, trainEmb, discovery, {
          encoder: { id: encoder.id, dimension: D },
          seed,
          ...(pricesTable ? { prices: pricesTable, outputTokens } : {}),
          ...(epochs !== undefined ? { classifier: { epochs } } : {}),
          moe,
          onProgress: (stage, done, total) => progressLine(`eval: train ${stage} ${done}/${total}`),
        });
        timings.trainMs = Date.now() - t;
        training = { tasks: result.manifest.tasks.length, others: result.manifest.others.size, options: { epochs: epochs ?? null, moe }, metrics: result.metrics };
        classifierModel = result.classifierBytes;
        routerModel = result.routerBytes;
        const manifest = values.out
          ? await writeArtifacts(join(values.out, 'artifacts'), result)
          : validateManifest({
              ...result.manifest,
              files: { [result.manifest.classifier.file]: await sha256Digest(classifierModel), [result.manifest.router.file]: await sha256Digest(routerModel) },
            });
        router = await FineRouter.create({ manifest, classifierModel, routerModel, runtime: createNodeRuntime(), encoder });
        const aligned = alignDiscovery(discovery, manifest, D);
        centers = aligned.centers;
        trainLabels = new Map();
        for (let k = 0; k < aligned.labels.length; k++) trainLabels.set(split.train[k]!, aligned.labels[k]!);
      }
      const manifest: Manifest = router.manifest;
      const runtime = createNodeRuntime();
      const cm = classifierModel;
      const rm = routerModel;
      twoStage = {
        manifest,
        heads: (emb) => runArtifactHeads({ runtime, manifest, classifierModel: cm, routerModel: rm, embeddings: emb }),
        routeCheck: async (emb) => (await router.routeEmbeddings(emb, { tolerance: 0 })).map((r) => r.model),
        ...(centers ? { centers } : {}),
        ...(trainLabels ? { trainLabels } : {}),
      };
      dispose = () => router.dispose();
    }

    t = Date.now();
    const report = await evaluateRouters({
      records,
      embeddings,
      dimension: encoder.dimension,
      split,
      evaluate: values.split ?? 'test',
      seed,
      dataset: datasetName(values.data),
      ...(modelCostsProxy ? { modelCosts: modelCostsProxy } : {}),
      ...(costNote ? { costNote } : {}),
      ...(alpha !== undefined ? { alpha } : {}),
      ...(twoStage ? { twoStage } : {}),
      onProgress: (stage) => progressLine(`eval: ${stage}`),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    timings.evaluateMs = Date.now() - t;
    timings.totalMs = Date.now() - t0;
    Object.assign(report.timings, timings);
    await dispose?.();
    await encoder.dispose();

    const figure = report.cost.available ? 'cost-quality.svg' : 'quality.svg';
    const json = `${JSON.stringify({ ...report, input: { path: values.data, lines: read.records.length + read.skipped.length, badLines: read.skipped.length, sample }, ...(training ? { training } : {}) }, null, 1)}\n`;
    if (values.out) {
      await mkdir(values.out, { recursive: true });
      await writeFile(join(values.out, 'report.json'), json);
      await writeFile(join(values.out, 'report.md'), reportMarkdown(report, { figure }));
      await writeFile(join(values.out, figure), report.cost.available ? costQualitySvg(report) : qualityBarsSvg(report));
      process.stderr.write(`eval: wrote ${join(values.out, 'report.json')}, report.md, ${figure}\n`);
    }
    if (values.json) process.stdout.write(json);
    else {
      const fr = report.methods.find((m) => m.name === 'finerouter');
      const lines = report.methods.map((m) => `${m.name.padEnd(40)} ${(m.quality * 100).toFixed(2).padStart(6)}${m.cost !== null ? `  $${m.cost.toExponential(3)}` : ''}${m.headroom !== null ? `  headroom ${m.headroom.toFixed(3)}` : ''}`);
      process.stdout.write(`${lines.join('\n')}\n${fr ? '' : '(no --artifacts: FineRouter rows left out)\n'}`);
    }
    return 0;
  },
};
