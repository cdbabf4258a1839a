/**
 * ONNX export of the trained heads (artifact contract in src/router/manifest.ts), written with the
 * project's OnnxGraphBuilder (opset 17), and a minimal reader of the initializers back into heads
 * (used by `add-model`, which retrains one general adapter without the training data of the others).
 *
 * classifier.onnx: `embedding` float32 [N, D] → `task_probs` float32 [N, T] = Sigmoid((e·W + b)·U + c).
 * router.onnx: `embedding` float32 [N, D], `task` int64 [N] (0..T−1, T = Others) → `quality` float32 [N, M]:
 *   h = e·Wp + bp; general = ReduceSum(act(h·W1 + b1) ⊙ W2, per model) + b2;
 *   task adapters: Gather(stacked tensor, task) picks one [P, K·Ht] block per prompt (constant cost in T, paper
 *   Sect. 3.3), δ = ReduceSum(act(h·V1 + c1) ⊙ v2, per slot) + c2, scattered onto models through the gathered
 *   one-hot slot map [K, M]; quality = general + Σ_k δ_k · onehot_k.
 * GELU is written in its tanh form (opset 17 has no Gelu operator), matching src/train/kernels.ts.
 */
import { OnnxGraphBuilder } from '../onnx/builder.js';
import type { Activation } from './kernels.js';
import type { ClassifierHeads, QualityHeads } from './heads.js';
import type { LocalPrior } from './local-prior.js';

/** Output name of the local prior in router.onnx (present when the router was trained with one). */
export const LOCAL_PRIOR_OUTPUT = 'local_prior';

const i64 = (values: readonly number[]): BigInt64Array => BigInt64Array.from(values.map((v) => BigInt(v)));

function activationNodes(g: OnnxGraphBuilder, kind: Activation, x: string, out: string): void {
  if (kind === 'relu') {
    g.node('Relu', [x], [out]);
    return;
  }
  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
  const p = `${out}__`;
  g.node('Mul', [x, x], [`${p}x2`]);
  g.node('Mul', [`${p}x2`, x], [`${p}x3`]);
  g.node('Mul', [`${p}x3`, 'gelu_a'], [`${p}ax3`]);
  g.node('Add', [x, `${p}ax3`], [`${p}inner`]);
  g.node('Mul', [`${p}inner`, 'gelu_c'], [`${p}scaled`]);
  g.node('Tanh', [`${p}scaled`], [`${p}tanh`]);
  g.node('Add', [`${p}tanh`, 'gelu_one'], [`${p}onep`]);
  g.node('Mul', [x, `${p}onep`], [`${p}xt`]);
  g.node('Mul', [`${p}xt`, 'gelu_half'], [out]);
}

function geluConstants(g: OnnxGraphBuilder): void {
  g.initializer('gelu_a', 'float32', Float32Array.of(0.044715), []);
  g.initializer('gelu_c', 'float32', Float32Array.of(Math.sqrt(2 / Math.PI)), []);
  g.initializer('gelu_one', 'float32', Float32Array.of(1), []);
  g.initializer('gelu_half', 'float32', Float32Array.of(0.5), []);
}

/**
 * Serializes the classifier to ONNX bytes.
 *
 * @param heads - classifier weights (exported form).
 * @returns ModelProto bytes.
 * @throws RangeError when tensor sizes disagree with the declared dimensions.
 * @example
 * const bytes = buildClassifierOnnx(result.heads);
 */
export function buildClassifierOnnx(heads: ClassifierHeads): Uint8Array {
  const { dimension: d, taskCount: t } = heads;
  const g = new OnnxGraphBuilder('finerouter_classifier');
  g.input('embedding', 'float32', ['N', d]);
  g.initializer('cls_weight', 'float32', heads.weight, [d, d]);
  g.initializer('cls_bias', 'float32', heads.bias, [d]);
  g.initializer('cls_task_encodings', 'float32', heads.taskEncodings, [d, t]);
  g.initializer('cls_task_bias', 'float32', heads.taskBias, [t]);
  g.node('MatMul', ['embedding', 'cls_weight'], ['z0']);
  g.node('Add', ['z0', 'cls_bias'], ['z']);
  g.node('MatMul', ['z', 'cls_task_encodings'], ['logits0']);
  g.node('Add', ['logits0', 'cls_task_bias'], ['logits']);
  g.node('Sigmoid', ['logits'], ['task_probs']);
  g.output('task_probs', 'float32', ['N', t]);
  return g.toBytes();
}

