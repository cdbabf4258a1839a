/**
 * Parser for plain-text edge lists: one edge per line, `src dst [weight]`, separated by spaces or
 * tabs; empty lines and lines starting with `#` are skipped. Node ids are non-negative integers;
 * the weight defaults to 1. Pure (takes the text, not a path); the CLI and benchmark read files.
 *
 * @module
 */

/** An edge list in typed arrays, ready for {@link buildGraph}. */
export interface EdgeList {
  /** max id + 1 (0 for an empty list). */
  readonly nodeCount: number;
  readonly source: Int32Array;
  readonly target: Int32Array;
  readonly weight: Float64Array;
}

/**
 * Parses `src dst [weight]` lines into typed arrays.
 *
 * @param text - the whole file as a string
 * @returns the edges and nodeCount = max id + 1
 * @throws RangeError naming the line when a line has fewer than 2 or more than 3 fields, a
 *   non-integer or negative id, or a weight that is not a finite number ≥ 0
 * @example
 * ```ts
 * const edges = parseEdgeList('0 1 0.5\n1 2\n');
 * buildGraph(edges).totalWeight; // 1.5
 * ```
 */
export function parseEdgeList(text: string): EdgeList {
  const fn = 'parseEdgeList';
  if (typeof text !== 'string') throw new TypeError(`${fn}: expected a string, received ${typeof text}`);
  let capacity = 1024;
  let source = new Int32Array(capacity);
  let target = new Int32Array(capacity);
  let weight = new Float64Array(capacity);
  let count = 0;
  let maxId = -1;
  const length = text.length;
  let pos = 0;
  let lineNumber = 0;
  const fields: string[] = ['', '', ''];
  while (pos < length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = length;
    lineNumber++;
    // Split on spaces / tabs / CR without allocating an array per line.
    let nf = 0;
    let i = pos;
    let extra = false;
    while (i < end) {
      let ch = text.charCodeAt(i);
      while (i < end && (ch === 32 || ch === 9 || ch === 13)) ch = text.charCodeAt(++i);
      if (i >= end) break;
      if (nf === 0 && ch === 35) break; // '#' comment line
      const s = i;
      while (i < end && ch !== 32 && ch !== 9 && ch !== 13) ch = text.charCodeAt(++i);
      if (nf < 3) fields[nf] = text.slice(s, i);
      else extra = true;
      nf++;
    }
    pos = end + 1;
    if (nf === 0) continue;
    if (nf < 2 || extra)
      throw new RangeError(`${fn}: expected 'src dst [weight]' on line ${lineNumber}, received ${nf} fields`);
    const u = Number(fields[0]);
    const v = Number(fields[1]);
    const w = nf === 3 ? Number(fields[2]) : 1;
    if (!Number.isInteger(u) || u < 0 || u > 0x7ffffffe || !Number.isInteger(v) || v < 0 || v > 0x7ffffffe) {
      throw new RangeError(
        `${fn}: expected non-negative integer node ids on line ${lineNumber}, received '${fields[0]} ${fields[1]}'`,
      );
    }
    if (!Number.isFinite(w) || w < 0)
      throw new RangeError(`${fn}: expected a finite weight ≥ 0 on line ${lineNumber}, received '${fields[2]}'`);
    if (count === capacity) {
      capacity *= 2;
      const s2 = new Int32Array(capacity);
      s2.set(source);
      source = s2;
      const t2 = new Int32Array(capacity);
      t2.set(target);
      target = t2;
      const w2 = new Float64Array(capacity);
      w2.set(weight);
      weight = w2;
    }
    source[count] = u;
    target[count] = v;
    weight[count] = w;
    count++;
    if (u > maxId) maxId = u;
    if (v > maxId) maxId = v;
  }
  return {
    nodeCount: maxId + 1,
    source: source.slice(0, count),
    target: target.slice(0, count),
    weight: weight.slice(0, count),
  };
}
