// finerouter/langchain: a LangChain.js chat model routing among chat models. Re-exports only.
export { FineRouterChatModel } from './integrations/langchain.js';
export type {
  FineRouterChatModelCallOptions,
  FineRouterChatModelFields,
  RoutableChatModel,
} from './integrations/langchain.js';
export type { RouterLike } from './integrations/ai-sdk.js';
export * from './integrations/public-fallback.js';
