/**
 * The benches' fixed-width tables for people (bench-table.ts, netns-bench-table.ts, rnn-bench-table.ts):
 * every cell right-aligned to its column's width, columns two spaces apart, so numbers line up.
 */
import type { WireCompression } from '@seqtrain/collective';

export interface FixedWidthColumn {
  readonly title: string;
  /** Minimum characters; a longer cell widens only its own line. */
  readonly width: number;
}

/** The wire encodings as the tables name them ('none' is plain float32). */
export const WIRE_NAMES: Record<WireCompression, string> = { none: 'fp32', fp16: 'fp16', bf16: 'bf16' };

/** The header line: each column's title in its width. */
export function fixedWidthHeader(columns: readonly FixedWidthColumn[]): string {
  return fixedWidthLine(columns, columns.map((c) => c.title));
}

export function fixedWidthLine(columns: readonly FixedWidthColumn[], cells: readonly string[]): string {
  return cells.map((cell, i) => cell.padStart(columns[i]?.width ?? 0)).join('  ');
}
