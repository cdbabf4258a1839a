/**
 * The inference contract of FineRouter artifacts (paper Sect. 3.3), written once and used by the router
 * (./router.ts), the evaluation (src/eval/twostage.ts) and training's own dev scoring (src/train/heads.ts):
 *
 * - Graph names: classifier.onnx maps `embedding` [N, D] → `task_probs` [N, T]; router.onnx (the quality head)
 *   maps `embedding` [N, D] and `task` int64 [N] → `quality` [N, M] (plus the manifest's local-prior output when
 *   it declares one).
 * - Task assignment (Sect. 3.1.2): the task with the highest classifier probability when it is ≥
 *   `manifest.classifier.threshold`, else Others (∅, coded T). Equal probabilities go to the task listed first.
 *   A NaN probability is a broken model, never an assignment.
 * - Outputs are checked: float32, shape [N, ·], finite quality.
 */
import { FineRouterError } from '../errors.js';
import type { RuntimeSession, RuntimeTensor } from '../runtime/types.js';
import type { Manifest } from './manifest.js';

/** Graph input/output names fixed by the artifact contract (docs/router.md). */
export const GRAPH_NAMES = Object.freeze({
  classifierInput: 'embedding',
  classifierOutput: 'task_probs',
  qualityHeadEmbedding: 'embedding',
  qualityHeadTask: 'task',
  qualityHeadOutput: 'quality',
});

/** Task assignment of N prompts. */
export interface TaskAssignment {
  /** Task position per prompt, 0..T−1, or T for Others. */
  task: Int32Array;
  /** The highest classifier probability per prompt (0 when there is no task). */
  probability: Float32Array;
}

/**
 * Assigns tasks from classifier probabilities: arg-max if ≥ threshold, else Others (T).
 *
 * @param probs - row-major [n, T] probabilities.
 * @param n - prompts.
 * @param taskCount - T.
 * @param threshold - the ∅ threshold θ.
 * @returns task positions (T = Others) and top probabilities.
 * @throws RangeError when sizes disagree; FineRouterError MODEL_INVALID on a NaN probability.
 * @example assignTaskRows(Float32Array.of(0.2, 0.7, 0.1, 0.3), 2, 2, 0.5); // task [1, 2], probability [0.7, 0.3]
 */
export function assignTaskRows(
  probs: ArrayLike<number>,
  n: number,
  taskCount: number,
  threshold: number,
): TaskAssignment {
  if (probs.length !== n * taskCount)
    throw new RangeError(`assignTaskRows: expected ${n * taskCount} probabilities, received ${probs.length}`);
  const task = new Int32Array(n).fill(taskCount);
  const probability = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let best = -1;
    let bestP = -Infinity;
    for (let j = 0; j < taskCount; j++) {
      const p = probs[r * taskCount + j]!;
      if (Number.isNaN(p))
        throw new FineRouterError('MODEL_INVALID', `assignTaskRows: the classifier returned NaN (row ${r}, task ${j})`);
      if (p > bestP) {
        bestP = p;
        best = j;
      }
    }
    probability[r] = taskCount > 0 ? bestP : 0;
    if (best >= 0 && bestP >= threshold) task[r] = best;
  }
  return { task, probability };
}

/**
 * Checks a float32 [rows, cols] output tensor and returns its data.
 *
 * @throws FineRouterError MODEL_INVALID when it is missing, not float32 or of another shape.
 */
export function checkedOutput(
  tensor: RuntimeTensor | undefined,
  file: string,
  name: string,
  rows: number,
  cols: number,
): Float32Array {
  if (!tensor || tensor.type !== 'float32') {
    throw new FineRouterError(
      'MODEL_INVALID',
      `FineRouter: ${file} output '${name}' is missing or not float32 (received ${tensor?.type ?? 'nothing'})`,
    );
  }
  const dims = tensor.dims;
  if (dims.length !== 2 || dims[0] !== rows || dims[1] !== cols || tensor.data.length !== rows * cols) {
    throw new FineRouterError(
      'MODEL_INVALID',
      `FineRouter: ${file} output '${name}' has shape [${dims.join(', ')}], expected [${rows}, ${cols}]`,
    );
  }
  return tensor.data as Float32Array;
}

function requireFinite(values: Float32Array, file: string, what: string): Float32Array {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!))
      throw new FineRouterError('MODEL_INVALID', `FineRouter: ${file} returned a non-finite ${what}`);
  }
  return values;
}

/**
 * Runs classifier.onnx on n embeddings and assigns tasks.
 *
 * @param session - the classifier session.
 * @param manifest - the artifacts' manifest (T, threshold, file name).
 * @param embedding - float32 [n, D] tensor.
 * @returns probabilities [n, T], task positions (T = Others) and top probabilities.
 * @throws FineRouterError MODEL_INVALID on a bad output.
 */
export async function runClassifierHead(
  session: RuntimeSession,
  manifest: Manifest,
  embedding: RuntimeTensor<'float32'>,
): Promise<TaskAssignment & { probs: Float32Array }> {
  const n = embedding.dims[0]!;
  const T = manifest.tasks.length;
  const output = (await session.run({ [GRAPH_NAMES.classifierInput]: embedding }))[GRAPH_NAMES.classifierOutput];
  const probs = checkedOutput(output, manifest.classifier.file, GRAPH_NAMES.classifierOutput, n, T);
  return { probs, ...assignTaskRows(probs, n, T, manifest.classifier.threshold) };
}

/**
 * Runs router.onnx (the quality head) on n embeddings with the given task positions.
 *
 * @param session - the quality-head session.
 * @param manifest - the artifacts' manifest (M, local prior, file name).
 * @param embedding - float32 [n, D] tensor.
 * @param task - task position per prompt (T = Others: general adapters only).
 * @returns quality [n, M] and the local prior [n, M] when the manifest declares one.
 * @throws FineRouterError MODEL_INVALID on a bad or non-finite output.
 */
export async function runQualityHead(
  session: RuntimeSession,
  manifest: Manifest,
  embedding: RuntimeTensor<'float32'>,
  task: Int32Array,
): Promise<{ quality: Float32Array; local: Float32Array | null }> {
  const n = embedding.dims[0]!;
  const M = manifest.models.length;
  const file = manifest.router.file;
  const taskTensor: RuntimeTensor<'int64'> = {
    type: 'int64',
    data: BigInt64Array.from(task, (t) => BigInt(t)),
    dims: [n],
  };
  const outputs = await session.run({
    [GRAPH_NAMES.qualityHeadEmbedding]: embedding,
    [GRAPH_NAMES.qualityHeadTask]: taskTensor,
  });
  const quality = requireFinite(
    checkedOutput(outputs[GRAPH_NAMES.qualityHeadOutput], file, GRAPH_NAMES.qualityHeadOutput, n, M),
    file,
    'quality',
  );
  const prior = manifest.localPrior;
  const local = prior
    ? requireFinite(checkedOutput(outputs[prior.output], file, prior.output, n, M), file, 'local prior')
    : null;
  return { quality, local };
}
