/**
 * The checks `bench allreduce` and `bench netns` share on their world sizes and payload sizes, so both
 * refuse the same bad input with the same ERR_INVALID_ARGUMENT messages.
 */
import { SeqtrainError } from '@seqtrain/common';

export function checkRanksAndSizes(ranks: readonly number[], sizesBytes: readonly number[]): void {
  const bad = (field: string, message: string): never => {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', message, { field });
  };
  if (!Array.isArray(ranks) || ranks.length === 0) bad('ranks', 'ranks must list at least one world size, e.g. [2, 3, 4].');
  for (const n of ranks) if (!Number.isInteger(n) || n < 2) bad('ranks', `Every world size must be an integer of at least 2 (a ring needs two ranks), got ${n}.`);
  if (!Array.isArray(sizesBytes) || sizesBytes.length === 0) bad('sizes', 'sizesBytes must list at least one payload size in bytes.');
  for (const bytes of sizesBytes) {
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % 4 !== 0) bad('sizes', `Every size must be a positive multiple of 4 bytes (float32 elements), got ${bytes}.`);
  }
}
