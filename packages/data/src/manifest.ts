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

const sourceSchema = z.object({ path: z.string(), bytes: count, sha256 });

export const MANIFEST_SCHEMA = z.object({
  version: z.literal(MANIFEST_VERSION),
  kind: z.literal('text'),
  createdAt: z.string().min(1),
  source: sourceSchema,
  seqLen: positive,
  step: positive,
  /** Stride of the validation windows when it differs from `step` (absent: `step`). */
  validationStep: positive.optional(),
  vocab: z.array(z.string().min(1)).min(1),
  schema: z.object({ x: z.string().min(1), y: z.string().min(1) }),
  splits: z.object({ train: splitSchema, validation: splitSchema }),
});

const columnSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(['int32', 'float32']),
  /** null: one value per row; n: FixedSizeList of n values per row. */
  width: positive.nullable(),
});

/** Fields every non-text ("table") manifest shares: generic columns, read back by TableDataset. */
const tableBase = {
  version: z.literal(MANIFEST_VERSION),
  createdAt: z.string().min(1),
  source: sourceSchema,
  columns: z.array(columnSchema).min(1),
  schema: z.record(z.string(), z.string()),
  /**
   * `test`: a held-out split that never selects anything (classification with both a test file and
   * validationFraction: validation is carved from the input, for model selection; test is the file).
   */
  splits: z.object({ train: splitSchema, validation: splitSchema, test: splitSchema.optional() }),
};

export const CLASSIFICATION_MANIFEST_SCHEMA = z.object({
  ...tableBase,
  kind: z.literal('classification'),
  /** The test file when train and test came from separate files. */
  testSource: sourceSchema.nullable(),
  format: z.enum(['tsv', 'csv']),
  tokenizer: z.enum(['word', 'char']),
  /** Index = id; vocab[0] is the padding token, vocab[1] the out-of-vocabulary token. */
  vocab: z.array(z.string()).min(2),
  maxlen: positive,
  padding: z.enum(['pre', 'post']),
  truncating: z.enum(['pre', 'post']),
  /** Sorted label names; index = label id. */
  labels: z.array(z.string()).min(1),
});

const scalingSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('none') }),
  z.object({ method: z.literal('minmax'), min: z.array(z.number()), max: z.array(z.number()) }),
  z.object({ method: z.literal('standard'), mean: z.array(z.number()), std: z.array(z.number()) }),
]);

export const TIMESERIES_MANIFEST_SCHEMA = z.object({
  ...tableBase,
  kind: z.literal('timeseries'),
  features: z.array(z.string().min(1)).min(1),
  /** The predicted feature (one of `features`). */
  target: z.string().min(1),
  timeColumn: z.string().nullable(),
  window: positive,
  horizon: positive,
  targets: z.enum(['single', 'sequence']),
  scaling: scalingSchema,
  /** Applied before differencing and scaling (series-transform.ts); absent in manifests before it = none. */
  transform: z.enum(['none', 'log']).default('none'),
  /** Differencing lags after the transform, e.g. [1, 12]; their sum is the rows the windows start after. */
  difference: z.array(positive).default([]),
  /** Series rows (not windows) in each part, and the time values at the part boundaries when a time column exists. */
  seriesRows: z.object({ train: count, validation: count }),
  timeRange: z.object({ train: z.array(z.string()), validation: z.array(z.string()) }),
});

export const PAIRS_MANIFEST_SCHEMA = z.object({
  ...tableBase,
  kind: z.literal('pairs'),
  /** Index = id; id 0 is padding (""). */
  sourceVocab: z.array(z.string()).min(1),
  targetVocab: z.array(z.string()).min(3),
  startToken: z.string().min(1),
  endToken: z.string().min(1),
  maxChars: positive.nullable(),
  dropped: count,
  /** The held-out rule of the split (pairs-split.ts), with the pairs it kept out of training; null: a shuffled validationFraction. */
  heldOut: z.object({ every: positive, maxChars: positive, overlapping: count }).nullable().default(null),
  sourceLength: positive,
  targetLength: positive,
});

export const IDX_MANIFEST_SCHEMA = z.object({
  ...tableBase,
  kind: z.literal('idx'),
  testSource: sourceSchema.nullable(),
  /** Dimensions of one item, e.g. [28, 28]. */
  itemShape: z.array(positive).min(1),
  classes: positive,
});

