/**
 * The FineRouter family of methods, scored from trained artifacts (FineRouter arXiv 2603.19415, Sect. 3.3 and
 * the ablations of Sect. 4.4, Table 2):
 *
 * - `finerouter`: the full Eq. 5 aggregation of stage 1 (task medians Q̄) and stage 2 (task-aware MoE Q̃),
 *   through the router's own `aggregateAndSelect` (src/router/score.ts), with tolerance τ.
 * - `stage2-only`: Q̃_t(p, M) alone (task adapters for the assigned task's candidates, general adapters for
 *   the rest), no stage-1 fusion.
 * - `general-only`: the general adapters alone (router.onnx run with task = T, "Others", for every prompt) —
 *   an IPR-like single quality estimator without task heads.
 * - `stage1-cls` ("Fine CLS"): the classifier's task → its top candidate; Others → the best Others median.
 * - `stage1-embedding` ("Embedding"): the nearest task center by cosine → its top candidate. Centers are the
 *   discovery's median-pooled task embeddings when given, otherwise the coordinate-wise median of the
 *   training prompts the classifier assigns to each task (the paper's relabelled training set, Sect. 3.2.2).
 *
 * The task assignment rule is the router's: highest classifier probability if ≥ `manifest.classifier.threshold`,
 * else Others; equal probabilities go to the task listed first. Stage-1 methods are expressed as score rows
 * (candidates in order score in (1, 2], other models their stage-1 median in [0, 1]) so that the availability
 * mask falls back to the next candidate, never to an unscored model.
 */
import { throwIfAborted } from '../errors.js';
import { medianInPlace } from '../numeric/stats.js';
import { runClassifierHead, runQualityHead } from '../router/contract.js';
import type { OnnxRuntime, RuntimeTensor, SessionOptions } from '../runtime/types.js';
import type { Manifest } from '../router/manifest.js';
import { aggregateAndSelect } from '../router/score.js';
import type { EvalTable } from './table.js';
import type { RoutingSelection } from './metrics.js';

/** Outputs of both artifact heads for N prompts. */
export interface ArtifactHeads {
  /** N×T classifier probabilities. */
  taskProbs: Float32Array;
  /** Task position per prompt, 0..T−1, or T for Others (manifest convention). */
  task: Int32Array;
  /** N×M stage-2 quality with the assigned task's adapters. */
  stage2: Float32Array;
  /** N×M quality of the general adapters only (task = T). */
  general: Float32Array;
  /** N×M local prior (router.onnx `local_prior`) when the manifest has one. */
  local?: Float32Array;
}

