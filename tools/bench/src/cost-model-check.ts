/**
 * The cost model checked against measurements: alpha and beta of the endpoints' software are fitted
 * per wire encoding to the loopback rows (`seqtrain bench allreduce --json`), where the wire costs
 * nothing; each shaped-namespace row (`seqtrain bench netns --json`) is then PREDICTED, not fitted, as
 *   T = 2(N-1) alpha + 2(N-1)/N * S * max(beta_software, beta_wire * wireBytes / 4)
 * with beta_wire the tbf rate's payload seconds per byte (tbfTcpPayloadFraction of the row's MTU): the slower of the
 * software and the wire sets the pace of a pipelined ring. The loopback rows are printed against their
 * own fit (in-sample), the namespace rows against the prediction (out of sample). S counts the float32
 * payload, so compressed rows are in the same units as the fp32 ones.
 */
import type { WireCompression } from '@seqtrain/collective';
import { ETHERNET_MTU_BYTES, fitAlphaBeta, ringAllreduceSeconds, tbfTcpPayloadFraction, wireSecondsPerByte, type AlphaBeta } from './cost-model.js';
import { formatSize } from './parse-size.js';

/** The fields of a `bench allreduce --json` or `bench netns --json` line the model reads. */
export interface BenchRowForModel {
  ranks: number;
  bytes: number;
  seconds: number;
  compression?: WireCompression;
  /** Present on shaped-namespace rows only. */
  link?: { kind: 'netns'; rate: string; bitsPerSecond: number; mtu?: number };
}

export interface CostModelCheckRow {
  /** `loopback` or `netns <rate>`. */
  source: string;
  ranks: number;
  bytes: number;
  compression: WireCompression;
  measuredSeconds: number;
  predictedSeconds: number;
  /** predicted / measured - 1. */
  relativeError: number;
  /** true for loopback rows (compared with their own fit), false for the predicted namespace rows. */
  fitted: boolean;
}

export interface CostModelCheck {
  /** Software alpha/beta per wire encoding, fitted to the loopback rows of that encoding. */
  software: Map<WireCompression, AlphaBeta>;
  /** alpha/beta fitted to the fp32 namespace rows of each rate: the shaped link as the model sees it. */
  shaped: Map<string, AlphaBeta>;
  rows: CostModelCheckRow[];
}

function byCompression(rows: readonly BenchRowForModel[]): Map<WireCompression, BenchRowForModel[]> {
  const groups = new Map<WireCompression, BenchRowForModel[]>();
  for (const row of rows) {
    const c = row.compression ?? 'none';
    groups.set(c, [...(groups.get(c) ?? []), row]);
  }
  return groups;
}

/** Fits the software on `loopback`, checks it there, and predicts every row of `netns` from it. */
export function checkCostModel(loopback: readonly BenchRowForModel[], netns: readonly BenchRowForModel[]): CostModelCheck {
  const software = new Map<WireCompression, AlphaBeta>();
  for (const [compression, group] of byCompression(loopback)) software.set(compression, fitAlphaBeta(group));
  const shaped = new Map<string, AlphaBeta>();
  const rates = new Set(netns.map((r) => r.link?.rate ?? '?'));
  for (const rate of rates) {
    const fp32 = netns.filter((r) => r.link?.rate === rate && (r.compression ?? 'none') === 'none');
    if (fp32.length > 0) shaped.set(rate, fitAlphaBeta(fp32));
  }
  const rows: CostModelCheckRow[] = [];
  const push = (row: BenchRowForModel, source: string, predictedSeconds: number, fitted: boolean): void => {
    rows.push({
      source,
      ranks: row.ranks,
      bytes: row.bytes,
      compression: row.compression ?? 'none',
      measuredSeconds: row.seconds,
      predictedSeconds,
      relativeError: predictedSeconds / row.seconds - 1,
      fitted,
    });
  };
  for (const row of loopback) push(row, 'loopback', ringAllreduceSeconds(software.get(row.compression ?? 'none') as AlphaBeta, row.ranks, row.bytes), true);
  for (const row of netns) {
    const compression = row.compression ?? 'none';
    // Without loopback rows of this encoding, the fp32 software stands in (its encode cost is then missing).
    const sw = software.get(compression) ?? software.get('none');
    if (!sw || !row.link) continue;
    const wire = wireSecondsPerByte({ name: row.link.rate, bitsPerSecond: row.link.bitsPerSecond, latencySeconds: 0, payloadFraction: tbfTcpPayloadFraction(row.link.mtu ?? ETHERNET_MTU_BYTES) });
    const beta = Math.max(sw.betaSecondsPerByte, (wire * WIRE_ELEMENT_BYTES[compression]) / 4);
    push(row, `netns ${row.link.rate}`, ringAllreduceSeconds({ alphaSeconds: sw.alphaSeconds, betaSecondsPerByte: beta }, row.ranks, row.bytes), false);
  }
  return { software, shaped, rows };
}

/** Bytes per element on the wire (@seqtrain/collective's wire-codec.ts; not part of its public surface). */
const WIRE_ELEMENT_BYTES: Record<WireCompression, number> = { none: 4, fp16: 2, bf16: 2 };
const WIRE_NAMES: Record<WireCompression, string> = { none: 'fp32', fp16: 'fp16', bf16: 'bf16' };

/** Markdown table of the check, one line per measured row. */
export function costModelCheckTable(rows: readonly CostModelCheckRow[]): string {
  const lines = ['| rows | ranks | size | wire | measured ms | model ms | error |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const error = `${r.relativeError >= 0 ? '+' : ''}${(r.relativeError * 100).toFixed(0)}%`;
    lines.push(
      `| ${r.source} (${r.fitted ? 'fitted' : 'predicted'}) | ${r.ranks} | ${formatSize(r.bytes)} | ${WIRE_NAMES[r.compression]} | ${(r.measuredSeconds * 1e3).toFixed(1)} | ${(r.predictedSeconds * 1e3).toFixed(1)} | ${error} |`
    );
  }
  return lines.join('\n');
}
