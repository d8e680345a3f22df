/**
 * Byte sizes as the bench and CLI spell them: a number and a binary unit, B, KB (2^10), MB (2^20) or
 * GB (2^30), case-insensitive ("64KB", "8MB", "1.5GB", "4096", "4096B").
 */
import { SeqtrainError } from '@seqtrain/common';

const UNIT_BYTES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?\s*$/i.exec(String(text));
  const unit = (match?.[2] ?? 'B').toUpperCase();
  const bytes = match ? Number(match[1]) * (UNIT_BYTES[unit] as number) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `Invalid size ${JSON.stringify(text)}: expected a positive whole number of bytes written as a number and an optional unit B, KB, MB or GB (powers of 2), e.g. 64KB, 8MB, 1GB.`,
      { field: 'size' }
    );
  }
  return bytes;
}

/** The inverse for display: the largest unit that divides the size exactly ("64KB", "8MB", "1000B"). */
export function formatSize(bytes: number): string {
  for (const unit of ['GB', 'MB', 'KB'] as const) {
    const size = UNIT_BYTES[unit] as number;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(2)}MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(2)}KB`;
  return `${bytes}B`;
}
