/**
 * The one epoch loop of every trainer (task classifier, quality head phases 1 and 2, add-model): seeded
 * Fisher–Yates shuffles, minibatch passes that sum a loss and its weight, early stopping on a dev loss with the
 * best weights restored (Prechelt 1998, "Early Stopping — But When?"), progress after every epoch and an abort
 * check between epochs.
 *
 * Synchronous on purpose (the trainers are tight numeric loops); callers that must let a timer fire between
 * phases yield to the event loop themselves (src/train/train-router.ts does between phases).
 */
import { throwIfAborted } from '../errors.js';

/** A seeded source of integers in [0, n). */
export interface IntegerSource {
  int(n: number): number;
}

/** Anything with a weight buffer that early stopping snapshots and restores. */
export interface Weights {
  readonly value: Float32Array | Float64Array;
}

/**
 * Shuffles `order` in place (Fisher–Yates, from the last position down) with a seeded source.
 *
 * @param order - indices to permute.
 * @param random - seeded source of integers.
 * @returns `order`.
 * @example shuffleInPlace(Int32Array.of(0, 1, 2, 3), createRandom(7));
 */
export function shuffleInPlace(order: Int32Array, random: IntegerSource): Int32Array {
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * Runs `step` over consecutive minibatches of `order` and sums what it returns.
 *
 * @param order - row indices, in visiting order.
 * @param batchSize - rows per batch (≥ 1); the last batch may be smaller.
 * @param step - trains (or scores) rows `order[from .. from + count)` and returns the summed loss and its weight
 *   (rows, or observed targets; weight 0 for a batch it skipped).
 * @returns the summed loss and weight.
 * @example
 * const { loss, weight } = minibatches(order, 64, (rows, from, count) => ({ loss: batchLoss(rows, from, count) * count, weight: count }));
 */
export function minibatches(
  order: Int32Array,
  batchSize: number,
  step: (order: Int32Array, from: number, count: number) => { loss: number; weight: number },
): { loss: number; weight: number } {
  let loss = 0;
  let weight = 0;
  for (let from = 0; from < order.length; from += batchSize) {
    const r = step(order, from, Math.min(batchSize, order.length - from));
    loss += r.loss;
    weight += r.weight;
  }
  return { loss, weight };
}

/**
 * One epoch of the usual kind (the `runEpoch` of every trainer that walks one row order): shuffle `order` with
 * `random`, one pass of minibatches, and the weighted mean loss of the pass (0 when nothing carried weight).
 *
 * @param order - the training rows; shuffled in place.
 * @param random - the trainer's seeded integer source.
 * @param batchSize - rows per minibatch.
 * @param step - trains one minibatch and returns its summed loss and weight (see {@link minibatches}).
 * @returns the epoch's mean training loss.
 * @example
 * trainEpochs({ epochs: 10, runEpoch: () => shuffledEpoch(order, rng, 64, step), devLoss });
 */
export function shuffledEpoch(
  order: Int32Array,
  random: IntegerSource,
  batchSize: number,
  step: (order: Int32Array, from: number, count: number) => { loss: number; weight: number },
): number {
  shuffleInPlace(order, random);
  const pass = minibatches(order, batchSize, step);
  return pass.weight > 0 ? pass.loss / pass.weight : 0;
}

/** Tracks the best dev loss, snapshots the best weights and says when to stop. */
export class EarlyStopping {
  private readonly params: readonly Weights[];
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly best: (Float32Array | Float64Array)[];
  private bad = 0;
  /** Best dev loss seen so far (Infinity before the first report). */
  bestLoss = Infinity;
  /** Epoch (0-based) of the best dev loss, −1 before the first report. */
  bestEpoch = -1;

  /**
   * @param params - weights to snapshot and restore.
   * @param patience - epochs without improvement before stopping (≥ 1).
   * @param minDelta - smallest decrease that counts as an improvement.
   * @throws RangeError when patience < 1.
   * @example
   * const stop = new EarlyStopping(params, 3); if (stop.report(epoch, devLoss)) break; stop.restore();
   */
  constructor(params: readonly Weights[], patience: number, minDelta = 0) {
    if (!Number.isInteger(patience) || patience < 1)
      throw new RangeError(`EarlyStopping: expected patience ≥ 1, received ${patience}`);
    this.params = params;
    this.patience = patience;
    this.minDelta = minDelta;
    this.best = params.map((p) => p.value.slice());
  }

  /**
   * Records the dev loss of an epoch; snapshots the weights when it is the best so far.
   * @returns true when training should stop.
   * @throws RangeError when the loss is not finite.
   */
  report(epoch: number, loss: number): boolean {
    if (!Number.isFinite(loss))
      throw new RangeError(`EarlyStopping: dev loss is not finite (${loss}); lower the learning rate`);
    if (loss < this.bestLoss - this.minDelta) {
      this.bestLoss = loss;
      this.bestEpoch = epoch;
      this.bad = 0;
      this.params.forEach((p, i) => this.best[i]!.set(p.value));
      return false;
    }
    this.bad += 1;
    return this.bad >= this.patience;
  }

  /** Copies the best snapshot back into the weights. */
  restore(): void {
    this.params.forEach((p, i) => p.value.set(this.best[i]!));
  }
}

/** Options of {@link trainEpochs}. */
export interface TrainEpochsOptions {
  /** Maximum epochs (≥ 0). */
  epochs: number;
  /** Trains one epoch (shuffle and minibatches) and returns its training loss. */
  runEpoch: (epoch: number) => number;
  /** The dev loss after an epoch. */
  devLoss: () => number;
  /** Early stopping on the dev loss, best weights restored at the end; none runs every epoch. */
  stopping?: EarlyStopping;
  /** Progress after each epoch. */
  onEpoch?: (epoch: number, trainLoss: number, devLoss: number) => void;
  /** Checked before every epoch; aborting throws FineRouterError ABORTED naming `where`. */
  signal?: AbortSignal;
  /** Name of the trainer, for the abort message. @defaultValue 'trainEpochs' */
  where?: string;
}

/**
 * The epoch loop: train, score dev, report, stop early, restore the best weights.
 *
 * @param options - see {@link TrainEpochsOptions}.
 * @returns epochs run and the per-epoch train and dev losses.
 * @throws FineRouterError ABORTED when the signal fires; RangeError from early stopping on a non-finite dev loss.
 * @example
 * const { epochs } = trainEpochs({ epochs: 10, stopping: new EarlyStopping(params, 2), runEpoch, devLoss });
 */
export function trainEpochs(options: TrainEpochsOptions): {
  epochs: number;
  history: { train: number; dev: number }[];
} {
  const { stopping } = options;
  const history: { train: number; dev: number }[] = [];
  let epochs = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    throwIfAborted(options.signal, options.where ?? 'trainEpochs');
    const train = options.runEpoch(epoch);
    const dev = options.devLoss();
    history.push({ train, dev });
    epochs = epoch + 1;
    options.onEpoch?.(epoch, train, dev);
    if (stopping?.report(epoch, dev)) break;
  }
  stopping?.restore();
  return { epochs, history };
}
