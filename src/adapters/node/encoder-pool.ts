/**
 * `createEncoderPool`: an {@link Encoder} whose work runs on a small pool of worker threads, each holding its own
 * encoder session with one intra-op thread (issue #12: "routeBatch and the server path use a small pool of worker
 * threads (each a 1-thread session) when that beats intra-op threads"; embedding big datasets with "two workers,
 * length-bucketed batches").
 *
 * How a call is split:
 * - Texts are validated first (a non-string throws a TypeError naming its index, before any work).
 * - They are sorted by character length (longest first, ties by input index; a cheap stand-in for the token count,
 *   which the worker's encoder then sorts by exactly), and cut into chunks of
 *   `min(batchSize, ceil(n / workers))` texts, so a single call of 32 prompts still keeps every worker busy.
 * - Chunks wait in one FIFO queue shared by all calls; each idle worker takes the next chunk and embeds it as one
 *   padded batch. Rows are written back in input order. The chunks depend only on the texts and `batchSize`,
 *   never on timing or which worker runs them, so the same call returns the same vectors every time.
 *
 * Errors, abort, dispose:
 * - A chunk that fails in its worker rejects its call with the worker's error (a FineRouterError keeps its code);
 *   the call's chunks still queued are dropped, the pool stays usable.
 * - An aborted `signal` rejects the call with ABORTED at once; its queued chunks are dropped, chunks already
 *   running finish in their workers and are discarded.
 * - A worker that exits unexpectedly rejects the call whose chunk it held (MODEL_INVALID) and is not replaced;
 *   when none is left, calls reject with DISPOSED.
 * - `dispose()` rejects queued chunks (DISPOSED), waits for running ones, then terminates the workers.
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
import { assertTexts, EMBED_DEFAULTS } from '../../encoder/sentence-encoder.js';
import type { EmbedOptions, Encoder } from '../../encoder/types.js';
import type { MiniLmEncoderOptions, OnnxSentenceEncoderOptions } from './minilm.js';
import type { SerializedError } from './encoder-worker.js';

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

interface Chunk {
  readonly call: Call;
  readonly rows: readonly number[];
  readonly texts: string[];
}

interface Slot {
  readonly worker: Worker;
  busy: Chunk | undefined;
  job: number;
  alive: boolean;
}

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
  const queue: Chunk[] = [];
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

  const pump = (): void => {
    for (const slot of slots) {
      if (!slot.alive || slot.busy !== undefined) continue;
      const chunk = queue.shift();
      if (chunk === undefined) break;
      slot.busy = chunk;
      slot.job = ++jobs;
      slot.worker.ref();
      slot.worker.postMessage({ type: 'embed', job: slot.job, texts: chunk.texts });
    }
    if (slots.every((s) => s.busy === undefined)) idleWaiters.splice(0).forEach((w) => w());
  };

  const finished = (slot: Slot): Chunk | undefined => {
    const chunk = slot.busy;
    slot.busy = undefined;
    // An idle worker does not keep the process alive (a forgotten dispose() never hangs a script).
    slot.worker.unref();
    return chunk;
  };

  const onMessage = (
    slot: Slot,
    message: { type: string; job?: number; vectors?: Float32Array; error?: SerializedError },
  ): void => {
    if (message.job !== slot.job || slot.busy === undefined) return;
    const chunk = finished(slot)!;
    const { call } = chunk;
    if (message.type === 'done' && message.vectors !== undefined) {
      const v = message.vectors;
      if (!call.settled) {
        if (v.length !== chunk.rows.length * dimension) {
          fail(
            call,
            new FineRouterError(
              'MODEL_INVALID',
              `encoder pool: a worker returned ${v.length} values for ${chunk.rows.length} texts of ${dimension} dims`,
            ),
          );
        } else {
          chunk.rows.forEach((row, k) => call.out.set(v.subarray(k * dimension, (k + 1) * dimension), row * dimension));
          call.done += chunk.rows.length;
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
        }
      }
    } else {
      fail(call, revive(message.error ?? { name: 'Error', code: undefined, message: 'unknown worker error' }));
    }
    pump();
  };

  const onExit = (slot: Slot, reason: string): void => {
    if (!slot.alive) return;
    slot.alive = false;
    const chunk = finished(slot);
    if (chunk !== undefined)
      fail(chunk.call, new FineRouterError('MODEL_INVALID', `encoder pool: a worker stopped (${reason})`));
    if (!slots.some((s) => s.alive)) {
      for (const c of queue.splice(0)) fail(c.call, new FineRouterError('DISPOSED', 'encoder pool: no worker is left'));
    }
    pump();
  };

  // Start all workers; each answers 'ready' or 'failed' once.
  const started = await Promise.allSettled(
    Array.from(
      { length: count },
      () =>
        new Promise<{ slot: Slot; id: string; dimension: number }>((resolve, reject) => {
          // Workers inherit the parent's node flags, except `--input-type` (only valid with -e/--eval).
          const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
          const worker = new Worker(script, { workerData: { spec }, execArgv });
          const slot: Slot = { worker, busy: undefined, job: 0, alive: true };
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
      const batchSize = embedOptions.batchSize ?? EMBED_DEFAULTS.batchSize;
      if (!Number.isInteger(batchSize) || batchSize < 1)
        throw new RangeError(`embed: expected batchSize as a positive integer, received ${batchSize}`);
      if (disposed) throw new FineRouterError('DISPOSED', 'embed: the encoder pool was disposed');
      const { signal } = embedOptions;
      if (signal?.aborted) throw new FineRouterError('ABORTED', 'embed: aborted', { cause: signal.reason });
      const live = slots.filter((s) => s.alive).length;
      if (live === 0) throw new FineRouterError('DISPOSED', 'encoder pool: no worker is left');
      const n = texts.length;
      if (n === 0) return new Float32Array(0);
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => texts[b]!.length - texts[a]!.length || a - b);
      const size = Math.max(1, Math.min(batchSize, Math.ceil(n / live)));
      return new Promise<Float32Array>((resolve, reject) => {
        const onAbort = (): void =>
          fail(call, new FineRouterError('ABORTED', 'embed: aborted', { cause: signal?.reason }));
        const call: Call = {
          out: new Float32Array(n * dimension),
          remaining: Math.ceil(n / size),
          settled: false,
          resolve,
          reject,
          onProgress: embedOptions.onProgress,
          done: 0,
          total: n,
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        for (let start = 0; start < n; start += size) {
          const rows = order.slice(start, start + size);
          queue.push({ call, rows, texts: rows.map((i) => texts[i]!) });
        }
        pump();
      });
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      for (const c of queue.splice(0))
        fail(c.call, new FineRouterError('DISPOSED', 'embed: the encoder pool was disposed'));
      if (slots.some((s) => s.alive && s.busy !== undefined)) await new Promise<void>((r) => idleWaiters.push(r));
      for (const s of slots) s.alive = false;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
