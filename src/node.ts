// finerouter/node: the pure core plus the Node adapters (onnxruntime-node, tokenizers, fs). Re-exports only.
export * from './index.js';
export { readRoutingJsonl, READ_ROUTING_JSONL_DEFAULTS } from './adapters/node/jsonl.js';
export type { ReadRoutingJsonlOptions, ReadRoutingJsonlResult } from './adapters/node/jsonl.js';
export { createOpenAiDescriber, OPENAI_DESCRIBER_DEFAULTS, sha256Hex } from './adapters/describer-openai.js';
export type { OpenAiDescriber, OpenAiDescriberOptions, OpenAiDescriberStats, DescriptionCache } from './adapters/describer-openai.js';
export { createFileDescriptionCache } from './adapters/node/describer-cache.js';
