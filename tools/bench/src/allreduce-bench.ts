/**
 * The all-reduce benchmark: for each world size, N real processes form a WebSocket ring
 * (WebSocketRingListener + Collective) and time allReduce per payload size; in the same run, between
 * the same processes, a raw TCP pump streams the same byte count around the ring as the reference.
 * busbw / raw pump is then the fraction of the plain link the all-reduce achieves. A one-way pump
 * (rank 0 -> rank 1 only) checks the ring pump against the classic two-process figure, and the CPU
 * time of every call (all ranks) gives a cost per link byte that other load on the machine barely
 * moves, unlike the bandwidths.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WIRE_COMPRESSIONS, type WireCompression } from '@seqtrain/collective';
import { SeqtrainError } from '@seqtrain/common';
import { prepareMpiReference } from './mpi-reference.js';
import { jsonRow, tableHeader, tableRow, type AllreduceBenchRow } from './bench-table.js';
import { WorkerGroup } from './worker-group.js';
import { checkRanksAndSizes } from './bench-sizes.js';

export interface AllreduceBenchOptions {
  /** World sizes to measure, each at least 2. */
  ranks: number[];
  /** Payload sizes in bytes, each a positive multiple of 4 (float32). */
  sizesBytes: number[];
  /** Timed all-reduces (and pump rounds) per size; default 5. */
  iterations?: number;
  /** Untimed all-reduces (and pump rounds) before the timed ones; default 1. */
  warmup?: number;
  /** One JSON object per row per line instead of a table. */
  json?: boolean;
  /** Where lines go; default stdout. */
  out?: (line: string) => void;
  /** Per-frame collective timeout inside the workers; default 60 s. */
  timeoutMs?: number;
  /** Wire encodings to measure, one row each per size; default ['none']. */
  compressions?: WireCompression[];
  /** Run the OpenMPI reference (when mpicc/mpirun are installed); default true. */
  mpi?: boolean;
}

const DEFAULT_ITERATIONS = 5;
const DEFAULT_WARMUP = 1;
const DEFAULT_TIMEOUT_MS = 60_000;

/** The worker runs as compiled JavaScript from dist, whether this module is loaded from src (tests) or dist. */
const WORKER_SCRIPT = fileURLToPath(new URL('../dist/allreduce-worker.js', import.meta.url));

export async function runAllreduceBench(options: AllreduceBenchOptions): Promise<AllreduceBenchRow[]> {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const compressions = options.compressions ?? ['none'];
  validate(options, iterations, warmup, timeoutMs);
  for (const compression of compressions) {
    if (!WIRE_COMPRESSIONS.includes(compression)) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `compression must be one of ${WIRE_COMPRESSIONS.join(', ')}, got ${JSON.stringify(compression)}.`, { field: 'compression' });
    }
  }
  if (!existsSync(WORKER_SCRIPT)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The bench worker script ${WORKER_SCRIPT} is missing; build @seqtrain/bench first (npx tsc -p tsconfig.lib.json in tools/bench).`, { file: WORKER_SCRIPT });
  }
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  if (!options.json) out(tableHeader());
  const rows: AllreduceBenchRow[] = [];
  const mpi = options.mpi === false ? undefined : await prepareMpiReference();
  let id = 0;
  try {
    for (const ranks of options.ranks) {
      const busFactor = (2 * (ranks - 1)) / ranks;
      // MPI runs first, alone, so its processes and the bench workers never share the cores.
      const mpiTimes = mpi ? await mpi.time(ranks, options.sizesBytes, iterations, warmup) : 'not run';
      const group = await WorkerGroup.start(WORKER_SCRIPT, ranks, timeoutMs);
      try {
        for (const bytes of options.sizesBytes) {
          const pump = await group.time({ type: 'pump', bytes, iterations, warmup, id: id++, mode: 'ring' });
          const oneWay = await group.time({ type: 'pump', bytes, iterations, warmup, id: id++, mode: 'one-way' });
          const mpiSeconds = typeof mpiTimes === 'string' ? undefined : mpiTimes.get(bytes);
          for (const compression of compressions) {
            const { seconds, cpuSeconds } = await group.time({ type: 'allreduce', bytes, iterations, warmup, id: id++, compression });
            const algbw = bytes / seconds;
            const row: AllreduceBenchRow = {
              ranks,
              bytes,
              dtype: 'float32',
              compression,
              seconds,
              algbw,
              busbw: algbw * busFactor,
              reference: { kind: 'raw-tcp-pump', bytesPerSecond: bytes / pump.seconds, oneWayBytesPerSecond: bytes / oneWay.seconds, cpuSeconds: pump.cpuSeconds },
              cpuSeconds,
              cpuPerLinkByteVsRaw: cpuSeconds / busFactor / pump.cpuSeconds,
              mpi: mpiSeconds !== undefined ? { seconds: mpiSeconds, busbw: (bytes / mpiSeconds) * busFactor } : { missing: typeof mpiTimes === 'string' ? mpiTimes : 'no result' },
            };
            rows.push(row);
            out(options.json ? jsonRow(row) : tableRow(row));
          }
        }
      } finally {
        await group.stop();
      }
    }
  } finally {
    await mpi?.dispose();
  }
  return rows;
}

function validate(options: AllreduceBenchOptions, iterations: number, warmup: number, timeoutMs: number): void {
  const bad = (field: string, message: string): never => {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', message, { field });
  };
  checkRanksAndSizes(options.ranks, options.sizesBytes);
  if (!Number.isInteger(iterations) || iterations < 1) bad('iterations', `iterations must be an integer of at least 1, got ${iterations}.`);
  if (!Number.isInteger(warmup) || warmup < 0) bad('warmup', `warmup must be a non-negative integer, got ${warmup}.`);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) bad('timeoutMs', `timeoutMs must be a positive integer, got ${timeoutMs}.`);
}
