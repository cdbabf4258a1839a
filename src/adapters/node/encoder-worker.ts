/**
 * The worker-thread side of {@link createEncoderPool} (./encoder-pool.ts): loads one encoder (by default with one
 * intra-op thread) and answers embed requests one at a time. Built as its own entry (dist/encoder-worker.js and
 * .cjs) so the pool can start it by path; it is not part of the API.
 *
 * Protocol (structured clone over the worker port):
 *   in:  { type: 'embed', job, texts }            out: { type: 'done', job, vectors } (vectors' buffer transferred)
 *                                                  or  { type: 'error', job, error: { name, code, message } }
 *   at start (workerData = { spec }):              out: { type: 'ready', id, dimension } or { type: 'failed', error }
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Encoder } from '../../encoder/types.js';
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

async function load(spec: WorkerEncoderSpec): Promise<Encoder> {
  if (spec.kind === 'onnx') {
    const { kind: _kind, ...options } = spec;
    return loadOnnxSentenceEncoder({ intraOpNumThreads: 1, ...options });
  }
  const { kind: _kind, ...options } = spec;
  return loadMiniLmEncoder({ intraOpNumThreads: 1, ...options });
}

async function main(): Promise<void> {
  const port = parentPort;
  if (isMainThread || port === null) return;
  const { spec } = workerData as { spec: WorkerEncoderSpec };
  let encoder: Encoder;
  try {
    encoder = await load(spec);
  } catch (e) {
    port.postMessage({ type: 'failed', error: serialize(e) });
    return;
  }
  port.on('message', (message: { type: string; job: number; texts: string[] }) => {
    if (message.type !== 'embed') return;
    // One request at a time: the pool sends the next one only after this answer.
    encoder.embed(message.texts, { batchSize: Math.max(1, message.texts.length) }).then(
      (vectors) => port.postMessage({ type: 'done', job: message.job, vectors }, [vectors.buffer as ArrayBuffer]),
      (e: unknown) => port.postMessage({ type: 'error', job: message.job, error: serialize(e) }),
    );
  });
  port.postMessage({ type: 'ready', id: encoder.id, dimension: encoder.dimension });
}

void main();
