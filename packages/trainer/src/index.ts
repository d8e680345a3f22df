export type { CollectiveLike, CollectiveCallLike } from './collective-like.js';
export { OPTIMIZER_NAMES, createOptimizer, isOptimizerName } from './optimizer-factory.js';
export type { OptimizerName } from './optimizer-factory.js';
export { DataParallelTrainer, EVAL_CHUNK_SAMPLES } from './data-parallel-trainer.js';
export { LOSSES, SEQUENCE_PAD_ID, perSampleLoss, correctCount, lossTerms } from './per-sample-loss.js';
export { isTensorBatch, sliceBatch, batchTensors } from './train-batch.js';
export type { IdBatch, TensorBatch, BatchArray } from './train-batch.js';
export type { DataParallelTrainerOptions, LossName, StepContext, StepResult, TrainBatch } from './data-parallel-trainer.js';
export {
  checkOptimizerState,
  decodeOptimizerState,
  encodeOptimizerState,
  readOptimizerState,
  writeOptimizerState,
} from './optimizer-state.js';
export type { OptimizerState, OptimizerStateSpec } from './optimizer-state.js';
export { parseTrainerState } from './trainer-state.js';
export type { TrainerState } from './trainer-state.js';
export {
  loadCheckpoint,
  saveCheckpoint,
  OPTIMIZER_BIN_FILE,
  OPTIMIZER_JSON_FILE,
  TRAINER_STATE_FILE,
} from './checkpoint.js';
export type { CheckpointParts } from './checkpoint.js';
export { clipByGlobalNorm, globalNorm } from './gradient-clipping.js';
export { sparseCrossEntropy, PROBABILITY_EPSILON } from './sparse-cross-entropy.js';
export { binaryCrossEntropy } from './binary-cross-entropy.js';
export { flattenTensors, tensorsFromFlat } from './flat-tensors.js';
export { planBuckets, FIRST_BUCKET_CAP_BYTES } from './gradient-buckets.js';
export type { BucketCaps, BucketEntry, BucketPlan, GradientBucket } from './gradient-buckets.js';
export { LR_SCALINGS, learningRateAt, setOptimizerLearningRate } from './lr-schedule.js';
export type { LrDecay, LrScaling, LrSchedule } from './lr-schedule.js';
export { CommitStore, COMMITS_KEPT } from './elastic-state.js';
export type { Commit, CommitSource } from './elastic-state.js';
export { CHECKSUMS_FILE, listCheckpoints, resolveResumeCheckpoint, verifyChecksums, writeChecksums } from './checkpoint-integrity.js';
export { checkReplicas, parameterChecksum, replicaCheckDue } from './replica-check.js';
export type { GatherLike, ParameterChecksum } from './replica-check.js';
