/**
 * Batch planning for sentence encoders: which tokenized texts run together in one padded batch.
 *
 * A batch of `rows` texts padded to its longest text (`L` tokens) costs the encoder about
 * `overhead + rows · L` token-steps: a fixed cost per run (tensor creation, the graph's per-run setup, small-batch
 * inefficiency), then work linear in the padded tokens (the linear layers; attention adds a term in L² that is
 * ≤ 11 % of the linear work at 256 tokens for MiniLM and is ignored here). Measured per-token cost also grows once
 * a batch holds more than ~1–2k padded tokens (activations no longer fit the core's cache), hence a token budget
 * per batch rather than a fixed row count.
 *
 * {@link planBatches} sorts the texts by token count (longest first, ties by input index) and cuts that order into
 * contiguous batches minimizing Σ (overhead + rows · L) under two caps, `maxRows` and `maxTokens` (padded tokens
 * rows · L; a single text longer than the budget still forms a batch of one). Contiguous cuts of the sorted order
 * are optimal for this cost (exchange argument: moving a shorter text into a batch with a longer neighbour never
 * lowers that batch's L), and the minimum is found exactly by dynamic programming over the sorted positions,
 * O(n · maxRows). With many texts of each length (a dataset) the plan is padding-free apart from a few tokens
 * where a length's group is cut by the caps; with few texts (one routeBatch) it trades a few pad tokens against
 * extra runs. The plan depends only on the lengths and the options, so every caller (in-thread encoder, worker
 * pool) that plans the same texts with the same options runs the same batches and gets the same vectors.
 *
 * Pure: no runtime, fs or network.
 */

/** Options of {@link planBatches}. */
export interface BatchPlanOptions {
  /**
   * Most texts per batch.
   * @defaultValue 32
   */
  maxRows?: number;
  /**
   * Most padded tokens (rows × longest) per batch; a text longer than this runs alone.
   * @defaultValue 512
   */
  maxTokens?: number;
  /**
   * Fixed cost of one run, in token-steps (what one extra batch costs beyond its padded tokens).
   * @defaultValue 16
   */
  runOverheadTokens?: number;
}

/**
 * Defaults of {@link BatchPlanOptions} (int8 and fp32 MiniLM on one core, measured with bench/embed.bench.mjs and
 * docs/encoder.md "Embedding throughput").
 *
 * @example
 * planBatches([12, 40, 12], { maxTokens: BATCH_PLAN_DEFAULTS.maxTokens });
 */
export const BATCH_PLAN_DEFAULTS = Object.freeze({ maxRows: 32, maxTokens: 512, runOverheadTokens: 16 });

/** A plan: batch `k` holds the texts `order[starts[k]] … order[starts[k + 1] − 1]`, longest first. */
export interface BatchPlan {
  /** Text indices, longest first (ties by index). */
  readonly order: Int32Array;
  /** Batch boundaries into `order`: `batches + 1` entries, first 0, last n. */
  readonly starts: Int32Array;
  /** Real tokens (Σ lengths). */
  readonly tokens: number;
  /** Padded tokens run (Σ rows · longest over the batches). */
  readonly paddedTokens: number;
}

