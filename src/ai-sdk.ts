// finerouter/ai-sdk: a Vercel AI SDK language model (LanguageModelV3) that routes each call. Re-exports only.
export { createFineRouterModel } from './integrations/ai-sdk.js';
export type { FineRouterModelOptions, FineRouterProviderMetadata, RouterLike } from './integrations/ai-sdk.js';
export * from './integrations/public-fallback.js';
