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

export const demoCommand: Command = {
  name: 'demo',
  summary: 'train a small router on the shipped sample and route prompts (offline, < 1 min)',
  usage,
  async run(argv) {
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
    const tolerance =
      numberFlag('demo', 'tolerance', values.tolerance, 'a number in [0, 1]', (x) => x >= 0 && x <= 1) ?? 0.1;
    const show = numberFlag('demo', 'show', values.show, 'a non-negative integer', integerAtLeast(0)) ?? 6;
    const seed = numberFlag('demo', 'seed', values.seed, 'an integer ≥ 0', integerAtLeast(0)) ?? 42;
    const threads = numberFlag('demo', 'threads', values.threads, 'an integer ≥ 1', integerAtLeast(1)) ?? 1;
    const cache = values['no-cache'] ? null : cachePaths(values.cache ?? defaultCacheDir());
    const dataFile = values.data ?? findSample();
    if (dataFile === undefined)
      throw new FineRouterError(
        'ARTIFACT_MISSING',
        `demo: cannot find ${SAMPLE}; run from a clone of the repository or pass --data FILE`,
      );
    const pricesFile = values.prices ?? join(dirname(dataFile), 'prices.json');
    const outArg = values.out ?? 'finerouter-demo';
    const out = resolve(outArg);
    const artifactsDir = join(out, 'artifacts');
    const started = performance.now();
    const progress = createProgress();
    const log = (line: string): void => progress.note(line);

    // 1. data
    let t0 = performance.now();
    const { records } = await readRoutingJsonl(dataFile);
    const trainRows: number[] = [];
    const testRows: number[] = [];
    records.forEach((r, i) => (r.split === 'test' ? testRows : trainRows).push(i));
    const train = trainRows.map((i) => records[i]!);
    const test = testRows.map((i) => records[i]!);
    const prices = existsSync(pricesFile) ? parsePrices(JSON.parse(await readFile(pricesFile, 'utf8'))) : undefined;
    log(
      `data      ${dataFile}: ${train.length} training + ${test.length} test prompts${prices ? `, prices from ${pricesFile}` : ''} (${seconds(t0)})`,
    );

    // 2. encoder and prompt embeddings (shipped vectors checked live, else the embedding cache)
    t0 = performance.now();
    const encoder = await loadMiniLmEncoder({
      intraOpNumThreads: threads,
      ...(cache ? { cacheDir: cache.encoder } : {}),
    });
    log(`encoder   ${encoder.id} (${encoder.dimension} dims) loaded (${seconds(t0)})`);
    try {
      t0 = performance.now();
      const embedder = cachedEmbedder(encoder, { cacheDir: cache ? cache.embeddings : null });
      const prompts = records.map((r) => r.prompt);
      let all: Float32Array | undefined;
      if (!values.embed) {
        const shipped = await readShippedEmbeddings(dataFile, prompts, encoder);
        if (typeof shipped === 'string') log(`embed     ${shipped}; embedding now`);
        else {
          const { maxAbsDifference: worst, checked } = await checkEmbeddings(encoder, prompts, shipped);
          if (worst > 1e-3)
            log(
              `embed     shipped vectors differ from the live encoder (max |Δ| ${worst.toExponential(1)}); embedding now`,
            );
          else {
            all = shipped;
            log(
              `embed     shipped MiniLM vectors of the ${prompts.length} prompts, checked live on ${checked} (max |Δ| ${worst.toExponential(1)}); --embed recomputes them (${seconds(t0)})`,
            );
          }
        }
      }
      if (!all) {
        const embedded = await embedder.embed(prompts, {
          onProgress: (done, total) => progress.update('embed', done, total),
        });
        all = embedded.embeddings;
        log(`embed     ${prompts.length} prompts (${embedded.embedded} new, the rest from the cache) (${seconds(t0)})`);
      }
      const trainEmbeddings = gatherRows(all, encoder.dimension, trainRows);
      const testEmbeddings = gatherRows(all, encoder.dimension, testRows);

      // 3-5. the pipeline: Stage 1 discovery, Stage 2 training, artifacts (only a previous demo's directory is replaced)
      if (existsSync(artifactsDir)) {
        const entries = await readdir(artifactsDir);
        if (entries.length > 0 && !entries.includes('manifest.json')) {
          throw new FineRouterError(
            'ARTIFACT_UNEXPECTED',
            `demo: ${artifactsDir} exists and is not a FineRouter artifact directory; choose another --out`,
          );
        }
      }
      const built = await buildRouter(train, {
        embedder,
        promptEmbeddings: trainEmbeddings,
        seed,
        discover: DEMO_DISCOVERY,
        train: { moe: DEMO_MOE, ...(prices ? { prices } : {}) },
        write: async (result) => {
          if (existsSync(artifactsDir)) await rm(artifactsDir, { recursive: true });
          await mkdir(out, { recursive: true });
          return writeArtifacts(artifactsDir, result);
        },
        onProgress: (event) => {
          if (event.step === 'train') progress.pipeline(event);
        },
      });
      const { discovery } = built;
      const assigned = discovery.tasks.reduce((s, t) => s + t.size, 0);
      const meanCandidates =
        discovery.tasks.reduce((s, t) => s + t.candidates.length, 0) / Math.max(1, discovery.tasks.length);
      log(
        `discover  ${discovery.tasks.length} tasks covering ${assigned}/${train.length} prompts (rest: Others), ${meanCandidates.toFixed(2)} candidates per task on average (${(built.ms.discover / 1000).toFixed(1)} s)`,
      );
      const m = built.training.metrics;
      const pct = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(0)}%`);
      log(
        `train     classifier threshold ${m.classifier.threshold.toFixed(2)}, held-out macro-F1 ${m.classifier.holdoutMacroF1?.toFixed(3) ?? 'n/a'}, ` +
          `${pct(m.classifier.holdoutCoverage)} of held-out prompts get a task; quality MSE held-out ${m.moe.holdoutMseFull?.toFixed(4) ?? 'n/a'} ` +
          `(per-model mean baseline ${m.moe.holdoutMseMean?.toFixed(4) ?? 'n/a'}) (${(built.ms.train / 1000).toFixed(1)} s)`,
      );
      log(
        `artifacts ${artifactsDir} (manifest.json, ${built.training.manifest.classifier.file}, ${built.training.manifest.router.file})`,
      );

      // 6. route the held-out prompts with the artifacts as an app would load them
      t0 = performance.now();
      const router = await loadFineRouter(artifactsDir, { encoder });
      log(`load      loadFineRouter checked schema, files, checksums, encoder and graphs (${seconds(t0)})`);
      try {
        t0 = performance.now();
        const best = await router.routeEmbeddings(testEmbeddings);
        const cheap = await router.routeEmbeddings(testEmbeddings, { tolerance });
        const sweep = [...new Set([0.05, tolerance, 0.2, 0.3])].filter((t) => t > 0).sort((a, b) => a - b);
        const swept = await Promise.all(sweep.map((t) => router.routeEmbeddings(testEmbeddings, { tolerance: t })));
        log(
          `route     ${test.length} test prompts routed from their embeddings at τ = 0 and τ = ${tolerance} (${seconds(t0)})`,
        );

        // one prompt per source first (in file order), so the examples vary
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
        const shown = [...firsts, ...rest].slice(0, show);
        // The printed prompts go through the whole path (text → encoder → heads) and must agree.
        t0 = performance.now();
        const live = await router.routeBatch(shown.map((i) => test[i]!.prompt));
        shown.forEach((i, k) => {
          if (live[k]!.model !== best[i]!.model)
            log(
              `note      live route of test prompt ${i} chose ${live[k]!.model}, from stored embeddings ${best[i]!.model}`,
            );
        });
        log(`route     ${shown.length} prompts routed from text (encoder + heads) (${seconds(t0)})`);

        const costs = Object.fromEntries(router.models.map((id, j) => [id, router.costs[j] ?? null]));
        const atZero = compareWithReferences(
          train,
          test,
          best.map((r) => r.model),
          costs,
        );
        const atTolerance = compareWithReferences(
          train,
          test,
          cheap.map((r) => r.model),
          costs,
        );
        // Quality and cost against the best single and the cheapest model, paired-bootstrap intervals, τ sweep.
        const comparison = compareRoutes(
          train,
          test,
          {
            'FineRouter τ=0': best.map((r) => r.model),
            ...Object.fromEntries(sweep.map((t, k) => [`FineRouter τ=${t}`, swept[k]!.map((r) => r.model)])),
          },
          costs,
        );
        // Short readable task labels (keywords of the members' prompts; no LLM describer in the offline demo).
        const labelList = keywordLabels(
          train.map((r) => r.prompt),
          discovery.tasks.map((t) => t.members),
        );
        const labels = new Map(discovery.tasks.map((t, k) => [t.id, labelList[k]!]));
        const floor = FIRST_IMPRESSION_DEFAULTS.labelConfidenceFloor;
        const taskLine = (r: (typeof best)[number]): string =>
          r.task === null
            ? `no task (Others)`
            : r.task.confidence >= floor
              ? `${labels.get(r.task.id) || `task ${r.task.id}`} (task ${r.task.id}, confidence ${r.task.confidence.toFixed(2)})`
              : `no confident task (best guess confidence ${r.task.confidence.toFixed(2)} < ${floor}; general and task scores blended as usual)`;
        // Optional: cross-validation over every prompt of the file with the same training (src/eval).
        let cv: { summary: CrossValSummary; seconds: number } | null = null;
        if (values.cv) {
          t0 = performance.now();
          const result = await crossValidate({
            records,
            embeddings: all,
            dimension: encoder.dimension,
            folds: 5,
            seed,
            methods: [
              knnMethod(),
              ...fineRouterMethods({
                runtime: createNodeRuntime(),
                encoder,
                embedder,
                variants: ['finerouter'],
                discover: DEMO_DISCOVERY,
                ...(prices ? { prices } : {}),
                train: { moe: DEMO_MOE },
              }),
            ],
            onProgress: (e) =>
              progress.update(`cv ${e.method} fold ${e.fold + 1}/${e.folds} ${e.stage}`, e.done ?? 0, e.total ?? 0),
          });
          progress.end();
          cv = {
            summary: summarizeCrossVal(result, { resamples: 2000, seed, reference: 'finerouter' }),
            seconds: (performance.now() - t0) / 1000,
          };
          log(
            `cv        5-fold cross-validation of FineRouter and kNN over ${records.length} prompts (${seconds(t0)})`,
          );
        }
        if (values.json) {
          const summary = {
            data: dataFile,
            artifacts: artifactsDir,
            train: train.length,
            test: test.length,
            tasks: discovery.tasks.length,
            tolerance,
            routed: { 0: atZero.routed, [tolerance]: atTolerance.routed },
            comparison,
            bestSingle: atZero.bestSingle,
            oracle: atZero.oracle,
            ms: { ...built.ms, total: Math.round(performance.now() - started) },
            ...(cv
              ? {
                  crossValidation: {
                    folds: cv.summary.folds,
                    prompts: cv.summary.prompts,
                    rows: cv.summary.rows
                      .filter((x) => x.kind !== 'single')
                      .map((x) => ({
                        name: x.name,
                        quality: x.quality,
                        vsBestSingle: x.vsBestSingle,
                        headroom: x.headroom,
                      })),
                  },
                }
              : {}),
          };
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return 0;
        }
        const lines = readableReport({
          test,
          shown,
          best,
          cheap,
          tolerance,
          taskLine,
          comparison,
          floor,
          started,
          outArg,
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
