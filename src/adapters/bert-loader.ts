/**
 * Platform-neutral assembly of a BERT sentence encoder from bytes: safetensors weights + config.json +
 * tokenizer.json → ONNX graph (src/encoder/bert-onnx.ts) → runtime session → {@link Encoder}.
 * finerouter/node feeds it files (with an optional on-disk cache of the built ONNX); finerouter/web feeds
 * it fetched bytes. Also the generic path for any sentence-transformers ONNX export.
 */
import { FineRouterError } from '../errors.js';
import { buildBertOnnx, readBertConfig } from '../encoder/bert-onnx.js';
import type { BertConfig, EncoderPrecision } from '../encoder/bert-onnx.js';
import { parseSafetensors } from '../encoder/safetensors.js';
import { createSentenceEncoder } from '../encoder/sentence-encoder.js';
import type { PoolingMode } from '../encoder/sentence-encoder.js';
import { createTruncatingTokenizer } from '../encoder/tokenize.js';
import type { Encoder } from '../encoder/types.js';
import type { OnnxRuntime, SessionOptions } from '../runtime/types.js';
import { loadTokenizerJson } from './tokenizer.js';

/** The id written into artifacts for the embedded default encoder. */
export const MINILM_ID = 'sentence-transformers/all-MiniLM-L6-v2';
/** Suffix of the encoder id of the int8 build (so artifacts trained on one precision refuse the other). */
export const INT8_ID_SUFFIX = '#int8';

/**
 * The encoder id recorded in artifacts for a precision: the base id for 'fp32', `${base}#int8` for 'int8'.
 * @param baseId - The model's id, e.g. {@link MINILM_ID}.
 * @param precision - The encoder's linear-layer arithmetic.
 * @returns The id.
 * @example encoderIdFor(MINILM_ID, 'int8') // 'sentence-transformers/all-MiniLM-L6-v2#int8'
 */
export function encoderIdFor(baseId: string, precision: EncoderPrecision): string {
  return precision === 'int8' ? `${baseId}${INT8_ID_SUFFIX}` : baseId;
}

/**
 * The precision an encoder id records (the inverse of {@link encoderIdFor}).
 * @param id - An encoder id, e.g. a manifest's `encoder.id`.
 * @returns 'int8' when the id ends with {@link INT8_ID_SUFFIX}, else 'fp32'.
 * @example precisionOfEncoderId('sentence-transformers/all-MiniLM-L6-v2#int8') // 'int8'
 */
export function precisionOfEncoderId(id: string): EncoderPrecision {
  return id.endsWith(INT8_ID_SUFFIX) ? 'int8' : 'fp32';
}

/** sentence-transformers' max_seq_length for all-MiniLM-L6-v2. */
export const MINILM_MAX_TOKENS = 256;

/** Bytes of a BERT checkpoint. */
export interface BertSources {
  /** model.safetensors bytes (F16 or F32). */
  weights: Uint8Array;
  /** config.json (text, bytes or parsed). */
  config: string | Uint8Array | object;
  /** tokenizer.json (text, bytes or parsed). */
  tokenizer: string | Uint8Array | object;
}

/** Settings of {@link assembleBertEncoder}. */
export interface AssembleBertOptions {
  runtime: OnnxRuntime;
  id: string;
  maxTokens: number;
  sessionOptions: SessionOptions;
  weightType: 'float16' | 'float32';
  /** Linear-layer arithmetic of the built graph (the id must already record it, see {@link encoderIdFor}). */
  precision: EncoderPrecision;
  /** Returns previously built ONNX bytes for this key, or undefined (the node cache). */
  cached?: ((config: BertConfig) => Promise<Uint8Array | undefined>) | undefined;
  /** Stores freshly built ONNX bytes (the node cache). */
  store?: ((onnx: Uint8Array) => Promise<void>) | undefined;
}

function parseJson(source: string | Uint8Array | object, what: string): unknown {
  if (typeof source === 'object' && !(source instanceof Uint8Array)) return source;
  try {
    return JSON.parse(typeof source === 'string' ? source : new TextDecoder().decode(source));
  } catch (e) {
    throw new FineRouterError('MODEL_INVALID', `${what} is not valid JSON`, { cause: e });
  }
}

