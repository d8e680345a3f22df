/**
 * Alpha-beta cost model of the gradient all-reduce (Hockney; Thakur et al. 2005; Patarasuk & Yuan
 * 2009), to predict step time and weak-scaling efficiency past this machine.
 *
 *   ring over N ranks, S bytes:  T = 2(N-1) * alpha + 2(N-1)/N * S * beta
 *   hierarchical, M nodes of G ranks (reduce-scatter inside the node, ring across nodes on the 1/G
 *   shards, all-gather inside the node; the G inter-node rings share the node's link):
 *                                T = 2(G-1) * alphaIntra + 2(G-1)/G * S * betaIntra
 *                                  + 2(M-1) * alpha + 2(M-1)/M * S * beta
 *
 * alpha (s per message step) and beta (s per byte) are fitted by least squares to measured bench rows
 * (`seqtrain bench allreduce --json`). On a link of rate R bit/s, beta = max(8 / R, betaSoftware):
 * the wire, or the endpoints' own per-byte cost (framing, reduction) measured on loopback, whichever
 * is slower; alpha = the measured alpha + the link's one-hop latency. A step costs
 *   computeSeconds + (1 - hidden) * T  per bucket sum (each bucket pays its alpha terms),
 * and weak-scaling efficiency = computeSeconds / step time.
 */

export interface MeasuredAllreduce {
  ranks: number;
  bytes: number;
  seconds: number;
}

export interface AlphaBeta {
  /** Seconds per ring step (latency + per-message software cost). */
  alphaSeconds: number;
  /** Seconds per byte each rank sends (1 / software bandwidth). */
  betaSecondsPerByte: number;
}

/** Least-squares fit of T = a * 2(N-1) + b * 2(N-1)/N * S over the rows (a, b clamped to >= 0). */
export function fitAlphaBeta(rows: readonly MeasuredAllreduce[]): AlphaBeta {
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let sxt = 0;
  let syt = 0;
  for (const row of rows) {
    // Relative least squares (each row weighted by 1/T^2): small and large payloads count alike.
    const w = 1 / (row.seconds * row.seconds);
    const x = 2 * (row.ranks - 1);
    const y = ((2 * (row.ranks - 1)) / row.ranks) * row.bytes;
    sxx += w * x * x;
    sxy += w * x * y;
    syy += w * y * y;
    sxt += w * x * row.seconds;
    syt += w * y * row.seconds;
  }
  const det = sxx * syy - sxy * sxy;
  let alpha = det !== 0 ? (sxt * syy - syt * sxy) / det : 0;
  let beta = det !== 0 ? (syt * sxx - sxt * sxy) / det : 0;
  if (alpha < 0 || beta < 0) {
    // A pure-bandwidth fit when the two-term fit goes negative (noise on small rows).
    alpha = Math.max(0, alpha);
    beta = syy > 0 ? (syt - alpha * sxy) / syy : 0;
  }
  return { alphaSeconds: alpha, betaSecondsPerByte: Math.max(0, beta) };
}

export function ringAllreduceSeconds(p: AlphaBeta, ranks: number, bytes: number): number {
  if (ranks <= 1) return 0;
  return 2 * (ranks - 1) * p.alphaSeconds + ((2 * (ranks - 1)) / ranks) * bytes * p.betaSecondsPerByte;
}

export function hierarchicalAllreduceSeconds(inter: AlphaBeta, intra: AlphaBeta, nodes: number, perNode: number, bytes: number): number {
  return ringAllreduceSeconds(intra, perNode, bytes) + ringAllreduceSeconds(inter, nodes, bytes);
}

export interface LinkSpec {
  name: string;
  bitsPerSecond: number;
  /** One-hop latency added to the measured alpha. */
  latencySeconds: number;
  /** Share of the line rate that is TCP payload (default 1); see ETHERNET_TCP_PAYLOAD_FRACTION. */
  payloadFraction?: number;
}

/**
 * TCP payload per bit of line rate over Ethernet at MTU 1500 with TCP timestamps: 1448 payload bytes per
 * 1538 on the wire (1500 + 14 header + 4 FCS + 8 preamble + 12 gap).
 */
