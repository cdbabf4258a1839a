/**
 * OnnxGraphBuilder: assembles an ONNX graph (inputs, outputs, initializers, nodes) and serializes it
 * as a ModelProto with our own protobuf writer (./protobuf.ts). Pure and dependency-free, used by the
 * encoder (src/adapters/.../minilm) and by training's ONNX export (src/train).
 *
 * Source: onnx/onnx.proto (IR version 8) field numbers:
 *   ModelProto { ir_version=1, producer_name=2, producer_version=3, domain=4, model_version=5, doc_string=6,
 *                graph=7, opset_import=8 }
 *   OperatorSetIdProto { domain=1, version=2 }
 *   GraphProto { node=1, name=2, initializer=5, doc_string=10, input=11, output=12, value_info=13 }
 *   NodeProto { input=1, output=2, name=3, op_type=4, attribute=5, doc_string=6, domain=7 }
 *   AttributeProto { name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, type=20 }
 *   TensorProto { dims=1, data_type=2, name=8, raw_data=9 }
 *   ValueInfoProto { name=1, type=2 }; TypeProto { tensor_type=1 }; TypeProto.Tensor { elem_type=1, shape=2 }
 *   TensorShapeProto { dim=1 }; Dimension { dim_value=1, dim_param=2 }
 *
 * Deliberate choices: tensor payloads always go to `raw_data` in little-endian order (byte-swapped on a
 * big-endian host); names are validated (non-empty, unique for graph inputs/initializers, node outputs
 * produced once) so a malformed graph fails here with a TypeError/RangeError rather than inside a runtime.
 */
import { ProtoMessage } from './protobuf.js';

/** Element types the builder can write. */
export type OnnxDataType = 'float32' | 'int64' | 'int32' | 'bool' | 'float16' | 'int8' | 'uint8';

/**
 * Typed-array storage accepted for tensors: Float32Array (float32), BigInt64Array (int64), Int32Array (int32),
 * Uint8Array (bool, uint8), Uint16Array (float16 bit patterns), Int8Array (int8).
 */
export type OnnxTensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array | Int8Array;

/** A node attribute value; exactly one key. */
export type OnnxAttribute =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { string: string }
  | { tensor: { type: OnnxDataType; data: OnnxTensorData; dims: readonly number[] } };

/** Options for {@link OnnxGraphBuilder}. */
export interface OnnxGraphBuilderOptions {
  /**
   * Default-domain opset version imported by the model.
   * @defaultValue 17
   */
  opset?: number;
  /**
   * `producer_name` written into the model.
   * @defaultValue 'finerouter'
   */
  producer?: string;
}

/** Defaults of {@link OnnxGraphBuilderOptions}. */
export const ONNX_BUILDER_DEFAULTS = Object.freeze({ opset: 17, producer: 'finerouter' });

/** The IR version written into every model (ONNX 1.10+ runtimes read it). */
export const ONNX_IR_VERSION = 8;

const DATA_TYPE_CODE: Readonly<Record<OnnxDataType, number>> = Object.freeze({
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  int8: 3,
  uint8: 2,
});

const ARRAY_OF: Readonly<Record<OnnxDataType, string>> = Object.freeze({
  float32: 'Float32Array',
  int64: 'BigInt64Array',
  int32: 'Int32Array',
  bool: 'Uint8Array',
  float16: 'Uint16Array',
  int8: 'Int8Array',
  uint8: 'Uint8Array',
});

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_TENSOR = 4;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function checkName(where: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`${where}: expected a non-empty string name, received ${JSON.stringify(name)}`);
  }
  return name;
}

function checkType(where: string, type: unknown): OnnxDataType {
  if (typeof type !== 'string' || !(type in DATA_TYPE_CODE)) {
    throw new TypeError(
      `${where}: expected one of ${Object.keys(DATA_TYPE_CODE).join(', ')}, received ${String(type)}`,
    );
  }
  return type as OnnxDataType;
}

function isDataOf(type: OnnxDataType, data: unknown): boolean {
  switch (type) {
    case 'float32':
      return data instanceof Float32Array;
    case 'int64':
      return data instanceof BigInt64Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'bool':
      return data instanceof Uint8Array;
    case 'float16':
      return data instanceof Uint16Array;
    case 'int8':
      return data instanceof Int8Array;
    case 'uint8':
      return data instanceof Uint8Array;
  }
}

/** Little-endian bytes of a typed array (a view when the host is little-endian, else a swapped copy). */
function littleEndianBytes(data: OnnxTensorData): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return view;
  const width = data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(view.byteLength);
  for (let i = 0; i < view.byteLength; i += width) {
    for (let b = 0; b < width; b++) out[i + b] = view[i + width - 1 - b]!;
  }
  return out;
}

