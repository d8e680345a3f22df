export { Coordinator } from './coordinator.js';
export type { CoordinatorEvent, CoordinatorOptions } from './coordinator.js';
export { RunDirectory, writeJsonAtomic } from './run-directory.js';
export type { RunSummary, StepMetrics } from './run-directory.js';
export { ReplyCollector } from './reply-collector.js';
export { Rendezvous } from './rendezvous.js';
