/**
 * `createEncoderPool`: an {@link Encoder} whose work runs on a small pool of worker threads, each holding its own
 * encoder session with one intra-op thread (issue #12: "routeBatch and the server path use a small pool of worker
 * threads (each a 1-thread session) when that beats intra-op threads"; embedding big datasets with "two workers,
 * length-bucketed batches").
 *
 * How a call runs (the same batches as the in-thread encoder's `embed`, so pooled rows equal in-thread rows):
 * - Texts are validated first (a non-string throws a TypeError naming its index, before any work).
 * - Tokenize: the texts are cut into one slice per worker (equal shares of characters) and tokenized in the
 *   workers, in parallel; the ids come back as one transferred Int32Array per slice.
 * - Plan: {@link planBatches} (src/encoder/batch-plan.ts) cuts the token lengths into padded batches (longest first,
 *   a token budget per batch, minimal padding plus per-run cost) with at most `min(batchSize, ceil(n / workers))`
 *   rows, lowered by {@link balancedBatchRows} until the batch count is a multiple of the pool size, so a single
 *   call of 32 prompts keeps every worker equally busy. The plan depends only on the token lengths, `batchSize`,
 *   `maxBatchTokens` and the pool size, never on timing: an in-thread encoder called with `batchSize` set to
 *   `balancedBatchRows(lengths, …)` runs exactly the same batches and returns the same vectors.
 * - Run: each batch goes to a worker as its token ids (transferred) and comes back as vectors (transferred); rows
 *   are written in input order. Batches of all calls wait in one FIFO queue; while the queue holds at least one
 *   batch per worker, each worker is sent its next batch before it answers the current one, so it never idles
 *   for a round trip through this thread.
 * - One text skips the tokenize round trip (tokenized and run in one request; one text is one batch anyway).
 *
 * Errors, abort, dispose:
 * - A request that fails in its worker rejects its call with the worker's error (a FineRouterError keeps its code);
 *   the call's batches still queued are dropped, the pool stays usable.
 * - An aborted `signal` rejects the call with ABORTED at once; its queued batches are dropped, those already
 *   sent to a worker (at most two per worker) finish there and are discarded.
 * - A worker that exits unexpectedly rejects the calls whose requests it held (MODEL_INVALID) and is not replaced;
 *   when none is left, calls reject with DISPOSED.
 * - `dispose()` rejects queued batches (DISPOSED), waits for those sent to workers, then terminates the workers.
 *
 * int8 note: with `precision: 'int8'` a vector depends slightly on its batch (the activation scale is per batch
 * tensor, docs/encoder.md), so pool vectors equal those of a single encoder only up to that tolerance; fp32
 * vectors match to cosine ≥ 0.99999.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FineRouterError } from '../../errors.js';
import type { FineRouterErrorCode } from '../../errors.js';
import { balancedBatchRows, planBatches } from '../../encoder/batch-plan.js';
import { assertTexts, batchLimits } from '../../encoder/sentence-encoder.js';
import type { EmbedOptions, Encoder } from '../../encoder/types.js';
import { miniLmGraphBytes } from './minilm.js';
import type { MiniLmEncoderOptions, OnnxSentenceEncoderOptions } from './minilm.js';
import type { SerializedError, WorkerRequest } from './encoder-worker.js';

/** The encoder each worker loads: the embedded MiniLM or any ONNX sentence encoder (file paths or bytes). */
export type WorkerEncoderSpec =
  | ({ kind: 'minilm' } & Omit<MiniLmEncoderOptions, 'runtime'>)
  | ({ kind: 'onnx' } & Omit<OnnxSentenceEncoderOptions, 'runtime'>);

/** Options of {@link createEncoderPool}. */
export interface EncoderPoolOptions {
  /**
   * Worker threads, each with its own session.
   * @defaultValue min(2, os.availableParallelism())
   */
  workers?: number;
  /**
   * What each worker loads; `intraOpNumThreads` defaults to 1 inside the workers.
   * @defaultValue { kind: 'minilm' } (all-MiniLM-L6-v2, fp32)
   */
  encoder?: WorkerEncoderSpec;
  /**
   * Path of the worker script; by default dist/encoder-worker.js (.cjs under require) of this package.
   * @defaultValue undefined
   */
  workerScript?: string;
}

