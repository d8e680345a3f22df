export { runWorkerAgent, visibleGpuCount } from './worker-agent.js';
export type { WorkerAgentOptions } from './worker-agent.js';
export { runTrainingProcess } from './training-process.js';
export type { TrainingProcessOptions } from './training-process.js';
export { CoordinatorConnection } from './coordinator-connection.js';
export { openBatchSource, lossFor } from './batch-source.js';
export type { BatchSource } from './batch-source.js';
