/**
 * `prepare text`: a UTF-8 corpus -> next-character windows in Arrow IPC *file* format shards plus a
 * manifest.json. The char vocabulary is built over the whole text, so the validation part (the last
 * `validationFraction` of the characters) never meets an unknown character.
 *
 * Layout of the output directory:
 *   train-00000-of-00008.arrow ... train-00007-of-00008.arrow   (`shards` files)
 *   validation-00000-of-00001.arrow                               (max(1, round(shards * fraction)) files)
 *   manifest.json                                                  (written last, atomically)
 * Each shard holds a contiguous range of rows, cut into record batches of `rowsPerBatch` rows (the
 * last one shorter): the record batch is the reader's unit of random access and of caching.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RecordBatchFileWriter, type RecordBatch, type Schema } from 'apache-arrow';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { MANIFEST_FILE_NAME, MANIFEST_VERSION, type Manifest, type ShardFileInfo, type SplitInfo } from './manifest.js';
import { describeTextSchema, makeTextBatch, textSchema, tokenBits, type TokenArray } from './text-columns.js';
import { Vocabulary } from './vocabulary.js';

export interface PrepareTextOptions {
  input: string;
  out: string;
  seqLen: number;
  step: number;
  /**
   * Stride of the validation windows; default `step`. Recorded in the manifest when it differs. The
   * many-to-many char-lm's validation reads windows advanced by seqLen - B to score every validation
   * character once with at least B characters of context.
   */
  validationStep?: number;
  shards: number;
  /** Default DEFAULTS.VALIDATION_FRACTION; the LAST fraction of the text (by chars) is validation. 0 = no validation rows. */
  validationFraction?: number;
  /** Default DEFAULTS.ROWS_PER_RECORD_BATCH. */
  rowsPerBatch?: number;
  /** Called after every record batch written, train then validation. */
  onProgress?: (rowsWritten: number, rowsTotal: number) => void;
}

/** Shard names carry 5-digit indices, so this is the most a split can have. */
const MAX_SHARDS = 99_999;
const SHARD_NAME = /^(train|validation)-\d{5}-of-\d{5}\.arrow$/;
export const MANIFEST_TMP_NAME = `${MANIFEST_FILE_NAME}.tmp`;

export function shardFileName(split: 'train' | 'validation' | 'test', index: number, count: number): string {
  const pad = (n: number): string => String(n).padStart(5, '0');
  return `${split}-${pad(index)}-of-${pad(count)}.arrow`;
}

/** Rows of a part of `length` tokens: every window start i with i + seqLen < length (y = ids[i + seqLen]). */
export function windowCount(length: number, seqLen: number, step: number): number {
  return length > seqLen ? Math.floor((length - seqLen - 1) / step) + 1 : 0;
}

function badOption(field: string, problem: string): SeqtrainError {
  return new SeqtrainError('ERR_INVALID_ARGUMENT', `prepareText option "${field}" ${problem}`, { field });
}