export const ETHERNET_TCP_PAYLOAD_FRACTION = 1448 / 1538;
export const ETHERNET_MTU_BYTES = 1500;
/** Bytes of IPv4 (20) + TCP with timestamps (32) headers in every segment. */
const TCP_IP_HEADER_BYTES = 52;
/** Bytes of Ethernet header tc's tbf meters beside the MTU (no FCS, preamble or gap). */
const TBF_ETHERNET_HEADER_BYTES = 14;

/**
 * TCP payload per metered byte under tc's tbf, which meters frames as the kernel holds them (MTU +
 * 14-byte Ethernet header): (MTU - 52) / (MTU + 14); 1448 / 1514 = 0.956 at 1500, 8948 / 9014 = 0.993
 * with jumbo frames (9000).
 */
export function tbfTcpPayloadFraction(mtuBytes: number): number {
  return (mtuBytes - TCP_IP_HEADER_BYTES) / (mtuBytes + TBF_ETHERNET_HEADER_BYTES);
}
/** tbfTcpPayloadFraction at MTU 1500. A raw TCP pump over `tbf rate 1gbit` measured 0.95 of the rate. */
export const TBF_TCP_PAYLOAD_FRACTION = tbfTcpPayloadFraction(ETHERNET_MTU_BYTES);

export const LINKS: readonly LinkSpec[] = [
  { name: '10 Gbit', bitsPerSecond: 10e9, latencySeconds: 10e-6, payloadFraction: ETHERNET_TCP_PAYLOAD_FRACTION },
  { name: '25 Gbit', bitsPerSecond: 25e9, latencySeconds: 5e-6, payloadFraction: ETHERNET_TCP_PAYLOAD_FRACTION },
  { name: '100 Gbit', bitsPerSecond: 100e9, latencySeconds: 3e-6, payloadFraction: ETHERNET_TCP_PAYLOAD_FRACTION },
];

/** Seconds per payload byte of the wire alone. */
export function wireSecondsPerByte(link: LinkSpec): number {
  return 8 / (link.bitsPerSecond * (link.payloadFraction ?? 1));
}

/** The link's parameters: the measured software costs, bounded below by the wire. */
export function onLink(measured: AlphaBeta, link: LinkSpec): AlphaBeta {
  return { alphaSeconds: measured.alphaSeconds + link.latencySeconds, betaSecondsPerByte: Math.max(wireSecondsPerByte(link), measured.betaSecondsPerByte) };
}

export interface ModelSpec {
  name: string;
  parameters: number;
  /** Forward + backward seconds of one worker's local batch (measured). */
  computeSeconds: number;
}

export interface Prediction {
  model: string;
  link: string;
  workers: number;
  algorithm: 'ring' | 'hierarchical';
  commSeconds: number;
  stepSeconds: number;
  efficiency: number;
}

export interface PredictOptions {
  measured: AlphaBeta;
  /** Intra-node parameters for the hierarchical algorithm (default: the measured loopback ones). */
  intra?: AlphaBeta;
  models: readonly ModelSpec[];
  links?: readonly LinkSpec[];
  workers?: readonly number[];
  /** Ranks per node for the hierarchical algorithm (default 8). */
  perNode?: number;
  bucketCapBytes: number;
  /** Share of communication hidden behind compute (measured commHiddenFraction; default 0). */
  hiddenFraction?: number;
  /** Bytes per gradient element on the wire (4 fp32, 2 fp16/bf16). */
  wireBytesPerElement?: number;
}

export const DEFAULT_WORKERS = [8, 16, 32, 64, 128, 256] as const;

