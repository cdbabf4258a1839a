/**
 * Builds an ONNX BERT sentence encoder from a Hugging Face BERT checkpoint (config.json + safetensors
 * tensors), with the pooling and L2 normalization of sentence-transformers inside the graph.
 *
 * Sources: Devlin et al. 2019 (BERT) and the Hugging Face `BertModel` layout (post-LayerNorm encoder:
 * x = LN(x + Attn(x)); x = LN(x + FFN(x)); FFN = W2·GELU(W1·x), exact GELU x·½(1+erf(x/√2)));
 * Reimers & Gurevych 2019 (sentence-transformers): attention-masked mean pooling, then L2 normalize.
 * all-MiniLM-L6-v2 is this architecture with 6 layers, hidden 384, 12 heads (paper Appendix B uses it).
 *
 * Deliberate deviations, all exact up to float rounding:
 * - token_type_ids are not an input: every sentence is segment 0, so token_type_embeddings[0] is folded
 *   into the position table.
 * - Token states are kept as 2-D rows, so every linear layer is one Gemm with transB = 1 against the
 *   checkpoint's [out, in] weight as stored (no transposed copies; bias fused). Q, K and V are one Gemm against
 *   the three weights stacked to [3H, H]. The rows are **sequence-major** by default ([sequence·batch, hidden]:
 *   row s·batch + b is token s of sentence b; the ids are transposed once at the input): then each (sentence,
 *   head) block of Q, K and V is a strided matrix of the QKV output, which onnxruntime's `com.microsoft.FusedMatMul`
 *   (transBatchA / transBatchB) multiplies in place, so a layer transposes only its context (1 Transpose instead of
 *   4; ~4 % less encoder CPU at one thread, docs/encoder.md). Every row-wise op (Gemm, the int8 GEMM and its
 *   per-tensor activation scale, LayerNorm, GELU) sees the same rows in another order, and the scores keep the
 *   explicit Mul on Q, so one prompt at a time the vectors equal the batch-major graph's bit for bit (tested;
 *   this matters for int8, whose vectors move by up to 0.003 in cosine under float-rounding-sized changes).
 *   `layout: 'batch-major'` builds the previous plain-ONNX form ([batch·sequence, hidden], Split then
 *   Reshape/Transpose per head) for runtimes without onnxruntime's contrib ops.
 * - The additive attention mask is (mask − 1)·10000 (as in the original BERT code); exp underflows to 0
 *   in float32, so padded keys get zero weight and a padded batch equals one-at-a-time runs.
 * - The BERT pooler (tanh dense on [CLS]) is not used by sentence-transformers and is left out.
 * - The attention scale 1/√d is a Mul on Q (not folded into fp16 weights, which would re-round them, nor into
 *   the score MatMul's alpha, which rounds differently).
 * - `precision: 'int8'` (dynamic quantization, Jacob et al. 2018 "Quantization and Training of Neural Networks
 *   for Efficient Integer-Arithmetic-Only Inference", asymmetric u8 activations; weights symmetric s8 per output
 *   channel as in Krishnamoorthi 2018 §2): every linear layer becomes
 *   `Add(Mul(Cast(MatMulInteger(DynamicQuantizeLinear(x), W_s8, x_zp)), Mul(x_scale, w_scale)), b)`, the exact
 *   pattern onnxruntime's MatMulIntegerToFloatFusion + DynamicQuantizeMatMulFusion turn into one
 *   DynamicQuantizeMatMul kernel (u8×s8 GEMM, VNNI where the CPU has it). Weights are quantized here from
 *   fp32 (round to nearest, |q| ≤ 127, scale = max|W_row|/127; an all-zero row gets scale 1), stored
 *   transposed [in, out]. Embeddings, LayerNorm, attention score/context MatMuls, Softmax, GELU and pooling
 *   stay float32. On x86 CPUs with AVX2 but without VNNI onnxruntime's u8×s8 kernel sums pairs in int16
 *   (vpmaddubsw) and can saturate; there int8 agrees less with fp32 (see docs/encoder.md).
 * - `weightType: 'float16'` keeps the word-embedding table in fp16 (Gather, then Cast of the gathered rows,
 *   saving ~23 MB for MiniLM) and stores dense weights as fp16 behind Cast nodes, which onnxruntime's
 *   constant folding turns into fp32 at session creation; `'float32'` stores everything as fp32.
 * Pure: uses only src/onnx; no runtime, fs or network.
 */
