// finerouter/label: build routing data from your own prompts and model pool (labelling, judges, converters) and the
// model-pool schema and OpenAI-compatible client shared with `finerouter serve`. Platform-neutral (global fetch,
// WebCrypto); the file-backed store and file readers are in finerouter/node. Re-exports only.
export * from './pool/index.js';
export * from './label/index.js';
export {
  convertLong,
  convertRouterBench,
  convertRouteLlm,
  convertLlmRouter,
  convertScoreArray,
  CONVERT_DEFAULTS,
} from './label/convert.js';
export type { SourceRow, LongColumns, ConvertOptions, ConvertReport, ConvertResult } from './label/convert.js';