export function predict(options: PredictOptions): Prediction[] {
  const links = options.links ?? LINKS;
  const workers = options.workers ?? DEFAULT_WORKERS;
  const perNode = options.perNode ?? 8;
  const hidden = options.hiddenFraction ?? 0;
  const elementBytes = options.wireBytesPerElement ?? 4;
  const intra = options.intra ?? options.measured;
  const out: Prediction[] = [];
  for (const model of options.models) {
    const bytes = model.parameters * elementBytes;
    const buckets = Math.max(1, Math.ceil((model.parameters * 4) / options.bucketCapBytes));
    const bucketBytes = bytes / buckets;
    for (const link of links) {
      const inter = onLink(options.measured, link);
      for (const n of workers) {
        const algorithms: ['ring' | 'hierarchical', number][] = [['ring', buckets * ringAllreduceSeconds(inter, n, bucketBytes)]];
        if (n % perNode === 0 && n > perNode) {
          algorithms.push(['hierarchical', buckets * hierarchicalAllreduceSeconds(inter, intra, n / perNode, perNode, bucketBytes)]);
        }
        for (const [algorithm, commSeconds] of algorithms) {
          const stepSeconds = model.computeSeconds + (1 - hidden) * commSeconds;
          out.push({ model: model.name, link: link.name, workers: n, algorithm, commSeconds, stepSeconds, efficiency: model.computeSeconds / stepSeconds });
        }
      }
    }
  }
  return out;
}

/** Markdown table: one row per model x link x algorithm, efficiency per worker count. */
export function predictionTable(predictions: readonly Prediction[]): string {
  const workers = [...new Set(predictions.map((p) => p.workers))].sort((a, b) => a - b);
  const keys = [...new Set(predictions.map((p) => `${p.model}|${p.link}|${p.algorithm}`))];
  const lines = [`| model | link | algorithm | ${workers.map((n) => `${n} workers`).join(' | ')} |`, `| --- | --- | --- | ${workers.map(() => '---').join(' | ')} |`];
  for (const key of keys) {
    const [model, link, algorithm] = key.split('|') as [string, string, string];
    const cells = workers.map((n) => {
      const p = predictions.find((q) => q.model === model && q.link === link && q.algorithm === algorithm && q.workers === n);
      return p ? `${(p.efficiency * 100).toFixed(0)}% (${(p.stepSeconds * 1e3).toFixed(1)} ms)` : '-';
    });
    lines.push(`| ${model} | ${link} | ${algorithm} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];

/** An SVG line plot of scaling efficiency against workers (log2 axis), one line per model x link x algorithm. */
export function predictionSvg(predictions: readonly Prediction[], title: string): string {
  const width = 820;
  const height = 480;
  const left = 60;
  const right = 300;
  const top = 40;
  const bottom = 50;
  const workers = [...new Set(predictions.map((p) => p.workers))].sort((a, b) => a - b);
  const lo = Math.log2(workers[0] ?? 1);
  const hi = Math.log2(workers[workers.length - 1] ?? 2);
  const x = (n: number): number => left + ((Math.log2(n) - lo) / Math.max(1e-9, hi - lo)) * (width - left - right);
  const y = (e: number): number => top + (1 - e) * (height - top - bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let tick = 0; tick <= 10; tick += 2) {
    const e = tick / 10;
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(e)}" y2="${y(e)}" stroke="#ddd"/><text x="${left - 8}" y="${y(e) + 4}" text-anchor="end">${tick * 10}%</text>`);
  }
  for (const n of workers) parts.push(`<text x="${x(n)}" y="${height - bottom + 18}" text-anchor="middle">${n}</text>`);
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">workers</text>`);
  parts.push(`<text x="16" y="${(top + height - bottom) / 2}" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">weak-scaling efficiency</text>`);
  const keys = [...new Set(predictions.map((p) => `${p.model}|${p.link}|${p.algorithm}`))];
  keys.forEach((key, index) => {
    const color = PALETTE[index % PALETTE.length] as string;
    const dash = key.endsWith('|hierarchical') ? ' stroke-dasharray="6 4"' : '';
    const points = predictions.filter((p) => `${p.model}|${p.link}|${p.algorithm}` === key).sort((a, b) => a.workers - b.workers);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points.map((p) => `${x(p.workers).toFixed(1)},${y(p.efficiency).toFixed(1)}`).join(' ')}"/>`);
    const ly = top + 14 + index * 16;
    parts.push(`<line x1="${width - right + 16}" x2="${width - right + 40}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/><text x="${width - right + 46}" y="${ly}">${escapeXml(key.split('|').join(', '))}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
