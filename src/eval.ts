// finerouter/eval: routing evaluation (pure: no runtime, no fs). Re-exports only.
// Splits, metrics (quality, cost, AIQ, headroom, calibration), baselines, cross-validation with intervals, the
// harness behind `finerouter eval`, and reports. Internals (row gathering, task alignment, hashing, seeded
// generators) stay in src/eval and src/numeric.
export { splitRecords, sampleIndices, SPLIT_DEFAULTS } from './eval/split.js';
export type { SplitOptions, RecordSplit } from './eval/split.js';
export { buildEvalTable, poolOf, meanModelCost } from './eval/table.js';
export type { EvalTable, EvalTableOptions, DataIssues } from './eval/table.js';
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
} from './eval/metrics.js';
export type {
  RoutingSelection,
  SelectOptions,
  SelectionResult,
  CurvePoint,
  CostQuality,
  Calibration,
} from './eval/metrics.js';
export {
  singleModelScores,
  oracleScores,
  randomScores,
  modelMeans,
  fitKnnBaseline,
  fitMlpBaseline,
  KNN_DEFAULTS,
  MLP_DEFAULTS,
} from './eval/baselines.js';
export type { KnnOptions, KnnBaseline, MlpOptions, MlpBaseline } from './eval/baselines.js';
export { evaluateRouters } from './eval/harness.js';
export type { EvaluateOptions, EvalReport, SplitReport, MethodReport, TwoStageInput } from './eval/harness.js';
export type { ArtifactHeads } from './eval/twostage.js';
export { reportMarkdown, costQualitySvg, qualityBarsSvg } from './eval/report.js';
export type { ReportMarkdownOptions, SvgOptions } from './eval/report.js';
export { crossValidate, stratifiedFolds } from './eval/crossval.js';
export type {
  CrossValMethod,
  FoldData,
  FittedMethod,
  CrossValOptions,
  CrossValResult,
  MethodOutcome,
} from './eval/crossval.js';
export { summarizeCrossVal } from './eval/bootstrap.js';
export type { CrossValSummary, SummaryRow, SummaryOptions, Interval, Difference } from './eval/bootstrap.js';
export { zeroRouterQuality, costToReach, strongOrder, pgrCurve } from './eval/costs.js';
export type { PgrResult } from './eval/costs.js';
export { crossValMarkdown } from './eval/crossval-report.js';
export type { CrossValMarkdownOptions } from './eval/crossval-report.js';
export {
  bestSingleMethod,
  randomMethod,
  perSourceOracleMethod,
  knnMethod,
  mlpMethod,
  KNN_CV_DEFAULTS,
} from './eval/methods/baselines.js';
export type { KnnCvOptions } from './eval/methods/baselines.js';
export { fineRouterMethods } from './eval/methods/finerouter.js';
export type { FineRouterCvOptions, FineRouterVariant } from './eval/methods/finerouter.js';
