export { runAllreduceBench } from './allreduce-bench.js';
export type { AllreduceBenchOptions } from './allreduce-bench.js';
export type { AllreduceBenchRow } from './bench-table.js';
export { parseSize, formatSize } from './parse-size.js';
export { runChaosBench } from './chaos-bench.js';
export type { ChaosBenchOptions, ChaosBenchResult } from './chaos-bench.js';