/** Options of {@link runArtifactHeads}. */
export interface RunArtifactHeadsOptions {
  runtime: OnnxRuntime;
  manifest: Manifest;
  classifierModel: Uint8Array;
  routerModel: Uint8Array;
  /** N×D prompt embeddings (the manifest's encoder). */
  embeddings: Float32Array;
  /** Rows per runtime call. @defaultValue 2048 */
  batchSize?: number;
  sessionOptions?: SessionOptions;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs the classifier and the quality-head (router.onnx) graphs over N embeddings: once with the assigned tasks and once with
 * every prompt sent to Others (general adapters only).
 * @param options - {@link RunArtifactHeadsOptions}
 * @returns {@link ArtifactHeads}
 * @throws TypeError when the embedding length is not a multiple of D; FineRouterError MODEL_INVALID when an output
 *   is missing, mis-shaped or not finite (the router's checks);
 *   FineRouterError ABORTED
 * @example const heads = await runArtifactHeads({ runtime, manifest, classifierModel, routerModel, embeddings });
 */
export async function runArtifactHeads(options: RunArtifactHeadsOptions): Promise<ArtifactHeads> {
  const { runtime, manifest, embeddings } = options;
  const D = manifest.encoder.dimension;
  if (!(embeddings instanceof Float32Array) || embeddings.length % D !== 0) {
    throw new TypeError(
      `runArtifactHeads: expected n×${D} float32 embeddings, received ${embeddings instanceof Float32Array ? embeddings.length : typeof embeddings}`,
    );
  }
  const N = embeddings.length / D;
  const T = manifest.tasks.length;
  const M = manifest.models.length;
  const batch = options.batchSize ?? 2048;
  const so = options.sessionOptions ?? {};
  const classifier = await runtime.createSession(options.classifierModel, so);
  const router = await runtime.createSession(options.routerModel, so);
  const taskProbs = new Float32Array(N * T);
  const task = new Int32Array(N);
  const stage2 = new Float32Array(N * M);
  const general = new Float32Array(N * M);
  const local = manifest.localPrior ? new Float32Array(N * M) : null;
  try {
    for (let start = 0; start < N; start += batch) {
      throwIfAborted(options.signal, 'runArtifactHeads');
      const n = Math.min(batch, N - start);
      const embedding: RuntimeTensor<'float32'> = {
        type: 'float32',
        data: embeddings.slice(start * D, (start + n) * D),
        dims: [n, D],
      };
      // The router's contract (src/router/contract.ts): graph names, assignment rule, checked outputs.
      const heads = await runClassifierHead(classifier, manifest, embedding);
      taskProbs.set(heads.probs, start * T);
      task.set(heads.task, start);
      const assigned = await runQualityHead(router, manifest, embedding, heads.task);
      stage2.set(assigned.quality, start * M);
      if (local && assigned.local) local.set(assigned.local, start * M);
      general.set((await runQualityHead(router, manifest, embedding, new Int32Array(n).fill(T))).quality, start * M);
      options.onProgress?.(start + n, N);
    }
  } finally {
    await classifier.release();
    await router.release();
  }
  return { taskProbs, task, stage2, general, ...(local ? { local } : {}) };
}

// Row gathering is shared (src/numeric/rows.ts); re-exported for the eval modules that import it from here.
export { gatherRows } from '../numeric/rows.js';

/**
 * Coordinate-wise median of groups of rows, re-normalized to unit length (task centers).
 * @param embeddings - rows × D
 * @param dimension - D
 * @param groups - per group, the row indices; an empty group gives a zero row
 * @returns groups × D
 * @example medianCenters(emb, 384, [[0, 1, 2], [3]])
 */
export function medianCenters(
  embeddings: Float32Array,
  dimension: number,
  groups: readonly ArrayLike<number>[],
): Float32Array {
  const out = new Float32Array(groups.length * dimension);
  for (let g = 0; g < groups.length; g++) {
    const rows = groups[g]!;
    if (rows.length === 0) continue;
    const col = new Float64Array(rows.length);
    let norm = 0;
    for (let x = 0; x < dimension; x++) {
      for (let k = 0; k < rows.length; k++) col[k] = embeddings[rows[k]! * dimension + x]!;
      const v = medianInPlace(col, rows.length);
      out[g * dimension + x] = v;
      norm += v * v;
    }
    const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let x = 0; x < dimension; x++) out[g * dimension + x]! *= s;
  }
  return out;
}

/**
 * Nearest center (cosine = dot product of unit rows) per query row; groups whose center is zero never win.
 * @param queries - rows × D
 * @param centers - T × D
 * @param dimension - D
 * @returns Int32Array of center positions (−1 when there is no non-zero center)
 * @example nearestCenter(testEmb, centers, 384)
 */
export function nearestCenter(queries: Float32Array, centers: Float32Array, dimension: number): Int32Array {
  const n = queries.length / dimension;
  const T = centers.length / dimension;
  const valid = new Uint8Array(T);
  for (let t = 0; t < T; t++) for (let x = 0; x < dimension; x++) if (centers[t * dimension + x] !== 0) valid[t] = 1;
  const out = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    let best = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < T; t++) {
      if (!valid[t]) continue;
      let s = 0;
      for (let x = 0; x < dimension; x++) s += queries[i * dimension + x]! * centers[t * dimension + x]!;
      if (s > best) {
        best = s;
        out[i] = t;
      }
    }
  }
  return out;
}

/**
 * Stage-1-only score rows: for task position t (T = Others), the task's candidates in order score in (1, 2] and
 * every other model its stage-1 median; for Others, the Others medians.
 * @param table - evaluation table whose columns follow `manifest.models`
 * @param manifest - the artifacts' manifest
 * @param task - per table row, the task position 0..T−1 or T / −1 for Others
 * @returns N×M scores
 * @throws TypeError when the table's models differ from the manifest's
 * @example stage1Scores(table, manifest, heads.task)
 */
export function stage1Scores(table: EvalTable, manifest: Manifest, task: ArrayLike<number>): Float64Array {
  assertSameModels('stage1Scores', table, manifest);
  const M = table.models.length;
  const T = manifest.tasks.length;
  const col = new Map(table.models.map((m, j) => [m, j]));
  const rows: Float64Array[] = [];
  for (let t = 0; t <= T; t++) {
    const row = Float64Array.from(t < T ? manifest.tasks[t]!.stage1 : manifest.others.stage1);
    if (t < T) {
      const cands = manifest.tasks[t]!.candidates;
      cands.forEach((c, r) => {
        row[col.get(c)!] = 2 - r / cands.length;
      });
    }
    rows.push(row);
  }
  const out = new Float64Array(table.ids.length * M);
  for (let i = 0; i < table.ids.length; i++) {
    const t = task[i]!;
    out.set(rows[t >= 0 && t < T ? t : T]!, i * M);
  }
  return out;
}