/** An {@link Encoder} backed by worker threads. */
export interface EncoderPool extends Encoder {
  /** Live workers. */
  readonly workers: number;
}

/**
 * Defaults of {@link EncoderPoolOptions}.
 *
 * @example
 * const pool = await createEncoderPool({ maxWorkers: ENCODER_POOL_DEFAULTS.maxWorkers });
 */
export const ENCODER_POOL_DEFAULTS = Object.freeze({ maxWorkers: 2 });

interface Call {
  readonly out: Float32Array;
  remaining: number;
  settled: boolean;
  readonly resolve: (vectors: Float32Array) => void;
  readonly reject: (error: unknown) => void;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
  done: number;
  readonly total: number;
  readonly cleanup: () => void;
}

/** A request waiting for (or held by) a worker: what to send, and which rows of its call it answers. */
interface Job {
  readonly call: Call;
  readonly request: WorkerRequest;
  readonly transfer: ArrayBuffer[];
  /** Output rows of a run/embed request (input indices, in the batch's order); a tokenize request's first text. */
  readonly rows: Int32Array;
  /** Tokenize requests: called with the ids and lengths. */
  readonly onTokens?: (ids: Int32Array, lengths: Int32Array) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Requests sent and not yet answered, by job number (answered in the order sent). */
  readonly held: Map<number, Job>;
  alive: boolean;
}

/** Requests a worker may hold at once: the one it runs and the next (no idle round trip between batches). */
const DEPTH = 2;

function moduleFile(): string {
  if (typeof __filename === 'string' && isAbsolute(__filename)) return __filename;
  const url =
    typeof import.meta === 'object' && import.meta !== null ? (import.meta as { url?: unknown }).url : undefined;
  if (typeof url === 'string' && url.startsWith('file:')) return fileURLToPath(url);
  return join(process.cwd(), 'index.js');
}

/** dist/encoder-worker.{js,cjs} next to this module in the build, else found above a source checkout. */
function defaultWorkerScript(): string {
  const here = moduleFile();
  const ext = here.endsWith('.cjs') ? '.cjs' : '.js';
  const sibling = join(dirname(here), `encoder-worker${ext}`);
  if (existsSync(sibling)) return sibling;
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const built = join(dir, 'dist', 'encoder-worker.js');
    if (existsSync(built)) return built;
    if (dirname(dir) === dir) break;
  }
  throw new FineRouterError(
    'RUNTIME_MISSING',
    'createEncoderPool: dist/encoder-worker.js not found; build the package first (npm run build)',
  );
}

function revive(error: SerializedError): Error {
  if (error.code !== undefined)
    return new FineRouterError(error.code as FineRouterErrorCode, `encoder worker: ${error.message}`);
  if (error.name === 'TypeError') return new TypeError(error.message);
  if (error.name === 'RangeError') return new RangeError(error.message);
  return new FineRouterError('MODEL_INVALID', `encoder worker: ${error.message}`);
}

function invalid(message: string): FineRouterError {
  return new FineRouterError('INVALID_ARGUMENT', message);
}

/**
 * Starts worker threads that each load the given encoder, and returns one {@link Encoder} over all of them.
 *
 * @param options - See {@link EncoderPoolOptions}.
 * @returns the pool, once every worker has loaded its encoder.
 * @throws FineRouterError INVALID_ARGUMENT (bad options), or the first worker's load error (MODEL_INVALID,
 *   TOKENIZER_INVALID, RUNTIME_MISSING, …; all workers are then terminated).
 * @example
 * ```ts
 * import { createEncoderPool, loadFineRouter } from 'finerouter/node';
 * const encoder = await createEncoderPool({ workers: 2, encoder: { kind: 'minilm', precision: 'int8' } });
 * const vectors = await encoder.embed(texts); // both cores, rows in input order
 * const router = await loadFineRouter(dir, { encoder }); // routeBatch now embeds on the pool
 * await encoder.dispose();
 * ```
 */