function tensorProto(
  where: string,
  name: string | undefined,
  type: OnnxDataType,
  data: OnnxTensorData,
  dims: readonly number[],
): ProtoMessage {
  checkType(where, type);
  if (!isDataOf(type, data)) {
    throw new TypeError(
      `${where}: expected ${ARRAY_OF[type]} data for type ${type}, received ${Object.prototype.toString.call(data)}`,
    );
  }
  if (!Array.isArray(dims)) throw new TypeError(`${where}: expected dims as an array, received ${String(dims)}`);
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new RangeError(`${where}: expected non-negative integer dims, received [${dims.join(', ')}]`);
    count *= d;
  }
  if (count !== data.length) {
    throw new RangeError(`${where}: dims [${dims.join(', ')}] need ${count} elements, received ${data.length}`);
  }
  const msg = new ProtoMessage();
  for (const d of dims) msg.varint(1, d);
  msg.varint(2, DATA_TYPE_CODE[type]);
  if (name !== undefined) msg.string(8, name);
  msg.bytes(9, littleEndianBytes(data));
  return msg;
}

function valueInfo(where: string, name: string, type: OnnxDataType, dims: readonly (number | string)[]): ProtoMessage {
  if (!Array.isArray(dims)) throw new TypeError(`${where}: expected dims as an array, received ${String(dims)}`);
  const shape = new ProtoMessage();
  for (const d of dims) {
    const dim = new ProtoMessage();
    if (typeof d === 'string' && d.length > 0) dim.string(2, d);
    else if (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0) dim.varint(1, d);
    else
      throw new TypeError(
        `${where}: expected dims of non-negative integers or symbolic names, received ${JSON.stringify(d)}`,
      );
    shape.message(1, dim);
  }
  const tensorType = new ProtoMessage().varint(1, DATA_TYPE_CODE[type]).message(2, shape);
  const typeProto = new ProtoMessage().message(1, tensorType);
  return new ProtoMessage().string(1, name).message(2, typeProto);
}