function assertSameModels(fn: string, table: EvalTable, manifest: Manifest): void {
  const ids = manifest.models.map((m) => m.id);
  if (ids.length !== table.models.length || ids.some((m, j) => m !== table.models[j])) {
    throw new TypeError(
      `${fn}: expected the table's models to follow the manifest order [${ids.join(', ')}], received [${table.models.join(', ')}]`,
    );
  }
}

/**
 * Full FineRouter selection (Eq. 5 + tolerance) for every table row through the router's `aggregateAndSelect`,
 * restricted to the models scored on each prompt.
 * @param table - evaluation table whose columns follow `manifest.models`
 * @param manifest - the artifacts' manifest (stage-1 medians)
 * @param heads - artifact heads for the table's rows
 * @param options - α, τ and the expected cost per model
 * @returns the selection (maskedChoices counts prompts where the unmasked choice had no score)
 * @throws TypeError when the table's models differ from the manifest's
 * @example fineRouterSelect(table, manifest, heads, { alpha: 0.5, tolerance: 0, modelCost })
 */
export function fineRouterSelect(
  table: EvalTable,
  manifest: Manifest,
  heads: Pick<ArtifactHeads, 'task' | 'stage2' | 'local'>,
  options: { alpha: number; tolerance: number; modelCost: ArrayLike<number> },
): RoutingSelection {
  assertSameModels('fineRouterSelect', table, manifest);
  const M = table.models.length;
  const T = manifest.tasks.length;
  const N = table.ids.length;
  const costs = Float64Array.from({ length: M }, (_, j) => options.modelCost[j] ?? Number.NaN);
  const full = new Uint8Array(M).fill(1);
  const mask = new Uint8Array(M);
  const choice = new Int32Array(N);
  let masked = 0;
  for (let i = 0; i < N; i++) {
    const t = heads.task[i]!;
    const stage1 = t >= 0 && t < T ? manifest.tasks[t]!.stage1 : manifest.others.stage1;
    const stage2 = heads.stage2.subarray(i * M, (i + 1) * M);
    let all = true;
    for (let j = 0; j < M; j++) {
      mask[j] = Number.isNaN(table.quality[i * M + j]!) ? 0 : 1;
      if (mask[j] === 0) all = false;
    }
    const local = heads.local && manifest.localPrior ? heads.local.subarray(i * M, (i + 1) * M) : undefined;
    const omega = local ? manifest.localPrior!.weight : 0;
    const sel = aggregateAndSelect(stage1, stage2, costs, mask, options.alpha, options.tolerance, local, omega);
    choice[i] = sel.selected;
    if (!all) {
      const free = aggregateAndSelect(stage1, stage2, costs, full, options.alpha, options.tolerance, local, omega);
      if (mask[free.selected] === 0) masked++;
    }
  }
  return { choice, maskedChoices: masked };
}

/** Minimal view of a discovery result needed here (src/discovery/types.ts DiscoveryResult). */
export interface DiscoveryView {
  tasks: readonly { id: number; center: readonly number[]; members: readonly number[] }[];
  /** Record index (into the records given to discovery) → task id, −1 = Others. */
  assignment: ArrayLike<number>;
}

/**
 * Maps a discovery result onto the manifest's task positions: centers (T × D, zero rows for tasks discovery
 * does not know or whose center has another dimension) and per-discovery-record labels (position, −1 = Others
 * or a task the manifest dropped).
 * @param discovery - the discovery result the artifacts were trained from
 * @param manifest - the artifacts' manifest
 * @param dimension - embedding dimension
 * @returns centers and labels
 * @example const { centers, labels } = alignDiscovery(discovery, manifest, 384);
 */
export function alignDiscovery(
  discovery: DiscoveryView,
  manifest: Manifest,
  dimension: number,
): { centers: Float32Array; labels: Int32Array; matchedTasks: number } {
  const T = manifest.tasks.length;
  const position = new Map(manifest.tasks.map((t, j) => [t.id, j]));
  const centers = new Float32Array(T * dimension);
  let matched = 0;
  for (const t of discovery.tasks) {
    const j = position.get(t.id);
    if (j === undefined || t.center.length !== dimension) continue;
    centers.set(t.center, j * dimension);
    matched++;
  }
  const labels = new Int32Array(discovery.assignment.length);
  for (let i = 0; i < labels.length; i++) {
    const id = discovery.assignment[i]!;
    labels[i] = id < 0 ? -1 : (position.get(id) ?? -1);
  }
  return { centers, labels, matchedTasks: matched };
}
