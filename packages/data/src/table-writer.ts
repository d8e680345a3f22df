/**
 * Writes the splits of a non-text dataset: in-memory columns -> Arrow IPC file shards (contiguous row
 * ranges, record batches of `rowsPerBatch` rows) -> manifest.json, written last through tmp + rename.
 * The recipes build their columns in memory first (the largest, IMDB as 25,000 × 200 Int32 ids, is
 * 20 MB), so this module only slices, never transforms.
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { MANIFEST_FILE_NAME, type ColumnSpec, type ShardFileInfo, type SplitInfo, type TableManifest } from './manifest.js';
import { MANIFEST_TMP_NAME, claimOutputDir, shardFileName, writeShard } from './prepare-text.js';
import { columnWidth, makeTableBatch, tableSchema, type ColumnArray } from './table-columns.js';

/** One split's rows: data[i] holds rows × width(columns[i]) values, row-major. */
export interface SplitColumns {
  rows: number;
  data: ColumnArray[];
}

export interface WriteTableOptions {
  out: string;
  columns: ColumnSpec[];
  train: SplitColumns;
  validation: SplitColumns;
  /** A held-out test split (written as test-*.arrow shards, like validation's). */
  test?: SplitColumns;
  shards: number;
  rowsPerBatch: number;
  onProgress?: (rowsWritten: number, rowsTotal: number) => void;
}

/**
 * Train gets min(shards, rows) files; validation gets max(1, round(shards × its share of all rows))
 * files (none when it is empty), as prepare text does with its fraction.
 */
export async function writeTableSplits(options: WriteTableOptions): Promise<{ train: SplitInfo; validation: SplitInfo; test?: SplitInfo }> {
  const { out, columns, shards, rowsPerBatch } = options;
  await claimOutputDir(out);
  const schema = tableSchema(columns);
  const total = options.train.rows + options.validation.rows + (options.test?.rows ?? 0);
  let written = 0;
  const onBatch = (rows: number): void => {
    written += rows;
    options.onProgress?.(written, total);
  };
  function* batches(split: SplitColumns, first: number, end: number): Generator<RecordBatch> {
    for (let b0 = first; b0 < end; b0 += rowsPerBatch) {
      const rows = Math.min(rowsPerBatch, end - b0);
      const data = columns.map((c, i) => {
        const w = columnWidth(c);
        return (split.data[i] as ColumnArray).subarray(b0 * w, (b0 + rows) * w);
      });
      yield makeTableBatch(schema, columns, rows, data);
    }
  }
  const writeSplit = async (name: 'train' | 'validation' | 'test', split: SplitColumns, count: number): Promise<SplitInfo> => {
    const files: ShardFileInfo[] = [];
    for (let s = 0; s < count; s++) {
      const first = Math.floor((s * split.rows) / count);
      const end = Math.floor(((s + 1) * split.rows) / count);
      const file = shardFileName(name, s, count);
      const info = await writeShard(path.join(out, file), batches(split, first, end), onBatch);
      files.push({ path: file, rows: end - first, ...info });
    }
    return { rows: split.rows, files };
  };
  const trainShards = Math.max(1, Math.min(shards, options.train.rows));
  const heldOutShards = (rows: number): number => (rows === 0 ? 0 : Math.max(1, Math.min(rows, Math.round((shards * rows) / Math.max(1, total)))));
  const train = await writeSplit('train', options.train, trainShards);
  const validation = await writeSplit('validation', options.validation, heldOutShards(options.validation.rows));
  if (options.test === undefined) return { train, validation };
  return { train, validation, test: await writeSplit('test', options.test, heldOutShards(options.test.rows)) };
}

/** Writes `<out>/manifest.json` atomically (tmp + rename), so a reader never sees half a manifest. */
export async function writeManifestFile(out: string, manifest: TableManifest): Promise<void> {
  const tmp = path.join(out, MANIFEST_TMP_NAME);
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, path.join(out, MANIFEST_FILE_NAME));
}
