/**
 * Output of the shaped-link bench (netns-allreduce-bench.ts): a fixed-width table or JSON lines.
 * GB/s = 1e9 bytes/s as in bench-table.ts. busbw / link compares the payload bytes each ring link
 * carried per second with the tbf rate; the wire also carries Ethernet, IP and TCP headers (66 of every
 * 1514 bytes at MTU 1500, 66 of 9014 with jumbo frames), so a plain TCP stream tops out near 0.956 of the
 * rate at MTU 1500 and 0.993 at 9000 (cost-model.ts tbfTcpPayloadFraction).
 */
import type { WireCompression } from '@seqtrain/collective';
import { formatSize } from './parse-size.js';
import { fixedWidthHeader, fixedWidthLine, WIRE_NAMES } from './fixed-width.js';

export interface NetnsAllreduceBenchRow {
  ranks: number;
  bytes: number;
  dtype: 'float32';
  compression: WireCompression;
  /** Mean seconds per all-reduce (the slowest rank's mean over the timed iterations). */
  seconds: number;
  algbw: number;
  /** algbw * 2(N-1)/N; compressed rows count the float32 payload, so theirs is the effective busbw. */
  busbw: number;
  /** Each rank in its own network namespace, its transmit rate capped by tbf; mtu absent in rows from before the option (1500). */
  link: { kind: 'netns'; rate: string; bitsPerSecond: number; mtu?: number };
  /** busbw / (link rate in bytes/s). */
  busbwPerLink: number;
  /**
   * CPU time (user + system) of all ranks per all-reduce over its wall time times the machine's cores:
   * how busy the ranks keep the CPUs (the kernel's softirq work for the veths and the bridge comes on
   * top). Near 1, the ring is CPU-bound, not link-bound. Absent in rows from before it was measured.
   */
  cpuShare?: number;
  /** The same processes streaming the same byte count over plain TCP on the same shaped links; cpuShare as the row's. */
  reference: { kind: 'raw-tcp-pump'; bytesPerSecond: number; cpuShare?: number };
  /**
   * iperf3 streaming the same byte count over the same ring links (iperf3-ring.ts): what the kernel, the
   * bridge and the links allow without Node. null when iperf3 is not installed or was turned off; absent
   * in rows from before it was measured.
   */
  kernelReference?: { kind: 'iperf3'; bytesPerSecond: number } | null;
  /** An untimed sum all-reduce of rank-dependent values (at most checkBytes) against the float64 sum. */
  check: { bytes: number; maxAbsError: number; withinBound: boolean };
}

const COLUMNS = [
  { title: 'ranks', width: 5 },
  { title: 'size', width: 6 },
  { title: 'wire', width: 4 },
  { title: 'time ms', width: 10 },
  { title: 'busbw GB/s', width: 10 },
  { title: 'busbw/link', width: 10 },
  { title: 'raw pump GB/s', width: 13 },
  { title: 'pump/link', width: 9 },
  { title: 'busbw/raw', width: 9 },
  { title: 'CPU ring', width: 8 },
  { title: 'CPU pump', width: 8 },
  { title: 'iperf3/link', width: 11 },
  { title: 'max |err| vs f64', width: 16 },
] as const;

export function netnsTableHeader(): string {
  return fixedWidthHeader(COLUMNS);
}

export function netnsTableRow(row: NetnsAllreduceBenchRow): string {
  const gbps = (bytesPerSecond: number): string => (bytesPerSecond / 1e9).toFixed(4);
  const linkBytesPerSecond = row.link.bitsPerSecond / 8;
  return fixedWidthLine(COLUMNS, [
    String(row.ranks),
    formatSize(row.bytes),
    WIRE_NAMES[row.compression],
    (row.seconds * 1e3).toFixed(1),
    gbps(row.busbw),
    row.busbwPerLink.toFixed(3),
    gbps(row.reference.bytesPerSecond),
    (row.reference.bytesPerSecond / linkBytesPerSecond).toFixed(3),
    (row.busbw / row.reference.bytesPerSecond).toFixed(3),
    percent(row.cpuShare),
    percent(row.reference.cpuShare),
    row.kernelReference ? (row.kernelReference.bytesPerSecond / linkBytesPerSecond).toFixed(3) : 'n/a',
    `${row.check.maxAbsError.toExponential(1)}${row.check.withinBound ? '' : ' OVER'}`,
  ]);
}

function percent(share: number | undefined): string {
  return share === undefined ? 'n/a' : `${(share * 100).toFixed(0)}%`;
}
