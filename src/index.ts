// finerouter: the pure core (no runtime, no fs, no network). Re-exports only.
export { FineRouterError } from './errors.js';
export type { FineRouterErrorCode } from './errors.js';
export type { OnnxRuntime, RuntimeSession, RuntimeTensor, SessionOptions, TensorType, TensorDataMap } from './runtime/types.js';
export type { Encoder, EmbedOptions } from './encoder/types.js';
export type { PoolingMode } from './encoder/sentence-encoder.js';
export type { RoutingRecord } from './data/types.js';
export { rankBiasedOverlap, RBO_DEFAULTS, createRboKernel, rankingFromScores } from './rbo/index.js';
export type { RboOptions, RboResult, RboKernel, RankedList } from './rbo/index.js';
export { reciprocalRankFusion, selectCandidates, FUSION_DEFAULTS, CANDIDATE_DEFAULTS } from './rankfusion/index.js';
export type { ReciprocalRankFusionOptions, SelectCandidatesOptions, FusedItem, CandidateSelection } from './rankfusion/index.js';
export { DISCOVERY_DEFAULTS, TASKS_SCHEMA, TASKS_VERSION } from './discovery/types.js';
export type {
  DiscoveryResult, DiscoveredTask, DiscoveryOthers, DiscoveryOptions, ResolvedDiscoveryOptions, DiscoveryStage,
  DiscoveryStats, DiscoveryLevelStats, Describer, DescribeOptions, FusedScore, TasksFile,
} from './discovery/types.js';
export {
  FineRouter, FINE_ROUTER_DEFAULTS, GRAPH_NAMES, sha256Digest, aggregateAndSelect, minMaxNormalize, FLAT_NORMALIZED_VALUE,
  TOLERANCE_EPSILON, validateManifest, assertSafeArtifactPath, MANIFEST_SCHEMA, MANIFEST_VERSION,
  routerInputFromMessages, messageText, MESSAGES_INPUT_DEFAULTS,
} from './router/index.js';
export type {
  FineRouterCreateOptions, RouteOptions, RouteResult, RoutedTask, ModelScore, EncoderCheck, Selection, Manifest,
  ManifestModel, ManifestTask, ManifestOthers, ChatMessage, ChatTextPart, MessagesInputOptions,
} from './router/index.js';
export { parseRoutingLine, validateRoutingRecord, modelsOf, rankingIndices } from './data/parse.js';
export { promptDescriber, truncateText, PROMPT_DESCRIBER_DEFAULTS, DESCRIPTION_INSTRUCTION, SUMMARY_INSTRUCTION } from './discovery/describer.js';
export type { PromptDescriberOptions } from './discovery/describer.js';
export {
  splitRecords, hashUnit, sampleIndices, SPLIT_DEFAULTS, buildEvalTable, poolOf, meanModelCost, selectByScores, evaluateSelection,
  costQualityCurve, nonDecreasingHull, hullQualityAt, aiq, headroomCaptured, expectedCalibrationError, macroF1, mulberry32,
  singleModelScores, oracleScores, randomScores, modelMeans, fitKnnRouter, fitMlpRouter, KNN_DEFAULTS, MLP_DEFAULTS,
  runArtifactHeads, gatherRows, medianCenters, nearestCenter, stage1Scores, fineRouterSelect, alignDiscovery, evaluateRouters,
  reportMarkdown, costQualitySvg, qualityBarsSvg,
} from './eval/index.js';
export type {
  SplitOptions, RecordSplit, EvalTable, EvalTableOptions, DataIssues, RoutingSelection, SelectOptions, SelectionResult,
  CurvePoint, CostQuality, Calibration, KnnOptions, KnnRouter, MlpOptions, MlpRouter, ArtifactHeads, RunArtifactHeadsOptions,
  DiscoveryView, EvaluateOptions, EvalReport, SplitReport, MethodReport, TwoStageInput, ReportMarkdownOptions, SvgOptions,
} from './eval/index.js';
export { discoverTasks } from './discovery/discover.js';
export { exactKnn, approximateKnn, nearestNeighbors, knnRecall, NEAREST_NEIGHBORS_DEFAULTS } from './discovery/knn.js';
export type { KnnGraph, ExactKnnOptions, ApproximateKnnOptions, NearestNeighborsOptions } from './discovery/knn.js';
export { buildPromptGraph, PROMPT_GRAPH_DEFAULTS } from './discovery/graph.js';
export type { PromptGraph, PromptGraphInput, PromptGraphOptions } from './discovery/graph.js';
export * from './train/index.js';
export { buildGraph, leiden, LEIDEN_DEFAULTS, modularity, parseEdgeList } from './leiden/index.js';
export type { CsrGraph, GraphInput, LeidenOptions, LeidenResult, LeidenIterationInfo, ModularityOptions, EdgeList } from './leiden/index.js';
export { toTasksFile, validateTasksFile } from './discovery/tasks-file.js';
export type { ToTasksFileOptions } from './discovery/tasks-file.js';
export { tasksReportMarkdown, TASKS_REPORT_DEFAULTS } from './discovery/report.js';
export type { TasksReportOptions } from './discovery/report.js';