function attributeProto(where: string, name: string, value: OnnxAttribute): ProtoMessage {
  const msg = new ProtoMessage().string(1, name);
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${where}: attribute ${name}: expected an object, received ${String(value)}`);
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new TypeError(
      `${where}: attribute ${name}: expected exactly one of int/float/ints/floats/string/tensor, received {${keys.join(', ')}}`,
    );
  }
  if ('int' in value) {
    if (!Number.isSafeInteger(value.int))
      throw new TypeError(`${where}: attribute ${name}: expected an integer, received ${value.int}`);
    msg.varint(3, value.int).varint(20, ATTR_INT);
  } else if ('float' in value) {
    if (typeof value.float !== 'number')
      throw new TypeError(`${where}: attribute ${name}: expected a number, received ${String(value.float)}`);
    msg.float(2, value.float).varint(20, ATTR_FLOAT);
  } else if ('ints' in value) {
    for (const v of value.ints) {
      if (!Number.isSafeInteger(v))
        throw new TypeError(`${where}: attribute ${name}: expected integers, received ${v}`);
      msg.varint(8, v);
    }
    msg.varint(20, ATTR_INTS);
  } else if ('floats' in value) {
    for (const v of value.floats) msg.float(7, v);
    msg.varint(20, ATTR_FLOATS);
  } else if ('string' in value) {
    msg.string(4, value.string).varint(20, ATTR_STRING);
  } else if ('tensor' in value) {
    const t = value.tensor;
    msg
      .message(5, tensorProto(`${where}: attribute ${name}`, undefined, t.type, t.data, t.dims))
      .varint(20, ATTR_TENSOR);
  } else {
    throw new TypeError(`${where}: attribute ${name}: unknown kind ${keys[0]}`);
  }
  return msg;
}

/**
 * Builds an ONNX model graph and serializes it to ModelProto bytes.
 *
 * @example
 * ```ts
 * const g = new OnnxGraphBuilder('affine');
 * const x = g.input('x', 'float32', ['batch', 2]);
 * const w = g.initializer('w', 'float32', Float32Array.of(1, 2, 3, 4), [2, 2]);
 * g.node('MatMul', [x, w], ['y']);
 * g.output('y', 'float32', ['batch', 2]);
 * const bytes = g.toBytes(); // feed to onnxruntime InferenceSession.create(bytes)
 * ```
 */
export class OnnxGraphBuilder {
  private readonly name: string;
  private readonly opset: number;
  private readonly domains = new Set<string>();
  private readonly producer: string;
  private readonly inputs: ProtoMessage[] = [];
  private readonly outputs: ProtoMessage[] = [];
  private readonly initializers: ProtoMessage[] = [];
  private readonly nodes: ProtoMessage[] = [];
  /** Names of graph inputs, initializers and node outputs (each defined once). */
  private readonly defined = new Set<string>();
  private nodeCount = 0;

  /**
   * @param name - Graph name.
   * @param options - See {@link OnnxGraphBuilderOptions}.
   * @throws TypeError on an empty name; RangeError on an opset outside 1..100.
   */
  constructor(name: string, options: OnnxGraphBuilderOptions = {}) {
    this.name = checkName('OnnxGraphBuilder', name);
    const opset = options.opset ?? ONNX_BUILDER_DEFAULTS.opset;
    if (!Number.isInteger(opset) || opset < 1 || opset > 100) {
      throw new RangeError(`OnnxGraphBuilder: expected an opset in 1..100, received ${opset}`);
    }
    this.opset = opset;
    this.producer = options.producer ?? ONNX_BUILDER_DEFAULTS.producer;
  }

  private define(where: string, name: string): void {
    if (this.defined.has(name)) throw new RangeError(`${where}: name '${name}' is already defined in the graph`);
    this.defined.add(name);
  }

  /**
   * Declares a graph input.
   * @param name - Input name (unique).
   * @param type - Element type.
   * @param dims - Dimensions; strings are symbolic (e.g. 'batch').
   * @returns The name, for chaining into {@link node}.
   * @throws TypeError on a bad name/type/dims; RangeError on a duplicate name.
   */
  input(name: string, type: OnnxDataType, dims: readonly (number | string)[]): string {
    checkName('OnnxGraphBuilder.input', name);
    checkType('OnnxGraphBuilder.input', type);
    this.define('OnnxGraphBuilder.input', name);
    this.inputs.push(valueInfo('OnnxGraphBuilder.input', name, type, dims));
    return name;
  }

  /**
   * Declares a graph output (a name some node produces, or an input/initializer).
   * @param name - Output name.
   * @param type - Element type.
   * @param dims - Dimensions; strings are symbolic.
   * @returns The name.
   * @throws TypeError on a bad name/type/dims.
   */
  output(name: string, type: OnnxDataType, dims: readonly (number | string)[]): string {
    checkName('OnnxGraphBuilder.output', name);
    checkType('OnnxGraphBuilder.output', type);
    this.outputs.push(valueInfo('OnnxGraphBuilder.output', name, type, dims));
    return name;
  }

  /**
   * Adds a constant tensor (weights). The data is referenced, not copied, until {@link toBytes}.
   * @param name - Initializer name (unique).
   * @param type - Element type; the data must be the matching typed array (float16 as Uint16Array bits).
   * @param data - Row-major values.
   * @param dims - Dimensions; their product must equal `data.length`.
   * @returns The name.
   * @throws TypeError on a wrong array kind; RangeError on a size mismatch or duplicate name.
   */
  initializer(name: string, type: OnnxDataType, data: OnnxTensorData, dims: readonly number[]): string {
    checkName('OnnxGraphBuilder.initializer', name);
    const proto = tensorProto(`OnnxGraphBuilder.initializer(${name})`, name, type, data, dims);
    this.define('OnnxGraphBuilder.initializer', name);
    this.initializers.push(proto);
    return name;
  }

  /**
   * Adds an operator node.
   * @param opType - Operator, e.g. 'MatMul'.
   * @param inputs - Input names; '' marks an omitted optional input.
   * @param outputs - Output names (each defined once in the graph).
   * @param attributes - Attribute values by name.
   * @param domain - Operator domain: '' (default ONNX) or e.g. 'com.microsoft' (imported at version 1).
   * @throws TypeError on a bad op/attribute/domain; RangeError when an output name is already defined.
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Readonly<Record<string, OnnxAttribute>> = {},
    domain = '',
  ): void {
    checkName('OnnxGraphBuilder.node', opType);
    const where = `OnnxGraphBuilder.node(${opType})`;
    if (typeof domain !== 'string')
      throw new TypeError(`${where}: expected the domain as a string, received ${typeof domain}`);
    const msg = new ProtoMessage();
    for (const input of inputs) {
      if (typeof input !== 'string')
        throw new TypeError(`${where}: expected string input names, received ${String(input)}`);
      msg.string(1, input);
    }
    if (outputs.length === 0) throw new RangeError(`${where}: expected at least one output`);
    for (const output of outputs) {
      checkName(where, output);
      this.define(where, output);
      msg.string(2, output);
    }
    msg.string(3, `${opType}_${this.nodeCount++}`);
    msg.string(4, opType);
    for (const [attrName, value] of Object.entries(attributes)) msg.message(5, attributeProto(where, attrName, value));
    if (domain !== '') {
      msg.string(7, domain);
      this.domains.add(domain);
    }
    this.nodes.push(msg);
  }

  /**
   * Serializes the model.
   * @returns ModelProto bytes (IR version 8, the configured default-domain opset).
   * @throws RangeError when the graph has no output.
   */
  toBytes(): Uint8Array {
    if (this.outputs.length === 0) throw new RangeError('OnnxGraphBuilder.toBytes: the graph has no output');
    const graph = new ProtoMessage();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, this.name);
    for (const t of this.initializers) graph.message(5, t);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    const opset = new ProtoMessage().string(1, '').varint(2, this.opset);
    const model = new ProtoMessage()
      .varint(1, ONNX_IR_VERSION)
      .string(2, this.producer)
      .string(3, '0.1.0')
      .message(7, graph)
      .message(8, opset);
    for (const domain of this.domains) model.message(8, new ProtoMessage().string(1, domain).varint(2, 1));
    return model.finish();
  }
}
