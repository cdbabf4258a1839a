/**
 * What the demo shows a new user, computed here (the CLI only prints): routed picks against the best single model
 * and the cheapest model on held-out prompts, with paired-bootstrap intervals (Efron & Tibshirani 1993, percentile
 * method; pairs = the same prompts for every row), at several cost tolerances τ; and short readable task labels.
 *
 * Pure: no fs, no runtime.
 *
 * Deliberate choices:
 *   - Quality of a pick = the record's observed score of the picked model, 0 when the model has no score there (as
 *     `compareWithReferences`). Best single = highest training mean; cheapest = lowest known cost (ties: higher
 *     training mean).
 *   - Keyword labels: the `keywords` terms of a task's member prompts with the highest
 *     (share of members containing the term) × log(N / prompts containing it), over lower-cased words of ≥ 3
 *     letters minus a stop list; terms in fewer than 2 members are skipped in tasks of ≥ 2 members. A label
 *     summarizes; it is not the task's definition (the classifier is).
 */
import type { RoutingRecord } from '../data/types.js';
import { mulberry32 } from '../random.js';

/** A value with its percentile interval. */
export interface IntervalEstimate {
  value: number;
  lo: number;
  hi: number;
}

/** One row of {@link compareRoutes}. */
export interface RouteComparisonRow {
  name: string;
  kind: 'router' | 'best-single' | 'cheapest' | 'oracle';
  /** The single model of a best-single / cheapest row. */
  model?: string;
  quality: IntervalEstimate;
  /** Paired difference with the best single model (null on that row and the oracle's). */
  vsBestSingle: IntervalEstimate | null;
  /** Mean expected USD per query (unknown costs count 0), null for the oracle. */
  cost: number | null;
}

/** Options of {@link compareRoutes}. */
export interface CompareRoutesOptions {
  /** Bootstrap resamples. @defaultValue 2000 */
  resamples?: number;
  /** Bootstrap seed. @defaultValue 0 */
  seed?: number;
  /** Interval level. @defaultValue 0.95 */
  level?: number;
}

/** Defaults of {@link CompareRoutesOptions}, {@link keywordLabels} and the demo's label confidence floor. */
export const FIRST_IMPRESSION_DEFAULTS = Object.freeze({
  resamples: 2000,
  seed: 0,
  level: 0.95,
  keywords: 3,
  /** A routed prompt's task label is shown only at classifier confidence ≥ this. */
  labelConfidenceFloor: 0.5,
});

function percentile(sorted: Float64Array, p: number): number {
  const x = p * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
}

/**
 * Compares routed picks with the best single model, the cheapest model and the oracle on held-out records.
 *
 * @param trainRecords - records the best single and cheapest models are chosen on.
 * @param records - held-out records.
 * @param routes - name → the picked model per held-out record (e.g. `{ 'FineRouter τ=0': picks }`).
 * @param costs - expected USD per query by model id (null: unknown).
 * @param options - see {@link CompareRoutesOptions}.
 * @returns best single, cheapest, the routes in the given order, then the oracle.
 * @throws RangeError on empty records, a route of the wrong length, or bad options.
 * @example compareRoutes(train, test, { 'FineRouter τ=0': picks }, { a: 0.001, b: 0.01 });
 */
