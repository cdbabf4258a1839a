/**
 * Adding a model to trained artifacts without retraining the rest (issue #6, "Adding a model"): only a new
 * general adapter (./moe.ts `trainAddedModel`) and the model's stage-1 medians (paper Eq. 5, Q̄_t(M)) are
 * computed, from a small sample of its scores. The classifier, the projection, the other general adapters and
 * every task adapter are frozen, so every other model's quality estimate is unchanged. The new model is not
 * made a candidate of any task (candidates come from discovery); it is scored by its general adapter.
 *
 * Stage-1 medians: the sample prompts are assigned to tasks by the trained classifier (threshold from the
 * manifest); a task's median is over the sample prompts assigned to it, falling back to the median over the
 * whole sample when none is; the same for Others. When the manifest's `training.stage1Statistic` is 'mean'
 * (trainRouter chose it on dev, ./aggregation.ts), means replace medians so all models' Q̄ agree, shrunk toward
 * the sample mean with the manifest's `training.stage1Shrinkage` pseudo-count.
 *
 * Support floor (as in trainRouter): the model's prior is its sample mean shrunk toward the pool's mean score
 * (`training.poolMean`) with pseudo-count `training.supportFloor` (default 30); a task value from fewer than
 * `training.taskSupportFloor` (default 5) sample prompts is blended toward that prior, a task with none takes it;
 * the new adapter's output is blended toward the prior with weight n / (n + floor) and clipped to the router's
 * score range; a sample below the floor adds a warning to the manifest. With a local prior in router.onnx, the
 * new model's column of the local-prior values is its prior (no training prompt has its score).
 */
import { median } from '../numeric/stats.js';
import type { RoutingRecord } from '../data/types.js';
import type { Manifest } from '../router/manifest.js';
import { assignTasks, classifierForward } from './heads.js';
import { trainAddedModel, type MoeOptions } from './moe.js';
import { buildQualityHeadOnnx, readClassifierOnnx, readLocalPriorOnnx, readQualityHeadOnnx } from './onnx-export.js';
import {
  floorValue,
  modelCosts,
  shrinkStage2,
  supportWarning,
  TRAIN_ROUTER_DEFAULTS,
  type ManifestDraft,
  type ModelPrice,
} from './train-router.js';

/** Options of {@link addModel}. */
export interface AddModelOptions {
  /** Training settings of the new adapter (epochs, learningRate, batchSize, patience, seed). */
  moe?: MoeOptions;
  /** Prices used when the records carry no costs for the model. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Output tokens assumed per query when pricing per 1M tokens. @defaultValue 256 */
  outputTokens?: number;
}

/** Result of {@link addModel}. */
export interface AddModelResult {
  routerBytes: Uint8Array;
  manifest: ManifestDraft;
  metrics: { samples: number; devMse: number; epochs: number; assignedToTasks: number };
}

