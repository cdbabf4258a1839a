/**
 * `finerouter discover`: Stage 1 offline task discovery on a routing JSONL file (paper Sect. 3.1.1).
 * Flags, file I/O and progress only: reading is readRoutingJsonl, descriptions come from a Describer,
 * embeddings from loadMiniLmEncoder through the one on-disk embedding cache (embedTextsCached under the cache
 * root, shared with `train` and `eval`), the work is discoverTasks.
 */
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../../adapters/node/atomic-write.js';
import { join } from 'node:path';
import { readRoutingJsonl } from '../../adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../adapters/node/minilm.js';
import { embedTextsCached } from '../../adapters/node/embedding-store.js';
import { createOpenAiDescriber } from '../../adapters/describer-openai.js';
import { createFileDescriptionCache } from '../../adapters/node/describer-cache.js';
import { discoverTasks } from '../../discovery/discover.js';
import { promptDescriber } from '../../discovery/describer.js';
import { tasksReportMarkdown } from '../../discovery/report.js';
import { toTasksFile } from '../../discovery/tasks-file.js';
import type { Describer, DiscoveryOptions } from '../../discovery/types.js';
import { FineRouterError } from '../../errors.js';
import type { Command } from '../command.js';
import { COMMON_FLAGS, choiceFlag, integerAtLeast, numberFlag, parseFlags, UsageError } from '../options.js';
import { createProgress } from '../progress.js';
import { cachePaths, defaultCacheDir } from '../../adapters/node/cache-dir.js';

const usage = `Usage: finerouter discover --data FILE --out DIR [options]

Discovers fine-grained task types (FineRouter Stage 1): embeds one description per prompt, builds the kNN +
RBO prompt graph, runs iterative Leiden, and writes DIR/tasks.json (schema finerouter/tasks v1) and DIR/tasks.md.

Data:
  --data FILE            routing JSONL (required)
  --split NAME           use only records of this split (e.g. train)
  --on-bad-line MODE     throw (default) or skip (skipped lines are listed on stderr)
  --out DIR              output directory (required)

Descriptions:
  --describer NAME       prompt (default: the prompt text itself) or openai (any OpenAI-compatible endpoint)
  --base-url URL         endpoint for --describer openai, e.g. http://127.0.0.1:8000/v1
  --model NAME           model for --describer openai
  --api-key-env VAR      environment variable whose key is sent to --base-url (default: OPENAI_API_KEY,
                         sent only when --base-url is OPENAI_BASE_URL or https://api.openai.com/v1)
  --concurrency N        requests in flight (default 8)
  --timeout-ms N         per-request timeout (default 60000)

Discovery (defaults: the paper's values where it gives them; see docs/discovery.md):
  --k N                  nearest neighbours (5)
  --tau X                RBO threshold τ (0.4)
  --iterations N         Leiden levels ℓ (3)
  --coverage X           candidate coverage δ (0.8)
  --epsilon X            MRR ε (60)
  --objective NAME       cpm (default) or modularity
  --resolution X         Leiden γ (0.2)
  --min-task-size N      smaller communities go to Others (5)
  --weight-floor X       min-max normalization floor of edge weights (0.05)
  --knn METHOD           auto (default), exact or approximate
  --seed N               seed (42)

Runtime:
  --cache DIR            cache root: DIR/minilm, DIR/embeddings, DIR/descriptions (default
                         $XDG_CACHE_HOME/finerouter, else ~/.cache/finerouter)
  --no-cache             keep nothing on disk
  --threads N            onnxruntime intra-op threads for the encoder
  --json                 print the summary as one JSON object
  --help                 this text`;

