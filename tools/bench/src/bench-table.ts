/**
 * Output of the all-reduce bench: a fixed-width table for people, or one JSON object per row per
 * line for scripts. Bandwidths are in GB/s with GB = 1e9 bytes (the nccl-tests convention); sizes use
 * binary units (MB = 2^20), as parseSize reads them. Compressed rows count the float32 payload (what
 * the caller reduces), so their busbw is the effective one.
 */
import type { WireCompression } from '@seqtrain/collective';
import { formatSize } from './parse-size.js';
import { fixedWidthHeader, fixedWidthLine, WIRE_NAMES } from './fixed-width.js';

export interface AllreduceBenchRow {
  ranks: number;
  bytes: number;
  dtype: 'float32';
  /** Element encoding on the wire ('none' = float32). */
  compression: WireCompression;
  /** Mean seconds per all-reduce (the slowest rank's mean over the timed iterations). */
  seconds: number;
  /** bytes / seconds. */
  algbw: number;
  /** algbw * 2(N-1)/N: the bytes each ring link carries per second (nccl-tests' bus bandwidth). */
  busbw: number;
  /**
   * The same processes streaming the same byte count over plain TCP, rank i to rank i+1
   * (bytesPerSecond per link); oneWayBytesPerSecond: rank 0 -> rank 1 alone, the two-process pump
   * a ring link is checked against; cpuSeconds: CPU time of all ranks per `bytes` on every link.
   */
  reference: { kind: 'raw-tcp-pump'; bytesPerSecond: number; oneWayBytesPerSecond: number; cpuSeconds: number };
  /** CPU time (user + system) of all ranks per all-reduce. */
  cpuSeconds: number;
  /**
   * CPU time per byte each link carries, all-reduce over raw pump: (cpuSeconds / (2(N-1)/N)) /
   * reference.cpuSeconds. The software's cost, barely moved by other load on the machine (unlike the
   * bandwidths). 1 = as cheap as the raw pump.
   */
  cpuPerLinkByteVsRaw: number;
  /** OpenMPI's MPI_Allreduce over TCP on loopback with the same ranks and size: its busbw, or why there is none. */
  mpi: { busbw: number; seconds: number } | { missing: string };
}

const COLUMNS = [
  { title: 'ranks', width: 5 },
  { title: 'size', width: 8 },
  { title: 'wire', width: 4 },
  { title: 'time ms', width: 10 },
  { title: 'busbw GB/s', width: 10 },
  { title: 'raw pump GB/s', width: 13 },
  { title: 'busbw/raw', width: 9 },
  { title: '1-way pump GB/s', width: 15 },
  { title: 'CPU/raw', width: 7 },
  { title: 'MPI busbw GB/s', width: 14 },
  { title: 'busbw/MPI', width: 9 },
] as const;

export function tableHeader(): string {
  return fixedWidthHeader(COLUMNS);
}

export function tableRow(row: AllreduceBenchRow): string {
  const gbps = (bytesPerSecond: number): string => (bytesPerSecond / 1e9).toFixed(3);
  const mpi = 'busbw' in row.mpi ? row.mpi : undefined;
  return fixedWidthLine(COLUMNS, [
    String(row.ranks),
    formatSize(row.bytes),
    WIRE_NAMES[row.compression],
    (row.seconds * 1e3).toFixed(3),
    gbps(row.busbw),
    gbps(row.reference.bytesPerSecond),
    (row.busbw / row.reference.bytesPerSecond).toFixed(3),
    gbps(row.reference.oneWayBytesPerSecond),
    row.cpuPerLinkByteVsRaw.toFixed(2),
    mpi ? gbps(mpi.busbw) : (row.mpi as { missing: string }).missing.slice(0, 30),
    mpi ? (row.busbw / mpi.busbw).toFixed(3) : '-',
  ]);
}

export function jsonRow(row: AllreduceBenchRow): string {
  return JSON.stringify(row);
}
