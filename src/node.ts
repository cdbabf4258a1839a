// finerouter/node: the pure core plus the Node adapters (onnxruntime-node, tokenizers, fs). Re-exports only.
export * from './index.js';
export { createNodeRuntime, NODE_RUNTIME_DEFAULTS } from './adapters/node/runtime.js';
export type { NodeRuntimeOptions } from './adapters/node/runtime.js';
export type { ProviderFallback } from './adapters/ort-session.js';
export {
  loadMiniLmEncoder,
  loadOnnxSentenceEncoder,
  buildMiniLmOnnx,
  defaultMiniLmModelDir,
  MINILM_DEFAULTS,
} from './adapters/node/minilm.js';
export type {
  MiniLmEncoderOptions,
  OnnxSentenceEncoderOptions,
  BuildMiniLmOnnxOptions,
} from './adapters/node/minilm.js';
export { createEncoderPool, ENCODER_POOL_DEFAULTS } from './adapters/node/encoder-pool.js';
export type { EncoderPool, EncoderPoolOptions, WorkerEncoderSpec } from './adapters/node/encoder-pool.js';
export { readRoutingJsonl, READ_ROUTING_JSONL_DEFAULTS } from './adapters/node/jsonl.js';
export type { ReadRoutingJsonlOptions, ReadRoutingJsonlResult } from './adapters/node/jsonl.js';
export { createOpenAiDescriber, OPENAI_DESCRIBER_DEFAULTS } from './adapters/describer-openai.js';
export type {
  OpenAiDescriber,
  OpenAiDescriberOptions,
  OpenAiDescriberStats,
  DescriptionCache,
} from './adapters/describer-openai.js';
export { createFileDescriptionCache } from './adapters/node/describer-cache.js';
export { loadFineRouter, writeFineRouterArtifacts } from './adapters/node/artifacts.js';
export type { WriteArtifactsOptions } from './adapters/node/artifacts.js';
export type { LoadFineRouterOptions, FineRouterArtifacts } from './adapters/node/artifacts.js';
export { writeArtifacts, readArtifacts } from './adapters/node/artifacts-write.js';
export { checkArtifactOutput, recoverArtifactDir, resolveArtifactDir } from './adapters/node/artifact-dir.js';
export type {
  ArtifactOutputState,
  CheckArtifactOutputOptions,
  ResolvedArtifactDir,
} from './adapters/node/artifact-dir.js';
export type { TrainedArtifacts } from './adapters/node/artifacts-write.js';
export { embedTextsCached } from './adapters/node/embedding-store.js';
export type { EmbedCachedOptions } from './adapters/node/embedding-store.js';
export { cachedEmbedder } from './adapters/node/embedder.js';
export type { CachedEmbedderOptions } from './adapters/node/embedder.js';
export { defaultCacheDir, cachePaths } from './adapters/node/cache-dir.js';
export type { CachePaths, CacheEnvironment } from './adapters/node/cache-dir.js';
export { readShippedEmbeddings, checkEmbeddings } from './adapters/node/shipped-embeddings.js';
export { readPoolFile } from './adapters/node/pool-file.js';
export { openLabelStore } from './adapters/node/label-store.js';
export type { FileLabelStore, OpenLabelStoreOptions } from './adapters/node/label-store.js';
export { readPromptsFile, readTableFile, writeRoutingJsonl } from './adapters/node/label-files.js';