function positiveInteger(name: string, value: number, fn = 'planBatches'): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${fn}: expected ${name} as a positive integer, received ${String(value)}`);
  return value;
}

/**
 * Cuts texts of the given token counts into padded batches at minimal estimated cost (see the file header).
 *
 * @param lengths - Token count of each text (special tokens included), each a positive integer.
 * @param options - See {@link BatchPlanOptions}.
 * @returns The plan: order (longest first), batch boundaries, real and padded token totals.
 * @throws RangeError on a length that is not a positive integer, or an option out of range.
 * @example
 * const plan = planBatches([5, 9, 5, 9], { maxRows: 2 });
 * // order [1, 3, 0, 2], starts [0, 2, 4]: {9, 9} and {5, 5}, no padding
 */
export function planBatches(lengths: ArrayLike<number>, options: BatchPlanOptions = {}): BatchPlan {
  const maxRows = positiveInteger('maxRows', options.maxRows ?? BATCH_PLAN_DEFAULTS.maxRows);
  const maxTokens = positiveInteger('maxTokens', options.maxTokens ?? BATCH_PLAN_DEFAULTS.maxTokens);
  const overhead = options.runOverheadTokens ?? BATCH_PLAN_DEFAULTS.runOverheadTokens;
  if (!Number.isFinite(overhead) || overhead < 0)
    throw new RangeError(`planBatches: expected runOverheadTokens ≥ 0, received ${String(overhead)}`);
  const n = lengths.length;
  let tokens = 0;
  for (let i = 0; i < n; i++) {
    const l = lengths[i]!;
    if (!Number.isInteger(l) || l < 1)
      throw new RangeError(`planBatches: expected a positive integer length at index ${i}, received ${String(l)}`);
    tokens += l;
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  // best[i]: minimal cost of the sorted suffix i … n−1; cut[i]: end of the first batch of that suffix.
  const best = new Float64Array(n + 1);
  const cut = new Int32Array(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    const longest = lengths[order[i]!]!;
    const rows = Math.min(maxRows, n - i, Math.max(1, Math.floor(maxTokens / longest)));
    let bestCost = Infinity;
    let bestEnd = i + 1;
    for (let r = 1; r <= rows; r++) {
      const cost = overhead + r * longest + best[i + r]!;
      // Among equal costs the most rows in the first batch win (deterministic; fills batches front to back).
      if (cost <= bestCost) {
        bestCost = cost;
        bestEnd = i + r;
      }
    }
    best[i] = bestCost;
    cut[i] = bestEnd;
  }
  const starts: number[] = [0];
  let paddedTokens = 0;
  for (let i = 0; i < n; i = cut[i]!) {
    paddedTokens += (cut[i]! - i) * lengths[order[i]!]!;
    starts.push(cut[i]!);
  }
  return { order, starts: Int32Array.from(starts), tokens, paddedTokens };
}

/**
 * Rows per batch for a call split over `workers` equal workers: at most `min(maxRows, ceil(n / workers))`, and
 * lowered where the token budget would otherwise leave a batch count that is not a multiple of `workers` (32
 * prompts of ~36 tokens under a 512-token budget plan 3 batches: one worker runs two of them while the other
 * idles, so the call takes 1.4× its balanced time). The result depends only on the lengths and the options, so
 * an in-thread encoder called with `batchSize` set to it plans exactly the batches a pool of `workers` runs.
 *
 * @param lengths - Token count of each text, as for {@link planBatches}.
 * @param options - `maxRows` and `maxTokens` as in {@link BatchPlanOptions}, `workers` ≥ 1.
 * @returns The `maxRows` to plan the call with.
 * @throws RangeError on a bad length or option (see {@link planBatches}) or a `workers` that is not a positive
 *   integer.
 * @example
 * balancedBatchRows(new Array(32).fill(36), { maxRows: 32, maxTokens: 512, workers: 2 }); // 8: four batches
 */
export function balancedBatchRows(
  lengths: ArrayLike<number>,
  options: { maxRows: number; maxTokens: number; workers: number },
): number {
  const workers = positiveInteger('workers', options.workers, 'balancedBatchRows');
  const n = lengths.length;
  const rows = Math.max(
    1,
    Math.min(positiveInteger('maxRows', options.maxRows, 'balancedBatchRows'), Math.ceil(n / workers)),
  );
  if (workers === 1 || n <= workers) return rows;
  const batches = planBatches(lengths, { maxRows: rows, maxTokens: options.maxTokens }).starts.length - 1;
  if (batches % workers === 0) return rows;
  // Round the batch count up to a multiple of the workers by taking fewer rows per batch; keep that only if
  // the re-plan really balances (long texts can still be cut by the token budget).
  const fewer = Math.ceil(n / (Math.ceil(batches / workers) * workers));
  if (fewer >= rows) return rows;
  const again = planBatches(lengths, { maxRows: fewer, maxTokens: options.maxTokens }).starts.length - 1;
  return again % workers === 0 ? fewer : rows;
}