/**
 * Serializes the quality head (the MoE quality estimator) to ONNX bytes; with `local`, a second output `local_prior` [N, M] computes the
 * local prior (./local-prior.ts): Cast(float16 index) → Gemm(embedding, indexᵀ) → TopK(k) → Gather(values) →
 * mean over the k neighbours, plus (classifier estimator) Gemm(embedding, W, b) → Softmax → MatMul(group values);
 * either part may be absent (a classifier with β = 0 ships no index). With `heads.scoreRange`, `quality` is clipped to it.
 *
 * @param heads - quality-head weights (exported form, task tensors with T + 1 rows).
 * @param local - optional local prior (same dimension and model count).
 * @returns ModelProto bytes.
 * @throws RangeError when tensor sizes disagree with the declared dimensions.
 * @example
 * const bytes = buildQualityHeadOnnx(phase2.heads);
 */
export function buildQualityHeadOnnx(heads: QualityHeads, local?: LocalPrior): Uint8Array {
  const {
    dimension: d,
    projection: p,
    modelCount: m,
    hidden: hd,
    taskCount: tc,
    slots: k,
    taskHidden: ht,
    activation,
  } = heads;
  if (local && (local.dimension !== d || local.modelCount !== m)) {
    throw new RangeError(
      `buildQualityHeadOnnx: local prior is [${local.rows}, ${local.dimension}] × ${local.modelCount} models, router is ${d}-d × ${m} models`,
    );
  }
  const kh = k * ht;
  const g = new OnnxGraphBuilder('finerouter_router');
  g.input('embedding', 'float32', ['N', d]);
  g.input('task', 'int64', ['N']);
  if (activation === 'gelu') geluConstants(g);
  g.initializer('proj_weight', 'float32', heads.projWeight, [d, p]);
  g.initializer('proj_bias', 'float32', heads.projBias, [p]);
  g.initializer('gen_w1', 'float32', heads.w1, [p, m * hd]);
  g.initializer('gen_b1', 'float32', heads.b1, [m * hd]);
  g.initializer('gen_w2', 'float32', heads.w2, [m, hd]);
  g.initializer('gen_b2', 'float32', heads.b2, [m]);
  g.initializer('task_w1', 'float32', heads.tw1, [tc + 1, p, kh]);
  g.initializer('task_b1', 'float32', heads.tb1, [tc + 1, kh]);
  g.initializer('task_w2', 'float32', heads.tw2, [tc + 1, kh]);
  g.initializer('task_b2', 'float32', heads.tb2, [tc + 1, k]);
  g.initializer('task_slot_models', 'float32', heads.slotModels, [tc + 1, k, m]);
  g.initializer('shape_gen', 'int64', i64([-1, m, hd]), [3]);
  g.initializer('shape_task_hidden', 'int64', i64([-1, kh]), [2]);
  g.initializer('shape_task_slots', 'int64', i64([-1, k, ht]), [3]);
  g.initializer('axes_1', 'int64', i64([1]), [1]);
  g.initializer('axes_2', 'int64', i64([2]), [1]);

  g.node('MatMul', ['embedding', 'proj_weight'], ['h0']);
  g.node('Add', ['h0', 'proj_bias'], ['h']);
  // General adapters, all models side by side.
  g.node('MatMul', ['h', 'gen_w1'], ['gen_a0']);
  g.node('Add', ['gen_a0', 'gen_b1'], ['gen_a']);
  activationNodes(g, activation, 'gen_a', 'gen_g');
  g.node('Reshape', ['gen_g', 'shape_gen'], ['gen_g3']);
  g.node('Mul', ['gen_g3', 'gen_w2'], ['gen_prod']);
  g.node('ReduceSum', ['gen_prod', 'axes_2'], ['gen_sum'], { keepdims: { int: 0 } });
  g.node('Add', ['gen_sum', 'gen_b2'], ['general']);
  // Task adapters picked by Gather on the task position.
  g.node('Gather', ['task_w1', 'task'], ['tw1'], { axis: { int: 0 } });
  g.node('Gather', ['task_b1', 'task'], ['tb1'], { axis: { int: 0 } });
  g.node('Gather', ['task_w2', 'task'], ['tw2'], { axis: { int: 0 } });
  g.node('Gather', ['task_b2', 'task'], ['tb2'], { axis: { int: 0 } });
  g.node('Gather', ['task_slot_models', 'task'], ['tslots'], { axis: { int: 0 } });
  g.node('Unsqueeze', ['h', 'axes_1'], ['h3']);
  g.node('MatMul', ['h3', 'tw1'], ['ta0']);
  g.node('Reshape', ['ta0', 'shape_task_hidden'], ['ta1']);
  g.node('Add', ['ta1', 'tb1'], ['ta']);
  activationNodes(g, activation, 'ta', 'tg');
  g.node('Mul', ['tg', 'tw2'], ['tprod']);
  g.node('Reshape', ['tprod', 'shape_task_slots'], ['tprod3']);
  g.node('ReduceSum', ['tprod3', 'axes_2'], ['tsum'], { keepdims: { int: 0 } });
  g.node('Add', ['tsum', 'tb2'], ['delta']);
  g.node('Unsqueeze', ['delta', 'axes_2'], ['delta3']);
  g.node('Mul', ['delta3', 'tslots'], ['delta_models']);
  g.node('ReduceSum', ['delta_models', 'axes_1'], ['delta_sum'], { keepdims: { int: 0 } });
  if (heads.scoreRange) {
    g.initializer('quality_min', 'float32', Float32Array.of(heads.scoreRange[0]), []);
    g.initializer('quality_max', 'float32', Float32Array.of(heads.scoreRange[1]), []);
    g.node('Add', ['general', 'delta_sum'], ['quality_raw']);
    g.node('Clip', ['quality_raw', 'quality_min', 'quality_max'], ['quality']);
  } else {
    g.node('Add', ['general', 'delta_sum'], ['quality']);
  }
  g.output('quality', 'float32', ['N', m]);
  if (local) {
    const parts: string[] = [];
    if (local.rows > 0) {
      g.initializer('lp_index', 'float16', local.index, [local.rows, d]);
      g.initializer('lp_values', 'float32', local.values, [local.rows, m]);
      g.initializer('lp_k', 'int64', i64([local.k]), [1]);
      g.initializer('lp_inv_k', 'float32', Float32Array.of(1 / local.k), []);
      g.node('Cast', ['lp_index'], ['lp_index32'], { to: { int: 1 } });
      g.node('Gemm', ['embedding', 'lp_index32'], ['lp_sims'], { transB: { int: 1 } });
      g.node('TopK', ['lp_sims', 'lp_k'], ['lp_top', 'lp_rows'], {
        axis: { int: -1 },
        largest: { int: 1 },
        sorted: { int: 1 },
      });
      g.node('Gather', ['lp_values', 'lp_rows'], ['lp_gathered'], { axis: { int: 0 } });
      g.node('ReduceSum', ['lp_gathered', 'axes_1'], ['lp_sum'], { keepdims: { int: 0 } });
      g.node('Mul', ['lp_sum', 'lp_inv_k'], ['lp_neighbours']);
      parts.push('lp_neighbours');
    }
    const clf = local.classifier;
    if (clf) {
      if (clf.dimension !== d || clf.groupValues.length !== clf.groupCount * m)
        throw new RangeError(
          `buildQualityHeadOnnx: local-prior classifier is ${clf.dimension}-d with ${clf.groupValues.length} group values for ${clf.groupCount} groups × ${m} models`,
        );
      g.initializer('lp_cls_weight', 'float32', clf.weight, [d, clf.groupCount]);
      g.initializer('lp_cls_bias', 'float32', clf.bias, [clf.groupCount]);
      g.initializer('lp_group_values', 'float32', clf.groupValues, [clf.groupCount, m]);
      g.node('Gemm', ['embedding', 'lp_cls_weight', 'lp_cls_bias'], ['lp_cls_logits']);
      g.node('Softmax', ['lp_cls_logits'], ['lp_cls_probs'], { axis: { int: -1 } });
      g.node('MatMul', ['lp_cls_probs', 'lp_group_values'], ['lp_classifier']);
      parts.push('lp_classifier');
    }
    if (parts.length === 0)
      throw new RangeError('buildQualityHeadOnnx: local prior has neither an index nor a classifier');
    if (parts.length === 2) g.node('Add', parts, [LOCAL_PRIOR_OUTPUT]);
    else g.node('Identity', parts, [LOCAL_PRIOR_OUTPUT]);
    g.output(LOCAL_PRIOR_OUTPUT, 'float32', ['N', m]);
  }
  return g.toBytes();
}

