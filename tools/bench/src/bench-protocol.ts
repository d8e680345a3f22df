/** IPC messages between runAllreduceBench (parent) and its allreduce-worker processes (one per rank). */
import type { WireCompression } from '@seqtrain/collective';

export interface PumpAddress {
  host: string;
  port: number;
}

/** 'ring': every rank sends to the next and receives from the previous; 'one-way': rank 0 sends to rank 1 only. */
export type PumpMode = 'ring' | 'one-way';

/** Parent → worker. */
export type BenchCommand =
  | { type: 'peers'; ringPeers: string[]; pumpPeers: PumpAddress[] }
  | { type: 'allreduce'; bytes: number; iterations: number; warmup: number; id: number; compression: WireCompression }
  | { type: 'pump'; bytes: number; iterations: number; warmup: number; id: number; mode: PumpMode }
  /** One untimed sum all-reduce of rank-dependent values, compared with the float64 sum of every rank's values. */
  | { type: 'check'; bytes: number; id: number; compression: WireCompression }
  | { type: 'exit' };

/** Worker → parent. */
export type BenchReport =
  | { type: 'listening'; ringAddress: string; pump: PumpAddress }
  | { type: 'connected' }
  /** seconds: wall time per iteration; cpuSeconds: this process's user + system CPU time per iteration. */
  | { type: 'timed'; id: number; seconds: number; cpuSeconds: number }
  /** Largest |result - float64 reference| over the elements, and whether every element met wire-codec.ts's bound. */
  | { type: 'checked'; id: number; maxAbsError: number; withinBound: boolean }
  | { type: 'failed'; error: unknown };

/** Environment variables the parent hands each worker. */
export const BENCH_RANK_ENV = 'SEQTRAIN_BENCH_RANK';
export const BENCH_WORLD_SIZE_ENV = 'SEQTRAIN_BENCH_WORLD_SIZE';
export const BENCH_TIMEOUT_MS_ENV = 'SEQTRAIN_BENCH_TIMEOUT_MS';
/** Address the worker's listeners bind to and advertise (its namespace's address); default DEFAULTS.HOST. */
export const BENCH_HOST_ENV = 'SEQTRAIN_BENCH_HOST';