/** Every kind `prepare` writes; `kind` discriminates, and a text manifest is exactly MANIFEST_SCHEMA. */
export const DATASET_MANIFEST_SCHEMA = z.discriminatedUnion('kind', [
  MANIFEST_SCHEMA,
  CLASSIFICATION_MANIFEST_SCHEMA,
  TIMESERIES_MANIFEST_SCHEMA,
  PAIRS_MANIFEST_SCHEMA,
  IDX_MANIFEST_SCHEMA,
]);

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
  /**
   * Stride of the validation windows, when it differs from `step` (absent: `step`). A many-to-many
   * char-lm scores the validation text with windows advanced by seqLen - B (B = seqLen - validationStep
   * characters of context), see apps/worker/src/text-sequence-batches.ts.
   */
  validationStep?: number;
  /** Char tokens, index = id. */
  vocab: string[];
  /** Human-readable column descriptions, e.g. `FixedSizeList<Uint16>[40]`. */
  schema: { x: string; y: string };
  splits: { train: SplitInfo; validation: SplitInfo };
}

export type SplitName = keyof Manifest['splits'];
/** Splits a table (non-text) dataset may hold; `test` only when its manifest lists it. */
export type TableSplitName = SplitName | 'test';

export type ColumnSpec = z.infer<typeof columnSchema>;
export type ClassificationManifest = z.infer<typeof CLASSIFICATION_MANIFEST_SCHEMA>;
export type TimeseriesManifest = z.infer<typeof TIMESERIES_MANIFEST_SCHEMA>;
export type PairsManifest = z.infer<typeof PAIRS_MANIFEST_SCHEMA>;
export type IdxManifest = z.infer<typeof IDX_MANIFEST_SCHEMA>;
export type Scaling = z.infer<typeof scalingSchema>;
/** A manifest of any kind but text: its rows are generic typed columns. */
export type TableManifest = ClassificationManifest | TimeseriesManifest | PairsManifest | IdxManifest;
export type DatasetManifest = Manifest | TableManifest;
export type DatasetKind = DatasetManifest['kind'];

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
  const manifest = parseDatasetManifest(value, file);
  if (manifest.kind !== 'text') {
    throw invalid(
      file,
      'kind',
      `this is a "${manifest.kind}" dataset, but a text dataset (kind "text") is needed here; read it with readDatasetManifest / TableDataset, or prepare a text corpus with \`seqtrain prepare text\``
    );
  }
  return manifest;
}

/** Validates a manifest of any kind (see parseManifest for the checks). */
export function parseDatasetManifest(value: unknown, file: string): DatasetManifest {
  const parsed = DATASET_MANIFEST_SCHEMA.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = fieldName(issue?.path ?? []);
    if (field === 'version' && value && typeof value === 'object' && 'version' in value) {
      throw invalid(file, field, `version ${JSON.stringify(value.version)} is not supported, this reader reads version ${MANIFEST_VERSION}`);
    }
    throw invalid(file, field, issue?.message ?? 'unknown problem');
  }
  const manifest = parsed.data as DatasetManifest;

  const unique = (field: string, tokens: readonly string[]): void => {
    const seen = new Map<string, number>();
    tokens.forEach((token, id) => {
      const first = seen.get(token);
      if (first !== undefined) throw invalid(file, `${field}[${id}]`, `token ${JSON.stringify(token)} repeats ${field}[${first}]`);
      seen.set(token, id);
    });
  };
  if (manifest.kind === 'text' || manifest.kind === 'classification') unique('vocab', manifest.vocab);
  if (manifest.kind === 'classification') unique('labels', manifest.labels);
  if (manifest.kind === 'pairs') {
    unique('sourceVocab', manifest.sourceVocab);
    unique('targetVocab', manifest.targetVocab);
  }
  if (manifest.kind !== 'text') {
    const names = new Set<string>();
    manifest.columns.forEach((column, i) => {
      if (names.has(column.name)) throw invalid(file, `columns[${i}].name`, `column ${JSON.stringify(column.name)} is listed twice`);
      names.add(column.name);
    });
  }

  const paths = new Set<string>();
  for (const split of ['train', 'validation', 'test'] as const) {
    const info = split === 'test' ? (manifest.kind === 'text' ? undefined : manifest.splits.test) : manifest.splits[split];
    if (info === undefined) continue;
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

/** Reads and validates `<dir>/manifest.json` of a text dataset (any other kind is ERR_MANIFEST_INVALID, field `kind`). */
export async function readManifest(dir: string): Promise<Manifest> {
  const { json, file } = await readManifestJson(dir);
  return parseManifest(json, file);
}

/** Reads and validates `<dir>/manifest.json` of any kind. */
export async function readDatasetManifest(dir: string): Promise<DatasetManifest> {
  const { json, file } = await readManifestJson(dir);
  return parseDatasetManifest(json, file);
}

async function readManifestJson(dir: string): Promise<{ json: unknown; file: string }> {
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
  return { json, file };
}
