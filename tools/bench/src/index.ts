export { runAllreduceBench } from './allreduce-bench.js';
export type { AllreduceBenchOptions } from './allreduce-bench.js';
export type { AllreduceBenchRow } from './bench-table.js';
export { parseSize, formatSize } from './parse-size.js';
export { MPIRUN_ARGS } from './mpi-reference.js';
export { fitAlphaBeta, ringAllreduceSeconds, hierarchicalAllreduceSeconds, onLink, predict, predictionTable, predictionSvg, LINKS, DEFAULT_WORKERS } from './cost-model.js';
export type { AlphaBeta, LinkSpec, MeasuredAllreduce, ModelSpec, Prediction, PredictOptions } from './cost-model.js';
export { runChaosBench } from './chaos-bench.js';
export type { ChaosBenchOptions, ChaosBenchResult } from './chaos-bench.js';