export async function createEncoderPool(options: EncoderPoolOptions = {}): Promise<EncoderPool> {
  if (typeof options !== 'object' || options === null) throw invalid('createEncoderPool: options must be an object');
  const count = options.workers ?? Math.max(1, Math.min(ENCODER_POOL_DEFAULTS.maxWorkers, availableParallelism()));
  if (!Number.isInteger(count) || count < 1)
    throw invalid(`createEncoderPool: workers: expected an integer ≥ 1, received ${String(count)}`);
  const spec: WorkerEncoderSpec = options.encoder ?? { kind: 'minilm' };
  if (spec === null || typeof spec !== 'object' || (spec.kind !== 'minilm' && spec.kind !== 'onnx'))
    throw invalid(`createEncoderPool: encoder.kind: expected 'minilm' or 'onnx'`);
  const script = options.workerScript ?? defaultWorkerScript();

  const slots: Slot[] = [];
  const queue: Job[] = [];
  let disposed = false;
  let id = '';
  let dimension = 0;
  let jobs = 0;
  const idleWaiters: (() => void)[] = [];

  const fail = (call: Call, error: unknown): void => {
    if (call.settled) return;
    call.settled = true;
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.call === call) queue.splice(i, 1);
    call.cleanup();
    call.reject(error);
  };

  const send = (slot: Slot, job: Job): void => {
    const number = ++jobs;
    slot.held.set(number, job);
    slot.worker.ref();
    slot.worker.postMessage({ ...job.request, job: number }, job.transfer);
  };

  const pump = (): void => {
    const live = slots.filter((s) => s.alive);
    // First every idle worker takes one request; a second one each only while there is enough work for all.
    for (const slot of live) {
      if (slot.held.size > 0) continue;
      const job = queue.shift();
      if (job === undefined) break;
      send(slot, job);
    }
    for (let depth = 2; depth <= DEPTH; depth++) {
      for (const slot of live) {
        if (queue.length < live.length) break;
        if (slot.held.size < depth) send(slot, queue.shift()!);
      }
    }
    if (slots.every((s) => s.held.size === 0)) idleWaiters.splice(0).forEach((w) => w());
  };

  const settleRows = (job: Job, vectors: Float32Array): void => {
    const { call, rows } = job;
    if (call.settled) return;
    if (vectors.length !== rows.length * dimension) {
      fail(
        call,
        new FineRouterError(
          'MODEL_INVALID',
          `encoder pool: a worker returned ${vectors.length} values for ${rows.length} texts of ${dimension} dims`,
        ),
      );
      return;
    }
    for (let k = 0; k < rows.length; k++)
      call.out.set(vectors.subarray(k * dimension, (k + 1) * dimension), rows[k]! * dimension);
    call.done += rows.length;
    try {
      call.onProgress?.(call.done, call.total);
    } catch (error) {
      // A throwing progress callback fails its own call, never the pool (this runs in a worker event).
      fail(call, error);
    }
    if (--call.remaining === 0 && !call.settled) {
      call.settled = true;
      call.cleanup();
      call.resolve(call.out);
    }
  };

  const onMessage = (
    slot: Slot,
    message: {
      type: string;
      job?: number;
      vectors?: Float32Array;
      ids?: Int32Array;
      lengths?: Int32Array;
      error?: SerializedError;
    },
  ): void => {
    const job = message.job === undefined ? undefined : slot.held.get(message.job);
    if (job === undefined) return;
    slot.held.delete(message.job!);
    if (slot.held.size === 0) slot.worker.unref(); // an idle worker never keeps the process alive
    if (message.type === 'done' && message.vectors !== undefined) settleRows(job, message.vectors);
    else if (message.type === 'tokens' && message.ids !== undefined && message.lengths !== undefined) {
      if (!job.call.settled) {
        try {
          job.onTokens?.(message.ids, message.lengths);
        } catch (error) {
          fail(job.call, error);
        }
      }
    } else fail(job.call, revive(message.error ?? { name: 'Error', code: undefined, message: 'unknown worker error' }));
    pump();
  };

  const onExit = (slot: Slot, reason: string): void => {
    if (!slot.alive) return;
    slot.alive = false;
    const held = [...slot.held.values()];
    slot.held.clear();
    slot.worker.unref();
    for (const job of held)
      fail(job.call, new FineRouterError('MODEL_INVALID', `encoder pool: a worker stopped (${reason})`));
    if (!slots.some((s) => s.alive)) {
      for (const c of queue.splice(0)) fail(c.call, new FineRouterError('DISPOSED', 'encoder pool: no worker is left'));
    }
    pump();
  };

  // The embedded MiniLM's graph is built (or read from cacheDir) once, here, while the workers start; each worker
  // gets it through one SharedArrayBuffer instead of reading and hashing the weights itself.
  const graphFollows = spec.kind === 'minilm' && spec.graph === undefined;
  const graph = graphFollows ? miniLmGraphBytes(spec) : undefined;
  graph?.catch(() => undefined); // awaited below; a rejection before that is not unhandled
  const workersStarted: Worker[] = [];
  // Start all workers; each answers 'ready' or 'failed' once.
  const startedAll = Promise.allSettled(
    Array.from(
      { length: count },
      () =>
        new Promise<{ slot: Slot; id: string; dimension: number }>((resolve, reject) => {
          // Workers inherit the parent's node flags, except `--input-type` (only valid with -e/--eval).
          const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
          const worker = new Worker(script, { workerData: { spec, graphFollows }, execArgv });
          workersStarted.push(worker);
          const slot: Slot = { worker, held: new Map(), alive: true };
          const early = (e: unknown): void =>
            reject(
              e instanceof Error
                ? new FineRouterError('RUNTIME_MISSING', `encoder pool: a worker failed to start: ${e.message}`, {
                    cause: e,
                  })
                : e,
            );
          worker.once('error', early);
          worker.once('message', (m: { type: string; id?: string; dimension?: number; error?: SerializedError }) => {
            worker.off('error', early);
            if (m.type === 'ready') resolve({ slot, id: m.id!, dimension: m.dimension! });
            else reject(revive(m.error ?? { name: 'Error', code: undefined, message: 'worker failed to load' }));
          });
        }),
    ),
  );
  if (graph !== undefined) {
    try {
      const bytes = await graph;
      const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
      shared.set(bytes);
      for (const worker of workersStarted) worker.postMessage({ type: 'graph', graph: shared });
    } catch (error) {
      await Promise.all(workersStarted.map((w) => w.terminate()));
      throw error;
    }
  }
  const started = await startedAll;
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const ok = started.filter(
    (s): s is PromiseFulfilledResult<{ slot: Slot; id: string; dimension: number }> => s.status === 'fulfilled',
  );
  if (failure !== undefined) {
    await Promise.all(ok.map((s) => s.value.slot.worker.terminate()));
    throw failure.reason;
  }
  id = ok[0]!.value.id;
  dimension = ok[0]!.value.dimension;
  for (const { value } of ok) {
    const slot = value.slot;
    slots.push(slot);
    slot.worker.on('message', (m) => onMessage(slot, m));
    slot.worker.on('error', (e: Error) => onExit(slot, e.message));
    slot.worker.on('exit', (code: number) => onExit(slot, `exit code ${code}`));
    slot.worker.unref();
  }

  return {
    id,
    dimension,
    get workers() {
      return slots.filter((s) => s.alive).length;
    },
    async embed(texts: readonly string[], embedOptions: EmbedOptions = {}): Promise<Float32Array> {
      assertTexts(texts, 'embed');
      const limits = batchLimits(embedOptions);
      if (disposed) throw new FineRouterError('DISPOSED', 'embed: the encoder pool was disposed');
      const { signal } = embedOptions;
      if (signal?.aborted) throw new FineRouterError('ABORTED', 'embed: aborted', { cause: signal.reason });
      const live = slots.filter((s) => s.alive).length;
      if (live === 0) throw new FineRouterError('DISPOSED', 'encoder pool: no worker is left');
      const n = texts.length;
      if (n === 0) return new Float32Array(0);
      const maxRows = Math.min(limits.maxRows, Math.ceil(n / count));
      return new Promise<Float32Array>((resolve, reject) => {
        const onAbort = (): void =>
          fail(call, new FineRouterError('ABORTED', 'embed: aborted', { cause: signal?.reason }));
        const call: Call = {
          out: new Float32Array(n * dimension),
          remaining: Infinity, // set once the batches are planned
          settled: false,
          resolve,
          reject,
          onProgress: embedOptions.onProgress,
          done: 0,
          total: n,
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        if (n === 1) {
          call.remaining = 1;
          queue.push({
            call,
            request: { type: 'embed', job: 0, texts: [texts[0]!] },
            transfer: [],
            rows: Int32Array.of(0),
          });
          pump();
          return;
        }
        // Tokenize in the workers: one slice per live worker, about equal shares of characters.
        let chars = 0;
        for (const t of texts) chars += t.length + 1;
        const bounds: number[] = [0];
        for (let i = 0, acc = 0; i + 1 < n && bounds.length < live; i++) {
          acc += texts[i]!.length + 1;
          if (acc * live >= chars * bounds.length) bounds.push(i + 1);
        }
        bounds.push(n);
        const slices = bounds.length - 1;
        const ids = new Array<Int32Array>(slices);
        const lengthsOf = new Array<Int32Array>(slices);
        let waiting = slices;
        const planned = (): void => {
          if (disposed) {
            fail(call, new FineRouterError('DISPOSED', 'embed: the encoder pool was disposed'));
            return;
          }
          const lengths = new Int32Array(n);
          const offsets = new Int32Array(n); // offset of each text's ids inside its slice's array
          const sliceOf = new Int32Array(n);
          for (let s = 0; s < slices; s++) {
            for (let i = bounds[s]!, at = 0; i < bounds[s + 1]!; i++) {
              lengths[i] = lengthsOf[s]![i - bounds[s]!]!;
              offsets[i] = at;
              sliceOf[i] = s;
              at += lengths[i]!;
            }
          }
          const rowsPerBatch = balancedBatchRows(lengths, { maxRows, maxTokens: limits.maxTokens, workers: count });
          const { order, starts } = planBatches(lengths, { maxRows: rowsPerBatch, maxTokens: limits.maxTokens });
          call.remaining = starts.length - 1;
          for (let k = 0; k + 1 < starts.length; k++) {
            const rows = order.slice(starts[k]!, starts[k + 1]!);
            const batchLengths = Int32Array.from(rows, (i) => lengths[i]!);
            const batchIds = new Int32Array(batchLengths.reduce((a, b) => a + b, 0));
            for (let r = 0, at = 0; r < rows.length; at += batchLengths[r]!, r++) {
              const i = rows[r]!;
              batchIds.set(ids[sliceOf[i]!]!.subarray(offsets[i]!, offsets[i]! + lengths[i]!), at);
            }
            queue.push({
              call,
              request: { type: 'run', job: 0, ids: batchIds, lengths: batchLengths },
              transfer: [batchIds.buffer, batchLengths.buffer],
              rows,
            });
          }
        };
        for (let s = 0; s < slices; s++) {
          queue.push({
            call,
            request: { type: 'tokenize', job: 0, texts: texts.slice(bounds[s]!, bounds[s + 1]!) },
            transfer: [],
            rows: Int32Array.of(bounds[s]!),
            onTokens: (sliceIds, sliceLengths) => {
              if (sliceLengths.length !== bounds[s + 1]! - bounds[s]!)
                throw new FineRouterError(
                  'MODEL_INVALID',
                  'encoder pool: a worker tokenized the wrong number of texts',
                );
              ids[s] = sliceIds;
              lengthsOf[s] = sliceLengths;
              if (--waiting === 0) planned();
            },
          });
        }
        pump();
      });
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      for (const c of queue.splice(0))
        fail(c.call, new FineRouterError('DISPOSED', 'embed: the encoder pool was disposed'));
      if (slots.some((s) => s.alive && s.held.size > 0)) await new Promise<void>((r) => idleWaiters.push(r));
      for (const s of slots) s.alive = false;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