/**
 * Builds (or takes from the cache) the ONNX graph, opens a session and wraps it as an encoder.
 * @param sources - Weights, config and tokenizer bytes.
 * @param options - Runtime, id, truncation, session options and cache hooks.
 * @returns The encoder.
 * @throws FineRouterError MODEL_INVALID (corrupt weights/config), TOKENIZER_INVALID (bad tokenizer or a
 *   vocabulary size that differs from the model's), and the runtime's errors.
 */
export async function assembleBertEncoder(sources: BertSources, options: AssembleBertOptions): Promise<Encoder> {
  const config = readBertConfig(parseJson(sources.config, 'config.json'));
  const tokenizer = loadTokenizerJson(sources.tokenizer);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new FineRouterError(
      'TOKENIZER_INVALID',
      `tokenizer.json has ${tokenizer.vocabSize} tokens but the model's vocabulary has ${config.vocabSize}; the tokenizer does not belong to this model`,
    );
  }
  const maxTokens = Math.min(options.maxTokens, config.maxPositionEmbeddings);
  let onnx = options.cached === undefined ? undefined : await options.cached(config);
  if (onnx === undefined) {
    const { tensors } = parseSafetensors(sources.weights);
    onnx = buildBertOnnx(config, tensors, { weightType: options.weightType, precision: options.precision });
    await options.store?.(onnx);
  }
  const session = await options.runtime.createSession(onnx, options.sessionOptions);
  try {
    return await createSentenceEncoder({
      id: options.id,
      session,
      tokenizer: createTruncatingTokenizer(tokenizer, { maxTokens }),
      padId: tokenizer.padId,
    });
  } catch (e) {
    await session.release();
    throw e;
  }
}

/** Settings of {@link assembleOnnxEncoder}. */
export interface AssembleOnnxOptions {
  runtime: OnnxRuntime;
  id: string;
  maxTokens: number;
  pooling: PoolingMode;
  outputName: string | undefined;
  sessionOptions: SessionOptions;
}

/**
 * Wraps a ready ONNX sentence-transformers export (inputs input_ids, attention_mask[, token_type_ids];
 * output pooled or per-token states) and its tokenizer.json as an encoder.
 * @param model - ONNX bytes.
 * @param tokenizerSource - tokenizer.json text, bytes or object.
 * @param options - Runtime, id, truncation, pooling, output name, session options.
 * @returns The encoder; its dimension is read from the model's output.
 * @throws FineRouterError TOKENIZER_INVALID, MODEL_INVALID, and the runtime's errors.
 */
export async function assembleOnnxEncoder(
  model: Uint8Array,
  tokenizerSource: string | Uint8Array | object,
  options: AssembleOnnxOptions,
): Promise<Encoder> {
  const tokenizer = loadTokenizerJson(tokenizerSource);
  const session = await options.runtime.createSession(model, options.sessionOptions);
  try {
    return await createSentenceEncoder({
      id: options.id,
      session,
      tokenizer: createTruncatingTokenizer(tokenizer, { maxTokens: options.maxTokens }),
      padId: tokenizer.padId,
      pooling: options.pooling,
      ...(options.outputName === undefined ? {} : { outputName: options.outputName }),
    });
  } catch (e) {
    await session.release();
    throw e;
  }
}

/**
 * Reads sentence-transformers' `1_Pooling/config.json` into a pooling mode.
 * @param json - Parsed pooling config (`pooling_mode_mean_tokens`, `pooling_mode_cls_token`, …).
 * @returns The pooling mode.
 * @throws FineRouterError MODEL_INVALID when no supported mode is enabled.
 * @example poolingFromSentenceTransformers({ pooling_mode_mean_tokens: true }) // 'mean'
 */
export function poolingFromSentenceTransformers(json: unknown): PoolingMode {
  const c = (json ?? {}) as Record<string, unknown>;
  if (c['pooling_mode_mean_tokens'] === true) return 'mean';
  if (c['pooling_mode_cls_token'] === true) return 'cls';
  if (c['pooling_mode_max_tokens'] === true) return 'max';
  if (c['pooling_mode_lasttoken'] === true) return 'lasttoken';
  throw new FineRouterError('MODEL_INVALID', 'pooling config enables none of mean/cls/max/lasttoken pooling');
}
