// finerouter: the pure core (no runtime, no fs, no network). Re-exports only.
export { FineRouterError } from './errors.js';
export type { FineRouterErrorCode } from './errors.js';
export type { OnnxRuntime, RuntimeSession, RuntimeTensor, SessionOptions, TensorType, TensorDataMap } from './runtime/types.js';
export type { Encoder, EmbedOptions } from './encoder/types.js';
export type { RoutingRecord } from './data/types.js';
