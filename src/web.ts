// finerouter/web: the pure core plus the browser adapters (onnxruntime-web). Re-exports only.
export * from './index.js';
export { loadFineRouter } from './adapters/web/artifacts.js';
export type { LoadFineRouterWebOptions, ArtifactUrlMap } from './adapters/web/artifacts.js';