import { FineRouterError } from '../errors.js';
import { OnnxGraphBuilder } from '../onnx/builder.js';
import { float16ToFloat32 } from '../onnx/float16.js';
import type { SafetensorsTensor } from './safetensors.js';

/**
 * Bumped whenever the graph this file builds changes (part of the on-disk cache key). 5: sequence-major token rows
 * with in-place FusedMatMul attention (same vectors as 4; the encoder ids did not change).
 */
export const BERT_ONNX_BUILDER_VERSION = 5;

/** Arithmetic of the encoder's linear layers: 'fp32' (float GEMM) or 'int8' (dynamic u8×s8 quantization). */
export type EncoderPrecision = 'fp32' | 'int8';

/** The config.json fields the builder reads. */
export interface BertConfig {
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  readonly layerNormEps: number;
  readonly vocabSize: number;
  readonly maxPositionEmbeddings: number;
}

/** Pooling applied inside the graph: 'mean' (masked mean), 'cls' (first token), 'none' (per-token states). */
export type BertPooling = 'mean' | 'cls' | 'none';

/** Options for {@link buildBertOnnx}. */
export interface BuildBertOnnxOptions {
  /**
   * Storage type of the weights in the ONNX file (see the file header).
   * @defaultValue 'float16'
   */
  weightType?: 'float16' | 'float32';
  /**
   * Pooling inside the graph. 'none' outputs `last_hidden_state` [batch, seq, hidden] instead of
   * `sentence_embedding` [batch, hidden].
   * @defaultValue 'mean'
   */
  pooling?: BertPooling;
  /**
   * L2-normalize the pooled vector (ignored with pooling 'none').
   * @defaultValue true
   */
  normalize?: boolean;
  /**
   * Arithmetic of the linear layers (see the file header); 'int8' ignores `weightType` for them (they are
   * stored as s8) but not for the word-embedding table.
   * @defaultValue 'fp32'
   */
  precision?: EncoderPrecision;
  /**
   * Order of the token rows and the attention ops (see the file header): 'sequence-major' reads the attention heads
   * in place with onnxruntime's `com.microsoft.FusedMatMul` (one Transpose per layer; onnxruntime-node and
   * onnxruntime-web only); 'batch-major' is the builder-v4 graph in plain ONNX ops (four Transposes per layer), for
   * other runtimes. Both give the same vectors (bit for bit one prompt at a time, tested).
   * @defaultValue 'sequence-major'
   */
  layout?: BertLayout;
}

/** Token-row order of the encoder graph: see {@link BuildBertOnnxOptions.layout}. */
export type BertLayout = 'sequence-major' | 'batch-major';

/** Defaults of {@link BuildBertOnnxOptions}. */
export const BERT_ONNX_DEFAULTS = Object.freeze({
  weightType: 'float16' as const,
  pooling: 'mean' as BertPooling,
  normalize: true,
  precision: 'fp32' as EncoderPrecision,
  layout: 'sequence-major' as BertLayout,
});

/**
 * Symmetric per-output-channel int8 quantization of a linear layer's [out, in] weight, transposed to
 * [in, out] for MatMulInteger: q[i, o] = round(W[o, i] / s_o), s_o = max_i |W[o, i]| / 127 (1 for an all-zero
 * row), so |q| ≤ 127 and W[o, i] ≈ s_o · q[i, o].
 * @internal
 */
