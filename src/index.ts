// finerouter: the pure core (no runtime, no fs, no network). Re-exports only.
// What a user of a trained router and of the ranking / graph primitives calls, and the types they need.
// Training and discovery live in 'finerouter/train', evaluation in 'finerouter/eval', runtimes and files in
// 'finerouter/node' and 'finerouter/web'. Kernels, optimizers, forward passes and helpers stay internal.
export { FineRouterError } from './errors.js';
export type { FineRouterErrorCode } from './errors.js';
export type {
  OnnxRuntime,
  RuntimeSession,
  RuntimeTensor,
  SessionOptions,
  TensorType,
  TensorDataMap,
} from './runtime/types.js';
export type { Encoder, EmbedOptions } from './encoder/types.js';
export type { PoolingMode } from './encoder/sentence-encoder.js';
export type { RoutingRecord } from './data/types.js';
export { parseRoutingLine, validateRoutingRecord } from './data/parse.js';
// Ranking primitives (Sect. 3.1.1): RBO, MRR fusion, candidate selection.
export { rankBiasedOverlap, RBO_DEFAULTS, createRboKernel, rankingFromScores } from './rbo/index.js';
export type { RboOptions, RboResult, RboKernel, RankedList } from './rbo/index.js';
export { reciprocalRankFusion, selectCandidates, FUSION_DEFAULTS, CANDIDATE_DEFAULTS } from './rankfusion/index.js';
export type {
  ReciprocalRankFusionOptions,
  SelectCandidatesOptions,
  FusedItem,
  CandidateSelection,
} from './rankfusion/index.js';
// Leiden on any graph.
export { buildGraph, leiden, LEIDEN_DEFAULTS, modularity, parseEdgeList } from './leiden/index.js';
export type {
  CsrGraph,
  GraphInput,
  LeidenOptions,
  LeidenResult,
  LeidenIterationInfo,
  ModularityOptions,
  EdgeList,
} from './leiden/index.js';
// The router (Sect. 3.3) and its artifacts.
export { FineRouter, FINE_ROUTER_DEFAULTS } from './router/router.js';
export { validateManifest, MANIFEST_SCHEMA, MANIFEST_VERSION } from './router/manifest.js';
export { routerInputFromMessages, messageText, MESSAGES_INPUT_DEFAULTS } from './router/messages.js';
export type {
  FineRouterCreateOptions,
  RouteOptions,
  RouteResult,
  RoutedTask,
  ModelScore,
  EncoderCheck,
} from './router/router.js';
export type { Manifest, ManifestModel, ManifestTask, ManifestOthers } from './router/manifest.js';
export type { ChatMessage, ChatTextPart, MessagesInputOptions } from './router/messages.js';
// Types of Stage 1 results (tasks.json, manifests) that router users read.
export type * from './discovery/public-types.js';
