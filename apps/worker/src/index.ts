export { runWorkerAgent, visibleGpuCount } from './worker-agent.js';
export type { WorkerAgentOptions } from './worker-agent.js';
export { runTrainingProcess } from './training-process.js';
export type { TrainingProcessOptions } from './training-process.js';
export { CoordinatorConnection } from './coordinator-connection.js';
export { openBatchSource, lossFor, modelTargets } from './batch-source.js';
export type { BatchSource, BatchSourceOptions } from './batch-source.js';
export { UNSCORED_TARGET_ID, sequenceBatch, validationContext } from './text-sequence-batches.js';
// The record SEQTRAIN_TEST_SAMPLE_LOG writes (test-only hook), read back by the CLI's chaos spec.
export type { SampleRecord } from './test-hooks.js';
