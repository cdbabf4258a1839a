// finerouter/node: the pure core plus the Node adapters (onnxruntime-node, tokenizers, fs). Re-exports only.
export * from './index.js';