export function quantizeWeightsPerChannel(
  w: Float32Array,
  out: number,
  inDim: number,
): { q: Int8Array; scales: Float32Array } {
  if (w.length !== out * inDim)
    throw new RangeError(
      `quantizeWeightsPerChannel: expected ${out}×${inDim} = ${out * inDim} weights, received ${w.length}`,
    );
  const q = new Int8Array(out * inDim);
  const scales = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let max = 0;
    const row = o * inDim;
    for (let i = 0; i < inDim; i++) {
      const a = Math.abs(w[row + i]!);
      if (!Number.isFinite(a))
        throw new RangeError(
          `quantizeWeightsPerChannel: weight [${o}, ${i}] is ${w[row + i]}, expected a finite number`,
        );
      if (a > max) max = a;
    }
    const s = max > 0 ? max / 127 : 1;
    scales[o] = s;
    const inv = 1 / Math.fround(s);
    for (let i = 0; i < inDim; i++) q[i * out + o] = Math.max(-127, Math.min(127, Math.round(w[row + i]! * inv)));
  }
  return { q, scales };
}

function invalid(message: string): FineRouterError {
  return new FineRouterError('MODEL_INVALID', `buildBertOnnx: ${message}`);
}

/**
 * Reads and validates the BERT fields of a Hugging Face config.json.
 * @param json - The parsed config.json.
 * @returns The fields the graph needs.
 * @throws FineRouterError MODEL_INVALID when a field is missing, not a positive number, the model is not
 *   BERT-like, the activation is not exact GELU, or hidden size is not divisible by the head count.
 * @example readBertConfig(JSON.parse(configText)).hiddenSize // 384 for all-MiniLM-L6-v2
 */
export function readBertConfig(json: unknown): BertConfig {
  if (json === null || typeof json !== 'object') throw invalid('config.json is not an object');
  const c = json as Record<string, unknown>;
  const int = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw invalid(`config.json: expected ${key} as a positive integer, received ${JSON.stringify(v)}`);
    return v;
  };
  if (c['model_type'] !== undefined && c['model_type'] !== 'bert')
    throw invalid(`config.json: model_type ${String(c['model_type'])} is not bert`);
  if (c['hidden_act'] !== undefined && c['hidden_act'] !== 'gelu')
    throw invalid(`config.json: hidden_act ${String(c['hidden_act'])} is not supported (only exact 'gelu')`);
  if (c['position_embedding_type'] !== undefined && c['position_embedding_type'] !== 'absolute') {
    throw invalid(`config.json: position_embedding_type ${String(c['position_embedding_type'])} is not supported`);
  }
  const eps = c['layer_norm_eps'] ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0))
    throw invalid(`config.json: expected layer_norm_eps > 0, received ${JSON.stringify(eps)}`);
  const config: BertConfig = {
    hiddenSize: int('hidden_size'),
    numHiddenLayers: int('num_hidden_layers'),
    numAttentionHeads: int('num_attention_heads'),
    intermediateSize: int('intermediate_size'),
    layerNormEps: eps,
    vocabSize: int('vocab_size'),
    maxPositionEmbeddings: int('max_position_embeddings'),
  };
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw invalid(
      `config.json: hidden_size ${config.hiddenSize} is not divisible by num_attention_heads ${config.numAttentionHeads}`,
    );
  }
  return config;
}

type OpFn = (
  type: string,
  inputs: readonly string[],
  attrs?: Parameters<OnnxGraphBuilder['node']>[3],
  label?: string,
) => string;
type Int64sFn = (name: string, values: readonly number[]) => string;

/**
 * Self-attention over sequence-major rows [S·B, 3H] (Q, K, V side by side) → context rows [S·B, H]. Q, K and V stay
 * in the QKV layout, viewed as [S, B, heads, dh]; onnxruntime's FusedMatMul with transBatchA/B reads each
 * (sentence, head) matrix in place with a strided leading dimension, so only the context is transposed (one
 * Transpose per layer instead of four). The 1/√dh scale is a Mul on Q by a [dh] vector (not a scalar, which
 * onnxruntime would fold into the MatMul's alpha and round differently), so every score equals the batch-major
 * graph's bit for bit.
 */
