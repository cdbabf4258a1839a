// finerouter/train: building a router (pure: no runtime, no fs). Re-exports only.
// The pipeline (embed → discover → train → artifacts), Stage 1 task discovery and Stage 2 training, the tasks.json
// format, prices and add-model. Embedders and artifact writers for Node come from 'finerouter/node'.
export { buildRouter, embedRecords, discoverStep, trainStep, BUILD_ROUTER_DEFAULTS } from './pipeline/pipeline.js';
export type {
  BuildRouterOptions,
  BuildRouterResult,
  PipelineEmbedder,
  PipelineProgress,
  PipelineStep,
} from './pipeline/pipeline.js';
export { compareWithReferences } from './pipeline/summary.js';
export type { PickSummary, ReferenceComparison } from './pipeline/summary.js';
// Stage 1.
export { discoverTasks } from './discovery/discover.js';
export { DISCOVERY_DEFAULTS, TASKS_SCHEMA, TASKS_VERSION } from './discovery/types.js';
export type * from './discovery/public-types.js';
export { nearestNeighbors, NEAREST_NEIGHBORS_DEFAULTS } from './discovery/knn.js';
export type { KnnGraph, NearestNeighborsOptions } from './discovery/knn.js';
export { buildPromptGraph, PROMPT_GRAPH_DEFAULTS } from './discovery/graph.js';
export type { PromptGraph, PromptGraphInput, PromptGraphOptions } from './discovery/graph.js';
export {
  promptDescriber,
  PROMPT_DESCRIBER_DEFAULTS,
  DESCRIPTION_INSTRUCTION,
  SUMMARY_INSTRUCTION,
} from './discovery/describer.js';
export type { PromptDescriberOptions } from './discovery/describer.js';
export { toTasksFile, validateTasksFile, discoveryFromTasksFile } from './discovery/tasks-file.js';
export type { ToTasksFileOptions } from './discovery/tasks-file.js';
export { tasksReportMarkdown, TASKS_REPORT_DEFAULTS } from './discovery/report.js';
export type { TasksReportOptions } from './discovery/report.js';
// Stage 2.
export { trainRouter, modelCosts, parsePrices, TRAIN_ROUTER_DEFAULTS } from './train/train-router.js';
export type {
  TrainRouterOptions,
  TrainRouterResult,
  TrainMetrics,
  ManifestDraft,
  ModelPrice,
} from './train/train-router.js';
export { ALPHA_GRID, SHRINKAGE_GRID } from './train/aggregation.js';
export type { Stage1Statistic } from './train/aggregation.js';
export { CLASSIFIER_DEFAULTS } from './train/classifier.js';
export type { ClassifierOptions } from './train/classifier.js';
export { MOE_DEFAULTS } from './train/moe.js';
export type { MoeOptions } from './train/moe.js';
export { addModel } from './train/add-model.js';
export type { AddModelOptions, AddModelResult } from './train/add-model.js';
