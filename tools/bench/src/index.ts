export { runAllreduceBench } from './allreduce-bench.js';
export type { AllreduceBenchOptions } from './allreduce-bench.js';
export type { AllreduceBenchRow } from './bench-table.js';
export { parseSize, formatSize } from './parse-size.js';
export { MATMUL_SIZE, RNN_BENCH_DEFAULTS, measureMatmulGflops, rnnStepFlops, runRnnBench } from './rnn-bench.js';
export type { RnnBenchBackend, RnnBenchCell, RnnBenchOptions } from './rnn-bench.js';
export type { RnnBenchRow } from './rnn-bench-table.js';
