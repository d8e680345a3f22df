/**
 * `manifest.json`: the one description of a prepared dataset directory. Readers trust nothing that
 * is not in it: the shard list, rows per file and per record batch, each file's size and sha256, the
 * vocabulary. It is validated on read (shape with zod, then the cross-field sums), and an invalid
 * manifest is an error naming the file and the field, never a crash later in training.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { SeqtrainError } from '@seqtrain/common';

export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE_NAME = 'manifest.json';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const count = z.number().int().nonnegative();
const positive = z.number().int().positive();
const sha256 = z.string().regex(SHA256_HEX, 'expected 64 lowercase hex digits (sha256)');

/** A shard path stays inside the dataset directory: relative, forward slashes, no `..` segment. */
const shardPath = z
  .string()
  .min(1)
  .refine((p) => !path.posix.isAbsolute(p) && !path.win32.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), {
    message: 'expected a path relative to the manifest directory, without ".." segments',
  });

const shardFileSchema = z.object({
  path: shardPath,
  rows: count,
  bytes: positive,
  sha256,
  batches: z.array(positive),
});

const splitSchema = z.object({
  rows: count,
  files: z.array(shardFileSchema),
});

export const MANIFEST_SCHEMA = z.object({
  version: z.literal(MANIFEST_VERSION),
  kind: z.literal('text'),
  createdAt: z.string().min(1),
  source: z.object({ path: z.string(), bytes: count, sha256 }),
  seqLen: positive,
  step: positive,
  vocab: z.array(z.string().min(1)).min(1),
  schema: z.object({ x: z.string().min(1), y: z.string().min(1) }),
  splits: z.object({ train: splitSchema, validation: splitSchema }),
});

export interface ShardFileInfo {
  /** Relative to the manifest directory. */
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** Rows per record batch, in file order; sums to `rows`. */
  batches: number[];
}

export interface SplitInfo {
  rows: number;
  files: ShardFileInfo[];
}

export interface Manifest {
  version: 1;
  kind: 'text';
  createdAt: string;
  /** `path` is the input as given to prepare (informational); bytes and sha256 identify the content. */
  source: { path: string; bytes: number; sha256: string };
  seqLen: number;
  step: number;
  /** Char tokens, index = id. */
  vocab: string[];
  /** Human-readable column descriptions, e.g. `FixedSizeList<Uint16>[40]`. */
  schema: { x: string; y: string };
  splits: { train: SplitInfo; validation: SplitInfo };
}

export type SplitName = keyof Manifest['splits'];

/** `splits.train.files[0].sha256` from a zod issue path. */
function fieldName(issuePath: readonly PropertyKey[]): string {
  let out = '';
  for (const key of issuePath) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function invalid(file: string, field: string, problem: string): SeqtrainError {
  return new SeqtrainError(
    'ERR_MANIFEST_INVALID',
    `Manifest ${file} is invalid at field "${field}": ${problem}. Re-run \`seqtrain prepare\` to rewrite the dataset directory.`,
    { file, field }
  );
}

/**
 * Validates a parsed manifest object. `file` only labels errors. Beyond the shape, checks that the
 * counts agree (batches sum to file rows, files sum to split rows), that the vocabulary has no
 * duplicates and that no two shards share a path.
 */
export function parseManifest(value: unknown, file: string): Manifest {
  const parsed = MANIFEST_SCHEMA.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = fieldName(issue?.path ?? []);
    if (field === 'version' && value && typeof value === 'object' && 'version' in value) {
      throw invalid(file, field, `version ${JSON.stringify(value.version)} is not supported, this reader reads version ${MANIFEST_VERSION}`);
    }
    throw invalid(file, field, issue?.message ?? 'unknown problem');
  }
  const manifest = parsed.data as Manifest;

  const seen = new Map<string, number>();
  manifest.vocab.forEach((token, id) => {
    const first = seen.get(token);
    if (first !== undefined) throw invalid(file, `vocab[${id}]`, `token ${JSON.stringify(token)} repeats vocab[${first}]`);
    seen.set(token, id);
  });

  const paths = new Set<string>();
  for (const split of ['train', 'validation'] as const) {
    const info = manifest.splits[split];
    let splitRows = 0;
    info.files.forEach((shard, i) => {
      const at = `splits.${split}.files[${i}]`;
      const batchRows = shard.batches.reduce((a, b) => a + b, 0);
      if (batchRows !== shard.rows) {
        throw invalid(file, `${at}.batches`, `record batches hold ${batchRows} rows but the file declares rows = ${shard.rows}`);
      }
      if (paths.has(shard.path)) throw invalid(file, `${at}.path`, `path ${JSON.stringify(shard.path)} is listed twice`);
      paths.add(shard.path);
      splitRows += shard.rows;
    });
    if (splitRows !== info.rows) {
      throw invalid(file, `splits.${split}.rows`, `its files hold ${splitRows} rows but the split declares rows = ${info.rows}`);
    }
  }
  return manifest;
}

/** Reads and validates `<dir>/manifest.json`. */
export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SeqtrainError(
        'ERR_DATA_NOT_FOUND',
        `No dataset manifest at ${file}. Point to a directory written by \`seqtrain prepare text --out DIR\`, or run that first.`,
        { file },
        { cause: err }
      );
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SeqtrainError(
      'ERR_MANIFEST_INVALID',
      `Manifest ${file} is not valid JSON (${(err as Error).message}). Re-run \`seqtrain prepare\` to rewrite it.`,
      { file },
      { cause: err }
    );
  }
  return parseManifest(json, file);
}
