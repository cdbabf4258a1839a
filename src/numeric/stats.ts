/**
 * Order statistics, one implementation for the whole library (d3-array keeps one `quantile` behind `median`).
 * The median is the textbook one: the middle value, or the mean of the two middle values for an even count;
 * quantiles interpolate linearly between closest ranks (R-7, numpy's default, d3's `quantileSorted`).
 */

/**
 * The value of rank `kth` (0 = smallest) among `values[0..count)` by quickselect (Hoare partition); reorders
 * `values` so that every value before position `kth` is ≤ the result, allocates nothing. The one order-statistic
 * kernel of the library: the median and the kNN search's k-th largest similarity both use it.
 *
 * @param values - scratch values; reordered.
 * @param count - how many leading values count (≥ 1).
 * @param kth - the rank, in [0, count).
 * @returns the kth smallest value.
 * @example selectInPlace(Float64Array.of(3, 1, 2, 9), 4, 1); // 2
 */
export function selectInPlace(values: Float32Array | Float64Array, count: number, kth: number): number {
  let lo = 0;
  let hi = count - 1;
  while (hi > lo) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (kth <= j) hi = j;
    else if (kth >= i) lo = i;
    else return values[kth]!;
  }
  return values[kth]!;
}

/**
 * Median of `values[0..count)` by quickselect (mean of the two middle values for an even count); reorders
 * `values`, allocates nothing. The hot-loop form of {@link median}.
 *
 * @param values - scratch values; reordered.
 * @param count - how many leading values count (≥ 1).
 * @returns the median.
 * @example medianInPlace(Float64Array.of(3, 1, 2, 9), 3); // 2
 */
export function medianInPlace(values: Float64Array, count: number): number {
  const select = (kth: number): number => selectInPlace(values, count, kth);
  const mid = count >> 1;
  if (count % 2 === 1) return select(mid);
  const upper = select(mid);
  // After select(mid), values[0..mid) are ≤ upper: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/**
 * Median of a list of numbers; the input is not modified.
 *
 * @param values - at least one number.
 * @returns the middle value, or the mean of the two middle values for an even count.
 * @throws RangeError on an empty list or a NaN.
 * @example median([3, 1, 2, 10]); // 2.5
 */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('median: expected at least one value, received 0');
  const copy = Float64Array.from(values);
  for (let i = 0; i < copy.length; i++)
    if (Number.isNaN(copy[i]!)) throw new RangeError(`median: expected numbers, received NaN at ${i}`);
  return medianInPlace(copy, copy.length);
}

/**
 * Quantile of an ascending sorted array, interpolating linearly between closest ranks.
 *
 * @param sorted - ascending values (not checked).
 * @param p - probability in [0, 1].
 * @returns the p-quantile; NaN for an empty array (no value to report).
 * @throws RangeError when p is outside [0, 1].
 * @example quantileSorted(Float64Array.of(1, 2, 3, 4), 0.25); // 1.75
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantileSorted: expected p in [0, 1], received ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const x = p * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
}
