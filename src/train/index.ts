// src/train public surface (pure): training of the classifier and MoE heads, ONNX export, add-model. Re-exports only.
export { trainRouter, modelCosts, parsePrices, scoreMatrix, TRAIN_ROUTER_DEFAULTS } from './train-router.js';
export type { TrainRouterOptions, TrainRouterResult, TrainMetrics, ManifestDraft, ModelPrice } from './train-router.js';
export { addModel } from './add-model.js';
export type { AddModelOptions, AddModelResult } from './add-model.js';
export { trainClassifier, selectThreshold, ClassifierNet, CLASSIFIER_DEFAULTS } from './classifier.js';
export type { ClassifierOptions, ClassifierData, ClassifierResult } from './classifier.js';
export { trainGeneral, trainTaskAdapters, trainAddedModel, routerMse, GeneralNet, MOE_DEFAULTS } from './moe.js';
export type { MoeOptions, MoeData, GeneralResult, TaskAdapterResult, AddedModelResult, Bank } from './moe.js';
export { classifierForward, routerForward, assignTasks, projectPrompts, generalFromProjected, addTaskResiduals } from './heads.js';
export type { ClassifierHeads, RouterHeads } from './heads.js';
export { buildClassifierOnnx, buildRouterOnnx, readClassifierOnnx, readRouterOnnx, readOnnxContents } from './onnx-export.js';
export type { OnnxContents } from './onnx-export.js';
export { AdamW, EarlyStopping, createParam, ADAMW_DEFAULTS } from './optimizer.js';
export type { Param, AdamWOptions } from './optimizer.js';
export { createRandom, xavierUniform, heNormal, shuffleInPlace, splitIndices } from './random.js';
export type { Random } from './random.js';
export { matmul, matmulTransA, matmulTransB, addBias, biasGrad, activate, activateBackward, sigmoid, sigmoidBce, maskedMse } from './kernels.js';
export type { Activation } from './kernels.js';
