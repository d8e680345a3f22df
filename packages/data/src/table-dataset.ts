/**
 * Random access to one split of a non-text dataset (classification, timeseries, pairs, idx): the
 * counterpart of ArrowDataset for generic columns. Same guarantees, from the same ShardReader:
 * checksums verified on open, one open file handle per shard, rows located by binary search over the
 * manifest's record-batch offsets, decoded record batches kept in an LRU bounded by `cacheBytes`.
 */
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { readDatasetManifest, type ColumnSpec, type SplitInfo, type TableManifest, type TableSplitName } from './manifest.js';
import { corruptShard, ShardReader, type BatchLocation } from './shard-reader.js';
import { columnWidth, tableSchemaMatches, type ColumnArray } from './table-columns.js';

export interface TableColumn {
  /** count × width values, row-major. */
  values: ColumnArray;
  /** Values per row (1 for a scalar column). */
  width: number;
}

export interface TableRows {
  count: number;
  columns: Record<string, TableColumn>;
}

export interface TableDatasetOptions {
  verifyChecksums?: boolean;
  cacheBytes?: number;
}

interface DecodedBatch {
  columns: ColumnArray[];
  bytes: number;
}

/** Views (no copy) of each column's values inside a record batch, checked against the manifest's columns. */
function decodeColumns(columns: readonly ColumnSpec[], file: string, location: BatchLocation, batch: RecordBatch): DecodedBatch {
  const rows = location.rows;
  const buffers = new Set<ArrayBufferLike>();
  const decoded = columns.map((spec, c) => {
    const data = batch.getChildAt(c)?.data[0];
    const width = columnWidth(spec);
    const leaf = spec.width === null ? data : data?.children[0];
    const values: unknown = leaf?.values;
    const Expected = spec.dtype === 'int32' ? Int32Array : Float32Array;
    if (!data || !leaf || !(values instanceof Expected)) throw corruptShard(file, `record batch ${location.batch} lacks column ${spec.name}`);
    const start = spec.width === null ? data.offset : leaf.offset + data.offset * width;
    const view = values.subarray(start, start + rows * width);
    if (view.length !== rows * width) throw corruptShard(file, `record batch ${location.batch} holds fewer values of ${spec.name} than its ${rows} rows need`);
    buffers.add(view.buffer);
    return view;
  });
  let bytes = 0;
  for (const buffer of buffers) bytes += buffer.byteLength;
  return { columns: decoded, bytes };
}

export class TableDataset {
  readonly manifest: TableManifest;
  readonly length: number;
  readonly columns: readonly ColumnSpec[];
  private readonly reader: ShardReader<DecodedBatch>;

  private constructor(manifest: TableManifest, info: SplitInfo, reader: ShardReader<DecodedBatch>) {
    this.manifest = manifest;
    this.columns = manifest.columns;
    this.reader = reader;
    this.length = info.rows;
  }

  static async open(dir: string, split: TableSplitName, options: TableDatasetOptions = {}): Promise<TableDataset> {
    if (split !== 'train' && split !== 'validation' && split !== 'test') {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Dataset split must be "train", "validation" or "test", got ${JSON.stringify(split)}.`, { field: 'split' });
    }
    const cacheBytes = options.cacheBytes ?? DEFAULTS.DATA_CACHE_BYTES;
    if (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `TableDataset option "cacheBytes" must be an integer >= 0, got ${cacheBytes}.`, { field: 'cacheBytes' });
    }
    const manifest = await readDatasetManifest(dir);
    if (manifest.kind === 'text') {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${dir} holds a text dataset; read it with ArrowDataset.open (getBatch), not TableDataset.`, {
        field: 'kind',
        file: path.join(dir, 'manifest.json'),
      });
    }
    const info = manifest.splits[split];
    if (info === undefined) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `${path.join(dir, 'manifest.json')} has no "${split}" split (a classification dataset gets one from a test file together with validationFraction).`,
        { field: 'split', file: path.join(dir, 'manifest.json') }
      );
    }
    const reader = await ShardReader.open(dir, info.files, {
      split,
      verifyChecksums: options.verifyChecksums ?? true,
      cacheBytes,
      missingFix: 'Re-run `seqtrain prepare`.',
      schema: { matches: (schema) => tableSchemaMatches(schema, manifest.columns), expected: JSON.stringify(manifest.schema) },
      decode: (file, location, batch) => decodeColumns(manifest.columns, file, location, batch),
    });
    return new TableDataset(manifest, info, reader);
  }

  /** Rows in the given order (repeats allowed), each column as Int32Array or Float32Array with its width. */
  async getRows(indices: readonly number[]): Promise<TableRows> {
    const { batches, rows } = await this.reader.gather(indices);
    const count = indices.length;
    const columns: Record<string, TableColumn> = {};
    this.columns.forEach((spec, c) => {
      const width = columnWidth(spec);
      const values = spec.dtype === 'int32' ? new Int32Array(count * width) : new Float32Array(count * width);
      for (let i = 0; i < count; i++) {
        const row = rows[i] as number;
        const source = (batches[i] as DecodedBatch).columns[c] as ColumnArray;
        values.set(source.subarray(row * width, (row + 1) * width), i * width);
      }
      columns[spec.name] = { values, width };
    });
    return { count, columns };
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}