function sequenceMajorAttention(
  g: OnnxGraphBuilder,
  op: OpFn,
  tmp: (label: string) => string,
  int64s: Int64sFn,
  tokenShape: string,
  mask4: string,
  mergedShape: string,
  heads: number,
  dh: number,
): (qkv: string) => string {
  const qkvShape = op('Concat', [tokenShape, int64s('heads3_dh', [3 * heads, dh])], { axis: { int: 0 } }, 'qkv_shape');
  const splitHeads = int64s('split_heads', [heads, heads, heads]);
  const qScale = g.initializer('q_scale', 'float32', new Float32Array(dh).fill(1 / Math.sqrt(dh)), [dh]);
  const fusedMatMul = (a: string, b: string, attrs: Parameters<OnnxGraphBuilder['node']>[3], label: string): string => {
    const out = tmp(label);
    g.node('FusedMatMul', [a, b], [out], attrs, 'com.microsoft');
    return out;
  };
  return (qkv) => {
    const [q, k, v] = [tmp('q'), tmp('k'), tmp('v')];
    g.node('Split', [op('Reshape', [qkv, qkvShape], undefined, 'qkv_heads'), splitHeads], [q, k, v], {
      axis: { int: 2 },
    });
    // scores [B, heads, S, S] = (Q/√dh)·Kᵀ per (sentence, head).
    const scores = fusedMatMul(
      op('Mul', [q, qScale]),
      k,
      { transB: { int: 1 }, transBatchA: { int: 1 }, transBatchB: { int: 1 } },
      'scores',
    );
    const probs = op('Softmax', [op('Add', [scores, mask4])], { axis: { int: -1 } }, 'probs');
    // context [B, heads, S, dh] → [S, B, heads, dh] → rows.
    const perHead = fusedMatMul(probs, v, { transBatchB: { int: 1 } }, 'context_heads');
    return op(
      'Reshape',
      [op('Transpose', [perHead], { perm: { ints: [2, 0, 1, 3] } }), mergedShape],
      undefined,
      'context',
    );
  };
}

/**
 * Self-attention over batch-major rows [B·S, 3H] → context rows [B·S, H] with plain ONNX ops only: Split, per-head
 * Reshape + Transpose of Q, K and V, MatMul, Softmax, MatMul, Transpose back (the builder-v4 graph).
 */
function batchMajorAttention(
  g: OnnxGraphBuilder,
  op: OpFn,
  tmp: (label: string) => string,
  int64s: Int64sFn,
  scalar: (name: string, value: number) => string,
  tokenShape: string,
  mask4: string,
  mergedShape: string,
  heads: number,
  dh: number,
): (qkv: string) => string {
  const headShape = op('Concat', [tokenShape, int64s('heads_dh', [heads, dh])], { axis: { int: 0 } }, 'head_shape');
  const split3 = int64s('split_qkv', [heads * dh, heads * dh, heads * dh]);
  const qScale = scalar('q_scale', 1 / Math.sqrt(dh));
  return (qkv) => {
    const [q, k, v] = [tmp('q'), tmp('k'), tmp('v')];
    g.node('Split', [qkv, split3], [q, k, v], { axis: { int: -1 } });
    const qh = op(
      'Transpose',
      [op('Reshape', [op('Mul', [q, qScale]), headShape])],
      { perm: { ints: [0, 2, 1, 3] } },
      'qh',
    );
    const kt = op('Transpose', [op('Reshape', [k, headShape])], { perm: { ints: [0, 2, 3, 1] } }, 'kt');
    const vh = op('Transpose', [op('Reshape', [v, headShape])], { perm: { ints: [0, 2, 1, 3] } }, 'vh');
    const probs = op('Softmax', [op('Add', [op('MatMul', [qh, kt]), mask4])], { axis: { int: -1 } }, 'probs');
    return op(
      'Reshape',
      [op('Transpose', [op('MatMul', [probs, vh])], { perm: { ints: [0, 2, 1, 3] } }), mergedShape],
      undefined,
      'context',
    );
  };
}

