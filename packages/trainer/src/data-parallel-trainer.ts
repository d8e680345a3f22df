/**
 * The synchronous data-parallel training step.
 *
 * World-size invariance: each rank differentiates
 *     L_r = (sum of its local per-sample losses) / globalCount * worldSize
 * and the gradients are all-reduced with op 'mean', so every rank applies
 *     mean_r(grad L_r) = grad( sum over the whole global batch of loss_i / globalCount ),
 * the gradient of the global batch's mean loss, however the samples were split (also unequally,
 * and with ranks that got none: those contribute zeros without running the model). With the
 * same initial weights (syncFromRoot) and the same optimizer, every rank then makes the same update,
 * and N ranks follow the trajectory one rank would on the whole batch (up to float rounding).
 *
 * Gradients travel as ONE Float32Array in model.trainableWeights order (one ring pass per step).
 * Clipping happens after the all-reduce, on bytes every rank shares, so it too is identical.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';
// For its side effect: registers tfjs-core's op gradients, without which variableGrads fails in Node.
import '@seqtrain/models';
import type { CollectiveLike } from './collective-like.js';
import { clipByGlobalNorm } from './gradient-clipping.js';
import { flattenTensors, tensorsFromFlat, totalSize } from './flat-tensors.js';
import {
  decodeOptimizerState,
  encodeOptimizerState,
  readOptimizerState,
  writeOptimizerState,
  type OptimizerState,
} from './optimizer-state.js';
import { LOSSES, correctCount, perSampleLoss, type LossName } from './per-sample-loss.js';
import { batchTensors, checkBatch, sliceBatch, type TrainBatch } from './train-batch.js';

export { LOSSES, type LossName } from './per-sample-loss.js';
export type { TrainBatch } from './train-batch.js';

export interface StepContext {
  step: number;
  /** Samples in this step across all ranks (the sum of every rank's batch.count). */
  globalCount: number;
}

export interface StepResult {
  /** This rank's mean loss over its local samples, before the update (NaN if count is 0). */
  loss: number;
  count: number;
  /** Forward + backward + reading the gradients back; the optimizer update is in neither figure. */
  computeSeconds: number;
  /** Time inside allReduce (includes waiting for slower ranks). */
  commSeconds: number;
}

export interface DataParallelTrainerOptions {
  model: LayersModel;
  optimizer: tf.Optimizer;
  collective: CollectiveLike;
  /** Scale gradients to this global L2 norm when above it. */
  clipNorm?: number;
  /** Default 'sparse_categorical_crossentropy'. The global-batch scaling above is the same for every loss. */
  loss?: LossName;
}

/** Samples per forward pass in evaluate(): bounds activation memory for large validation sets. */
export const EVAL_CHUNK_SAMPLES = 512;

const GRADS_COLLECTIVE = 'grads';
const SYNC_WEIGHTS_COLLECTIVE = 'sync-weights';
const SYNC_OPTIMIZER_COLLECTIVE = 'sync-optimizer';
const ROOT_RANK = 0;

function nowSeconds(): number {
  return performance.now() / 1000;
}

export class DataParallelTrainer {
  readonly model: LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly collective: CollectiveLike;
  readonly clipNorm: number | undefined;
  readonly loss: LossName;