function mean(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/**
 * Appends a model to trained artifacts.
 *
 * @param artifacts - current manifest and ONNX bytes.
 * @param records - sample records; those without a score for `modelId` are ignored.
 * @param embeddings - [records.length, D] embeddings of `records` (same encoder as the manifest).
 * @param modelId - the new model's id.
 * @param options - see {@link AddModelOptions}.
 * @returns the new router bytes and manifest draft (classifier bytes are unchanged).
 * @throws RangeError when the model already exists, no record scores it, or sizes disagree.
 * @example
 * const { routerBytes, manifest } = addModel({ manifest, classifierBytes, routerBytes }, sample, emb, 'new-model');
 */
export function addModel(
  artifacts: { manifest: Manifest | ManifestDraft; classifierBytes: Uint8Array; routerBytes: Uint8Array },
  records: readonly RoutingRecord[],
  embeddings: Float32Array,
  modelId: string,
  options: AddModelOptions = {},
): AddModelResult {
  const { manifest } = artifacts;
  if (typeof modelId !== 'string' || modelId.length === 0)
    throw new TypeError(`addModel: expected a model id, received ${String(modelId)}`);
  if (manifest.models.some((mm) => mm.id === modelId))
    throw new RangeError(`addModel: model ${modelId} is already in the artifacts`);
  const d = manifest.encoder.dimension;
  if (embeddings.length !== records.length * d)
    throw new RangeError(`addModel: expected ${records.length} × ${d} embeddings, received ${embeddings.length}`);
  const rows: number[] = [];
  records.forEach((r, i) => {
    if (typeof r.scores[modelId] === 'number') rows.push(i);
  });
  if (rows.length === 0) throw new RangeError(`addModel: no record has a score for ${modelId}`);
  const emb = new Float32Array(rows.length * d);
  const scores = new Float32Array(rows.length);
  rows.forEach((idx, r) => {
    emb.set(embeddings.subarray(idx * d, idx * d + d), r * d);
    scores[r] = records[idx].scores[modelId];
  });
  const cls = readClassifierOnnx(artifacts.classifierBytes);
  const heads = readQualityHeadOnnx(artifacts.routerBytes);
  if (cls.dimension !== d || heads.dimension !== d)
    throw new RangeError(`addModel: ONNX heads expect dimension ${heads.dimension}, manifest says ${d}`);
  if (heads.modelCount !== manifest.models.length)
    throw new RangeError(
      `addModel: router.onnx has ${heads.modelCount} models, manifest lists ${manifest.models.length}`,
    );
  const tc = manifest.tasks.length;
  const assigned = assignTasks(
    classifierForward(cls, emb, rows.length),
    rows.length,
    tc,
    manifest.classifier.threshold,
  );
  const trained = trainAddedModel(heads, emb, scores, options.moe);
  const m = heads.modelCount;

  // The statistic the manifest's stage-1 values use (training.stage1Statistic; the paper's median when absent).
  const info = (manifest.training ?? {}) as {
    stage1Statistic?: unknown;
    stage1Shrinkage?: unknown;
    supportFloor?: unknown;
    taskSupportFloor?: unknown;
    poolMean?: unknown;
  };
  const shrink = typeof info.stage1Shrinkage === 'number' && info.stage1Shrinkage > 0 ? info.stage1Shrinkage : 0;
  const floor =
    typeof info.supportFloor === 'number' && info.supportFloor >= 0
      ? info.supportFloor
      : TRAIN_ROUTER_DEFAULTS.supportFloor;
  const taskFloor =
    typeof info.taskSupportFloor === 'number' && info.taskSupportFloor >= 0
      ? info.taskSupportFloor
      : TRAIN_ROUTER_DEFAULTS.taskSupportFloor;
  const poolMean =
    typeof info.poolMean === 'number' && Number.isFinite(info.poolMean)
      ? info.poolMean
      : mean([...manifest.others.stage1]);
  const all = Array.from(scores);
  const prior = (all.reduce((a, v) => a + v, 0) + floor * poolMean) / (all.length + floor);
  const statistic =
    info.stage1Statistic === 'mean'
      ? (values: number[]): number => (values.reduce((a, v) => a + v, 0) + shrink * prior) / (values.length + shrink)
      : median;
  const perTask: number[][] = Array.from({ length: tc + 1 }, () => []);
  assigned.forEach((t, r) => perTask[t].push(scores[r]));
  const stage1Of = (t: number): number =>
    perTask[t].length > 0 ? floorValue(statistic(perTask[t]), perTask[t].length, prior, taskFloor) : prior;
  const counts = new Float64Array(m + 1).fill(Number.NaN);
  counts[m] = all.length;
  const priors = new Float64Array(m + 1);
  priors[m] = prior;
  const newHeads = shrinkStage2(trained.heads, { counts, prior: priors }, floor);
  const local = manifest.localPrior ? readLocalPriorOnnx(artifacts.routerBytes) : null;
  let newLocal = local;
  if (local) {
    // The new model's local prior is its prior: split as β on the neighbour term, 1 − β on the classifier term
    // when the prior has a classifier (the neighbour term alone carries it otherwise).
    const beta = manifest.localPrior!.beta;
    const clf = local.classifier;
    const values = new Float32Array(local.rows * (m + 1));
    for (let r = 0; r < local.rows; r++) {
      values.set(local.values.subarray(r * m, (r + 1) * m), r * (m + 1));
      values[r * (m + 1) + m] = clf ? beta * prior : prior;
    }
    newLocal = { ...local, modelCount: m + 1, beta, values };
    if (clf) {
      const c = clf.groupCount;
      const groupValues = new Float32Array(c * (m + 1));
      for (let g = 0; g < c; g++) {
        groupValues.set(clf.groupValues.subarray(g * m, (g + 1) * m), g * (m + 1));
        groupValues[g * (m + 1) + m] = (1 - beta) * prior;
      }
      newLocal.classifier = { ...clf, groupValues };
    }
  }
  const warnings = [...(manifest.warnings ?? [])];
  if (all.length < floor) warnings.push(supportWarning(modelId, all.length, floor));
  const [cost] = modelCosts(
    rows.map((i) => records[i]),
    [modelId],
    options.prices,
    options.outputTokens ?? 256,
  );
  const previous = (manifest.training ?? {}) as Record<string, unknown>;
  const added = Array.isArray(previous.addedModels) ? (previous.addedModels as unknown[]) : [];
  const metrics = {
    samples: rows.length,
    devMse: trained.devMse,
    epochs: trained.epochs,
    assignedToTasks: assigned.filter((t) => t < tc).length,
  };
  const draft: ManifestDraft = {
    schema: manifest.schema,
    version: manifest.version,
    encoder: { ...manifest.encoder },
    models: [...manifest.models.map((mm) => ({ ...mm })), { id: modelId, cost }],
    tasks: manifest.tasks.map((t, i) => ({ ...t, candidates: [...t.candidates], stage1: [...t.stage1, stage1Of(i)] })),
    others: { size: manifest.others.size, stage1: [...manifest.others.stage1, stage1Of(tc)] },
    classifier: { ...manifest.classifier },
    router: { ...manifest.router },
    defaults: { ...manifest.defaults },
    ...(manifest.localPrior ? { localPrior: { ...manifest.localPrior } } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    training: { ...previous, addedModels: [...added, { id: modelId, ...metrics }] },
  };
  return { routerBytes: buildQualityHeadOnnx(newHeads, newLocal ?? undefined), manifest: draft, metrics };
}
