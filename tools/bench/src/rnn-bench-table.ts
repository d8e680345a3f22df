/**
 * Output of the recurrent-layer bench: a fixed-width table for people, or one JSON object per row
 * per line for scripts. GFLOP/s use GFLOP = 1e9 floating-point operations (rnn-bench.ts states the count).
 */
import { fixedWidthHeader, fixedWidthLine } from './fixed-width.js';

export interface RnnBenchRow {
  cell: 'lstm' | 'gru';
  units: number;
  T: number;
  batch: number;
  /** The tfjs backend both layers ran on ('wasm' or 'cpu'). */
  backend: string;
  /** Input features per step. */
  features: number;
  /** The @seqtrain/rnn-kernels implementation the fused kernels used ('wasm-simd' or 'js'). */
  kernels: string;
  /** Median ms of one training step (forward, backward, gradients of every weight) of @seqtrain/rnn's layer. */
  oursMs: number;
  /** The same for stock tfjs-layers, same weights, inputs and backend, in the same run. */
  tfjsLayersMs: number;
  /** tfjsLayersMs / oursMs. */
  speedup: number;
  /** Matmul FLOPs of our step / oursMs (rnnStepFlops). */
  gflops: number;
  /** A large square matmul on the same backend in the same run. */
  matmulGflops: number;
}

const COLUMNS = [
  { title: 'cell', width: 4 },
  { title: 'units', width: 5 },
  { title: 'T', width: 4 },
  { title: 'batch', width: 5 },
  { title: 'backend', width: 7 },
  { title: 'ours ms', width: 9 },
  { title: 'tfjs-layers ms', width: 14 },
  { title: 'speedup', width: 7 },
  { title: 'GFLOP/s', width: 7 },
  { title: 'matmul GFLOP/s', width: 14 },
  { title: 'of matmul', width: 9 },
] as const;

export function rnnTableHeader(): string {
  return fixedWidthHeader(COLUMNS);
}

export function rnnTableRow(row: RnnBenchRow): string {
  return fixedWidthLine(COLUMNS, [
    row.cell,
    String(row.units),
    String(row.T),
    String(row.batch),
    row.backend,
    row.oursMs.toFixed(1),
    row.tfjsLayersMs.toFixed(1),
    `${row.speedup.toFixed(1)}x`,
    row.gflops.toFixed(2),
    row.matmulGflops.toFixed(2),
    `${((100 * row.gflops) / row.matmulGflops).toFixed(0)}%`,
  ]);
}

export function rnnJsonRow(row: RnnBenchRow): string {
  return JSON.stringify(row);
}
