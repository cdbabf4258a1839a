// finerouter/openai: routed chat.completions.create over OpenAI Node SDK clients. Re-exports only.
export { createRoutedOpenAI, isRefusalCompletion } from './integrations/openai.js';
export type {
  OpenAIClientLike,
  OpenAITarget,
  RoutedOpenAI,
  RoutedOpenAIOptions,
  RoutedParamsNonStreaming,
  RoutedParamsStreaming,
  RequestOptions,
} from './integrations/openai.js';
export type { RouterLike } from './integrations/ai-sdk.js';
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
