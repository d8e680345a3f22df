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
import { binaryCrossEntropy } from './binary-cross-entropy.js';
import { sparseCrossEntropy } from './sparse-cross-entropy.js';

/**
 * The per-sample loss of the model's output:
 *  'sparse_categorical_crossentropy'  softmax probabilities [n, classes], y = class ids (char-lm, multi-class heads)
 *  'binary_crossentropy'              one sigmoid probability [n, 1], y in {0, 1} (two-class heads)
 */
export const LOSSES = ['sparse_categorical_crossentropy', 'binary_crossentropy'] as const;
export type LossName = (typeof LOSSES)[number];

function perSampleLoss(loss: LossName, probs: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return loss === 'binary_crossentropy' ? binaryCrossEntropy(probs, labels) : sparseCrossEntropy(probs, labels);
}

/** Number of samples whose predicted class equals the label (p >= 0.5 means class 1 for a sigmoid head). */
function correctCount(loss: LossName, probs: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const predicted = loss === 'binary_crossentropy' ? tf.cast(tf.greaterEqual(tf.reshape(probs, [-1]), 0.5), 'int32') : tf.argMax(probs, 1);
    return tf.sum(tf.cast(tf.equal(predicted, labels), 'int32'));
  });
}

export interface TrainBatch {
  /** Row-major [count, seqLen] token ids. */
  x: Int32Array;
  /** [count] next-token ids. */
  y: Int32Array;
  count: number;
  seqLen: number;
}

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
  /**
   * Awaited right before the gradient all-reduce of each step, with the collective's name and step: the
   * worker reports it to the coordinator's stall inspector (and tests delay a rank there).
   */
  beforeCollective?: (name: string, step: number) => void | Promise<void>;
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

function checkBatch(batch: TrainBatch, rank: number): void {
  const { x, y, count, seqLen } = batch;
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(seqLen) || seqLen < 1) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Batch count must be an integer >= 0 and seqLen >= 1; got count ${count}, seqLen ${seqLen}.`, { rank });
  }
  if (x.length !== count * seqLen || y.length !== count) {
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `Batch of ${count} x ${seqLen} needs x.length ${count * seqLen} and y.length ${count}; got ${x.length} and ${y.length}.`,
      { rank }
    );
  }
}

export class DataParallelTrainer {
  readonly model: LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly collective: CollectiveLike;
  readonly clipNorm: number | undefined;
  readonly loss: LossName;
  private readonly beforeCollective: DataParallelTrainerOptions['beforeCollective'];

  constructor(options: DataParallelTrainerOptions) {
    const { model, optimizer, collective, clipNorm, loss = 'sparse_categorical_crossentropy' } = options;
    this.beforeCollective = options.beforeCollective;
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

  /** Forward + backward on the local samples; returns the flat scaled gradient and the local loss sum. */
  private async localGradients(batch: TrainBatch, ctx: StepContext): Promise<{ flat: Float32Array; lossSum: number }> {
    const variables = this.trainableVariables();
    const scale = this.collective.worldSize / ctx.globalCount;
    const [scaledLoss, flatGrads] = tf.tidy(() => {
      const xs = tf.tensor2d(batch.x, [batch.count, batch.seqLen], 'int32');
      const ys = tf.tensor1d(batch.y, 'int32');
      const { value, grads } = tf.variableGrads(() => {
        const probs = this.model.apply(xs, { training: true }) as tf.Tensor2D;
        return tf.mul(tf.sum(perSampleLoss(this.loss, probs, ys)), scale) as tf.Scalar;
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
    await this.beforeCollective?.(GRADS_COLLECTIVE, ctx.step);
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
        const xs = tf.tensor2d(batch.x.subarray(start * batch.seqLen, (start + n) * batch.seqLen), [n, batch.seqLen], 'int32');
        const ys = tf.tensor1d(batch.y.subarray(start, start + n), 'int32');
        const probs = this.model.apply(xs, { training: false }) as tf.Tensor2D;
        return [tf.sum(perSampleLoss(this.loss, probs, ys)).dataSync()[0] ?? NaN, correctCount(this.loss, probs, ys).dataSync()[0] ?? 0] as const;
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
