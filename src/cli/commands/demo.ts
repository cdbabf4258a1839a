/**
 * `finerouter demo`: the product's main job on a small shipped sample, offline. Reads
 * examples/data/routing-sample.jsonl (999 prompts × 9 open models, llmrouter-dcrouter, MIT), embeds the
 * training prompts with the embedded MiniLM encoder (or uses the shipped vectors of the same encoder, checked
 * live), discovers tasks (Stage 1), trains the classifier and MoE heads (Stage 2), writes an artifact
 * directory, loads it with loadFineRouter and routes the held-out test prompts. Presentation only: every
 * number comes from the library (readRoutingJsonl, discoverTasks, trainRouter, writeArtifacts, loadFineRouter).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadFineRouter } from '../../adapters/node/artifacts.js';
import { writeArtifacts } from '../../adapters/node/artifacts-write.js';
import { readRoutingJsonl } from '../../adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../adapters/node/minilm.js';
import { discoverTasks } from '../../discovery/discover.js';
import { FineRouterError } from '../../errors.js';
import { parsePrices, trainRouter } from '../../train/train-router.js';
import type { Command } from '../command.js';

const usage = `Usage: finerouter demo [--data FILE] [--prices FILE] [--out DIR] [--embed] [--tolerance T]

Trains a small FineRouter on the shipped sample (examples/data/routing-sample.jsonl: 999 prompts, 9 open
models, MIT-licensed llmrouter-dcrouter data), then routes its held-out test prompts, offline.

Options:
  --data FILE      routing JSONL (default: the shipped sample); records with split 'test' are routed, the rest train
  --prices FILE    model prices JSON (default: examples/data/prices.json next to the sample)
  --out DIR        where the artifacts and the encoder cache go (default: ./finerouter-demo)
  --embed          embed every training prompt now instead of using the shipped MiniLM vectors (~1-3 min on 2 cores)
  --tolerance T    τ for the cost-aware routes shown next to the best-quality ones (default 0.1)
  --show N         test prompts printed in full (default 6)`;

const SAMPLE = 'examples/data/routing-sample.jsonl';
/** Discovery: the library defaults (DISCOVERY_DEFAULTS), seeded. */
const DEMO_DISCOVERY = Object.freeze({ seed: 42 });
/** Small heads so training takes seconds on 2 cores (the paper's widths are 512; see docs/training.md). */
const DEMO_MOE = Object.freeze({ projection: 64, llmEmbedding: 32, hidden: 64, taskHidden: 32 });

function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
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
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const short = (text: string, n: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
};

interface ShippedHeader {
  encoder: { id: string; dimension: number };
  count: number;
  dtype: string;
  promptsSha256: string;
}