// ---- reading back (only what the builders above write) ----

interface Field {
  field: number;
  wire: number;
  value: number;
  start: number;
  end: number;
}

function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  const varint = (): number => {
    let result = 0;
    let mult = 1;
    for (;;) {
      if (pos >= end) throw new RangeError('readOnnxInitializers: truncated varint');
      const b = bytes[pos++];
      result += (b & 0x7f) * mult;
      if (b < 0x80) return result;
      mult *= 128;
    }
  };
  while (pos < end) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      yield { field, wire, value: varint(), start: pos, end: pos };
    } else if (wire === 2) {
      const len = varint();
      if (pos + len > end) throw new RangeError('readOnnxInitializers: truncated field');
      yield { field, wire, value: len, start: pos, end: pos + len };
      pos += len;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 1) {
      pos += 8;
    } else {
      throw new RangeError(`readOnnxInitializers: unsupported wire type ${wire}`);
    }
  }
}

/** The float32 initializers and operator types of an ONNX model. */
export interface OnnxContents {
  initializers: Map<string, { dims: number[]; data: Float32Array }>;
  /** float16 initializers as bit patterns. */
  halfInitializers: Map<string, { dims: number[]; data: Uint16Array }>;
  /** int64 initializers (as numbers). */
  intInitializers: Map<string, { dims: number[]; data: number[] }>;
  opTypes: Set<string>;
}

