// src/eval: routing evaluation (splits, metrics, baselines, FineRouter ablations, reports). Re-exports only.
export { splitRecords, hashUnit, sampleIndices, SPLIT_DEFAULTS } from './split.js';
export type { SplitOptions, RecordSplit } from './split.js';
export { buildEvalTable, poolOf, meanModelCost } from './table.js';
export type { EvalTable, EvalTableOptions, DataIssues } from './table.js';
export {
  selectByScores,
  evaluateSelection,
  costQualityCurve,
  nonDecreasingHull,
  hullQualityAt,
  aiq,
  headroomCaptured,
  expectedCalibrationError,
  macroF1,
} from './metrics.js';
export type {
  RoutingSelection,
  SelectOptions,
  SelectionResult,
  CurvePoint,
  CostQuality,
  Calibration,
} from './metrics.js';
export {
  mulberry32,
  singleModelScores,
  oracleScores,
  randomScores,
  modelMeans,
  fitKnnBaseline,
  fitMlpBaseline,
  KNN_DEFAULTS,
  MLP_DEFAULTS,
} from './baselines.js';
export type { KnnOptions, KnnBaseline, MlpOptions, MlpBaseline } from './baselines.js';
export {
  runArtifactHeads,
  gatherRows,
  medianCenters,
  nearestCenter,
  stage1Scores,
  fineRouterSelect,
  alignDiscovery,
} from './twostage.js';
export type { ArtifactHeads, RunArtifactHeadsOptions, DiscoveryView } from './twostage.js';
export { evaluateRouters } from './harness.js';
export type { EvaluateOptions, EvalReport, SplitReport, MethodReport, TwoStageInput } from './harness.js';
export { reportMarkdown, costQualitySvg, qualityBarsSvg } from './report.js';
export type { ReportMarkdownOptions, SvgOptions } from './report.js';
export { crossValidate, stratifiedFolds, subTable, rowMeans, argmax } from './crossval.js';
export type {
  CrossValMethod,
  FoldData,
  FittedMethod,
  CrossValOptions,
  CrossValResult,
  MethodOutcome,
} from './crossval.js';
export { summarizeCrossVal } from './bootstrap.js';
export type { CrossValSummary, SummaryRow, SummaryOptions, Interval, Difference } from './bootstrap.js';
export { zeroRouterQuality, costToReach, strongOrder, pgrCurve } from './costs.js';
export type { PgrResult } from './costs.js';
export { crossValMarkdown } from './crossval-report.js';
export type { CrossValMarkdownOptions } from './crossval-report.js';
export {
  bestSingleMethod,
  randomMethod,
  perSourceOracleMethod,
  knnMethod,
  mlpMethod,
  KNN_CV_DEFAULTS,
} from './methods/baselines.js';
export type { KnnCvOptions } from './methods/baselines.js';
export { fineRouterMethods } from './methods/finerouter.js';
export type { FineRouterCvOptions, FineRouterVariant } from './methods/finerouter.js';
