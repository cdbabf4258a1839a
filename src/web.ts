// finerouter/web: the pure core plus the browser adapters (onnxruntime-web). Re-exports only.
export * from './index.js';
