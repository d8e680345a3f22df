/** Output of the decoding bench: a fixed-width table for people, or one JSON object per line for scripts. */
import { fixedWidthHeader, fixedWidthLine } from './fixed-width.js';

export interface DecodeBenchRow {
  /** Sentences decoded in one batch. */
  sources: number;
  srcLen: number;
  tgtLen: number;
  units: number;
  embeddingDim: number;
  /** The backend both methods ran on. */
  backend: string;
  /** Ids emitted over all sentences (the same for both methods when sameIds). */
  emittedIds: number;
  /** Wall ms of greedyDecodeBatch (step-wise: encoder once, one decoder step per position). */
  stepwiseMs: number;
  /** Wall ms of the prefix re-run of the whole model, same model, sources and backend, same run. */
  prefixRerunMs: number;
  /** prefixRerunMs / stepwiseMs. */
  speedup: number;
  /** Whether both methods emitted the same ids for every sentence. */
  sameIds: boolean;
}

const COLUMNS = [
  { title: 'sources', width: 7 },
  { title: 'srcLen', width: 6 },
  { title: 'tgtLen', width: 6 },
  { title: 'units', width: 5 },
  { title: 'backend', width: 7 },
  { title: 'ids', width: 6 },
  { title: 'step-wise s', width: 11 },
  { title: 'prefix re-run s', width: 15 },
  { title: 'speedup', width: 7 },
  { title: 'same ids', width: 8 },
] as const;

export function decodeTableHeader(): string {
  return fixedWidthHeader(COLUMNS);
}

export function decodeTableRow(row: DecodeBenchRow): string {
  return fixedWidthLine(COLUMNS, [
    String(row.sources),
    String(row.srcLen),
    String(row.tgtLen),
    String(row.units),
    row.backend,
    String(row.emittedIds),
    (row.stepwiseMs / 1000).toFixed(2),
    (row.prefixRerunMs / 1000).toFixed(2),
    `${row.speedup.toFixed(1)}x`,
    row.sameIds ? 'yes' : 'NO',
  ]);
}

export function decodeJsonRow(row: DecodeBenchRow): string {
  return JSON.stringify(row);
}
