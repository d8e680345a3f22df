/**
 * Output of the all-reduce bench: a fixed-width table for people, or one JSON object per row per
 * line for scripts. Bandwidths are in GB/s with GB = 1e9 bytes (the nccl-tests convention); sizes use
 * binary units (MB = 2^20), as parseSize reads them.
 */
import { formatSize } from './parse-size.js';

export interface AllreduceBenchRow {
  ranks: number;
  bytes: number;
  dtype: 'float32';
  /** Mean seconds per all-reduce (the slowest rank's mean over the timed iterations). */
  seconds: number;
  /** bytes / seconds. */
  algbw: number;
  /** algbw * 2(N-1)/N: the bytes each ring link carries per second (nccl-tests' bus bandwidth). */
  busbw: number;
  /** The same processes streaming the same byte count over plain TCP, rank i to rank i+1. */
  reference: { kind: 'raw-tcp-pump'; bytesPerSecond: number };
}

const COLUMNS = [
  { title: 'ranks', width: 5 },
  { title: 'size', width: 8 },
  { title: 'time ms', width: 10 },
  { title: 'algbw GB/s', width: 10 },
  { title: 'busbw GB/s', width: 10 },
  { title: 'raw pump GB/s', width: 13 },
  { title: 'busbw/raw', width: 9 },
] as const;

function line(cells: string[]): string {
  return cells.map((cell, i) => cell.padStart(COLUMNS[i]?.width ?? 0)).join('  ');
}

export function tableHeader(): string {
  return line(COLUMNS.map((c) => c.title));
}

export function tableRow(row: AllreduceBenchRow): string {
  const gbps = (bytesPerSecond: number): string => (bytesPerSecond / 1e9).toFixed(3);
  return line([
    String(row.ranks),
    formatSize(row.bytes),
    (row.seconds * 1e3).toFixed(3),
    gbps(row.algbw),
    gbps(row.busbw),
    gbps(row.reference.bytesPerSecond),
    (row.busbw / row.reference.bytesPerSecond).toFixed(3),
  ]);
}

export function jsonRow(row: AllreduceBenchRow): string {
  return JSON.stringify(row);
}
