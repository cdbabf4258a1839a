// The model-pool schema and its OpenAI-compatible client (shared by `label` and `serve`). Re-exports only.
export { validatePool, callCost, POOL_DEFAULTS } from './schema.js';
export type { ModelPool, PoolModel, PoolPrices } from './schema.js';
export {
  createChatClient,
  createPoolClients,
  createLimiter,
  retryAfterMs,
  estimateTokens,
  CHAT_CLIENT_DEFAULTS,
} from './client.js';
export type {
  ChatClient,
  ChatClientOptions,
  ChatClientStats,
  ChatMessage,
  ChatRequest,
  ChatResult,
  ChatUsage,
  Limiter,
} from './client.js';
