// src/router: FineRouter inference (paper Sect. 3.3). Re-exports only.
export { FineRouter, FINE_ROUTER_DEFAULTS, GRAPH_NAMES, sha256Digest } from './router.js';
export type {
  FineRouterCreateOptions,
  RouteOptions,
  RouteResult,
  RoutedTask,
  ModelScore,
  EncoderCheck,
} from './router.js';
export { aggregateAndSelect, minMaxNormalize, FLAT_NORMALIZED_VALUE, TOLERANCE_EPSILON } from './score.js';
export type { PromptSelection } from './score.js';
export { validateManifest, assertSafeArtifactPath, MANIFEST_SCHEMA, MANIFEST_VERSION } from './manifest.js';
export type { Manifest, ManifestModel, ManifestTask, ManifestOthers } from './manifest.js';
export {
  parseManifest,
  checkArtifactListing,
  verifyArtifactChecksums,
  isIgnoredArtifactEntry,
  MANIFEST_FILE,
} from './load.js';
export type { LoadFineRouterCommonOptions } from './load.js';
export { routerInputFromMessages, messageText, MESSAGES_INPUT_DEFAULTS } from './messages.js';
export type { ChatMessage, ChatTextPart, MessagesInputOptions } from './messages.js';
