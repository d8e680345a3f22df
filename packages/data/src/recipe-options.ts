/** Option checks and source reading shared by the recipes: every bad option is ERR_INVALID_ARGUMENT naming the recipe and the field. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SeqtrainError } from '@seqtrain/common';

export interface SourceInfo {
  path: string;
  bytes: number;
  sha256: string;
}

export function badOption(recipe: string, field: string, problem: string): SeqtrainError {
  return new SeqtrainError('ERR_INVALID_ARGUMENT', `prepare ${recipe}: option "${field}" ${problem}`, { field });
}

export function requireInt(recipe: string, field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badOption(recipe, field, `must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}.`);
  }
  return value;
}

export function requireFraction(recipe: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw badOption(recipe, field, `must be a number in [0, 1), got ${JSON.stringify(value)}.`);
  return value;
}

export function requireChoice<T extends string>(recipe: string, field: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw badOption(recipe, field, `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(value)}.`);
  }
  return value as T;
}

export function requirePath(recipe: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw badOption(recipe, field, `must be a file or directory path, got ${JSON.stringify(value)}.`);
  return value;
}

/** Reads a UTF-8 source file; its identity (size, sha256) goes into the manifest. */
export async function readSourceText(recipe: string, field: string, file: string): Promise<{ text: string; info: SourceInfo }> {
  const bytes = await readSourceBytes(recipe, field, file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `prepare ${recipe}: option "${field}": ${file} is not valid UTF-8. Convert it to UTF-8 first.`, {
      field,
      file,
    }, { cause: err });
  }
  return { text, info: sourceInfo(file, bytes) };
}

export async function readSourceBytes(recipe: string, field: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new SeqtrainError('ERR_DATA_NOT_FOUND', `prepare ${recipe}: option "${field}": no readable file at ${file} (${code}).`, { field, file }, { cause: err });
    }
    throw err;
  }
}

export function sourceInfo(file: string, bytes: Uint8Array): SourceInfo {
  return { path: file, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}
