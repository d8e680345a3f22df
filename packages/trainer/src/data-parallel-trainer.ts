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
 * Gradients travel in buckets (tensor fusion, gradient-buckets.ts): reverse layer order, a small
 * first bucket, at most bucketCapBytes each, one all-reduce per bucket ('grads/b<index>'). A bucket's
 * all-reduce starts as soon as its gradients are read back from the backend, so the ring moves
 * earlier buckets while later ones are still being read; StepResult reports how much of the
 * communication time overlapped that work (commHiddenFraction). tfjs computes every gradient in one
 * variableGrads call, so the backward pass itself is not overlapped.
 * Clipping happens after the all-reduce, on bytes every rank shares, so it too is identical.
 *
 * Gradient accumulation (accumulateSteps = k, DDP's no_sync): the local batch is cut into k
 * micro-batches, each runs forward + backward on its own and their gradients are summed locally; one
 * all-reduce per step. The loss scale above is per sample, so the accumulated gradient is the same
 * global-batch gradient (up to float rounding), for any k and world size.
 *
 * Learning rate: lr-schedule.ts (scaling with world size, linear warm-up), set before each update.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
// Also for its side effect: registers tfjs-core's op gradients, without which variableGrads fails in Node.
import { forwardOnce, mixSeed, withDropoutNoise } from '@seqtrain/models';
import type { CollectiveLike } from './collective-like.js';
import { clipByGlobalNorm } from './gradient-clipping.js';
import { flattenTensors, tensorsFromFlat, totalSize } from './flat-tensors.js';
import { planBuckets, type BucketPlan } from './gradient-buckets.js';
import { checkLrSchedule, learningRateAt, setOptimizerLearningRate, type LrDecay, type LrScaling, type LrSchedule } from './lr-schedule.js';
import {
  decodeOptimizerState,
  encodeOptimizerState,
  readOptimizerState,
  writeOptimizerState,
  type OptimizerState,
} from './optimizer-state.js';
import { LOSSES, correctCount, lossTerms, perSampleLoss, type LossName } from './per-sample-loss.js';
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
  /** From the first bucket's all-reduce start to the last one's end (includes waiting for slower ranks). */
  commSeconds: number;
  /** The part of commSeconds after the gradients were all read back: communication nothing overlapped. */
  commExposedSeconds: number;
  /** 1 - commExposedSeconds / commSeconds (0 when there was no communication time). */
  commHiddenFraction: number;
  /** Learning rate of this step's update. */
  learningRate: number;
}

export interface DataParallelTrainerOptions {
  model: LayersModel;
  optimizer: tf.Optimizer;
  collective: CollectiveLike;
  /** Scale gradients to this global L2 norm when above it. */
  clipNorm?: number;
  /** Default 'sparse_categorical_crossentropy'. The global-batch scaling above is the same for every loss. */
  loss?: LossName;
  /** Gradient bucket cap in bytes (default DEFAULTS.BUCKET_CAP_BYTES); the first bucket is capped at min(this, 1 MiB). */
  bucketCapBytes?: number;
  /** Micro-batches per step accumulated without communication (default 1). */
  accumulateSteps?: number;
  /** Wire encoding of the gradient all-reduce (default 'none'). */
  compression?: 'none' | 'fp16' | 'bf16';
  /** Learning-rate scaling with world size (default 'none') and linear warm-up steps (default 0). */
  lrScaling?: LrScaling;
  warmupSteps?: number;
  /** Linear decay of the rate over [startStep, endStep) to finalFraction of it (lr-schedule.ts); none when absent. */
  lrDecay?: LrDecay;
  /**
   * Awaited right before the gradient all-reduce of each step, with the collective's name and step: the
   * worker reports it to the coordinator's stall inspector (and tests delay a rank there).
   */
  beforeCollective?: (name: string, step: number) => void | Promise<void>;
  /**
   * Keys the dropout masks (models' seeded-dropout.ts): the forward pass of (step, rank, micro-batch)
   * draws its masks from mixSeed(dropoutSeed, step, rank, micro), so a run replays with the same seed
   * and ranks drop different units. Default DEFAULTS.SEED. No effect on models without dropout.
   */
  dropoutSeed?: number;
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
  readonly buckets: BucketPlan;
  readonly accumulateSteps: number;
  readonly compression: 'none' | 'fp16' | 'bf16';
  readonly lrSchedule: LrSchedule;
  private readonly beforeCollective: DataParallelTrainerOptions['beforeCollective'];
  readonly dropoutSeed: number;