function requireInt(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badOption(field, `must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * The output directory must be absent, empty, or a previous prepare output: one holding a
 * manifest.json, or (after an interrupted run) only shard files. Its old shards and manifest are
 * removed; any other file is left alone. Anything else is refused rather than written into.
 */
export async function claimOutputDir(out: string): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(out);
    if (!info.isDirectory()) throw badOption('out', `must be a directory, but ${out} is a file.`);
    entries = await readdir(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      await mkdir(out, { recursive: true });
      return;
    }
    throw err;
  }
  const ours = (name: string): boolean => name === MANIFEST_FILE_NAME || name === MANIFEST_TMP_NAME || SHARD_NAME.test(name);
  const foreign = entries.filter((name) => !ours(name));
  if (foreign.length > 0 && !entries.includes(MANIFEST_FILE_NAME)) {
    throw badOption(
      'out',
      `points to ${out}, an existing non-empty directory that is not a previous prepare output (it holds ` +
        `${foreign.slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}${foreign.length > 3 ? ', ...' : ''}). ` +
        `Choose a new or empty directory.`
    );
  }
  // The manifest goes first: a crash mid-way then leaves shards without a manifest, never a manifest naming missing shards.
  await rm(path.join(out, MANIFEST_FILE_NAME), { force: true });
  for (const name of entries.filter(ours)) await rm(path.join(out, name), { force: true });
}

async function readCorpus(input: string): Promise<{ bytes: Buffer; text: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(input);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new SeqtrainError('ERR_DATA_NOT_FOUND', `prepareText option "input": no readable file at ${input} (${code}). Give the path of a UTF-8 text file.`, {
        field: 'input',
        file: input,
      });
    }
    throw err;
  }
  try {
    return { bytes, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch (err) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `prepareText option "input": ${input} is not valid UTF-8. Convert it to UTF-8 first.`, {
      field: 'input',
      file: input,
    }, { cause: err });
  }
}

/** Exposes how many bytes the writer has pushed to its queue, so the caller can drain exactly that much (backpressure). */
class CountingFileWriter extends RecordBatchFileWriter {
  get bytesEmitted(): number {
    return this._position;
  }
}

/**
 * Writes one shard: record batches stream to disk as they are made (memory: one record batch, not
 * one shard), hashed on the way.
 */
export async function writeShard(
  file: string,
  batches: Iterable<RecordBatch>,
  onBatch: (rows: number) => void
): Promise<{ bytes: number; sha256: string; batches: number[] }> {
  const handle = await open(file, 'wx');
  const hash = createHash('sha256');
  const writer = new CountingFileWriter();
  const chunks = writer[Symbol.asyncIterator]();
  let flushed = 0;
  const flush = async (upTo: number): Promise<void> => {
    while (flushed < upTo) {
      const next = await chunks.next();
      if (next.done) return;
      const chunk = next.value;
      hash.update(chunk);
      for (let off = 0; off < chunk.byteLength; ) off += (await handle.write(chunk, off, chunk.byteLength - off)).bytesWritten;
      flushed += chunk.byteLength;
    }
  };
  const rowsPerBatch: number[] = [];
  try {
    for (const batch of batches) {
      writer.write(batch);
      await flush(writer.bytesEmitted);
      rowsPerBatch.push(batch.numRows);
      onBatch(batch.numRows);
    }
    writer.finish();
    await flush(Number.POSITIVE_INFINITY);
  } finally {
    await handle.close();
  }
  return { bytes: flushed, sha256: hash.digest('hex'), batches: rowsPerBatch };
}

/** The record batches of rows [firstRow, endRow) of a part starting at token `partStart`. */
function* windowBatches(
  ids: TokenArray,
  partStart: number,
  firstRow: number,
  endRow: number,
  seqLen: number,
  step: number,
  rowsPerBatch: number,
  schema: Schema
): Generator<RecordBatch> {
  const Ctor = ids instanceof Uint16Array ? Uint16Array : Uint32Array;
  for (let b0 = firstRow; b0 < endRow; b0 += rowsPerBatch) {
    const rows = Math.min(rowsPerBatch, endRow - b0);
    const x = new Ctor(rows * seqLen);
    const y = new Ctor(rows);
    for (let r = 0; r < rows; r++) {
      const start = partStart + (b0 + r) * step;
      x.set(ids.subarray(start, start + seqLen), r * seqLen);
      y[r] = ids[start + seqLen] as number;
    }
    yield makeTextBatch(schema, seqLen, x, y);
  }
}

export async function prepareText(options: PrepareTextOptions): Promise<Manifest> {
  if (typeof options.input !== 'string' || options.input === '') throw badOption('input', 'must be the path of a text file.');
  if (typeof options.out !== 'string' || options.out === '') throw badOption('out', 'must be the path of the output directory.');
  const seqLen = requireInt('seqLen', options.seqLen, 1);
  const step = requireInt('step', options.step, 1);
  const validationStep = requireInt('validationStep', options.validationStep ?? step, 1);
  const shards = requireInt('shards', options.shards, 1, MAX_SHARDS);
  const rowsPerBatch = requireInt('rowsPerBatch', options.rowsPerBatch ?? DEFAULTS.ROWS_PER_RECORD_BATCH, 1);
  const fraction = options.validationFraction ?? DEFAULTS.VALIDATION_FRACTION;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 1)) {
    throw badOption('validationFraction', `must be a number in [0, 1), got ${JSON.stringify(fraction)}.`);
  }

  const input = path.resolve(options.input);
  const out = path.resolve(options.out);
  const { bytes, text } = await readCorpus(input);
  const vocab = Vocabulary.fromText(text);
  const encoded = vocab.encode(text);
  const ids: TokenArray = tokenBits(vocab.size) === 16 ? Uint16Array.from(encoded) : Uint32Array.from(encoded);
  const splitAt = Math.floor(ids.length * (1 - fraction));

  const trainRows = windowCount(splitAt, seqLen, step);
  const validationRows = fraction > 0 ? windowCount(ids.length - splitAt, seqLen, validationStep) : 0;
  if (trainRows === 0) {
    throw badOption(
      'seqLen',
      `(${seqLen}) needs a training text longer than it, but ${input} has ${ids.length} characters of which ` +
        `${splitAt} are training text (validationFraction ${fraction}). Use a smaller seqLen or a longer corpus.`
    );
  }
  if (fraction > 0 && validationRows === 0) {
    throw badOption(
      'validationFraction',
      `(${fraction}) leaves ${ids.length - splitAt} validation characters, not more than seqLen (${seqLen}). ` +
        `Raise validationFraction, lower seqLen, or set validationFraction to 0 for no validation split.`
    );
  }
  if (shards > trainRows) {
    throw badOption('shards', `(${shards}) exceeds the ${trainRows} training rows; every shard needs at least one row.`);
  }
  const validationShards = validationRows === 0 ? 0 : Math.max(1, Math.min(validationRows, Math.round(shards * fraction)));

  await claimOutputDir(out);
  const schema = textSchema(seqLen, vocab.size);
  const rowsTotal = trainRows + validationRows;
  let rowsWritten = 0;
  const onBatch = (rows: number): void => {
    rowsWritten += rows;
    options.onProgress?.(rowsWritten, rowsTotal);
  };

  const writeSplit = async (split: 'train' | 'validation', partStart: number, rows: number, count: number, stride: number): Promise<SplitInfo> => {
    const files: ShardFileInfo[] = [];
    for (let s = 0; s < count; s++) {
      // Balanced contiguous ranges: shard sizes differ by at most one row.
      const first = Math.floor((s * rows) / count);
      const end = Math.floor(((s + 1) * rows) / count);
      const name = shardFileName(split, s, count);
      const batches = windowBatches(ids, partStart, first, end, seqLen, stride, rowsPerBatch, schema);
      const written = await writeShard(path.join(out, name), batches, onBatch);
      files.push({ path: name, rows: end - first, ...written });
    }
    return { rows, files };
  };

  const train = await writeSplit('train', 0, trainRows, shards, step);
  const validation = await writeSplit('validation', splitAt, validationRows, validationShards, validationStep);

  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    kind: 'text',
    createdAt: new Date().toISOString(),
    source: {
      path: options.input,
      bytes: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    },
    seqLen,
    step,
    ...(validationStep !== step ? { validationStep } : {}),
    vocab: [...vocab.tokens],
    schema: describeTextSchema(seqLen, vocab.size),
    splits: { train, validation },
  };
  const tmp = path.join(out, MANIFEST_TMP_NAME);
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, path.join(out, MANIFEST_FILE_NAME));
  return manifest;
}
