/**
 * `finerouter add-model`: extends trained artifacts with one model from a small sample of its scores (only its
 * general adapter and stage-1 medians are trained; everything else is frozen) and rewrites the artifacts with new
 * checksums. Parsing and I/O only; the logic is src/train/add-model.ts.
 */
import { readRoutingJsonl } from '../../adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../adapters/node/minilm.js';
import { embedTextsCached } from '../../adapters/node/embedding-store.js';
import { readArtifacts, writeArtifacts } from '../../adapters/node/artifacts-write.js';
import { FineRouterError } from '../../errors.js';
import { addModel } from '../../train/add-model.js';
import type { Command } from '../command.js';
import { readPricesFile } from './train.js';
import { cachePaths, defaultCacheDir } from '../../adapters/node/cache-dir.js';
import { COMMON_FLAGS, integerAtLeast, numberFlag, parseFlags } from '../options.js';
import { createProgress } from '../progress.js';

const usage = `Usage: finerouter add-model --artifacts DIR --data FILE --model ID [options]

Adds model ID to the artifacts in DIR: trains only its general adapter and its stage-1 medians from the records
of FILE that score it (a few hundred are enough); the classifier, the other adapters and every other model's
estimate are unchanged. Rewrites DIR/router.onnx and DIR/manifest.json (new checksums).

Options:
  --artifacts DIR    artifact directory from 'finerouter train' (required)
  --data FILE        routing JSONL with scores for ID (required)
  --model ID         the model to add (required; must not be in the artifacts yet)
  --split NAME       use only records with this split (default: all)
  --limit N          use at most the first N records that score ID (default: all)
  --seed N           seed (default 42)
  --prices FILE      prices JSON, as in 'finerouter train --help'
  --cache DIR        cache root (default $XDG_CACHE_HOME/finerouter, else ~/.cache/finerouter)
  --no-cache         keep the encoder and embeddings in memory
  --threads N        onnxruntime intra-op threads for the encoder
  --help             this text`;

export const addModelCommand: Command = {
  name: 'add-model',
  summary: 'add one model to trained artifacts from a small sample of its scores',
  usage,
  async run(argv) {
    const { values } = parseFlags(
      'add-model',
      argv,
      {
        artifacts: { type: 'string' },
        data: { type: 'string' },
        model: { type: 'string' },
        split: { type: 'string' },
        limit: { type: 'string' },
        prices: { type: 'string' },
        ...COMMON_FLAGS,
      },
      { required: ['artifacts', 'data', 'model'] },
    );
    const limit = numberFlag('add-model', 'limit', values.limit, 'an integer ≥ 1', integerAtLeast(1)) ?? Infinity;
    const seed = numberFlag('add-model', 'seed', values.seed, 'an integer', Number.isInteger) ?? 42;
    const threads = numberFlag('add-model', 'threads', values.threads, 'an integer ≥ 1', integerAtLeast(1));
    const cache = values['no-cache'] ? null : cachePaths(values.cache ?? defaultCacheDir());
    const progress = createProgress({ prefix: 'add-model' });
    const artifacts = values.artifacts!;
    const data = values.data!;
    const current = await readArtifacts(artifacts);
    const { records: all } = await readRoutingJsonl(data, values.split ? { split: values.split } : {});
    const model = values.model!;
    const records = all
      .filter((r) => typeof r.scores[model] === 'number')
      .slice(0, Number.isFinite(limit) ? limit : undefined);
    if (records.length === 0)
      throw new FineRouterError('DATA_INVALID', `add-model: no record in ${data} has a score for ${model}`);
    const encoder = await loadMiniLmEncoder({
      ...(cache ? { cacheDir: cache.encoder } : {}),
      ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
    });
    try {
      if (encoder.id !== current.manifest.encoder.id || encoder.dimension !== current.manifest.encoder.dimension) {
        throw new FineRouterError(
          'DIMENSION_MISMATCH',
          `add-model: the artifacts were trained on ${current.manifest.encoder.id} (${current.manifest.encoder.dimension}), this command embeds with ${encoder.id}`,
        );
      }
      const { embeddings } = await embedTextsCached(
        encoder,
        records.map((r) => r.prompt),
        {
          cacheDir: cache ? cache.embeddings : null,
          onProgress: (done, total) => progress.update('embed', done, total),
        },
      );
      progress.end();
      const prices = values.prices ? await readPricesFile(values.prices) : undefined;
      let result;
      try {
        result = addModel(current, records, embeddings, model, { moe: { seed }, ...(prices ? { prices } : {}) });
      } catch (error) {
        if (error instanceof RangeError)
          throw new FineRouterError('INVALID_ARGUMENT', `add-model: ${error.message}`, { cause: error });
        throw error;
      }
      const manifest = await writeArtifacts(artifacts, {
        manifest: result.manifest,
        classifierBytes: current.classifierBytes,
        routerBytes: result.routerBytes,
      });
      process.stdout.write(
        `${JSON.stringify({ artifacts, model, models: manifest.models.length, ...result.metrics })}\n`,
      );
      return 0;
    } finally {
      await encoder.dispose();
    }
  },
};
