/**
 * Random access to one split of a prepared dataset, one record batch at a time. Each shard stays
 * open as a file handle; a row is found through the manifest's per-batch row counts (binary search
 * over cumulative offsets), and only the record batches a request needs are read and decoded. The
 * split is never loaded whole: decoded batches live in an LRU bounded by `cacheBytes`. The shard
 * mechanism is ShardReader's (shared with TableDataset); this file decodes the x/y token columns.
 */
import type { RecordBatch } from 'apache-arrow';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { readManifest, type Manifest, type SplitName } from './manifest.js';
import { corruptShard, ShardReader, type BatchLocation } from './shard-reader.js';
import { schemaMatches, tokenBits, type TokenArray } from './text-columns.js';

export interface Batch {
  /** count * seqLen token ids, row-major. */
  x: Int32Array;
  /** count next-token ids. */
  y: Int32Array;
  count: number;
  seqLen: number;
}

export interface ArrowDatasetOptions {
  /** Hash every shard on open and refuse one that differs from the manifest. Default true. */
  verifyChecksums?: boolean;
  /** Bound of the decoded record-batch cache. Default DEFAULTS.DATA_CACHE_BYTES. */
  cacheBytes?: number;
}

interface DecodedBatch {
  x: TokenArray;
  y: TokenArray;
  /** Memory this entry keeps alive: the distinct buffers under x and y (the record batch body). */
  bytes: number;
}

/** Views (no copy) of the token arrays inside a record batch, checked against the expected layout. */
function decodeTokens(manifest: Manifest, file: string, location: BatchLocation, batch: RecordBatch): DecodedBatch {
  const rows = location.rows;
  const seqLen = manifest.seqLen;
  const xData = batch.getChildAt(0)?.data[0];
  const yData = batch.getChildAt(1)?.data[0];
  const child = xData?.children[0];
  const Expected = tokenBits(manifest.vocab.length) === 16 ? Uint16Array : Uint32Array;
  const xValues: unknown = child?.values;
  const yValues: unknown = yData?.values;
  if (!xData || !yData || !child || !(xValues instanceof Expected) || !(yValues instanceof Expected)) {
    throw corruptShard(file, `record batch ${location.batch} lacks the x/y token columns`);
  }
  const xStart = child.offset + xData.offset * seqLen;
  const x = xValues.subarray(xStart, xStart + rows * seqLen);
  const y = yValues.subarray(yData.offset, yData.offset + rows);
  if (x.length !== rows * seqLen || y.length !== rows) {
    throw corruptShard(file, `record batch ${location.batch} holds fewer token ids than its ${rows} rows need`);
  }
  const buffers = new Set<ArrayBufferLike>([x.buffer, y.buffer]);
  let bytes = 0;
  for (const buffer of buffers) bytes += buffer.byteLength;
  return { x, y, bytes };
}

export class ArrowDataset {
  readonly manifest: Manifest;
  readonly length: number;
  readonly seqLen: number;
  private readonly reader: ShardReader<DecodedBatch>;

  private constructor(manifest: Manifest, split: SplitName, reader: ShardReader<DecodedBatch>) {
    this.manifest = manifest;
    this.reader = reader;
    this.seqLen = manifest.seqLen;
    this.length = manifest.splits[split].rows;
  }

  static async open(dir: string, split: 'train' | 'validation', options: ArrowDatasetOptions = {}): Promise<ArrowDataset> {
    if (split !== 'train' && split !== 'validation') {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Dataset split must be "train" or "validation", got ${JSON.stringify(split)}.`, {
        field: 'split',
      });
    }
    const cacheBytes = options.cacheBytes ?? DEFAULTS.DATA_CACHE_BYTES;
    if (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `ArrowDataset option "cacheBytes" must be an integer >= 0, got ${cacheBytes}.`, {
        field: 'cacheBytes',
      });
    }
    const manifest = await readManifest(dir);
    const reader = await ShardReader.open(dir, manifest.splits[split].files, {
      split,
      verifyChecksums: options.verifyChecksums ?? true,
      cacheBytes,
      missingFix: `Re-run \`seqtrain prepare\` to regenerate ${dir}.`,
      schema: {
        matches: (schema) => schemaMatches(schema, manifest.seqLen, manifest.vocab.length),
        expected: `x: ${manifest.schema.x}, y: ${manifest.schema.y}`,
      },
      decode: (file, location, batch) => decodeTokens(manifest, file, location, batch),
    });
    return new ArrowDataset(manifest, split, reader);
  }

  /** Rows in the given order (repeats allowed). An index outside [0, length) is ERR_INVALID_ARGUMENT. */
  async getBatch(indices: readonly number[]): Promise<Batch> {
    const { batches, rows } = await this.reader.gather(indices);
    const count = indices.length;
    const seqLen = this.seqLen;
    const x = new Int32Array(count * seqLen);
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const batch = batches[i] as DecodedBatch;
      const row = rows[i] as number;
      x.set(batch.x.subarray(row * seqLen, (row + 1) * seqLen), i * seqLen);
      y[i] = batch.y[row] as number;
    }
    return { x, y, count, seqLen };
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}