  constructor(options: DataParallelTrainerOptions) {
    const { model, optimizer, collective, clipNorm, loss = 'sparse_categorical_crossentropy' } = options;
    this.beforeCollective = options.beforeCollective;
    this.dropoutSeed = options.dropoutSeed ?? DEFAULTS.SEED;
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
    this.buckets = planBuckets(this.trainableShapes(), { bucketCapBytes: options.bucketCapBytes ?? DEFAULTS.BUCKET_CAP_BYTES });
    this.accumulateSteps = options.accumulateSteps ?? DEFAULTS.ACCUMULATE_STEPS;
    if (!Number.isInteger(this.accumulateSteps) || this.accumulateSteps < 1) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `accumulateSteps must be an integer >= 1, got ${this.accumulateSteps}.`, { field: 'accumulateSteps' });
    }
    this.compression = options.compression ?? DEFAULTS.COMPRESSION;
    if (!['none', 'fp16', 'bf16'].includes(this.compression)) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `compression must be none, fp16 or bf16, got ${JSON.stringify(this.compression)}.`, { field: 'compression' });
    }
    this.lrSchedule = {
      base: (optimizer as unknown as { learningRate: number }).learningRate,
      scaling: options.lrScaling ?? DEFAULTS.LR_SCALING,
      warmupSteps: options.warmupSteps ?? DEFAULTS.WARMUP_STEPS,
      worldSize: collective.worldSize,
      ...(options.lrDecay ? { decay: options.lrDecay } : {}),
    };
    checkLrSchedule(this.lrSchedule);
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
   * states as initialState) runs through @seqtrain/models' forwardOnce: tfjs-layers 4.22's model.apply
   * refuses such a graph in training mode ("When inputs is an array, neither initialState or
   * constants should be provided"), and model.execute, used before, has no training flag (so no
   * dropout) and ran the encoder LSTM three times per pass (graph-forward.ts). Training-mode dropout
   * masks are keyed by the caller (withDropoutNoise in localGradients).
   */
  private forward(xs: tf.Tensor | tf.Tensor[], training: boolean): tf.Tensor {
    if (Array.isArray(xs)) return forwardOnce(this.model, xs, training);
    return this.model.apply(xs, { training }) as tf.Tensor;
  }

  /**
   * Forward + backward on the local samples (in accumulateSteps micro-batches, summed); returns one
   * tensor per bucket (the scaled gradients in the bucket plan's layout) and the scaled loss. The
   * caller disposes them.
   */
  private localGradients(batch: TrainBatch, scale: number, step: number): { buckets: tf.Tensor1D[]; scaledLoss: tf.Scalar } {
    const variables = this.trainableVariables();
    return tf.tidy(() => {
      const { xs, ys } = batchTensors(batch);
      const rows = (t: tf.Tensor, start: number, n: number): tf.Tensor => (start === 0 && n === batch.count ? t : tf.slice(t, start, n));
      let sums: tf.Tensor[] | undefined;
      let lossTotal: tf.Scalar | undefined;
      const micro = Math.ceil(batch.count / Math.min(this.accumulateSteps, batch.count));
      for (let start = 0; start < batch.count; start += micro) {
        const n = Math.min(micro, batch.count - start);
        const microXs = Array.isArray(xs) ? xs.map((x) => rows(x, start, n)) : rows(xs, start, n);
        const microYs = rows(ys, start, n);
        const noiseKey = mixSeed(this.dropoutSeed, step, this.collective.rank, start);
        const { value, grads } = tf.variableGrads(
          () =>
            withDropoutNoise(noiseKey, () => {
              const output = this.forward(microXs, true);
              return tf.mul(tf.sum(perSampleLoss(this.loss, output, microYs)), scale) as tf.Scalar;
            }),
          variables
        );
        const parts = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
        sums = sums ? sums.map((sum, i) => tf.add(sum, parts[i] as tf.Tensor)) : parts;
        lossTotal = lossTotal ? (tf.add(lossTotal, value) as tf.Scalar) : value;
      }
      const summed = sums as tf.Tensor[];
      const buckets = this.buckets.buckets.map((bucket) => tf.concat(bucket.entries.map((entry) => tf.reshape(summed[entry.weight] as tf.Tensor, [-1]))) as tf.Tensor1D);
      return { buckets, scaledLoss: lossTotal as tf.Scalar };
    });
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
    const plan = this.buckets;
    const computeStart = nowSeconds();
    const flat = new Float32Array(plan.totalLength);
    const reductions: Promise<Float32Array>[] = [];
    let commStart: number | undefined;
    const reduceBucket = (index: number): void => {
      const bucket = plan.buckets[index] as (typeof plan.buckets)[number];
      commStart ??= nowSeconds();
      const call = this.collective.allReduce(flat.subarray(bucket.offset, bucket.offset + bucket.length), {
        name: `${GRADS_COLLECTIVE}/b${index}`,
        step: ctx.step,
        op: 'mean',
        ...(this.compression !== 'none' ? { compression: this.compression } : {}),
      });
      call.catch(() => undefined); // awaited below, with the others
      reductions.push(call);
    };
    let loss = NaN;
    if (batch.count > 0) {
      const scale = worldSize / ctx.globalCount;
      const { buckets, scaledLoss } = this.localGradients(batch, scale, ctx.step);
      try {
        await this.beforeCollective?.(GRADS_COLLECTIVE, ctx.step);
        // Read back bucket by bucket, starting each bucket's all-reduce at once: the ring moves
        // bucket i while bucket i + 1 is being read.
        for (let index = 0; index < buckets.length; index++) {
          const bucket = plan.buckets[index] as (typeof plan.buckets)[number];
          flat.set((await (buckets[index] as tf.Tensor1D).data()) as Float32Array, bucket.offset);
          reduceBucket(index);
        }
        loss = ((await scaledLoss.data())[0] ?? NaN) / scale / batch.count;
      } finally {
        tf.dispose([...buckets, scaledLoss]);
      }
    } else {
      await this.beforeCollective?.(GRADS_COLLECTIVE, ctx.step);
      for (let index = 0; index < plan.buckets.length; index++) reduceBucket(index);
    }
    const computeEnd = nowSeconds();
    await Promise.all(reductions);
    const commEnd = nowSeconds();
    const commSeconds = commStart === undefined ? 0 : commEnd - commStart;
    const commExposedSeconds = commEnd - computeEnd;
    if (this.clipNorm !== undefined) clipByGlobalNorm(flat, this.clipNorm);
    const ordered = shapes.map((shape, weight) => {
      const offset = plan.weightOffsets[weight] as number;
      return flat.subarray(offset, offset + totalSize([shape]));
    });
    const gradients = ordered.map((values, weight) => tf.tensor(values.slice(), shapes[weight] as number[], 'float32'));
    const learningRate = learningRateAt(this.lrSchedule, ctx.step);
    try {
      const variables = this.trainableVariables();
      setOptimizerLearningRate(this.optimizer, learningRate);
      this.optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: gradients[i] as tf.Tensor })));
    } finally {
      tf.dispose(gradients);
    }
    return {
      loss,
      count: batch.count,
      computeSeconds: computeEnd - computeStart,
      commSeconds,
      commExposedSeconds,
      commHiddenFraction: commSeconds > 0 ? Math.max(0, 1 - commExposedSeconds / commSeconds) : 0,
      learningRate,
    };
  }

  /**
   * Sum of per-sample losses, the count, and how many predictions were right on this rank (the caller
   * reduces across ranks). No weight change. For the token loss the sum and the count are over scored
   * tokens, not samples (lossTerms in per-sample-loss.ts). With `outputs` it also returns the model's
   * outputs, flattened row-major as predict() gives them, from the same forward pass (a metric that is
   * not a function of the loss, e.g. a series' RMSE in original units, then costs no second pass).
   */
  evaluate(batch: TrainBatch, options: { outputs?: boolean } = {}): { lossSum: number; count: number; correct: number; outputs?: Float32Array } {
    checkBatch(batch, this.collective.rank);
    let lossSum = 0;
    let count = 0;
    let correct = 0;
    const parts: Float32Array[] = [];
    for (let start = 0; start < batch.count; start += EVAL_CHUNK_SAMPLES) {
      const n = Math.min(EVAL_CHUNK_SAMPLES, batch.count - start);
      const [chunkLoss, chunkCount, chunkCorrect] = tf.tidy(() => {
        const { xs, ys } = batchTensors(sliceBatch(batch, start, n));
        const output = this.forward(xs, false);
        if (options.outputs) parts.push(Float32Array.from(output.dataSync()));
        const terms = lossTerms(this.loss, output, ys);
        return [terms.sum.dataSync()[0] ?? NaN, terms.count.dataSync()[0] ?? 0, correctCount(this.loss, output, ys).dataSync()[0] ?? 0] as const;
      });
      lossSum += chunkLoss;
      count += chunkCount;
      correct += chunkCorrect;
    }
    return options.outputs ? { lossSum, count, correct, outputs: concatFloat32(parts) } : { lossSum, count, correct };
  }

  /**
   * The model's outputs for a batch (inference mode, no weight change), flattened row-major: what a
   * metric that is not a function of the loss needs (a series' RMSE in original units).
   */
  predict(batch: TrainBatch): Float32Array {
    checkBatch(batch, this.collective.rank);
    const parts: Float32Array[] = [];
    for (let start = 0; start < batch.count; start += EVAL_CHUNK_SAMPLES) {
      const n = Math.min(EVAL_CHUNK_SAMPLES, batch.count - start);
      parts.push(tf.tidy(() => Float32Array.from(this.forward(batchTensors(sliceBatch(batch, start, n)).xs, false).dataSync())));
    }
    return concatFloat32(parts);
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

function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
