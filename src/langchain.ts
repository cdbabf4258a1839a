// finerouter/langchain: a LangChain.js chat model routing among chat models. Re-exports only.
export { FineRouterChatModel } from './integrations/langchain.js';
export type {
  FineRouterChatModelCallOptions,
  FineRouterChatModelFields,
  RoutableChatModel,
} from './integrations/langchain.js';
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