export function compareRoutes(
  trainRecords: readonly RoutingRecord[],
  records: readonly RoutingRecord[],
  routes: Readonly<Record<string, readonly string[]>>,
  costs: Readonly<Record<string, number | null>>,
  options: CompareRoutesOptions = {},
): RouteComparisonRow[] {
  const n = records.length;
  if (n === 0) throw new RangeError('compareRoutes: expected at least one held-out record, received none');
  const resamples = options.resamples ?? FIRST_IMPRESSION_DEFAULTS.resamples;
  const level = options.level ?? FIRST_IMPRESSION_DEFAULTS.level;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`compareRoutes: resamples: expected an integer ≥ 1, received ${resamples}`);
  if (!(level > 0 && level < 1))
    throw new RangeError(`compareRoutes: level: expected a number in (0, 1), received ${level}`);
  const models = Object.keys(costs);
  if (models.length === 0) throw new RangeError('compareRoutes: expected at least one model in costs');
  const trainMean = (id: string): number =>
    trainRecords.reduce((s, r) => s + (r.scores[id] ?? 0), 0) / Math.max(1, trainRecords.length);
  const means = models.map(trainMean);
  const best = models[means.indexOf(Math.max(...means))]!;
  const known = models.filter((id) => costs[id] !== null && costs[id] !== undefined);
  const cheapest =
    known.length === 0
      ? undefined
      : [...known].sort((a, b) => costs[a]! - costs[b]! || trainMean(b) - trainMean(a))[0]!;

  const rows: {
    name: string;
    kind: RouteComparisonRow['kind'];
    model?: string;
    q: Float64Array;
    cost: number | null;
  }[] = [];
  const fromPicks = (picks: readonly string[]): { q: Float64Array; cost: number } => {
    const q = new Float64Array(n);
    let cost = 0;
    for (let i = 0; i < n; i++) {
      q[i] = records[i]!.scores[picks[i]!] ?? 0;
      cost += costs[picks[i]!] ?? 0;
    }
    return { q, cost: cost / n };
  };
  const single = (id: string): readonly string[] => new Array<string>(n).fill(id);
  rows.push({ name: `best single model (${best})`, kind: 'best-single', model: best, ...fromPicks(single(best)) });
  if (cheapest !== undefined)
    rows.push({
      name: `cheapest model (${cheapest})`,
      kind: 'cheapest',
      model: cheapest,
      ...fromPicks(single(cheapest)),
    });
  for (const [name, picks] of Object.entries(routes)) {
    if (picks.length !== n)
      throw new RangeError(`compareRoutes: route '${name}' has ${picks.length} picks for ${n} records`);
    rows.push({ name, kind: 'router', ...fromPicks(picks) });
  }
  rows.push({
    name: 'oracle (best observed per prompt)',
    kind: 'oracle',
    q: Float64Array.from(records, (r) => Math.max(0, ...Object.values(r.scores))),
    cost: null,
  });

  // Paired bootstrap: the same resampled prompts for every row.
  const random = mulberry32(options.seed ?? FIRST_IMPRESSION_DEFAULTS.seed);
  const draws = rows.map(() => new Float64Array(resamples));
  const counts = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let k = 0; k < n; k++) counts[Math.floor(random() * n)]!++;
    rows.forEach((row, r) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += counts[i]! * row.q[i]!;
      draws[r]![b] = s / n;
    });
  }
  const alpha = (1 - level) / 2;
  const estimate = (value: number, values: Float64Array): IntervalEstimate => {
    const sorted = values.slice().sort();
    return { value, lo: percentile(sorted, alpha), hi: percentile(sorted, 1 - alpha) };
  };
  const mean = (q: Float64Array): number => q.reduce((a, b) => a + b, 0) / n;
  return rows.map((row, r) => {
    const value = mean(row.q);
    const isReference = row.kind === 'best-single' || row.kind === 'oracle';
    const diff = isReference
      ? null
      : estimate(
          value - mean(rows[0]!.q),
          draws[r]!.map((d, b) => d - draws[0]![b]!),
        );
    const out: RouteComparisonRow = {
      name: row.name,
      kind: row.kind,
      quality: estimate(value, draws[r]!),
      vsBestSingle: diff,
      cost: row.cost,
    };
    if (row.model !== undefined) out.model = row.model;
    return out;
  });
}

const STOP = new Set(
  'the and for are but not you all any can had her was one our out has him his how its may new now old see two way who did get let put say she too use that with have this will your from they know want been good much some time very when come here just like long make many more only over such take than them well were what which while would there their about after again being could every other these those where should into also each most then upon must shall does answer question following following choose correct option options given find following true false text write using used based between following please explain describe provide'.split(
    /\s+/,
  ),
);

/**
 * Short readable labels of prompt groups (tasks) from their texts, without an LLM (see the file header).
 *
 * @param texts - every prompt (the corpus for document frequencies).
 * @param groups - member indices into `texts` per group.
 * @param keywords - terms per label. @defaultValue 3
 * @returns one label per group ('' when a group has no usable term), terms joined by ' · '.
 * @throws RangeError on a member index out of range or keywords < 1.
 * @example keywordLabels(['prove sqrt 2 irrational', 'prove sqrt 3 irrational', 'capital of France'], [[0, 1], [2]]); // ['irrational · prove · sqrt', 'capital · france']
 */
export function keywordLabels(
  texts: readonly string[],
  groups: readonly (readonly number[])[],
  keywords: number = FIRST_IMPRESSION_DEFAULTS.keywords,
): string[] {
  if (!Number.isInteger(keywords) || keywords < 1)
    throw new RangeError(`keywordLabels: keywords: expected an integer ≥ 1, received ${keywords}`);
  const terms = texts.map(
    (t) =>
      new Set(
        (t.toLowerCase().match(/[a-z][a-z'-]{2,}/g) ?? [])
          .map((w) => w.replace(/['-]+$/, ''))
          .filter((w) => w.length >= 3 && !STOP.has(w)),
      ),
  );
  const df = new Map<string, number>();
  for (const set of terms) for (const w of set) df.set(w, (df.get(w) ?? 0) + 1);
  const N = texts.length;
  return groups.map((members) => {
    const tf = new Map<string, number>();
    for (const i of members) {
      if (!Number.isInteger(i) || i < 0 || i >= N)
        throw new RangeError(`keywordLabels: member ${i} is outside 0..${N - 1}`);
      for (const w of terms[i]!) tf.set(w, (tf.get(w) ?? 0) + 1);
    }
    const minCount = members.length >= 2 ? 2 : 1;
    const scored = [...tf]
      .filter(([, c]) => c >= minCount)
      .map(([w, c]) => [w, (c / members.length) * Math.log(N / df.get(w)!)] as const)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return scored
      .slice(0, keywords)
      .map(([w]) => w)
      .sort()
      .join(' · ');
  });
}