/** Shipped vectors for `prompts` (all sample prompts, file order), or the reason they cannot be used. */
async function shippedEmbeddings(dataFile: string, allPrompts: readonly string[], id: string, dimension: number): Promise<Float32Array | string> {
  const base = dataFile.replace(/\.jsonl$/, '');
  const headerPath = `${base}.minilm.json`;
  const vectorsPath = `${base}.minilm.f32`;
  if (!existsSync(headerPath) || !existsSync(vectorsPath)) return 'no shipped vectors next to the data file';
  const header = JSON.parse(await readFile(headerPath, 'utf8')) as ShippedHeader;
  const sha = createHash('sha256').update(JSON.stringify(allPrompts)).digest('hex');
  if (header.encoder.id !== id || header.encoder.dimension !== dimension) return `shipped vectors come from ${header.encoder.id}`;
  if (header.count !== allPrompts.length || header.promptsSha256 !== sha || header.dtype !== 'float32-le') return 'shipped vectors belong to other prompts';
  const bytes = await readFile(vectorsPath);
  if (bytes.byteLength !== header.count * dimension * 4) return 'shipped vector file has the wrong size';
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

function rowsOf(matrix: Float32Array, dimension: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * dimension);
  rows.forEach((r, i) => out.set(matrix.subarray(r * dimension, (r + 1) * dimension), i * dimension));
  return out;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'train a small router on the shipped sample and route prompts (offline, < 1 min)',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        prices: { type: 'string' },
        out: { type: 'string', default: 'finerouter-demo' },
        embed: { type: 'boolean', default: false },
        tolerance: { type: 'string', default: '0.1' },
        show: { type: 'string', default: '6' },
      },
    });
    const tolerance = Number(values.tolerance);
    if (!(tolerance >= 0 && tolerance <= 1)) throw new FineRouterError('INVALID_ARGUMENT', `demo: --tolerance expects a number in [0, 1], received '${values.tolerance}'`);
    const show = Number(values.show);
    if (!Number.isInteger(show) || show < 0) throw new FineRouterError('INVALID_ARGUMENT', `demo: --show expects a non-negative integer, received '${values.show}'`);
    const dataFile = values.data ?? findSample();
    if (dataFile === undefined) throw new FineRouterError('ARTIFACT_MISSING', `demo: cannot find ${SAMPLE}; run from a clone of the repository or pass --data FILE`);
    const pricesFile = values.prices ?? join(dirname(dataFile), 'prices.json');
    const out = resolve(values.out);
    const artifactsDir = join(out, 'artifacts');
    const started = performance.now();

    // 1. data
    let t0 = performance.now();
    const { records } = await readRoutingJsonl(dataFile);
    const trainRows: number[] = [];
    const testRows: number[] = [];
    records.forEach((r, i) => (r.split === 'test' ? testRows : trainRows).push(i));
    const train = trainRows.map((i) => records[i]!);
    const test = testRows.map((i) => records[i]!);
    const prices = existsSync(pricesFile) ? parsePrices(JSON.parse(await readFile(pricesFile, 'utf8'))) : undefined;
    log(`data      ${dataFile}: ${train.length} training + ${test.length} test prompts${prices ? `, prices from ${pricesFile}` : ''} (${seconds(t0)})`);

    // 2. encoder and embeddings
    t0 = performance.now();
    const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1, cacheDir: join(out, 'encoder-cache') });
    log(`encoder   ${encoder.id} (${encoder.dimension} dims) loaded (${seconds(t0)})`);
    try {
      t0 = performance.now();
      const prompts = records.map((r) => r.prompt);
      let all: Float32Array | undefined;
      if (!values.embed) {
        const shipped = await shippedEmbeddings(dataFile, prompts, encoder.id, encoder.dimension);
        if (typeof shipped === 'string') {
          log(`embed     ${shipped}; embedding now`);
        } else {
          // Check the shipped vectors against the live encoder on a few prompts.
          const probe = [0, Math.floor(prompts.length / 2), prompts.length - 1];
          const live = await encoder.embed(probe.map((i) => prompts[i]!));
          let worst = 0;
          probe.forEach((row, i) => {
            for (let k = 0; k < encoder.dimension; k++) worst = Math.max(worst, Math.abs(live[i * encoder.dimension + k]! - shipped[row * encoder.dimension + k]!));
          });
          if (worst > 1e-3) log(`embed     shipped vectors differ from the live encoder (max |Δ| ${worst.toExponential(1)}); embedding now`);
          else {
            all = shipped;
            log(`embed     shipped MiniLM vectors of the ${prompts.length} prompts, checked live on ${probe.length} (max |Δ| ${worst.toExponential(1)}); --embed recomputes them (${seconds(t0)})`);
          }
        }
      }
      if (!all) {
        all = await encoder.embed(prompts, {
          batchSize: 32,
          onProgress: (done, total) => process.stderr.write(`\rembed     ${done}/${total} prompts`),
        });
        process.stderr.write('\n');
        log(`embed     ${prompts.length} prompts embedded (${seconds(t0)})`);
      }
      const trainEmbeddings = rowsOf(all, encoder.dimension, trainRows);
      const testEmbeddings = rowsOf(all, encoder.dimension, testRows);

      // 3. Stage 1: task discovery
      t0 = performance.now();
      const discovery = await discoverTasks(train, trainEmbeddings, DEMO_DISCOVERY);
      const assigned = discovery.tasks.reduce((s, t) => s + t.size, 0);
      const meanCandidates = discovery.tasks.reduce((s, t) => s + t.candidates.length, 0) / Math.max(1, discovery.tasks.length);
      log(`discover  ${discovery.tasks.length} tasks covering ${assigned}/${train.length} prompts (rest: Others), ${meanCandidates.toFixed(2)} candidates per task on average (${seconds(t0)})`);

      // 4. Stage 2: classifier + MoE quality estimator, exported to ONNX
      t0 = performance.now();
      let lastStage = '';
      const result = await trainRouter(train, trainEmbeddings, discovery, {
        encoder: { id: encoder.id, dimension: encoder.dimension },
        seed: 42,
        moe: DEMO_MOE,
        ...(prices ? { prices } : {}),
        onProgress: (stage, done, total) => {
          if (stage !== lastStage && lastStage !== '') process.stderr.write('\n');
          lastStage = stage;
          process.stderr.write(`\rtrain     ${stage} ${done}/${total}`);
        },
      });
      process.stderr.write('\n');
      const m = result.metrics;
      const pct = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(0)}%`);
      log(
        `train     classifier threshold ${m.classifier.threshold.toFixed(2)}, held-out macro-F1 ${m.classifier.holdoutMacroF1?.toFixed(3) ?? 'n/a'}, ` +
          `${pct(m.classifier.holdoutCoverage)} of held-out prompts get a task; quality MSE held-out ${m.moe.holdoutMseFull?.toFixed(4) ?? 'n/a'} ` +
          `(per-model mean baseline ${m.moe.holdoutMseMean?.toFixed(4) ?? 'n/a'}) (${seconds(t0)})`,
      );

      // 5. artifacts (only a previous demo's artifact directory is replaced)
      if (existsSync(artifactsDir)) {
        const entries = await readdir(artifactsDir);
        if (entries.length > 0 && !entries.includes('manifest.json')) {
          throw new FineRouterError('ARTIFACT_UNEXPECTED', `demo: ${artifactsDir} exists and is not a FineRouter artifact directory; choose another --out`);
        }
        await rm(artifactsDir, { recursive: true });
      }
      await mkdir(out, { recursive: true });
      await writeArtifacts(artifactsDir, result);
      log(`artifacts ${artifactsDir} (manifest.json, ${result.manifest.classifier.file}, ${result.manifest.router.file})`);

      // 6. route the held-out prompts with the artifacts as an app would load them
      t0 = performance.now();
      const router = await loadFineRouter(artifactsDir, { encoder });
      log(`load      loadFineRouter checked schema, files, checksums, encoder and graphs (${seconds(t0)})`);
      try {
        t0 = performance.now();
        const best = await router.routeEmbeddings(testEmbeddings);
        const cheap = await router.routeEmbeddings(testEmbeddings, { tolerance });
        log(`route     ${test.length} test prompts routed from their embeddings at τ = 0 and τ = ${tolerance} (${seconds(t0)})`);

        const lines: string[] = ['', 'finerouter demo: routing held-out prompts with the router trained above', ''];
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
        const order = [...firsts, ...rest];
        const shown = order.slice(0, show);
        // The printed prompts go through the whole path (text → encoder → heads) and must agree.
        t0 = performance.now();
        const live = await router.routeBatch(shown.map((i) => test[i]!.prompt));
        shown.forEach((i, k) => {
          if (live[k]!.model !== best[i]!.model) log(`note      live route of test prompt ${i} chose ${live[k]!.model}, from stored embeddings ${best[i]!.model}`);
        });
        log(`route     ${shown.length} prompts routed from text (encoder + heads) (${seconds(t0)})`);
        for (const i of shown) {
          const r = test[i]!;
          const bestScore = Math.max(...Object.values(r.scores));
          const bestModels = Object.keys(r.scores).filter((k) => r.scores[k] === bestScore);
          lines.push(`prompt   ${short(r.prompt, 110)}  [${r.source ?? 'unknown source'}]`);
          lines.push(`  τ=0    → ${best[i]!.model} (observed quality ${r.scores[best[i]!.model] ?? 'n/a'}; best observed ${bestScore} by ${bestModels.length > 3 ? `${bestModels.length} models` : bestModels.join(', ')})`);
          lines.push(`  why    ${best[i]!.explanation}`);
          lines.push(`  τ=${tolerance}  → ${cheap[i]!.model} (observed quality ${r.scores[cheap[i]!.model] ?? 'n/a'}): ${cheap[i]!.explanation.split('; ').at(-1)}`);
          lines.push('');
        }
        const summarize = (picks: readonly { model: string }[]): { quality: number; cost: number } => {
          let q = 0;
          let c = 0;
          picks.forEach((p, i) => {
            q += test[i]!.scores[p.model] ?? 0;
            c += router.costs[router.models.indexOf(p.model)] ?? 0;
          });
          return { quality: q / picks.length, cost: c / picks.length };
        };
        const s0 = summarize(best);
        const s1 = summarize(cheap);
        const means = router.models.map((id) => train.reduce((s, r) => s + (r.scores[id] ?? 0), 0) / train.length);
        const single = router.models[means.indexOf(Math.max(...means))]!;
        const singleQ = test.reduce((s, r) => s + (r.scores[single] ?? 0), 0) / test.length;
        const oracle = test.reduce((s, r) => s + Math.max(...Object.values(r.scores)), 0) / test.length;
        const fmtCost = (c: number): string => `$${(c * 1000).toFixed(4)} per 1k queries`;
        lines.push(`on all ${test.length} test prompts (observed quality of the chosen model, mean; costs estimated from list prices):`);
        lines.push(`  FineRouter τ=0          ${s0.quality.toFixed(3)}   ${fmtCost(s0.cost)}`);
        lines.push(`  FineRouter τ=${tolerance}        ${s1.quality.toFixed(3)}   ${fmtCost(s1.cost)}`);
        lines.push(`  best single model       ${singleQ.toFixed(3)}   (${single}, best training mean)   ${fmtCost(router.costs[router.models.indexOf(single)] ?? 0)}`);
        lines.push(`  oracle (best per prompt) ${oracle.toFixed(3)}`);
        lines.push(`  (a 68-prompt test set is small: differences of a few points are noise; see docs/EVALUATION.md for the full evaluation)`);
        lines.push('');
        lines.push(`done in ${seconds(started)}. Route your own prompts:`);
        lines.push(`  node dist/cli.js route --artifacts ${values.out}/artifacts --tolerance ${tolerance} "Prove that the square root of 2 is irrational."`);
        lines.push(`  node examples/route.mjs ${values.out}/artifacts`);
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

