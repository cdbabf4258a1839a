// Internal entry for the benchmarks in bench/ only: NOT part of the API, not in package.json "exports" (a
// user cannot import it), free to change in any release. Kernels, seeded generators and forward passes that
// the benchmarks time against references.
export { mulberry32 } from './random.js';
export { matmul, matmulTransA, matmulTransB } from './train/kernels.js';
export { qualityHeadForward, classifierForward } from './train/heads.js';
export { readQualityHeadOnnx, readClassifierOnnx } from './train/onnx-export.js';
export { exactKnn, approximateKnn, knnRecall } from './discovery/knn.js';
export { OnnxGraphBuilder } from './onnx/builder.js';
export { batchingRoute } from './server/batching.js';
export { balancedBatchRows, planBatches } from './encoder/batch-plan.js';
