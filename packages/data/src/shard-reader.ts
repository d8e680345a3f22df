/**
 * The shard mechanism ArrowDataset (text) and TableDataset (generic columns) share: each shard of one
 * split stays open as a file handle, verified against its manifest entry (sha256, size, record-batch
 * count, schema) on open; a global row is found through the manifest's per-batch row counts (binary
 * search over cumulative offsets), and only the record batches a request needs are read and decoded.
 * The split is never loaded whole: decoded batches live in an LRU bounded by `cacheBytes`. How a
 * record batch becomes typed arrays, and which schema is right, is the dataset's part (callbacks).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open as openFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { RecordBatchReader, type AsyncRecordBatchFileReader, type RecordBatch, type Schema } from 'apache-arrow';
import { SeqtrainError } from '@seqtrain/common';
import type { ShardFileInfo, TableSplitName } from './manifest.js';

/** Where a record batch sits, as given to `decode`. */
export interface BatchLocation {
  shard: number;
  batch: number;
  /** First global row of the batch. */
  start: number;
  rows: number;
}

/** A decoded record batch; `bytes` is the memory the entry keeps alive (its distinct buffers). */
export interface DecodedShardBatch {
  bytes: number;
}

export interface ShardReaderOptions<T extends DecodedShardBatch> {
  /** The split read, named in errors. */
  split: TableSplitName;
  verifyChecksums: boolean;
  cacheBytes: number;
  /** The sentence after "does not exist." in ERR_DATA_NOT_FOUND (how to fix it). */
  missingFix: string;
  /** Whether a shard's schema is the one its manifest describes; `expected` is named in the error. */
  schema: { matches: (schema: Schema) => boolean; expected: string };
  /** Views of the record batch's values; throws `corruptShard(file, ...)` when they do not fit `location`. */
  decode: (file: string, location: BatchLocation, batch: RecordBatch) => T;
}

/** Rows gathered for one request: position i is row `rows[i]` of `batches[i]`. */
export interface GatheredRows<T> {
  batches: T[];
  rows: Int32Array;
}

interface Shard {
  file: string;
  handle: FileHandle;
  reader: AsyncRecordBatchFileReader;
  /** Arrow's file reader seeks a shared position, so reads of one shard are chained, never concurrent. */
  queue: Promise<unknown>;
}