  constructor(options: DataParallelTrainerOptions) {
    const { model, optimizer, collective, clipNorm, loss = 'sparse_categorical_crossentropy' } = options;
    if (!LOSSES.includes(loss)) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `loss must be one of ${LOSSES.join(', ')}; got ${JSON.stringify(loss)}.`, { field: 'loss' });
    }
    if (clipNorm !== undefined && !(clipNorm > 0)) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `clipNorm must be > 0 when given; got ${clipNorm}.`, { field: 'clipNorm' });
    }
    if (model.trainableWeights.some((w) => w.dtype !== 'float32') || model.weights.some((w) => w.dtype !== 'float32')) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', 'DataParallelTrainer needs a model whose weights are all float32.');
    }
    this.model = model;
    this.optimizer = optimizer;
    this.collective = collective;
    this.clipNorm = clipNorm;
    this.loss = loss;
  }

  /**
   * The live variables to differentiate and update, in the fixed model.trainableWeights order.
   * LayerVariable.read() returns its tf.Variable (typed as Tensor by tfjs-layers).
   */
  private trainableVariables(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  private trainableShapes(): number[][] {
    return this.model.trainableWeights.map((w) => [...w.shape] as number[]);
  }

  /**
   * Makes every rank's weights (all of model.weights) and optimizer state equal to rank 0's: the
   * weights as one broadcast Float32Array, the optimizer state as broadcast bytes. Call it on every
   * rank before the first step (and after a restore on rank 0).
   */
  async syncFromRoot(step: number): Promise<void> {
    const isRoot = this.collective.rank === ROOT_RANK;
    const weights = this.model.weights.map((w) => w.read());
    const flat = isRoot ? await flattenTensors(weights) : new Float32Array(totalSize(weights.map((w) => w.shape)));
    const received = await this.collective.broadcast(flat, { name: SYNC_WEIGHTS_COLLECTIVE, step, root: ROOT_RANK });
    if (!isRoot) {
      const tensors = tensorsFromFlat(received, weights.map((w) => [...w.shape]), `rank ${this.collective.rank} weights from rank 0`);
      try {
        this.model.setWeights(tensors);
      } finally {
        tf.dispose(tensors);
      }
    }
    const rootState = isRoot ? await this.getOptimizerState() : undefined;
    const bytes = rootState === undefined ? undefined : encodeOptimizerState(rootState);
    const stateBytes = await this.collective.broadcastBytes(bytes, { name: SYNC_OPTIMIZER_COLLECTIVE, step, root: ROOT_RANK });
    // The root restores its own state too: tfjs' Adam keeps beta^t as a running product, and
    // setWeights() recomputes it as pow(beta, t + 1), which differs in the last float32 bit
    // (measured: replicas 1.2e-7 apart after one step). Restoring everywhere keeps ranks bitwise equal.
    await this.setOptimizerState(
      rootState ?? decodeOptimizerState(stateBytes, `rank ${this.collective.rank} optimizer state from rank 0`)
    );
  }

  /**
   * The model's output. A multi-input model (seq2seq-attention: its decoder LSTM takes the encoder's
   * states as initialState) runs through model.execute: tfjs-layers 4.22's model.apply refuses such a
   * graph ("When inputs is an array, neither initialState or constants should be provided"). execute
   * runs in inference mode, which is the same function for these models (they have no dropout).
   */
  private forward(xs: tf.Tensor | tf.Tensor[], training: boolean): tf.Tensor {
    if (Array.isArray(xs)) return this.model.execute(xs, this.model.outputs[0]?.name ?? '') as tf.Tensor;
    return this.model.apply(xs, { training }) as tf.Tensor;
  }

  /** Forward + backward on the local samples; returns the flat scaled gradient and the local loss sum. */
  private async localGradients(batch: TrainBatch, ctx: StepContext): Promise<{ flat: Float32Array; lossSum: number }> {
    const variables = this.trainableVariables();
    const scale = this.collective.worldSize / ctx.globalCount;
    const [scaledLoss, flatGrads] = tf.tidy(() => {
      const { xs, ys } = batchTensors(batch);
      const { value, grads } = tf.variableGrads(() => {
        const output = this.forward(xs, true);
        return tf.mul(tf.sum(perSampleLoss(this.loss, output, ys)), scale) as tf.Scalar;
      }, variables);
      const parts = variables.map((v) => tf.reshape(grads[v.name] ?? tf.zerosLike(v), [-1]));
      return [value, tf.concat(parts)] as const;
    });
    try {
      const flat = new Float32Array((await flatGrads.data()) as Float32Array);
      const lossSum = ((await scaledLoss.data())[0] ?? NaN) / scale;
      return { flat, lossSum };
    } finally {
      tf.dispose([scaledLoss, flatGrads]);
    }
  }

  async trainStep(batch: TrainBatch, ctx: StepContext): Promise<StepResult> {
    const { rank, worldSize } = this.collective;
    checkBatch(batch, rank);
    if (!Number.isInteger(ctx.globalCount) || ctx.globalCount < Math.max(1, batch.count)) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Step ${ctx.step}: globalCount must be a positive integer >= this rank's count ${batch.count}; got ${ctx.globalCount}.`,
        { rank }
      );
    }
    const shapes = this.trainableShapes();
    const computeStart = nowSeconds();
    let flat: Float32Array;
    let loss = NaN;
    if (batch.count > 0) {
      const local = await this.localGradients(batch, ctx);
      flat = local.flat;
      loss = local.lossSum / batch.count;
    } else {
      flat = new Float32Array(totalSize(shapes));
    }
    const commStart = nowSeconds();
    const reduced = await this.collective.allReduce(flat, { name: GRADS_COLLECTIVE, step: ctx.step, op: 'mean' });
    const commEnd = nowSeconds();
    if (this.clipNorm !== undefined) clipByGlobalNorm(reduced, this.clipNorm);
    const gradients = tensorsFromFlat(reduced, shapes, `rank ${rank} all-reduced gradients (world size ${worldSize})`);
    try {
      const variables = this.trainableVariables();
      this.optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: gradients[i] as tf.Tensor })));
    } finally {
      tf.dispose(gradients);
    }
    return { loss, count: batch.count, computeSeconds: commStart - computeStart, commSeconds: commEnd - commStart };
  }

  /**
   * Sum of per-sample losses, the count, and how many predictions were right on this rank (the caller
   * reduces across ranks). No weight change.
   */
  evaluate(batch: TrainBatch): { lossSum: number; count: number; correct: number } {
    checkBatch(batch, this.collective.rank);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < batch.count; start += EVAL_CHUNK_SAMPLES) {
      const n = Math.min(EVAL_CHUNK_SAMPLES, batch.count - start);
      const [chunkLoss, chunkCorrect] = tf.tidy(() => {
        const { xs, ys } = batchTensors(sliceBatch(batch, start, n));
        const output = this.forward(xs, false);
        return [tf.sum(perSampleLoss(this.loss, output, ys)).dataSync()[0] ?? NaN, correctCount(this.loss, output, ys).dataSync()[0] ?? 0] as const;
      });
      lossSum += chunkLoss;
      correct += chunkCorrect;
    }
    return { lossSum, count: batch.count, correct };
  }

  /** Optimizer state for checkpoints (see optimizer-state.ts for the layout). */
  getOptimizerState(): Promise<OptimizerState> {
    return readOptimizerState(this.optimizer);
  }

  /** Restores a state from getOptimizerState() (this or another process, same model config). */
  setOptimizerState(state: OptimizerState, source = 'optimizer state'): Promise<void> {
    return writeOptimizerState(this.optimizer, state, this.trainableShapes(), source);
  }
}