/**
 * Reads the float32 initializers (raw_data form) and the operator types of a model written by
 * OnnxGraphBuilder. Not a general ONNX parser.
 *
 * @param bytes - ModelProto bytes.
 * @returns initializers by name and the set of op types.
 * @throws RangeError on malformed bytes.
 * @example
 * readOnnxContents(buildClassifierOnnx(heads)).initializers.get('cls_weight');
 */
export function readOnnxContents(bytes: Uint8Array): OnnxContents {
  const decoder = new TextDecoder();
  const initializers = new Map<string, { dims: number[]; data: Float32Array }>();
  const halfInitializers = new Map<string, { dims: number[]; data: Uint16Array }>();
  const intInitializers = new Map<string, { dims: number[]; data: number[] }>();
  const opTypes = new Set<string>();
  for (const top of fields(bytes, 0, bytes.length)) {
    if (top.field !== 7 || top.wire !== 2) continue;
    for (const gf of fields(bytes, top.start, top.end)) {
      if (gf.wire !== 2) continue;
      if (gf.field === 1) {
        for (const nf of fields(bytes, gf.start, gf.end))
          if (nf.field === 4 && nf.wire === 2) opTypes.add(decoder.decode(bytes.subarray(nf.start, nf.end)));
      } else if (gf.field === 5) {
        const dims: number[] = [];
        let type = 0;
        let name = '';
        let raw: Uint8Array | null = null;
        for (const tf of fields(bytes, gf.start, gf.end)) {
          if (tf.field === 1 && tf.wire === 0) dims.push(tf.value);
          else if (tf.field === 2 && tf.wire === 0) type = tf.value;
          else if (tf.field === 8 && tf.wire === 2) name = decoder.decode(bytes.subarray(tf.start, tf.end));
          else if (tf.field === 9 && tf.wire === 2) raw = bytes.subarray(tf.start, tf.end);
        }
        if (raw === null) continue;
        if (type === 10) {
          const half = new Uint16Array(raw.length / 2);
          const hv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
          for (let i = 0; i < half.length; i++) half[i] = hv.getUint16(i * 2, true);
          halfInitializers.set(name, { dims, data: half });
          continue;
        }
        if (type === 7) {
          const iv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
          const ints: number[] = [];
          for (let i = 0; i < raw.length / 8; i++) ints.push(Number(iv.getBigInt64(i * 8, true)));
          intInitializers.set(name, { dims, data: ints });
          continue;
        }
        if (type !== 1) continue;
        const data = new Float32Array(raw.length / 4);
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
        initializers.set(name, { dims, data });
      }
    }
  }
  return { initializers, halfInitializers, intInitializers, opTypes };
}

function need(contents: OnnxContents, name: string, rank: number): { dims: number[]; data: Float32Array } {
  const t = contents.initializers.get(name);
  if (!t || t.dims.length !== rank)
    throw new RangeError(
      `readOnnxHeads: expected a rank-${rank} float32 initializer '${name}'; the file was not written by finerouter train`,
    );
  return t;
}

/**
 * Reads classifier heads back from classifier.onnx bytes written by {@link buildClassifierOnnx}.
 *
 * @param bytes - classifier.onnx.
 * @returns the heads.
 * @throws RangeError when an expected initializer is missing.
 * @example
 * const heads = readClassifierOnnx(await readFile('artifacts/classifier.onnx'));
 */
export function readClassifierOnnx(bytes: Uint8Array): ClassifierHeads {
  const c = readOnnxContents(bytes);
  const w = need(c, 'cls_weight', 2);
  const u = need(c, 'cls_task_encodings', 2);
  return {
    dimension: w.dims[0],
    taskCount: u.dims[1],
    weight: w.data,
    bias: need(c, 'cls_bias', 1).data,
    taskEncodings: u.data,
    taskBias: need(c, 'cls_task_bias', 1).data,
  };
}

