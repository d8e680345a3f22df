export { runWorkerAgent, visibleGpuCount } from './worker-agent.js';
export type { WorkerAgentOptions } from './worker-agent.js';
export { runTrainingProcess } from './training-process.js';
export type { TrainingProcessOptions } from './training-process.js';
export { CoordinatorConnection } from './coordinator-connection.js';
export { openBatchSource, lossFor } from './batch-source.js';
export type { BatchSource } from './batch-source.js';
// The record SEQTRAIN_TEST_SAMPLE_LOG writes (test-only hook), read back by the CLI's chaos spec.
export type { SampleRecord } from './test-hooks.js';
