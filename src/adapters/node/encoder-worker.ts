/**
 * The worker-thread side of {@link createEncoderPool} (./encoder-pool.ts): loads one encoder (by default with one
 * intra-op thread) and answers embed requests one at a time. Built as its own entry (dist/encoder-worker.js and
 * .cjs) so the pool can start it by path; it is not part of the API.
 *
 * Protocol (structured clone over the worker port; typed arrays' buffers are transferred, never copied). Requests
 * are answered one at a time in arrival order (the pool may send the next one before this one is answered, so the
 * worker never waits for a round trip between batches):
 *   in:  { type: 'tokenize', job, texts }          out: { type: 'tokens', job, ids, lengths } (ids concatenated)
 *   in:  { type: 'run', job, ids, lengths }        out: { type: 'done', job, vectors } (one padded batch, rows in order)
 *   in:  { type: 'embed', job, texts }             out: { type: 'done', job, vectors } (tokenize + one batch)
 *   any request may instead answer                 { type: 'error', job, error: { name, code, message } }
 *   at start (workerData = { spec, graphFollows }): with graphFollows, in: { type: 'graph', graph } (the built MiniLM
 *                                                  graph in a SharedArrayBuffer, sent once);
 *                                                  out: { type: 'ready', id, dimension } or { type: 'failed', error }
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { asTokenEncoder } from '../../encoder/sentence-encoder.js';
import type { TokenEncoder } from '../../encoder/sentence-encoder.js';
import type { Encoder } from '../../encoder/types.js';
import { FineRouterError } from '../../errors.js';
import { loadMiniLmEncoder, loadOnnxSentenceEncoder } from './minilm.js';
import type { WorkerEncoderSpec } from './encoder-pool.js';

/** An error as it crosses the worker boundary. */
export interface SerializedError {
  name: string;
  code: string | undefined;
  message: string;
}

function serialize(e: unknown): SerializedError {
  const error = e instanceof Error ? e : new Error(String(e));
  const code = (error as { code?: unknown }).code;
  return { name: error.name, code: typeof code === 'string' ? code : undefined, message: error.message };
}

async function load(spec: WorkerEncoderSpec): Promise<TokenEncoder> {
  let encoder: Encoder;
  if (spec.kind === 'onnx') {
    const { kind: _kind, ...options } = spec;
    encoder = await loadOnnxSentenceEncoder({ intraOpNumThreads: 1, ...options });
  } else {
    const { kind: _kind, ...options } = spec;
    encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1, ...options });
  }
  const tokens = asTokenEncoder(encoder);
  if (tokens === undefined) {
    await encoder.dispose();
    throw new FineRouterError('MODEL_INVALID', 'encoder worker: the loaded encoder cannot tokenize separately');
  }
  return tokens;
}

/** A request from the pool. */
export type WorkerRequest =
  | { type: 'tokenize'; job: number; texts: string[] }
  | { type: 'run'; job: number; ids: Int32Array; lengths: Int32Array }
  | { type: 'embed'; job: number; texts: string[] };

/** Splits concatenated ids into one view per sequence. */
function split(ids: Int32Array, lengths: Int32Array): Int32Array[] {
  const out: Int32Array[] = [];
  for (let i = 0, at = 0; i < lengths.length; at += lengths[i]!, i++) out.push(ids.subarray(at, at + lengths[i]!));
  return out;
}

async function answer(encoder: TokenEncoder, port: NonNullable<typeof parentPort>, m: WorkerRequest): Promise<void> {
  if (m.type === 'tokenize') {
    const sequences = encoder.tokenize(m.texts);
    const lengths = Int32Array.from(sequences, (s) => s.length);
    const ids = new Int32Array(lengths.reduce((a, b) => a + b, 0));
    for (let i = 0, at = 0; i < sequences.length; at += lengths[i]!, i++) ids.set(sequences[i]!, at);
    port.postMessage({ type: 'tokens', job: m.job, ids, lengths }, [ids.buffer, lengths.buffer]);
    return;
  }
  const sequences = m.type === 'run' ? split(m.ids, m.lengths) : encoder.tokenize(m.texts);
  const vectors = await encoder.embedBatch(sequences);
  port.postMessage({ type: 'done', job: m.job, vectors }, [vectors.buffer as ArrayBuffer]);
}

async function main(): Promise<void> {
  const port = parentPort;
  if (isMainThread || port === null) return;
  const { spec, graphFollows } = workerData as { spec: WorkerEncoderSpec; graphFollows: boolean };
  let encoder: TokenEncoder;
  try {
    let graph: Uint8Array | undefined;
    if (graphFollows) {
      // The pool sends the built MiniLM graph (a SharedArrayBuffer) once it has it; meanwhile load onnxruntime.
      const runtime = import('onnxruntime-node').catch(() => undefined);
      const shared = await new Promise<Uint8Array>((resolve) =>
        port.once('message', (m: { graph: Uint8Array }) => resolve(m.graph)),
      );
      graph = new Uint8Array(shared); // a private copy: onnxruntime-node does not take shared memory
      await runtime;
    }
    encoder = await load(spec.kind === 'minilm' && graph !== undefined ? { ...spec, graph } : spec);
  } catch (e) {
    port.postMessage({ type: 'failed', error: serialize(e) });
    return;
  }
  // One request at a time, in arrival order; later ones wait here, already delivered (no round trip in between).
  const pending: WorkerRequest[] = [];
  let draining = false;
  const drain = async (): Promise<void> => {
    draining = true;
    for (let m = pending.shift(); m !== undefined; m = pending.shift()) {
      try {
        await answer(encoder, port, m);
      } catch (e) {
        port.postMessage({ type: 'error', job: m.job, error: serialize(e) });
      }
    }
    draining = false;
  };
  port.on('message', (message: WorkerRequest) => {
    if (message.type !== 'tokenize' && message.type !== 'run' && message.type !== 'embed') return;
    pending.push(message);
    if (!draining) void drain();
  });
  port.postMessage({ type: 'ready', id: encoder.id, dimension: encoder.dimension });
}

void main();
