// src/onnx: a dependency-free ONNX ModelProto writer. Re-exports only.
export { OnnxGraphBuilder, ONNX_BUILDER_DEFAULTS, ONNX_IR_VERSION } from './builder.js';
export type { OnnxAttribute, OnnxDataType, OnnxGraphBuilderOptions, OnnxTensorData } from './builder.js';
export { float16ToFloat32, float32ToFloat16, float16Table } from './float16.js';
