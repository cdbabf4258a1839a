/**
 * `finerouter train`: routing JSONL → (discovery unless --tasks) → frozen MiniLM embeddings (cached) →
 * trainRouter → artifact directory. Argument parsing, file I/O and progress bars only; the logic is in
 * src/train (trainRouter), src/discovery (discoverTasks) and the Node adapters.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRoutingJsonl } from '../../adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../adapters/node/minilm.js';
import { embedTextsCached } from '../../adapters/node/embedding-store.js';
import { writeArtifacts } from '../../adapters/node/artifacts-write.js';
import { discoverTasks } from '../../discovery/discover.js';
import type { DiscoveryResult, TasksFile } from '../../discovery/types.js';
import { validateTasksFile } from '../../discovery/tasks-file.js';
import type { RoutingRecord } from '../../data/types.js';
import { FineRouterError } from '../../errors.js';
import { parsePrices, trainRouter, type ModelPrice } from '../../train/train-router.js';
import type { Command } from '../command.js';
import { integerAtLeast, numberFlag } from '../options.js';

const usage = `Usage: finerouter train --data FILE --out DIR [options]

Trains FineRouter's task classifier and MoE quality estimator on frozen all-MiniLM-L6-v2 embeddings and writes
DIR/manifest.json, DIR/classifier.onnx, DIR/router.onnx (load them with 'finerouter route --artifacts DIR').

Options:
  --data FILE        routing JSONL (one {id, prompt, scores, costs?} per line) (required)
  --out DIR          artifact directory to write (use an empty or dedicated directory) (required)
  --split NAME       use only records with this split (default: train; --split '' for all records)
  --tasks FILE       tasks.json from 'finerouter discover' (default: run discovery here)
  --seed N           seed of discovery, split, initialization and shuffles (default 42)
  --prices FILE      JSON prices for models whose records carry no costs:
                     {"model": USD_per_query} | {"model": {"perQuery": x}} |
                     {"model": {"inputPer1M": x, "outputPer1M": y}} | LLMRouter default_llm.json ({input_price, output_price})
  --output-tokens N  output tokens per query assumed with per-1M-token prices (default 256)
  --epochs N         max epochs of each training phase (default 10)
  --holdout F        share of records held out for the reported figures only (default 0.1; 0 trains on all)
  --alpha A|dev      Eq. 5 α written to the manifest: a number in [0, 1] (the paper: 0.5) or 'dev' to choose it
                     on the dev split by routed dev quality (default dev)
  --stage1 S         stage-1 statistic: median (the paper's), mean, or dev to choose on the dev split (default dev)
  --cache DIR        cache directory for embeddings and the built encoder (default .cache)
  --threads N        onnxruntime intra-op threads for the encoder
  --json             print the summary as one JSON object
  --help             this text`;

const lastDecile = new Map<string, number>();

function bar(label: string, done: number, total: number, detail = ''): void {
  const width = 24;
  const decile = total > 0 ? Math.floor((10 * done) / total) : 10;
  const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : width;
  const line = `${label.padEnd(12)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${detail}`;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}${done >= total ? '\n' : ''}`);
  else if (decile !== lastDecile.get(label)) {
    lastDecile.set(label, decile);
    process.stderr.write(`${line}\n`);
  }
}

/** Reads --prices FILE. */
export async function readPricesFile(path: string): Promise<Record<string, ModelPrice>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new FineRouterError('INVALID_ARGUMENT', `--prices: cannot read JSON from ${path}`, { cause: error });
  }
  try {
    return parsePrices(json);
  } catch (error) {
    throw new FineRouterError('INVALID_ARGUMENT', `--prices ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Turns a tasks.json (TasksFile) into a DiscoveryResult aligned with `records` by id. */
function discoveryFromTasksFile(file: TasksFile, records: readonly RoutingRecord[], path: string): DiscoveryResult {
  const position = new Map(file.ids.map((id, i) => [id, i]));
  const assignment = new Int32Array(records.length);
  records.forEach((r, i) => {
    const at = position.get(r.id);
    if (at === undefined) throw new FineRouterError('DATA_INVALID', `--tasks ${path}: record ${r.id} is not in the tasks file; run discovery on the same data and split`);
    assignment[i] = file.assignment[at];
  });
  return { models: file.models, tasks: file.tasks, others: file.others, assignment, options: file.options, stats: file.stats };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train the task classifier and MoE router on routing JSONL; write ONNX artifacts',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        out: { type: 'string' },
        split: { type: 'string' },
        tasks: { type: 'string' },
        seed: { type: 'string' },
        prices: { type: 'string' },
        'output-tokens': { type: 'string' },
        epochs: { type: 'string' },
        holdout: { type: 'string' },
        alpha: { type: 'string' },
        stage1: { type: 'string' },
        cache: { type: 'string' },
        threads: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (!values.data || !values.out) throw new FineRouterError('INVALID_ARGUMENT', 'train: --data FILE and --out DIR are required (see finerouter train --help)');
    const seed = numberFlag('train', 'seed', values.seed, 'an integer ≥ 0', integerAtLeast(0)) ?? 42;
    const epochs = numberFlag('train', 'epochs', values.epochs, 'an integer ≥ 1', integerAtLeast(1));
    const threads = numberFlag('train', 'threads', values.threads, 'an integer ≥ 1', integerAtLeast(1));
    const outputTokens = numberFlag('train', 'output-tokens', values['output-tokens'], 'an integer ≥ 0', integerAtLeast(0));
    const split = values.split ?? 'train';
    const holdout = values.holdout === undefined ? undefined : Number(values.holdout);
    if (holdout !== undefined && !(holdout >= 0 && holdout < 0.5)) throw new FineRouterError('INVALID_ARGUMENT', `train: --holdout expects a number in [0, 0.5), received '${values.holdout}'`);
    const alpha = values.alpha === undefined || values.alpha === 'dev' ? 'dev' : Number(values.alpha);
    if (alpha !== 'dev' && !(values.alpha!.trim() !== '' && alpha >= 0 && alpha <= 1)) throw new FineRouterError('INVALID_ARGUMENT', `train: --alpha expects a number in [0, 1] or 'dev', received '${values.alpha}'`);
    const stage1 = values.stage1 ?? 'dev';
    if (stage1 !== 'dev' && stage1 !== 'median' && stage1 !== 'mean') throw new FineRouterError('INVALID_ARGUMENT', `train: --stage1 expects median, mean or dev, received '${stage1}'`);
    const cache = values.cache ?? '.cache';
    const started = performance.now();
    const times: Record<string, number> = {};
    const lap = (name: string, since: number): number => {
      const now = performance.now();
      times[name] = Math.round(now - since);
      return now;
    };

    let t = performance.now();
    const { records } = await readRoutingJsonl(values.data, split === '' ? {} : { split });
    if (records.length === 0) throw new FineRouterError('DATA_INVALID', `train: no records${split ? ` with split '${split}'` : ''} in ${values.data}`);
    const prices = values.prices ? await readPricesFile(values.prices) : undefined;
    t = lap('read', t);

    const encoder = await loadMiniLmEncoder({ cacheDir: join(cache, 'minilm'), ...(threads !== undefined ? { intraOpNumThreads: threads } : {}) });
    try {
      t = lap('encoderLoad', t);
      const { embeddings, embedded } = await embedTextsCached(encoder, records.map((r) => r.prompt), {
        cacheDir: join(cache, 'embeddings'),
        onProgress: (done, total) => bar('embed', done, total),
      });
      t = lap('embed', t);

      let discovery: DiscoveryResult;
      if (values.tasks) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(await readFile(values.tasks, 'utf8'));
        } catch (error) {
          throw new FineRouterError('DATA_INVALID', `train: cannot read JSON from --tasks ${values.tasks}`, { cause: error });
        }
        const file = validateTasksFile(parsed);
        discovery = discoveryFromTasksFile(file, records, values.tasks);
      } else {
        const hasDescriptions = records.some((r) => typeof r.description === 'string' && r.description.length > 0);
        const descEmbeddings = hasDescriptions
          ? (await embedTextsCached(encoder, records.map((r) => r.description ?? r.prompt), { cacheDir: join(cache, 'embeddings') })).embeddings
          : embeddings;
        discovery = await discoverTasks(records, descEmbeddings, { seed, onProgress: (stage, done, total) => bar(`discover:${stage}`, done, total) });
      }
      t = lap('discover', t);

      // Task encodings start from description embeddings when a describer wrote them, else from the centers.
      let taskEmbeddings: Float32Array | undefined;
      if (discovery.options.describer !== null && discovery.tasks.length > 0) {
        taskEmbeddings = (await embedTextsCached(encoder, discovery.tasks.map((task) => task.description), { cacheDir: join(cache, 'embeddings') })).embeddings;
      }
      const moe = epochs !== undefined ? { epochs, taskEpochs: epochs } : {};
      const result = await trainRouter(records, embeddings, discovery, {
        encoder: { id: encoder.id, dimension: encoder.dimension },
        seed,
        ...(holdout !== undefined ? { holdoutFraction: holdout } : {}),
        ...(taskEmbeddings ? { taskEmbeddings } : {}),
        ...(prices ? { prices } : {}),
        ...(outputTokens !== undefined ? { outputTokens } : {}),
        ...(epochs !== undefined ? { classifier: { epochs } } : {}),
        moe,
        alpha,
        stage1Statistic: stage1,
        onProgress: (stage, done, total, detail) => bar(stage, done, total, detail ?? ''),
      });
      t = lap('train', t);
      const manifest = await writeArtifacts(values.out, result);
      lap('write', t);
      const m = result.metrics;
      const summary = {
        out: values.out,
        records: records.length,
        newlyEmbedded: embedded,
        models: manifest.models.length,
        tasks: manifest.tasks.length,
        others: manifest.others.size,
        threshold: m.classifier.threshold,
        classifier: { holdoutMacroF1: m.classifier.holdoutMacroF1, holdoutCoverage: m.classifier.holdoutCoverage, devMacroF1: m.classifier.devMacroF1 },
        moe: m.moe,
        aggregation: m.aggregation,
        bytes: { classifier: result.classifierBytes.length, router: result.routerBytes.length },
        ms: { ...times, total: Math.round(performance.now() - started), trainStages: m.ms },
      };
      if (values.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        const f = (x: number | null, digits = 3): string => (x === null ? 'n/a' : x.toFixed(digits));
        process.stdout.write([
          `wrote ${values.out}: ${summary.models} models, ${summary.tasks} tasks (+ Others: ${summary.others} prompts), threshold ${f(summary.threshold, 2)}`,
          `classifier: held-out macro-F1 ${f(m.classifier.holdoutMacroF1)} over ${summary.tasks + 1} classes, ${f((m.classifier.holdoutCoverage ?? 0) * 100, 1)}% of held-out prompts assigned to a task`,
          `router: held-out MSE ${f(m.moe.holdoutMseFull, 4)} (general adapters only ${f(m.moe.holdoutMseGeneral, 4)}, per-model mean ${f(m.moe.holdoutMseMean, 4)})`,
          `Eq. 5: α ${m.aggregation.alpha} (${m.aggregation.alphaSource}), stage 1 ${m.aggregation.stage1Statistic} (${m.aggregation.statisticSource}); routed dev quality ${f(m.aggregation.devQuality)} (best single model ${f(m.aggregation.devBestSingle)}, oracle ${f(m.aggregation.devOracle)})`,
          `time: ${(summary.ms.total / 1000).toFixed(1)} s (embed ${(times.embed / 1000).toFixed(1)} s for ${embedded} new prompts, discover ${(times.discover / 1000).toFixed(1)} s, train ${(times.train / 1000).toFixed(1)} s)`,
          '',
        ].join('\n'));
      }
      return 0;
    } finally {
      await encoder.dispose();
    }
  },
};
