// finerouter/eval: routing evaluation (pure: no runtime, no fs). Re-exports only.
// Splits, metrics (quality, cost, AIQ, headroom, calibration), baselines, cross-validation with intervals, the
// harness behind `finerouter eval`, and reports. Internals (row gathering, task alignment, hashing, seeded
// generators) stay in src/eval and src/numeric.
export { splitRecords, sampleIndices, SPLIT_DEFAULTS } from './eval/index.js';
export type { SplitOptions, RecordSplit } from './eval/index.js';
export { buildEvalTable, poolOf, meanModelCost } from './eval/index.js';
export type { EvalTable, EvalTableOptions, DataIssues } from './eval/index.js';
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
} from './eval/index.js';
export type {
  RoutingSelection,
  SelectOptions,
  SelectionResult,
  CurvePoint,
  CostQuality,
  Calibration,
} from './eval/index.js';
export {
  singleModelScores,
  oracleScores,
  randomScores,
  modelMeans,
  fitKnnBaseline,
  fitMlpBaseline,
  KNN_DEFAULTS,
  MLP_DEFAULTS,
} from './eval/index.js';
export type { KnnOptions, KnnBaseline, MlpOptions, MlpBaseline } from './eval/index.js';
export { evaluateRouters } from './eval/index.js';
export type {
  EvaluateOptions,
  EvalReport,
  SplitReport,
  MethodReport,
  TwoStageInput,
  ArtifactHeads,
} from './eval/index.js';
export { reportMarkdown, costQualitySvg, qualityBarsSvg } from './eval/index.js';
export type { ReportMarkdownOptions, SvgOptions } from './eval/index.js';
export { crossValidate, stratifiedFolds } from './eval/index.js';
export type {
  CrossValMethod,
  FoldData,
  FittedMethod,
  CrossValOptions,
  CrossValResult,
  MethodOutcome,
} from './eval/index.js';
export { summarizeCrossVal } from './eval/index.js';
export type { CrossValSummary, SummaryRow, SummaryOptions, Interval, Difference } from './eval/index.js';
export { zeroRouterQuality, costToReach, strongOrder, pgrCurve } from './eval/index.js';
export type { PgrResult } from './eval/index.js';
export { crossValMarkdown } from './eval/index.js';
export type { CrossValMarkdownOptions } from './eval/index.js';
export {
  bestSingleMethod,
  randomMethod,
  perSourceOracleMethod,
  knnMethod,
  mlpMethod,
  KNN_CV_DEFAULTS,
} from './eval/index.js';
export type { KnnCvOptions } from './eval/index.js';
export { fineRouterMethods } from './eval/index.js';
export type { FineRouterCvOptions, FineRouterVariant } from './eval/index.js';
