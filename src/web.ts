// finerouter/web: the pure core plus the browser adapters (onnxruntime-web). Re-exports only.
export * from './index.js';
export { createWebRuntime, WEB_RUNTIME_DEFAULTS } from './adapters/web/runtime.js';
export type { WebRuntimeOptions } from './adapters/web/runtime.js';
export type { ProviderFallback } from './adapters/ort-session.js';
export { loadMiniLmEncoder, loadOnnxSentenceEncoder } from './adapters/web/minilm.js';
export type { WebMiniLmEncoderOptions, WebOnnxSentenceEncoderOptions, ByteSource } from './adapters/web/minilm.js';
export { loadFineRouter } from './adapters/web/artifacts.js';
export type { LoadFineRouterWebOptions, ArtifactUrlMap } from './adapters/web/artifacts.js';