/**
 * Reads the quality head back from router.onnx bytes written by {@link buildQualityHeadOnnx}.
 *
 * @param bytes - router.onnx.
 * @returns the heads.
 * @throws RangeError when an expected initializer is missing.
 * @example
 * const heads = readQualityHeadOnnx(await readFile('artifacts/router.onnx'));
 */
export function readQualityHeadOnnx(bytes: Uint8Array): QualityHeads {
  const c = readOnnxContents(bytes);
  const pw = need(c, 'proj_weight', 2);
  const w2 = need(c, 'gen_w2', 2);
  const tw1 = need(c, 'task_w1', 3);
  const tb2 = need(c, 'task_b2', 2);
  const k = tb2.dims[1];
  return {
    dimension: pw.dims[0],
    projection: pw.dims[1],
    modelCount: w2.dims[0],
    hidden: w2.dims[1],
    taskCount: tw1.dims[0] - 1,
    slots: k,
    taskHidden: tw1.dims[2] / k,
    activation: c.opTypes.has('Relu') ? 'relu' : 'gelu',
    projWeight: pw.data,
    projBias: need(c, 'proj_bias', 1).data,
    w1: need(c, 'gen_w1', 2).data,
    b1: need(c, 'gen_b1', 1).data,
    w2: w2.data,
    b2: need(c, 'gen_b2', 1).data,
    tw1: tw1.data,
    tb1: need(c, 'task_b1', 2).data,
    tw2: need(c, 'task_w2', 2).data,
    tb2: tb2.data,
    slotModels: need(c, 'task_slot_models', 3).data,
    ...(c.initializers.has('quality_min') && c.initializers.has('quality_max')
      ? {
          scoreRange: [
            c.initializers.get('quality_min')!.data[0]!,
            c.initializers.get('quality_max')!.data[0]!,
          ] as const,
        }
      : {}),
  };
}

/**
 * Reads the local prior back from router.onnx bytes written by {@link buildQualityHeadOnnx} with one; null when the
 * graph has none.
 *
 * @param bytes - router.onnx.
 * @returns the prior (β is not stored in the graph and reads as NaN; the manifest records it) or null.
 * @throws RangeError when the local-prior initializers are inconsistent.
 * @example
 * const local = readLocalPriorOnnx(await readFile('artifacts/router.onnx'));
 */
export function readLocalPriorOnnx(bytes: Uint8Array): LocalPrior | null {
  const c = readOnnxContents(bytes);
  const index = c.halfInitializers.get('lp_index');
  const values = c.initializers.get('lp_values');
  const k = c.intInitializers.get('lp_k');
  const weight = c.initializers.get('lp_cls_weight');
  const bias = c.initializers.get('lp_cls_bias');
  const groupValues = c.initializers.get('lp_group_values');
  const bad = (): RangeError =>
    new RangeError(
      'readLocalPriorOnnx: inconsistent local-prior initializers; the file was not written by finerouter train',
    );
  const hasIndex = Boolean(index || values || k);
  const hasClassifier = Boolean(weight || bias || groupValues);
  if (!hasIndex && !hasClassifier) return null;
  if (
    hasIndex &&
    (!index ||
      !values ||
      !k ||
      index.dims.length !== 2 ||
      values.dims.length !== 2 ||
      index.dims[0] !== values.dims[0] ||
      k.data.length !== 1)
  )
    throw bad();
  let classifier: LocalPrior['classifier'];
  if (hasClassifier) {
    if (
      !weight ||
      !bias ||
      !groupValues ||
      weight.dims.length !== 2 ||
      groupValues.dims.length !== 2 ||
      bias.dims[0] !== weight.dims[1] ||
      groupValues.dims[0] !== weight.dims[1] ||
      (index && (index.dims[1] !== weight.dims[0] || values!.dims[1] !== groupValues.dims[1]))
    )
      throw bad();
    classifier = {
      dimension: weight.dims[0]!,
      groupCount: weight.dims[1]!,
      weight: weight.data,
      bias: bias.data,
      groupValues: groupValues.data,
    };
  }
  return {
    dimension: index ? index.dims[1]! : weight!.dims[0]!,
    rows: index ? index.dims[0]! : 0,
    modelCount: values ? values.dims[1]! : groupValues!.dims[1]!,
    k: k ? k.data[0]! : 0,
    beta: Number.NaN,
    index: index ? index.data : new Uint16Array(0),
    values: values ? values.data : new Float32Array(0),
    ...(classifier ? { classifier } : {}),
  };
}
