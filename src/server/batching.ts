/**
 * Micro-batching of the encoder for the routing server: concurrent requests share one `encoder.embed` call.
 * The encoder dominates routing cost and runs several prompts per call for much less CPU per prompt than one at a
 * time (docs/router.md: `routeBatch` 167 vs ~61 prompts per CPU-second); the heads then run per request with that
 * request's own options through `routeEmbeddings`, so decisions equal `router.route(messages, options)` exactly
 * (same input text, same embedding up to the encoder's batch invariance, checked in the tests).
 *
 * No added wait: a batch starts as soon as the encoder is idle, with whatever is queued (at most `maxBatch`); at
 * low load every batch has one prompt. An encoder on a worker pool (`createEncoderPool`, its `workers` count) runs
 * that many batches at once. A request's abort signal is checked before and after its batch (one client
 * cannot abort the others' shared encoder call).
 */
import { FineRouterError } from '../errors.js';
import type { Encoder } from '../encoder/types.js';
import { routerInputFromMessages } from '../router/messages.js';
import type { ChatMessage } from '../router/messages.js';
import type { RouteOptions, RouteResult } from '../router/router.js';

/** What batching needs of a router (a `FineRouter` has it). */
export interface BatchableRouter {
  readonly encoder: Encoder;
  routeEmbeddings(embeddings: Float32Array, options?: RouteOptions): Promise<RouteResult[]>;
}

/** Prompts per encoder run inside a batch (the batch is sorted by length first). */
const ENCODER_CHUNK = 4;

interface Pending {
  text: string;
  resolve: (row: Float32Array) => void;
  reject: (error: unknown) => void;
}

/**
 * Wraps a router's `route` so that concurrent calls share encoder calls.
 *
 * @param router - a router with `encoder` and `routeEmbeddings`.
 * @param maxBatch - most prompts per encoder call. @defaultValue 16
 * @returns a `route(prompt | messages, options)` function.
 * @throws RangeError when maxBatch < 1.
 * @example const route = batchingRoute(router); await route([{ role: 'user', content: 'hi' }], { tolerance: 0.1 });
 */
export function batchingRoute(
  router: BatchableRouter,
  maxBatch = 16,
): (prompt: string | readonly ChatMessage[], options?: RouteOptions) => Promise<RouteResult> {
  if (!Number.isInteger(maxBatch) || maxBatch < 1)
    throw new RangeError(`batchingRoute: maxBatch: expected an integer ≥ 1, received ${maxBatch}`);
  const queue: Pending[] = [];
  // An encoder on a worker pool (createEncoderPool) runs one batch per worker at a time; others one in all.
  const workers = (router.encoder as { readonly workers?: unknown }).workers;
  const parallel = typeof workers === 'number' && Number.isInteger(workers) && workers > 1 ? workers : 1;
  let running = 0;
  const D = router.encoder.dimension;

  const pump = (): void => {
    if (running >= parallel || queue.length === 0) return;
    running++;
    const batch = queue.splice(0, maxBatch);
    // Sorted by length and embedded in sub-batches of ENCODER_CHUNK, so short prompts are not padded to long ones.
    const order = batch.map((_, k) => k).sort((a, b) => batch[a]!.text.length - batch[b]!.text.length);
    router.encoder
      .embed(
        order.map((k) => batch[k]!.text),
        { batchSize: ENCODER_CHUNK },
      )
      .then((rows) => {
        if (rows.length !== batch.length * D)
          throw new FineRouterError(
            'DIMENSION_MISMATCH',
            `batchingRoute: the encoder returned ${rows.length} values for ${batch.length} prompts of ${D} dimensions`,
          );
        order.forEach((k, r) => batch[k]!.resolve(rows.slice(r * D, (r + 1) * D)));
      })
      .catch((error: unknown) => batch.forEach((p) => p.reject(error)))
      .finally(() => {
        running--;
        pump();
      });
  };

  return async (prompt, options = {}) => {
    let text: string;
    if (typeof prompt === 'string') text = prompt;
    else {
      try {
        text = routerInputFromMessages(prompt, options.messages ?? {});
      } catch (cause) {
        throw new FineRouterError('INVALID_ARGUMENT', `FineRouter.route: messages: ${(cause as Error).message}`, {
          cause,
        });
      }
    }
    const { signal } = options;
    if (signal?.aborted) throw new FineRouterError('ABORTED', 'FineRouter.route: aborted', { cause: signal.reason });
    const row = await new Promise<Float32Array>((resolve, reject) => {
      queue.push({ text, resolve, reject });
      pump();
    });
    const [result] = await router.routeEmbeddings(row, options);
    return result!;
  };
}
