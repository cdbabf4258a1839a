/** Row operations on row-major matrices stored in typed arrays (one implementation for every caller). */

/**
 * Copies the given rows of a row-major matrix into a new matrix of the same array type.
 *
 * @param matrix - row-major [rows, width] values.
 * @param width - values per row.
 * @param rows - row indices to take, in output order (repeats allowed).
 * @returns a new row-major [rows.length, width] matrix; the input is not modified.
 * @throws RangeError when a row index is not an integer in [0, matrix.length / width).
 * @example gatherRows(Float32Array.of(1, 2, 3, 4, 5, 6), 2, [2, 0]); // Float32Array [5, 6, 1, 2]
 */
export function gatherRows<A extends Float32Array | Float64Array>(
  matrix: A,
  width: number,
  rows: ArrayLike<number>,
): A {
  const total = matrix.length / width;
  const out = new (matrix.constructor as { new (n: number): A })(rows.length * width);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    if (!Number.isInteger(r) || r < 0 || r >= total)
      throw new RangeError(`gatherRows: expected rows in [0, ${total}), received ${r}`);
    out.set(matrix.subarray(r * width, (r + 1) * width), k * width);
  }
  return out;
}
