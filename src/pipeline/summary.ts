/**
 * Held-out figures of a trained router next to the two reference points every report shows (paper Sect. 4.1):
 * the best single model (chosen on the training records) and the per-prompt oracle. Observed quality of a
 * pick is the record's score for that model, 0 where the record has none (the convention of `finerouter demo`
 * since its first version). For the full evaluation with intervals use src/eval (`finerouter eval`).
 */
import type { RoutingRecord } from '../data/types.js';

/** Mean observed quality and mean cost of a set of picks. */
export interface PickSummary {
  /** Mean observed quality of the chosen models. */
  quality: number;
  /** Mean cost per query of the chosen models (0 for a model without a cost). */
  cost: number;
}

/** Result of {@link compareWithReferences}. */
export interface ReferenceComparison {
  /** The routed picks. */
  routed: PickSummary;
  /** The model with the best mean training score, and its held-out figures. */
  bestSingle: { model: string } & PickSummary;
  /** Mean over records of the best observed score. */
  oracle: number;
}

/**
 * Summarizes routed picks and compares them with the best single model and the oracle.
 *
 * @param trainRecords - records the best single model is chosen on (training mean, missing scores count 0).
 * @param records - held-out records, in the order of `picks`.
 * @param picks - the chosen model id per held-out record.
 * @param costs - cost per query by model id (null or absent: 0).
 * @returns routed, best-single and oracle figures.
 * @throws RangeError when `picks` and `records` differ in length or there is no record.
 * @example
 * const routes = await router.routeEmbeddings(testEmbeddings);
 * compareWithReferences(train, test, routes.map((r) => r.model), { a: 0.001, b: 0.01 });
 */
export function compareWithReferences(
  trainRecords: readonly RoutingRecord[],
  records: readonly RoutingRecord[],
  picks: readonly string[],
  costs: Readonly<Record<string, number | null>>,
): ReferenceComparison {
  if (records.length === 0 || picks.length !== records.length) {
    throw new RangeError(
      `compareWithReferences: expected one pick per record (${records.length}), received ${picks.length}`,
    );
  }
  const summarize = (choose: (record: RoutingRecord, i: number) => string): PickSummary => {
    let quality = 0;
    let cost = 0;
    records.forEach((r, i) => {
      const model = choose(r, i);
      quality += r.scores[model] ?? 0;
      cost += costs[model] ?? 0;
    });
    return { quality: quality / records.length, cost: cost / records.length };
  };
  const models = Object.keys(costs);
  const means = models.map(
    (id) => trainRecords.reduce((s, r) => s + (r.scores[id] ?? 0), 0) / Math.max(1, trainRecords.length),
  );
  const single = models[means.indexOf(Math.max(...means))]!;
  const oracle = records.reduce((s, r) => s + Math.max(...Object.values(r.scores)), 0) / records.length;
  return { routed: summarize((_, i) => picks[i]!), bestSingle: { model: single, ...summarize(() => single) }, oracle };
}
