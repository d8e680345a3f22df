/**
 * The checks the benches share on their options: world sizes and payload sizes (`bench allreduce`,
 * `bench netns`), and size fields that must be positive integers (`bench step`, `bench decode`), so they
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

/** Throws ERR_INVALID_ARGUMENT naming the first of `fields` of `options` that is not a positive integer. */
export function checkPositiveIntegers<F extends string>(bench: string, options: Readonly<Record<F, number>>, fields: readonly F[]): void {
  for (const field of fields) {
    const value = options[field];
    if (!Number.isInteger(value) || value < 1) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `bench ${bench}: ${field} must be a positive integer, got ${String(value)}.`, { field });
    }
  }
}
