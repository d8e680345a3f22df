/**
 * Random access to one split of a non-text dataset (classification, timeseries, pairs, idx): the
 * counterpart of ArrowDataset for generic columns. Same guarantees: checksums verified on open, one
 * open file handle per shard, rows located by binary search over the manifest's record-batch offsets,
 * decoded record batches kept in an LRU bounded by `cacheBytes`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open as openFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { RecordBatchReader, type AsyncRecordBatchFileReader, type RecordBatch } from 'apache-arrow';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { readDatasetManifest, type ColumnSpec, type SplitName, type TableManifest } from './manifest.js';
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

interface Shard {
  file: string;
  handle: FileHandle;
  reader: AsyncRecordBatchFileReader;
  queue: Promise<unknown>;
}

interface BatchLocation {
  shard: number;
  batch: number;
  start: number;
  rows: number;
}

interface DecodedBatch {
  columns: ColumnArray[];
  bytes: number;
}

function corrupt(file: string, problem: string, cause?: unknown): SeqtrainError {
  return new SeqtrainError(
    'ERR_DATA_CORRUPT',
    `Shard ${file} is corrupt or not the file its manifest describes: ${problem}. Re-run \`seqtrain prepare\` to regenerate it.`,
    { file },
    { cause }
  );
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function closeShard(shard: Shard): Promise<void> {
  await shard.queue;
  try {
    await shard.reader.cancel();
  } finally {
    await shard.handle.close();
  }
}

export class TableDataset {
  readonly manifest: TableManifest;
  readonly length: number;
  readonly columns: readonly ColumnSpec[];
  private readonly split: SplitName;
  private readonly shards: Shard[];
  private readonly locations: BatchLocation[] = [];
  private readonly cacheBytes: number;
  private readonly cache = new Map<number, DecodedBatch>();
  private readonly inFlight = new Map<number, Promise<DecodedBatch>>();
  private cachedBytes = 0;
  private closed = false;

  private constructor(manifest: TableManifest, split: SplitName, shards: Shard[], cacheBytes: number) {
    this.manifest = manifest;
    this.columns = manifest.columns;
    this.split = split;
    this.shards = shards;
    this.cacheBytes = cacheBytes;
    this.length = manifest.splits[split].rows;
    let start = 0;
    manifest.splits[split].files.forEach((file, shard) => {
      file.batches.forEach((rows, batch) => {
        this.locations.push({ shard, batch, start, rows });
        start += rows;
      });
    });
  }

  static async open(dir: string, split: SplitName, options: TableDatasetOptions = {}): Promise<TableDataset> {
    if (split !== 'train' && split !== 'validation') {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Dataset split must be "train" or "validation", got ${JSON.stringify(split)}.`, { field: 'split' });
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
    const shards: Shard[] = [];
    try {
      for (const info of manifest.splits[split].files) {
        const file = path.join(dir, info.path);
        let size: number;
        try {
          size = (await stat(file)).size;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            throw new SeqtrainError('ERR_DATA_NOT_FOUND', `Shard ${file} listed in ${path.join(dir, 'manifest.json')} does not exist. Re-run \`seqtrain prepare\`.`, { file }, { cause: err });
          }
          throw err;
        }
        if (options.verifyChecksums ?? true) {
          const actual = await sha256File(file);
          if (actual !== info.sha256) {
            throw new SeqtrainError(
              'ERR_CHECKSUM_MISMATCH',
              `Shard ${file} has sha256 ${actual}, but ${path.join(dir, 'manifest.json')} expects ${info.sha256}: ` +
                `the file changed or was damaged after prepare. Re-run \`seqtrain prepare\` to regenerate ${dir}.`,
              { file, expected: info.sha256, actual }
            );
          }
        }
        if (size !== info.bytes) throw corrupt(file, `it has ${size} bytes, the manifest says ${info.bytes}`);
        shards.push(await TableDataset.openShard(file, info.batches.length, manifest));
      }
    } catch (err) {
      await Promise.allSettled(shards.map(closeShard));
      throw err;
    }
    return new TableDataset(manifest, split, shards, cacheBytes);
  }

  private static async openShard(file: string, batchCount: number, manifest: TableManifest): Promise<Shard> {
    const handle = await openFile(file, 'r');
    try {
      let reader: AsyncRecordBatchFileReader;
      try {
        const opened = await RecordBatchReader.from(handle);
        if (!opened.isFile() || !opened.isAsync()) throw corrupt(file, 'it does not start with the Arrow IPC file magic');
        reader = opened as AsyncRecordBatchFileReader;
        await reader.open();
      } catch (err) {
        if (err instanceof SeqtrainError) throw err;
        throw corrupt(file, `Arrow could not read its footer (${(err as Error).message})`, err);
      }
      if (reader.numRecordBatches !== batchCount) throw corrupt(file, `it holds ${reader.numRecordBatches} record batches, the manifest lists ${batchCount}`);
      if (!reader.schema || !tableSchemaMatches(reader.schema, manifest.columns)) {
        throw corrupt(file, `its schema is ${reader.schema ? String(reader.schema) : 'missing'}, expected ${JSON.stringify(manifest.schema)}`);
      }
      return { file, handle, reader, queue: Promise.resolve() };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Rows in the given order (repeats allowed), each column as Int32Array or Float32Array with its width. */
  async getRows(indices: readonly number[]): Promise<TableRows> {
    if (this.closed) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The ${this.split} dataset was closed; open it again to read from it.`);
    const count = indices.length;
    const where = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const index = indices[i] as number;
      if (!Number.isInteger(index) || index < 0 || index >= this.length) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Row index ${index} at position ${i} is out of range: the ${this.split} split has ${this.length} rows [0, ${this.length}).`,
          { field: 'indices', position: i }
        );
      }
      where[i] = this.locate(index);
    }
    const needed = new Map<number, Promise<DecodedBatch>>();
    for (const b of where) if (!needed.has(b)) needed.set(b, this.fetch(b));
    const decoded = new Map<number, DecodedBatch>();
    await Promise.all([...needed].map(async ([b, pending]) => decoded.set(b, await pending)));

    const columns: Record<string, TableColumn> = {};
    this.columns.forEach((spec, c) => {
      const width = columnWidth(spec);
      const values = spec.dtype === 'int32' ? new Int32Array(count * width) : new Float32Array(count * width);
      for (let i = 0; i < count; i++) {
        const b = where[i] as number;
        const row = (indices[i] as number) - (this.locations[b] as BatchLocation).start;
        const source = (decoded.get(b) as DecodedBatch).columns[c] as ColumnArray;
        values.set(source.subarray(row * width, (row + 1) * width), i * width);
      }
      columns[spec.name] = { values, width };
    });
    return { count, columns };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.inFlight.values());
    this.cache.clear();
    this.cachedBytes = 0;
    const results = await Promise.allSettled(this.shards.map(closeShard));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private locate(index: number): number {
    let lo = 0;
    let hi = this.locations.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.locations[mid] as BatchLocation).start <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private fetch(b: number): Promise<DecodedBatch> {
    const hit = this.cache.get(b);
    if (hit) {
      this.cache.delete(b);
      this.cache.set(b, hit);
      return Promise.resolve(hit);
    }
    const pending = this.inFlight.get(b);
    if (pending) return pending;
    const loading = this.load(b).then(
      (batch) => {
        this.inFlight.delete(b);
        if (!this.closed) {
          this.cache.set(b, batch);
          this.cachedBytes += batch.bytes;
          for (const [key, entry] of this.cache) {
            if (this.cachedBytes <= this.cacheBytes) break;
            this.cache.delete(key);
            this.cachedBytes -= entry.bytes;
          }
        }
        return batch;
      },
      (err: unknown) => {
        this.inFlight.delete(b);
        throw err;
      }
    );
    this.inFlight.set(b, loading);
    return loading;
  }

  private async load(b: number): Promise<DecodedBatch> {
    const location = this.locations[b] as BatchLocation;
    const shard = this.shards[location.shard] as Shard;
    const reading = shard.queue.then(() => shard.reader.readRecordBatch(location.batch));
    shard.queue = reading.catch(() => undefined);
    let batch: RecordBatch | null;
    try {
      batch = await reading;
    } catch (err) {
      throw corrupt(shard.file, `record batch ${location.batch} could not be decoded (${(err as Error).message})`, err);
    }
    if (!batch) throw corrupt(shard.file, `record batch ${location.batch} is missing`);
    if (batch.numRows !== location.rows) throw corrupt(shard.file, `record batch ${location.batch} has ${batch.numRows} rows, the manifest says ${location.rows}`);
    const rows = location.rows;
    const buffers = new Set<ArrayBufferLike>();
    const columns = this.columns.map((spec, c) => {
      const data = batch.getChildAt(c)?.data[0];
      const width = columnWidth(spec);
      const leaf = spec.width === null ? data : data?.children[0];
      const values: unknown = leaf?.values;
      const Expected = spec.dtype === 'int32' ? Int32Array : Float32Array;
      if (!data || !leaf || !(values instanceof Expected)) throw corrupt(shard.file, `record batch ${location.batch} lacks column ${spec.name}`);
      const start = spec.width === null ? data.offset : leaf.offset + data.offset * width;
      const view = values.subarray(start, start + rows * width);
      if (view.length !== rows * width) throw corrupt(shard.file, `record batch ${location.batch} holds fewer values of ${spec.name} than its ${rows} rows need`);
      buffers.add(view.buffer);
      return view;
    });
    let bytes = 0;
    for (const buffer of buffers) bytes += buffer.byteLength;
    return { columns, bytes };
  }
}
