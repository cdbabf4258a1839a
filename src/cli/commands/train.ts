/**
 * `finerouter train`: routing JSONL → the training pipeline (src/pipeline: embed → discover unless --tasks →
 * train → artifacts). Flags, file reading and the summary only; the work is buildRouter.
 */
import { readFile } from 'node:fs/promises';
import { readRoutingJsonl } from '../../adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../adapters/node/minilm.js';
import { createEncoderPool } from '../../adapters/node/encoder-pool.js';
import { cachedEmbedder } from '../../adapters/node/embedder.js';
import { cachePaths, defaultCacheDir } from '../../adapters/node/cache-dir.js';
import { writeArtifacts } from '../../adapters/node/artifacts-write.js';
import { checkArtifactOutput } from '../../adapters/node/artifact-dir.js';
import { discoveryFromTasksFile, validateTasksFile } from '../../discovery/tasks-file.js';
import type { DiscoveryResult } from '../../discovery/types.js';
import { FineRouterError } from '../../errors.js';
import { buildRouter } from '../../pipeline/pipeline.js';
import { parsePrices, supportWarning, TRAIN_PRESETS, type ModelPrice } from '../../train/train-router.js';
import type { Command } from '../command.js';
import { COMMON_FLAGS, choiceFlag, integerAtLeast, numberFlag, parseFlags } from '../options.js';
import { createProgress } from '../progress.js';

const usage = `Usage: finerouter train --data FILE --out DIR [options]

Trains FineRouter's task classifier and MoE quality estimator on frozen all-MiniLM-L6-v2 embeddings and writes
DIR/manifest.json, DIR/classifier.onnx, DIR/router.onnx (load them with 'finerouter route --artifacts DIR').

Options:
  --data FILE        routing JSONL (one {id, prompt, scores, costs?} per line) (required)
  --out DIR          artifact directory: absent, empty, or holding artifacts; replaced atomically (required)
  --force            replace DIR even when it holds other files (never /, ~ or the current directory)
  --split NAME       use only records with this split (default: train; --split '' for all records)
  --tasks FILE       tasks.json from 'finerouter discover' (default: run discovery here)
  --seed N           seed of discovery, split, initialization and shuffles (default 42)
  --prices FILE      JSON prices for models whose records carry no costs:
                     {"model": USD_per_query} | {"model": {"perQuery": x}} |
                     {"model": {"inputPer1M": x, "outputPer1M": y}} | LLMRouter default_llm.json ({input_price, output_price})
  --output-tokens N  output tokens per query assumed with per-1M-token prices (default 256)
  --epochs N         max epochs of each training phase (default 10)
  --holdout F        share of records held out for the reported figures only (default 0.1; 0 trains on all)
  --preset NAME      default (the cross-validated winners: local prior beside the task prior, α/ω chosen on
                     dev) or paper (the paper's Eq. 5: no local prior, α = 0.5, stage-1 medians); --alpha and
                     --stage1 override it (docs/training.md)
  --alpha A|dev      Eq. 5 α written to the manifest: a number in [0, 1] (the paper: 0.5) or 'dev' to choose it
                     on the dev split by routed dev quality (default dev)
  --stage1 S         stage-1 statistic: median (the paper's), mean, or dev to choose on the dev split (default dev)
  --cache DIR        cache root for embeddings and the built encoder (default $XDG_CACHE_HOME/finerouter,
                     else ~/.cache/finerouter; $FINEROUTER_CACHE_DIR overrides)
  --no-cache         keep embeddings and the encoder in memory
  --threads N        onnxruntime intra-op threads for the encoder
  --workers N        embed new prompts on N worker threads, each a 1-thread encoder session (default 0: in this
                     thread with --threads)
  --json             print the summary as one JSON object
  --help             this text`;

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

