// finerouter/node: the pure core plus the Node adapters (onnxruntime-node, tokenizers, fs). Re-exports only.
export * from './index.js';
export { readRoutingJsonl, READ_ROUTING_JSONL_DEFAULTS } from './adapters/node/jsonl.js';
export type { ReadRoutingJsonlOptions, ReadRoutingJsonlResult } from './adapters/node/jsonl.js';