export const discoverCommand: Command = {
  name: 'discover',
  summary: 'discover fine-grained task types in routing JSONL (kNN + RBO graph, iterative Leiden); write tasks.json',
  usage,
  async run(argv) {
    const { values } = parseFlags(
      'discover',
      argv,
      {
        data: { type: 'string' },
        split: { type: 'string' },
        'on-bad-line': { type: 'string' },
        out: { type: 'string' },
        describer: { type: 'string' },
        'base-url': { type: 'string' },
        model: { type: 'string' },
        'api-key-env': { type: 'string' },
        concurrency: { type: 'string' },
        'timeout-ms': { type: 'string' },
        k: { type: 'string' },
        tau: { type: 'string' },
        iterations: { type: 'string' },
        coverage: { type: 'string' },
        epsilon: { type: 'string' },
        objective: { type: 'string' },
        resolution: { type: 'string' },
        'min-task-size': { type: 'string' },
        'weight-floor': { type: 'string' },
        knn: { type: 'string' },
        ...COMMON_FLAGS,
      },
      { required: ['data', 'out'] },
    );
    const data = values.data!;
    const outDir = values.out!;
    const onBadLine =
      choiceFlag('discover', 'on-bad-line', values['on-bad-line'], ['throw', 'skip'] as const) ?? 'throw';
    const progress = createProgress();
    const bar = (label: string, done: number, total: number): void => progress.update(label, done, total);
    const note = (text: string): void => progress.note(text);
    const integer = (v: number): boolean => Number.isInteger(v);
    const options: DiscoveryOptions = {};
    const set = <K extends keyof DiscoveryOptions>(key: K, value: DiscoveryOptions[K] | undefined): void => {
      if (value !== undefined) options[key] = value;
    };
    set('k', numberFlag('discover', 'k', values.k, 'an integer', integer));
    set('rboThreshold', numberFlag('discover', 'tau', values.tau));
    set('iterations', numberFlag('discover', 'iterations', values.iterations, 'an integer', integer));
    set('coverage', numberFlag('discover', 'coverage', values.coverage));
    set('epsilon', numberFlag('discover', 'epsilon', values.epsilon));
    set('resolution', numberFlag('discover', 'resolution', values.resolution));
    set('minTaskSize', numberFlag('discover', 'min-task-size', values['min-task-size'], 'an integer', integer));
    set('weightFloor', numberFlag('discover', 'weight-floor', values['weight-floor']));
    set('seed', numberFlag('discover', 'seed', values.seed, 'an integer', integer));
    set('objective', choiceFlag('discover', 'objective', values.objective, ['cpm', 'modularity'] as const));
    set('knn', choiceFlag('discover', 'knn', values.knn, ['auto', 'exact', 'approximate'] as const));
    const threads = numberFlag('discover', 'threads', values.threads, 'an integer ≥ 1', integerAtLeast(1));
    const cache = values['no-cache'] ? null : cachePaths(values.cache ?? defaultCacheDir());

    const started = performance.now();
    const read = await readRoutingJsonl(data, {
      onBadLine,
      ...(values.split !== undefined ? { split: values.split } : {}),
    });
    for (const s of read.skipped.slice(0, 20)) note(`skipped line ${s.line}: ${s.reason}`);
    if (read.skipped.length > 20) note(`... and ${read.skipped.length - 20} more skipped lines`);
    const records = read.records;
    note(
      `read ${records.length} records from ${data}${values.split ? ` (split ${values.split}; ${read.filtered} of other splits left out)` : ''}${read.skipped.length ? `; ${read.skipped.length} bad lines skipped` : ''}`,
    );
    if (records.length === 0)
      throw new FineRouterError(
        'DATA_INVALID',
        `discover: no records${values.split ? ` in split '${values.split}'` : ''} in ${data}`,
      );

    // Descriptions: the LLM's one sentence per prompt, or the prompt itself.
    let describer: Describer | undefined;
    let descriptions: string[];
    const describerName = values.describer ?? 'prompt';
    if (describerName === 'openai') {
      if (!values['base-url'] || !values.model)
        throw new UsageError('discover: --describer openai needs --base-url and --model');
      const openai = createOpenAiDescriber({
        baseUrl: values['base-url'],
        model: values.model,
        ...(values['api-key-env'] !== undefined ? { apiKeyEnv: values['api-key-env'] } : {}),
        ...(values.concurrency !== undefined
          ? { concurrency: numberFlag('discover', 'concurrency', values.concurrency, 'an integer', integer)! }
          : {}),
        ...(values['timeout-ms'] !== undefined
          ? { timeoutMs: numberFlag('discover', 'timeout-ms', values['timeout-ms'], 'an integer', integer)! }
          : {}),
        ...(cache ? { cache: createFileDescriptionCache(cache.descriptions) } : {}),
      });
      descriptions = await openai.describe(
        records.map((r) => r.prompt),
        { onProgress: (done, total) => bar('describe', done, total) },
      );
      note(
        `descriptions: ${openai.stats.requests} requests, ${openai.stats.cacheHits} from cache, ${openai.stats.retries} retries`,
      );
      describer = openai;
    } else if (describerName === 'prompt') {
      // Records that carry a description keep it; the encoder truncates long prompts itself.
      descriptions = records.map((r) => r.description ?? r.prompt);
    } else {
      throw new UsageError(`discover: --describer expects prompt or openai, received '${describerName}'`);
    }

    const tLoad = performance.now();
    const encoder = await loadMiniLmEncoder({
      ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
      ...(cache ? { cacheDir: cache.encoder } : {}),
    });
    let embedded = 0;
    let embeddings: Float32Array;
    try {
      const result = await embedTextsCached(encoder, descriptions, {
        cacheDir: cache ? cache.embeddings : null,
        onProgress: (done, total) => bar('embed', done, total),
      });
      embeddings = result.embeddings;
      embedded = result.embedded;
    } finally {
      await encoder.dispose();
    }
    const tEmbed = performance.now();
    note(
      `embeddings: ${embedded} embedded, ${descriptions.length - embedded} from cache (${((tEmbed - tLoad) / 1000).toFixed(1)} s)`,
    );

    const offline = describerName === 'prompt' ? promptDescriber() : undefined;
    const result = await discoverTasks(records, embeddings, {
      ...options,
      descriptions: offline ? await offline.describe(descriptions) : descriptions,
      ...(describer ? { describer } : {}),
      onProgress: (stage, done, total) => bar(stage, done, total),
    });
    const tDiscover = performance.now();

    const file = toTasksFile(result, {
      ids: records.map((r) => r.id),
      encoder: { id: encoder.id, dimension: encoder.dimension },
      data: { path: data, ...(values.split !== undefined ? { split: values.split } : {}) },
    });
    await mkdir(outDir, { recursive: true });
    const timing = `Timings: read + describe ${((tLoad - started) / 1000).toFixed(1)} s, embed ${((tEmbed - tLoad) / 1000).toFixed(1)} s (${embedded} new), discovery ${((tDiscover - tEmbed) / 1000).toFixed(1)} s.`;
    await writeFileAtomic(join(outDir, 'tasks.json'), `${JSON.stringify(file)}\n`);
    await writeFileAtomic(join(outDir, 'tasks.md'), tasksReportMarkdown(file, records, { notes: [timing] }));
    const n = records.length;
    const meanCandidates = result.tasks.length
      ? result.tasks.reduce((s, t) => s + t.candidates.length, 0) / result.tasks.length
      : 0;
    if (values.json) {
      const summary = {
        out: outDir,
        records: n,
        tasks: result.tasks.length,
        others: result.others.size,
        models: result.models.length,
        meanCandidates,
        newlyEmbedded: embedded,
        ms: {
          readDescribe: Math.round(tLoad - started),
          embed: Math.round(tEmbed - tLoad),
          discover: Math.round(tDiscover - tEmbed),
        },
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      process.stdout.write(
        `${result.tasks.length} tasks, Others ${result.others.size} of ${n} (${((100 * result.others.size) / n).toFixed(1)}%), ` +
          `mean candidates ${meanCandidates.toFixed(2)} of ${result.models.length}; wrote ${join(outDir, 'tasks.json')} and tasks.md\n`,
      );
    }
    note(timing);
    return 0;
  },
};
