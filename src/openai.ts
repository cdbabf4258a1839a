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
export * from './integrations/public-fallback.js';
