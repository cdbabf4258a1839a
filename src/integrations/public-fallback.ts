// The fallback API (./fallback.ts) and request-routing options that every framework entry ('finerouter/ai-sdk',
// '/openai', '/langchain') exposes beside its own adapter. One list, re-exported by the three entries.
export {
  callWithFallback,
  classifyUpstreamError,
  fallbackOrder,
  routingSummary,
  FALLBACK_DEFAULTS,
} from './fallback.js';
export type {
  Attempt,
  AttemptOutcome,
  FallbackOptions,
  FallbackResult,
  RoutedModels,
  RoutingSummary,
} from './fallback.js';
export type { RequestRoutingOptions } from './options.js';
