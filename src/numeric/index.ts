// src/numeric: numerics shared by discovery, training, evaluation and the CLI (one implementation each).
// Internal: not exported from any package entry point. Re-exports only.
export { median, medianInPlace, quantileSorted, selectInPlace } from './stats.js';
export { macroF1 } from './f1.js';
export { gatherRows } from './rows.js';
export { EarlyStopping, minibatches, shuffledEpoch, shuffleInPlace, trainEpochs } from './epochs.js';
export type { IntegerSource, TrainEpochsOptions, Weights } from './epochs.js';
