// finerouter/ai-sdk: a Vercel AI SDK language model (LanguageModelV3) that routes each call. Re-exports only.
export { createFineRouterModel } from './integrations/ai-sdk.js';
export type { FineRouterModelOptions, FineRouterProviderMetadata, RouterLike } from './integrations/ai-sdk.js';
export {
  callWithFallback,
  classifyUpstreamError,
  fallbackOrder,
  routingSummary,
  FALLBACK_DEFAULTS,
} from './integrations/fallback.js';
export type {
  Attempt,
  AttemptOutcome,
  FallbackOptions,
  FallbackResult,
  RoutedModels,
  RoutingSummary,
} from './integrations/fallback.js';
export type { RequestRoutingOptions } from './integrations/options.js';