export function corruptShard(file: string, problem: string, cause?: unknown): SeqtrainError {
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

export class ShardReader<T extends DecodedShardBatch> {
  /** Rows in the split. */
  readonly length: number;
  private readonly options: ShardReaderOptions<T>;
  private readonly shards: Shard[];
  private readonly locations: BatchLocation[] = [];
  private readonly cache = new Map<number, T>();
  private readonly inFlight = new Map<number, Promise<T>>();
  private cachedBytes = 0;
  private closed = false;

  private constructor(files: readonly ShardFileInfo[], shards: Shard[], options: ShardReaderOptions<T>) {
    this.options = options;
    this.shards = shards;
    let start = 0;
    files.forEach((file, shard) => {
      file.batches.forEach((rows, batch) => {
        this.locations.push({ shard, batch, start, rows });
        start += rows;
      });
    });
    // Equals the split's `rows`: manifest validation checks batches sum to file rows and files to split rows.
    this.length = start;
  }

  /** Opens every shard of `files` (paths relative to `dir`); on any failure, those opened are closed again. */
  static async open<T extends DecodedShardBatch>(
    dir: string,
    files: readonly ShardFileInfo[],
    options: ShardReaderOptions<T>
  ): Promise<ShardReader<T>> {
    const manifestFile = path.join(dir, 'manifest.json');
    const shards: Shard[] = [];
    try {
      for (const info of files) {
        const file = path.join(dir, info.path);
        let size: number;
        try {
          size = (await stat(file)).size;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            throw new SeqtrainError(
              'ERR_DATA_NOT_FOUND',
              `Shard ${file} listed in ${manifestFile} does not exist. ${options.missingFix}`,
              { file },
              { cause: err }
            );
          }
          throw err;
        }
        if (options.verifyChecksums) {
          const actual = await sha256File(file);
          if (actual !== info.sha256) {
            throw new SeqtrainError(
              'ERR_CHECKSUM_MISMATCH',
              `Shard ${file} has sha256 ${actual}, but ${manifestFile} expects ${info.sha256}: ` +
                `the file changed or was damaged after prepare. Re-run \`seqtrain prepare\` to regenerate ${dir}.`,
              { file, expected: info.sha256, actual }
            );
          }
        }
        if (size !== info.bytes) throw corruptShard(file, `it has ${size} bytes, the manifest says ${info.bytes}`);
        shards.push(await ShardReader.openShard(file, info.batches.length, options.schema));
      }
    } catch (err) {
      await Promise.allSettled(shards.map(closeShard));
      throw err;
    }
    return new ShardReader(files, shards, options);
  }

  private static async openShard(file: string, batchCount: number, schema: ShardReaderOptions<DecodedShardBatch>['schema']): Promise<Shard> {
    const handle = await openFile(file, 'r');
    try {
      let reader: AsyncRecordBatchFileReader;
      try {
        const opened = await RecordBatchReader.from(handle);
        if (!opened.isFile() || !opened.isAsync()) throw corruptShard(file, 'it does not start with the Arrow IPC file magic');
        reader = opened as AsyncRecordBatchFileReader;
        await reader.open();
      } catch (err) {
        if (err instanceof SeqtrainError) throw err;
        throw corruptShard(file, `Arrow could not read its footer (${(err as Error).message})`, err);
      }
      if (reader.numRecordBatches !== batchCount) {
        throw corruptShard(file, `it holds ${reader.numRecordBatches} record batches, the manifest lists ${batchCount}`);
      }
      if (!reader.schema || !schema.matches(reader.schema)) {
        throw corruptShard(file, `its schema is ${reader.schema ? String(reader.schema) : 'missing'}, expected ${schema.expected}`);
      }
      return { file, handle, reader, queue: Promise.resolve() };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /**
   * The decoded batches holding `indices` (in order, repeats allowed), each distinct batch read once.
   * An index outside [0, length) is ERR_INVALID_ARGUMENT, checked for all indices before any read
   * starts, so a bad index never leaves a read unobserved.
   */
  async gather(indices: readonly number[]): Promise<GatheredRows<T>> {
    const split = this.options.split;
    if (this.closed) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The ${split} dataset was closed; open it again to read from it.`);
    }
    const count = indices.length;
    const where = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const index = indices[i] as number;
      if (!Number.isInteger(index) || index < 0 || index >= this.length) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Row index ${index} at position ${i} is out of range: the ${split} split has ${this.length} rows [0, ${this.length}).`,
          { field: 'indices', position: i }
        );
      }
      where[i] = this.locate(index);
    }
    const needed = new Map<number, Promise<T>>();
    for (const b of where) if (!needed.has(b)) needed.set(b, this.fetch(b));
    const decoded = new Map<number, T>();
    await Promise.all([...needed].map(async ([b, pending]) => decoded.set(b, await pending)));

    const batches: T[] = [];
    const rows = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const b = where[i] as number;
      batches.push(decoded.get(b) as T);
      rows[i] = (indices[i] as number) - (this.locations[b] as BatchLocation).start;
    }
    return { batches, rows };
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

  /** The index into `locations` of the batch holding global row `index` (last start <= index). */
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

  /** A cached batch (refreshed as most recent), the read already under way, or a new read. */
  private fetch(b: number): Promise<T> {
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
        if (!this.closed) this.remember(b, batch);
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

  private remember(b: number, batch: T): void {
    this.cache.set(b, batch);
    this.cachedBytes += batch.bytes;
    for (const [key, entry] of this.cache) {
      if (this.cachedBytes <= this.options.cacheBytes) break;
      this.cache.delete(key);
      this.cachedBytes -= entry.bytes;
    }
  }

  private async load(b: number): Promise<T> {
    const location = this.locations[b] as BatchLocation;
    const shard = this.shards[location.shard] as Shard;
    const reading = shard.queue.then(() => shard.reader.readRecordBatch(location.batch));
    shard.queue = reading.catch(() => undefined);
    let batch: RecordBatch | null;
    try {
      batch = await reading;
    } catch (err) {
      throw corruptShard(shard.file, `record batch ${location.batch} could not be decoded (${(err as Error).message})`, err);
    }
    if (!batch) throw corruptShard(shard.file, `record batch ${location.batch} is missing`);
    if (batch.numRows !== location.rows) {
      throw corruptShard(shard.file, `record batch ${location.batch} has ${batch.numRows} rows, the manifest says ${location.rows}`);
    }
    return this.options.decode(shard.file, location, batch);
  }
}
