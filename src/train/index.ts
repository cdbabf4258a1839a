// src/train public surface (pure): training of the classifier and MoE heads, ONNX export, add-model. Re-exports only.
// Lower-level pieces (batch networks, losses, init helpers) stay internal to keep the package API small.
export { trainRouter, modelCosts, parsePrices, TRAIN_ROUTER_DEFAULTS } from './train-router.js';
export type { TrainRouterOptions, TrainRouterResult, TrainMetrics, ManifestDraft, ModelPrice } from './train-router.js';
export { ALPHA_GRID, SHRINKAGE_GRID, routedQuality, selectAggregation, stage1Statistics } from './aggregation.js';
export type { AggregationChoice, RoutedQualityInput, Stage1Statistic } from './aggregation.js';
export { addModel } from './add-model.js';
export type { AddModelOptions, AddModelResult } from './add-model.js';
export { trainClassifier, selectThreshold, CLASSIFIER_DEFAULTS } from './classifier.js';
export type { ClassifierOptions, ClassifierData, ClassifierResult } from './classifier.js';
export { trainGeneral, trainTaskAdapters, trainAddedModel, MOE_DEFAULTS } from './moe.js';
export type { MoeOptions, MoeData, GeneralResult, TaskAdapterResult, AddedModelResult } from './moe.js';
export { classifierForward, qualityHeadForward, assignTasks } from './heads.js';
export type { ClassifierHeads, QualityHeads } from './heads.js';
export { buildClassifierOnnx, buildQualityHeadOnnx, readClassifierOnnx, readQualityHeadOnnx } from './onnx-export.js';
export { AdamW, EarlyStopping, ADAMW_DEFAULTS } from './optimizer.js';
export type { Param, AdamWOptions } from './optimizer.js';
export { matmul, matmulTransA, matmulTransB } from './kernels.js';
export type { Activation } from './kernels.js';