export const trainCommand: Command = {
  name: 'train',
  summary: 'train the task classifier and quality head on routing JSONL; write ONNX artifacts',
  usage,
  async run(argv) {
    const { values } = parseFlags(
      'train',
      argv,
      {
        data: { type: 'string' },
        out: { type: 'string' },
        split: { type: 'string' },
        tasks: { type: 'string' },
        prices: { type: 'string' },
        'output-tokens': { type: 'string' },
        epochs: { type: 'string' },
        holdout: { type: 'string' },
        alpha: { type: 'string' },
        stage1: { type: 'string' },
        preset: { type: 'string' },
        force: { type: 'boolean' },
        workers: { type: 'string' },
        ...COMMON_FLAGS,
      },
      { required: ['data', 'out'] },
    );
    const data = values.data!;
    const out = values.out!;
    const seed = numberFlag('train', 'seed', values.seed, 'an integer ≥ 0', integerAtLeast(0)) ?? 42;
    const epochs = numberFlag('train', 'epochs', values.epochs, 'an integer ≥ 1', integerAtLeast(1));
    const threads = numberFlag('train', 'threads', values.threads, 'an integer ≥ 1', integerAtLeast(1));
    const workers = numberFlag('train', 'workers', values.workers, 'an integer ≥ 0', integerAtLeast(0)) ?? 0;
    const outputTokens = numberFlag(
      'train',
      'output-tokens',
      values['output-tokens'],
      'an integer ≥ 0',
      integerAtLeast(0),
    );
    const split = values.split ?? 'train';
    const holdout = numberFlag('train', 'holdout', values.holdout, 'a number in [0, 0.5)', (x) => x >= 0 && x < 0.5);
    const preset = choiceFlag('train', 'preset', values.preset, ['default', 'paper'] as const) ?? 'default';
    const alpha =
      values.alpha === undefined
        ? (TRAIN_PRESETS[preset].alpha ?? 'dev')
        : values.alpha === 'dev'
          ? 'dev'
          : numberFlag('train', 'alpha', values.alpha, "a number in [0, 1] or 'dev'", (x) => x >= 0 && x <= 1)!;
    const stage1 =
      choiceFlag('train', 'stage1', values.stage1, ['median', 'mean', 'dev'] as const) ??
      TRAIN_PRESETS[preset].stage1Statistic ??
      'dev';
    const cache = values['no-cache'] ? null : cachePaths(values.cache ?? defaultCacheDir());
    // The output path is checked before any work (it is checked again, under the writer's lock, at the end).
    await checkArtifactOutput(out, { force: values.force === true });
    const progress = createProgress({ prefix: 'train' });
    const started = performance.now();
    const times: Record<string, number> = {};

    let t = performance.now();
    const { records } = await readRoutingJsonl(data, split === '' ? {} : { split });
    if (records.length === 0)
      throw new FineRouterError('DATA_INVALID', `train: no records${split ? ` with split '${split}'` : ''} in ${data}`);
    const prices = values.prices ? await readPricesFile(values.prices) : undefined;
    let discovery: DiscoveryResult | undefined;
    if (values.tasks) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(values.tasks, 'utf8'));
      } catch (error) {
        throw new FineRouterError('DATA_INVALID', `train: cannot read JSON from --tasks ${values.tasks}`, {
          cause: error,
        });
      }
      discovery = discoveryFromTasksFile(
        validateTasksFile(parsed),
        records.map((r) => r.id),
        `--tasks ${values.tasks}`,
      );
    }
    times.read = Math.round(performance.now() - t);

    t = performance.now();
    const encoder =
      workers > 0
        ? await createEncoderPool({
            workers,
            encoder: { kind: 'minilm', ...(cache ? { cacheDir: cache.encoder } : {}) },
          })
        : await loadMiniLmEncoder({
            ...(cache ? { cacheDir: cache.encoder } : {}),
            ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
          });
    times.encoderLoad = Math.round(performance.now() - t);
    try {
      const built = await buildRouter(records, {
        embedder: cachedEmbedder(encoder, { cacheDir: cache ? cache.embeddings : null }),
        seed,
        ...(discovery ? { discovery } : {}),
        train: {
          ...(holdout !== undefined ? { holdoutFraction: holdout } : {}),
          ...(prices ? { prices } : {}),
          ...(outputTokens !== undefined ? { outputTokens } : {}),
          ...(epochs !== undefined ? { classifier: { epochs } } : {}),
          moe: epochs !== undefined ? { epochs, taskEpochs: epochs } : {},
          ...TRAIN_PRESETS[preset],
          alpha,
          stage1Statistic: stage1,
        },
        write: (result) => writeArtifacts(out, result, { force: values.force === true }),
        onProgress: (event) => progress.pipeline(event),
      });
      progress.end();
      for (const [step, ms] of Object.entries(built.ms)) times[step] = Math.round(ms);
      const result = built.training;
      const manifest = built.manifest!;
      const embedded = built.embedded;
      const m = result.metrics;
      const summary = {
        out,
        records: records.length,
        newlyEmbedded: embedded,
        models: manifest.models.length,
        tasks: manifest.tasks.length,
        others: manifest.others.size,
        threshold: m.classifier.threshold,
        classifier: {
          holdoutMacroF1: m.classifier.holdoutMacroF1,
          holdoutCoverage: m.classifier.holdoutCoverage,
          devMacroF1: m.classifier.devMacroF1,
        },
        moe: m.moe,
        aggregation: m.aggregation,
        bytes: { classifier: result.classifierBytes.length, router: result.routerBytes.length },
        ms: { ...times, total: Math.round(performance.now() - started), trainStages: m.ms },
      };
      if (values.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        const f = (x: number | null, digits = 3): string => (x === null ? 'n/a' : x.toFixed(digits));
        process.stdout.write(
          [
            `wrote ${out}: ${summary.models} models, ${summary.tasks} tasks (+ Others: ${summary.others} prompts), threshold ${f(summary.threshold, 2)}`,
            `classifier: held-out macro-F1 ${f(m.classifier.holdoutMacroF1)} over ${summary.tasks + 1} classes, ${f((m.classifier.holdoutCoverage ?? 0) * 100, 1)}% of held-out prompts assigned to a task`,
            `quality head: held-out MSE ${f(m.moe.holdoutMseFull, 4)} (general adapters only ${f(m.moe.holdoutMseGeneral, 4)}, per-model mean ${f(m.moe.holdoutMseMean, 4)})`,
            `Eq. 5: α ${m.aggregation.alpha} (${m.aggregation.alphaSource}), stage 1 ${m.aggregation.stage1Statistic} (${m.aggregation.statisticSource}); routed dev quality ${f(m.aggregation.devQuality)} (best single model ${f(m.aggregation.devBestSingle)}, oracle ${f(m.aggregation.devOracle)})`,
            ...(m.localPrior
              ? [
                  `local prior: ${m.localPrior.estimator === 'classifier' ? `${m.localPrior.groups} classifier + ` : ''}${m.localPrior.k} nearest of ${m.localPrior.rows} training prompts, β ${m.localPrior.beta}, ${m.localPrior.groups}-smoothed (held-out routed quality ${f(m.localPrior.looQuality)}); share of the prior ω ${m.aggregation.localWeight}`,
                ]
              : ['local prior: off (--preset paper)']),
            ...m.support.belowFloor.map(
              (id) => `warning: ${supportWarning(id, m.support.counts[id] ?? 0, m.support.floor)}`,
            ),
            `time: ${(summary.ms.total / 1000).toFixed(1)} s (embed ${(times.embed! / 1000).toFixed(1)} s for ${embedded} new prompts, discover ${(times.discover! / 1000).toFixed(1)} s, train ${(times.train! / 1000).toFixed(1)} s)`,
            '',
          ].join('\n'),
        );
      }
      return 0;
    } finally {
      await encoder.dispose();
    }
  },
};
