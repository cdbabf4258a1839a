/**
 * Macro-averaged F1 with one convention for training and evaluation: labels are integers ≥ −1, and whatever code
 * "Others" (∅) has (−1 in evaluation, T in training) it is one class of its own; a class counts when it occurs in
 * the truth or the prediction (scikit-learn's `labels=None`). Classes are summed in ascending order.
 */

/**
 * Macro-F1 of a labelling.
 *
 * @param truth - reference labels (integers ≥ −1).
 * @param predicted - predicted labels, same length.
 * @returns the mean over present classes of 2·TP / (2·TP + FP + FN), in [0, 1].
 * @throws TypeError when the lengths differ; RangeError on an empty input or a label that is not an integer ≥ −1.
 * @example macroF1([0, 0, 1], [0, 1, 1]); // 0.666…
 */
export function macroF1(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (truth.length !== predicted.length)
    throw new TypeError(`macroF1: expected equal lengths, received ${truth.length} and ${predicted.length}`);
  if (truth.length === 0) throw new RangeError('macroF1: expected at least one label, received 0');
  let max = -1;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    if (!Number.isInteger(t) || !Number.isInteger(p) || t < -1 || p < -1)
      throw new RangeError(`macroF1: expected integer labels ≥ −1, received (${t}, ${p}) at ${i}`);
    if (t > max) max = t;
    if (p > max) max = p;
  }
  // Index c + 1 holds class c, so −1 (Others in evaluation) is index 0.
  const tp = new Float64Array(max + 2);
  const inTruth = new Float64Array(max + 2);
  const inPrediction = new Float64Array(max + 2);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]! + 1;
    const p = predicted[i]! + 1;
    inTruth[t]! += 1;
    inPrediction[p]! += 1;
    if (t === p) tp[t]! += 1;
  }
  let sum = 0;
  let present = 0;
  for (let c = 0; c < max + 2; c++) {
    if (inTruth[c] === 0 && inPrediction[c] === 0) continue;
    present += 1;
    sum += (2 * tp[c]!) / (inTruth[c]! + inPrediction[c]!);
  }
  return sum / present;
}
