/**
 * Ranked lists with tie groups: the shared input form of src/rbo and src/rankfusion.
 *
 * A ranked list is an array whose elements are either one item or an array of items tied at that
 * rank. Following Webber, Moffat & Zobel (2010, Sect. 4.4) a tie group occupies as many positions as
 * it has members and "enters whole" at its first position: in `[['a', 'b'], 'c']` the items a and b
 * both sit at position 1 and c at position 3 (standard competition ranking, "1 1 3").
 *
 * FineRouter (arXiv 2603.19415, Sect. 3.1.1) builds one such list per prompt from the observed model
 * qualities; `rankingFromScores` does that, with equal scores tied.
 */

/** One ranked list: best first; an element is an item or a group of items tied at that rank. */
export type RankedList<T extends string | number> = readonly (T | readonly T[])[];

/** A ranked list flattened to positions: `items[i]` sits at 0-based position `tops[i]`. */
export interface FlatRanking<T> {
  /** Items in list order (members of a tie group keep their order inside the group). */
  readonly items: T[];
  /** 0-based position of the first slot of each item's tie group. Non-decreasing. */
  readonly tops: readonly number[];
  /** item → its entry in `tops` (the map that also caught duplicates). */
  readonly topOf: Map<T, number>;
}

/** Short description of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return `number ${String(value)}`;
    case 'undefined':
      return 'undefined';
    case 'object':
      return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
    default:
      return typeof value;
  }
}

/**
 * Throws unless `item` is a string or a non-NaN number. `group` / `member` locate it in the list
 * (`member` = -1 for an element outside a tie group); the location string is built only on error.
 * @internal
 */
export function checkItem(fnName: string, argName: string, item: unknown, group: number, member: number): void {
  if (typeof item === 'string') return;
  if (typeof item === 'number') {
    if (item === item) return;
    throw new RangeError(
      `${fnName}: expected ${argName}${where(group, member)} to be a string or a number other than NaN, received NaN`,
    );
  }
  throw new TypeError(
    `${fnName}: expected ${argName}${where(group, member)} to be an item (string or number) or a tie group (array of items), received ${describeValue(item)}`,
  );
}

function where(group: number, member: number): string {
  return member < 0 ? `[${group}]` : `[${group}][${member}]`;
}

/**
 * Validates a ranked list and flattens it to positions. Throws TypeError for a non-array, a nested
 * group or an item that is neither string nor number; RangeError for an empty tie group, NaN, a
 * duplicate item, or (when `allowEmpty` is false) an empty list. Never mutates `list`.
 * @internal
 */
export function flattenRanking<T extends string | number>(
  fnName: string,
  argName: string,
  list: RankedList<T>,
  allowEmpty: boolean,
): FlatRanking<T> {
  if (!Array.isArray(list)) {
    throw new TypeError(
      `${fnName}: expected ${argName} to be an array (a ranked list), received ${describeValue(list)}`,
    );
  }
  if (list.length === 0 && !allowEmpty) {
    throw new RangeError(`${fnName}: expected ${argName} to be a non-empty ranked list, received an empty array`);
  }
  const items: T[] = [];
  const topList: number[] = [];
  const seen = new Map<T, number>();
  for (let g = 0; g < list.length; g++) {
    const element = list[g];
    const top = items.length;
    if (Array.isArray(element)) {
      if (element.length === 0) {
        throw new RangeError(
          `${fnName}: expected ${argName}[${g}] to be a non-empty tie group, received an empty array`,
        );
      }
      for (let k = 0; k < element.length; k++) {
        const item = element[k] as unknown;
        if (Array.isArray(item)) {
          throw new TypeError(
            `${fnName}: expected ${argName}[${g}][${k}] to be an item (tie groups do not nest), received ${describeValue(item)}`,
          );
        }
        checkItem(fnName, argName, item, g, k);
        pushUnique(fnName, argName, item as T, seen, items, topList, top);
      }
    } else {
      checkItem(fnName, argName, element, g, -1);
      pushUnique(fnName, argName, element as T, seen, items, topList, top);
    }
  }
  return { items, tops: topList, topOf: seen };
}

function pushUnique<T>(
  fnName: string,
  argName: string,
  item: T,
  seen: Map<T, number>,
  items: T[],
  tops: number[],
  top: number,
): void {
  if (seen.has(item)) {
    throw new RangeError(
      `${fnName}: expected the items of ${argName} to be unique, received ${describeValue(item)} twice`,
    );
  }
  seen.set(item, top);
  items.push(item);
  tops.push(top);
}

/**
 * Turns a score map `{ model: quality }` into a ranked list of tie groups, best (highest score)
 * first. Equal scores (`===`, so 0 and -0 tie) share one group; inside a group items are sorted by
 * id in UTF-16 code-unit order, so the result does not depend on key order. Every element of the
 * result is an array, singletons included. This is how FineRouter builds each prompt's ranked list
 * of preferred LLMs (Sect. 3.1.1); routing data with 0/1 scores gives lists made mostly of ties.
 *
 * @param scores - model id → score; higher is better. Infinite scores are ordered as usual.
 * @returns Tie groups, best first; `[]` for an empty map.
 * @throws TypeError when `scores` is not a plain object or a score is not a number.
 * @throws RangeError when a score is NaN.
 * @example
 * ```ts
 * rankingFromScores({ gpt: 1, claude: 1, llama: 0 }); // [['claude', 'gpt'], ['llama']]
 * ```
 */
export function rankingFromScores(scores: Readonly<Record<string, number>>): string[][] {
  if (scores === null || typeof scores !== 'object' || Array.isArray(scores)) {
    throw new TypeError(
      `rankingFromScores: expected scores to be an object mapping ids to numbers, received ${describeValue(scores)}`,
    );
  }
  const entries: [string, number][] = [];
  for (const key of Object.keys(scores)) {
    const value = scores[key] as unknown;
    if (typeof value !== 'number') {
      throw new TypeError(
        `rankingFromScores: expected scores[${JSON.stringify(key)}] to be a number, received ${describeValue(value)}`,
      );
    }
    if (Number.isNaN(value)) {
      throw new RangeError(
        `rankingFromScores: expected scores[${JSON.stringify(key)}] to be a number other than NaN, received NaN`,
      );
    }
    entries.push([key, value]);
  }
  entries.sort((x, y) => (x[1] === y[1] ? compareCodeUnits(x[0], y[0]) : y[1] - x[1] > 0 ? 1 : -1));
  const groups: string[][] = [];
  let previous = Number.NaN;
  for (const [key, value] of entries) {
    const last = groups[groups.length - 1];
    if (last !== undefined && value === previous) last.push(key);
    else groups.push([key]);
    previous = value;
  }
  return groups;
}

/** Orders strings by UTF-16 code units (locale independent, same on every platform). @internal */
export function compareCodeUnits(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