/**
 * Builds the ONNX encoder graph.
 *
 * Inputs: `input_ids` int64 [batch, sequence], `attention_mask` int64 [batch, sequence] (1 = token, 0 = pad).
 * Output: `sentence_embedding` float32 [batch, hidden] (or `last_hidden_state` with pooling 'none').
 *
 * @param config - From {@link readBertConfig}.
 * @param tensors - Checkpoint tensors by name (with or without a `bert.` prefix), F16 or F32.
 * @param options - See {@link BuildBertOnnxOptions}.
 * @returns Serialized ModelProto bytes.
 * @throws FineRouterError MODEL_INVALID when a tensor is missing or its shape disagrees with the config.
 * @example
 * ```ts
 * const { tensors } = parseSafetensors(weights);
 * const onnx = buildBertOnnx(readBertConfig(config), tensors);
 * ```
 */
export function buildBertOnnx(
  config: BertConfig,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  options: BuildBertOnnxOptions = {},
): Uint8Array {
  const weightType = options.weightType ?? BERT_ONNX_DEFAULTS.weightType;
  const pooling = options.pooling ?? BERT_ONNX_DEFAULTS.pooling;
  const normalize = options.normalize ?? BERT_ONNX_DEFAULTS.normalize;
  if (weightType !== 'float16' && weightType !== 'float32')
    throw new TypeError(`buildBertOnnx: expected weightType 'float16' or 'float32', received ${String(weightType)}`);
  const precision = options.precision ?? BERT_ONNX_DEFAULTS.precision;
  if (precision !== 'fp32' && precision !== 'int8')
    throw new TypeError(`buildBertOnnx: expected precision 'fp32' or 'int8', received ${String(precision)}`);
  if (pooling !== 'mean' && pooling !== 'cls' && pooling !== 'none')
    throw new TypeError(`buildBertOnnx: expected pooling 'mean', 'cls' or 'none', received ${String(pooling)}`);
  const layout = options.layout ?? BERT_ONNX_DEFAULTS.layout;
  if (layout !== 'sequence-major' && layout !== 'batch-major')
    throw new TypeError(`buildBertOnnx: expected layout 'sequence-major' or 'batch-major', received ${String(layout)}`);
  const seqMajor = layout === 'sequence-major';
  const H = config.hiddenSize;
  const heads = config.numAttentionHeads;
  const dh = H / heads;
  const I = config.intermediateSize;
  const prefix = tensors.has('embeddings.word_embeddings.weight') ? '' : 'bert.';

  const get = (name: string, shape: readonly number[]): SafetensorsTensor => {
    const t = tensors.get(prefix + name);
    if (t === undefined) throw invalid(`missing tensor ${prefix + name}`);
    if (t.dtype !== 'F16' && t.dtype !== 'F32')
      throw invalid(`tensor ${prefix + name} has dtype ${t.dtype}, expected F16 or F32`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw invalid(
        `tensor ${prefix + name} has shape [${t.shape.join(', ')}], config.json implies [${shape.join(', ')}]`,
      );
    }
    return t;
  };
  const f32 = (t: SafetensorsTensor): Float32Array =>
    t.dtype === 'F16' ? float16ToFloat32(t.data as Uint16Array) : (t.data as Float32Array);
  const half = (t: SafetensorsTensor): Uint16Array | undefined =>
    t.dtype === 'F16' ? (t.data as Uint16Array) : undefined;

  const g = new OnnxGraphBuilder('bert_sentence_encoder');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  let counter = 0;
  const tmp = (label: string): string => `${label}_${counter++}`;
  const op = (
    type: string,
    inputs: readonly string[],
    attrs?: Parameters<OnnxGraphBuilder['node']>[3],
    label = type.toLowerCase(),
  ): string => {
    const out = tmp(label);
    g.node(type, inputs, [out], attrs);
    return out;
  };
  const scalar = (name: string, value: number): string => g.initializer(name, 'float32', Float32Array.of(value), []);
  const int64s = (name: string, values: readonly number[]): string =>
    g.initializer(name, 'int64', BigInt64Array.from(values.map(BigInt)), [values.length]);

  /** A dense weight given as (rows × cols) fp32 or fp16, stored per weightType, returned as an fp32-valued graph name. */
  const denseWeight = (
    name: string,
    data32: Float32Array | undefined,
    data16: Uint16Array | undefined,
    dims: readonly number[],
  ): string => {
    if (weightType === 'float16' && data16 !== undefined) {
      const stored = g.initializer(`${name}_fp16`, 'float16', data16, dims);
      g.node('Cast', [stored], [name], { to: { int: 1 } });
      return name;
    }
    return g.initializer(name, 'float32', data32 ?? float16ToFloat32(data16!), dims);
  };
  /** y = x·Wᵀ + b for a linear layer stored as PyTorch does, [out, in]: Gemm with transB, no weight copy. */
  const linear = (x: string, name: string, t: SafetensorsTensor, out: number, inDim: number, bias: string): string => {
    if (precision === 'int8') {
      const { q, scales } = quantizeWeightsPerChannel(f32(t), out, inDim);
      const wq = g.initializer(`${name}_s8`, 'int8', q, [inDim, out]);
      const ws = g.initializer(`${name}_scale`, 'float32', scales, [out]);
      const [xq, xScale, xZero] = [tmp('xq'), tmp('x_scale'), tmp('x_zero')];
      g.node('DynamicQuantizeLinear', [x], [xq, xScale, xZero]);
      const acc = op('Cast', [op('MatMulInteger', [xq, wq, xZero])], { to: { int: 1 } }, 'acc');
      // Input order matters to the fusion: Mul(Cast(MatMulInteger), Mul(x_scale, w_scale)), then Add(·, bias).
      return op('Add', [op('Mul', [acc, op('Mul', [xScale, ws])]), bias]);
    }
    const h = half(t);
    const w =
      weightType === 'float16' && h !== undefined
        ? denseWeight(name, undefined, h, [out, inDim])
        : denseWeight(name, f32(t), undefined, [out, inDim]);
    return op('Gemm', [x, w, bias], { transB: { int: 1 } });
  };
  const vector = (name: string, t: SafetensorsTensor): string => g.initializer(name, 'float32', f32(t), [t.shape[0]!]);
  const layerNorm = (x: string, base: string): string => {
    const gamma = vector(`${base}.weight`, get(`${base}.weight`, [H]));
    const beta = vector(`${base}.bias`, get(`${base}.bias`, [H]));
    return op(
      'LayerNormalization',
      [x, gamma, beta],
      { axis: { int: -1 }, epsilon: { float: config.layerNormEps } },
      'ln',
    );
  };

  // Token states: sequence-major rows (row s·batch + b is token s of sentence b) or batch-major (b·sequence + s).
  const tokens = seqMajor ? op('Transpose', [ids], { perm: { ints: [1, 0] } }, 'ids_t') : ids;
  const tokenShape = op('Shape', [tokens], undefined, 'token_shape'); // [S, B] or [B, S]
  // Embeddings: word rows + (position rows + token type 0), then LayerNorm.
  const wordT = get('embeddings.word_embeddings.weight', [config.vocabSize, H]);
  let words: string;
  if (weightType === 'float16' && wordT.dtype === 'F16') {
    const table = g.initializer('word_embeddings_fp16', 'float16', wordT.data as Uint16Array, [config.vocabSize, H]);
    words = op('Cast', [op('Gather', [table, tokens], { axis: { int: 0 } })], { to: { int: 1 } });
  } else {
    const table = g.initializer('word_embeddings', 'float32', f32(wordT), [config.vocabSize, H]);
    words = op('Gather', [table, tokens], { axis: { int: 0 } });
  }
  const posTable = f32(get('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, H])).slice();
  const typeTensor = tensors.get(`${prefix}embeddings.token_type_embeddings.weight`);
  if (typeTensor !== undefined) {
    if (typeTensor.shape.length !== 2 || typeTensor.shape[1] !== H)
      throw invalid('token_type_embeddings has the wrong shape');
    const type0 = f32(typeTensor);
    for (let p = 0; p < config.maxPositionEmbeddings; p++)
      for (let j = 0; j < H; j++) posTable[p * H + j]! += type0[j]!;
  }
  const pos = g.initializer('position_embeddings', 'float32', posTable, [config.maxPositionEmbeddings, H]);
  const seqLen = op('Shape', [ids], { start: { int: 1 }, end: { int: 2 } }, 'seq_len');
  let positions = op('Slice', [pos, int64s('zero_1', [0]), seqLen, int64s('axis0_1', [0])], undefined, 'positions');
  // [S, H] broadcasts over batch-major [B, S, H]; sequence-major [S, B, H] needs [S, 1, H].
  if (seqMajor) positions = op('Unsqueeze', [positions, int64s('axes_1', [1])], undefined, 'positions_s1h');
  let x = layerNorm(op('Add', [words, positions]), 'embeddings.LayerNorm');
  // From here on token states are 2-D rows [batch·sequence, hidden]; attention views them per head.
  const mergedShape = int64s('merged_shape', [-1, H]);
  x = op('Reshape', [x, mergedShape], undefined, 'rows');

  // Additive attention mask [batch, 1, 1, sequence].
  const maskF = op('Cast', [mask], { to: { int: 1 } }, 'mask_f');
  const additive = op('Mul', [op('Sub', [maskF, scalar('one', 1)]), scalar('mask_scale', 10000)]);
  const mask4 = op('Unsqueeze', [additive, int64s('axes_1_2', [1, 2])], undefined, 'mask4');
  const attention = seqMajor
    ? sequenceMajorAttention(g, op, tmp, int64s, tokenShape, mask4, mergedShape, heads, dh)
    : batchMajorAttention(g, op, tmp, int64s, scalar, tokenShape, mask4, mergedShape, heads, dh);

  for (let l = 0; l < config.numHiddenLayers; l++) {
    const p = `encoder.layer.${l}.`;
    // Fused QKV weight [H, 3H]: columns 0..H-1 = Q, H..2H-1 = K, 2H..3H-1 = V.
    const parts = ['query', 'key', 'value'].map((n) => get(`${p}attention.self.${n}.weight`, [H, H]));
    const biases = ['query', 'key', 'value'].map((n) => f32(get(`${p}attention.self.${n}.bias`, [H])));
    const qkvB = new Float32Array(3 * H);
    biases.forEach((b, i) => qkvB.set(b, i * H));
    const qkvBias = g.initializer(`layer${l}.qkv.bias`, 'float32', qkvB, [3 * H]);
    // Stacking the three [out, in] weights row-wise gives one [3H, H] linear layer.
    const allHalf = parts.every((t) => t.dtype === 'F16');
    let stacked: SafetensorsTensor;
    if (allHalf) {
      const data = new Uint16Array(3 * H * H);
      parts.forEach((t, i) => data.set(t.data as Uint16Array, i * H * H));
      stacked = { dtype: 'F16', shape: [3 * H, H], data };
    } else {
      const data = new Float32Array(3 * H * H);
      parts.forEach((t, i) => data.set(f32(t), i * H * H));
      stacked = { dtype: 'F32', shape: [3 * H, H], data };
    }
    const context = attention(linear(x, `layer${l}.qkv.weight`, stacked, 3 * H, H, qkvBias));
    const bo = vector(`${p}attention.output.dense.bias`, get(`${p}attention.output.dense.bias`, [H]));
    const attnOut = linear(
      context,
      `${p}attention.output.dense.weight`,
      get(`${p}attention.output.dense.weight`, [H, H]),
      H,
      H,
      bo,
    );
    x = layerNorm(op('Add', [attnOut, x]), `${p}attention.output.LayerNorm`);
    // Feed-forward with exact GELU.
    const b1 = vector(`${p}intermediate.dense.bias`, get(`${p}intermediate.dense.bias`, [I]));
    const hIn = linear(x, `${p}intermediate.dense.weight`, get(`${p}intermediate.dense.weight`, [I, H]), I, H, b1);
    // Written as Div by √2 (the pattern onnxruntime's GeluFusion recognizes, giving one Gelu kernel).
    const erf = op('Erf', [op('Div', [hIn, scalar(`layer${l}.sqrt2`, Math.SQRT2)])]);
    const gelu = op(
      'Mul',
      [op('Mul', [hIn, op('Add', [erf, scalar(`layer${l}.one`, 1)])]), scalar(`layer${l}.half`, 0.5)],
      undefined,
      'gelu',
    );
    const b2 = vector(`${p}output.dense.bias`, get(`${p}output.dense.bias`, [H]));
    x = layerNorm(
      op('Add', [linear(gelu, `${p}output.dense.weight`, get(`${p}output.dense.weight`, [H, I]), H, I, b2), x]),
      `${p}output.LayerNorm`,
    );
  }
  // [S, B, H] or [B, S, H]
  x = op(
    'Reshape',
    [x, op('Concat', [tokenShape, int64s('hidden_1', [H])], { axis: { int: 0 } })],
    undefined,
    'states',
  );
  const seqAxis = seqMajor ? 0 : 1;

  if (pooling === 'none') {
    if (seqMajor) g.node('Transpose', [x], ['last_hidden_state'], { perm: { ints: [1, 0, 2] } });
    else g.node('Identity', [x], ['last_hidden_state']);
    g.output('last_hidden_state', 'float32', ['batch', 'sequence', H]);
    return g.toBytes();
  }
  let pooled: string;
  if (pooling === 'mean') {
    // The mask laid out like the states, [S, B, 1] or [B, S, 1]; sums run over the sequence axis.
    const maskTokens = seqMajor ? op('Transpose', [maskF], { perm: { ints: [1, 0] } }, 'mask_t') : maskF;
    const mask3 = op('Unsqueeze', [maskTokens, int64s('axes_2', [2])], undefined, 'mask3');
    const axis = int64s('axes_seq', [seqAxis]);
    const sum = op('ReduceSum', [op('Mul', [x, mask3]), axis], { keepdims: { int: 0 } }, 'sum');
    const count = op(
      'Max',
      [op('ReduceSum', [mask3, axis], { keepdims: { int: 0 } }), scalar('count_floor', 1e-9)],
      undefined,
      'count',
    );
    pooled = op('Div', [sum, count], undefined, 'mean');
  } else {
    const index0 = g.initializer('index0', 'int64', BigInt64Array.of(0n), []);
    pooled = op('Gather', [x, index0], { axis: { int: seqAxis } }, 'cls');
  }
  if (normalize) {
    const sq = op(
      'ReduceSum',
      [op('Mul', [pooled, pooled]), int64s('axes_last', [-1])],
      { keepdims: { int: 1 } },
      'sumsq',
    );
    const norm = op('Max', [op('Sqrt', [sq]), scalar('norm_floor', 1e-12)], undefined, 'norm');
    g.node('Div', [pooled, norm], ['sentence_embedding']);
  } else {
    g.node('Identity', [pooled], ['sentence_embedding']);
  }
  g.output('sentence_embedding', 'float32', ['batch', H]);
  return g.toBytes();
}
