/**
 * Random access to one split of a prepared dataset, one record batch at a time. Each shard stays
 * open as a file handle; a row is found through the manifest's per-batch row counts (binary search
 * over cumulative offsets), and only the record batches a request needs are read and decoded. The
 * split is never loaded whole: decoded batches live in an LRU bounded by `cacheBytes`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open as openFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { RecordBatchReader, type AsyncRecordBatchFileReader, type RecordBatch } from 'apache-arrow';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { readManifest, type Manifest, type SplitName } from './manifest.js';
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

interface Shard {
  file: string;
  handle: FileHandle;
  reader: AsyncRecordBatchFileReader;
  /** Arrow's file reader seeks a shared position, so reads of one shard are chained, never concurrent. */
  queue: Promise<unknown>;
}

interface BatchLocation {
  shard: number;
  batch: number;
  /** First global row of the batch. */
  start: number;
  rows: number;
}

interface DecodedBatch {
  x: TokenArray;
  y: TokenArray;
  /** Memory this entry keeps alive: the distinct buffers under x and y (the record batch body). */
  bytes: number;
}

function dataNotFound(file: string, dir: string, cause?: unknown): SeqtrainError {
  return new SeqtrainError(
    'ERR_DATA_NOT_FOUND',
    `Shard ${file} listed in ${path.join(dir, 'manifest.json')} does not exist. Re-run \`seqtrain prepare\` to regenerate ${dir}.`,
    { file },
    { cause }
  );
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

export class ArrowDataset {
  readonly manifest: Manifest;
  readonly length: number;
  readonly seqLen: number;
  private readonly split: SplitName;
  private readonly shards: Shard[];
  private readonly locations: BatchLocation[];
  private readonly cacheBytes: number;
  private readonly cache = new Map<number, DecodedBatch>();
  private readonly inFlight = new Map<number, Promise<DecodedBatch>>();
  private cachedBytes = 0;
  private closed = false;

  private constructor(manifest: Manifest, split: SplitName, shards: Shard[], cacheBytes: number) {
    this.manifest = manifest;
    this.split = split;
    this.shards = shards;
    this.cacheBytes = cacheBytes;
    this.seqLen = manifest.seqLen;
    this.length = manifest.splits[split].rows;
    this.locations = [];
    let start = 0;
    manifest.splits[split].files.forEach((file, shard) => {
      file.batches.forEach((rows, batch) => {
        this.locations.push({ shard, batch, start, rows });
        start += rows;
      });
    });
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
    const verify = options.verifyChecksums ?? true;
    const manifest = await readManifest(dir);
    const shards: Shard[] = [];
    try {
      for (const info of manifest.splits[split].files) {
        const file = path.join(dir, info.path);
        let size: number;
        try {
          size = (await stat(file)).size;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw dataNotFound(file, dir, err);
          throw err;
        }
        if (verify) {
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
        shards.push(await ArrowDataset.openShard(file, info.batches.length, manifest));
      }
    } catch (err) {
      await Promise.allSettled(shards.map(closeShard));
      throw err;
    }
    return new ArrowDataset(manifest, split, shards, cacheBytes);
  }

  private static async openShard(file: string, batchCount: number, manifest: Manifest): Promise<Shard> {
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
      if (reader.numRecordBatches !== batchCount) {
        throw corrupt(file, `it holds ${reader.numRecordBatches} record batches, the manifest lists ${batchCount}`);
      }
      if (!reader.schema || !schemaMatches(reader.schema, manifest.seqLen, manifest.vocab.length)) {
        throw corrupt(
          file,
          `its schema is ${reader.schema ? String(reader.schema) : 'missing'}, expected x: ${manifest.schema.x}, y: ${manifest.schema.y}`
        );
      }
      return { file, handle, reader, queue: Promise.resolve() };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Rows in the given order (repeats allowed). An index outside [0, length) is ERR_INVALID_ARGUMENT. */
  async getBatch(indices: readonly number[]): Promise<Batch> {
    if (this.closed) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The ${this.split} dataset was closed; open it again to read from it.`);
    }
    const count = indices.length;
    const seqLen = this.seqLen;
    // All indices are checked before any read starts, so a bad index never leaves a read unobserved.
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

    const x = new Int32Array(count * seqLen);
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const b = where[i] as number;
      const batch = decoded.get(b) as DecodedBatch;
      const row = (indices[i] as number) - (this.locations[b] as BatchLocation).start;
      x.set(batch.x.subarray(row * seqLen, (row + 1) * seqLen), i * seqLen);
      y[i] = batch.y[row] as number;
    }
    return { x, y, count, seqLen };
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

  private remember(b: number, batch: DecodedBatch): void {
    this.cache.set(b, batch);
    this.cachedBytes += batch.bytes;
    for (const [key, entry] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes) break;
      this.cache.delete(key);
      this.cachedBytes -= entry.bytes;
    }
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
    if (batch.numRows !== location.rows) {
      throw corrupt(shard.file, `record batch ${location.batch} has ${batch.numRows} rows, the manifest says ${location.rows}`);
    }
    return this.decode(shard.file, location, batch);
  }

  /** Views (no copy) of the token arrays inside a record batch, checked against the expected layout. */
  private decode(file: string, location: BatchLocation, batch: RecordBatch): DecodedBatch {
    const rows = location.rows;
    const seqLen = this.seqLen;
    const xData = batch.getChildAt(0)?.data[0];
    const yData = batch.getChildAt(1)?.data[0];
    const child = xData?.children[0];
    const Expected = tokenBits(this.manifest.vocab.length) === 16 ? Uint16Array : Uint32Array;
    const xValues: unknown = child?.values;
    const yValues: unknown = yData?.values;
    if (!xData || !yData || !child || !(xValues instanceof Expected) || !(yValues instanceof Expected)) {
      throw corrupt(file, `record batch ${location.batch} lacks the x/y token columns`);
    }
    const xStart = child.offset + xData.offset * seqLen;
    const x = xValues.subarray(xStart, xStart + rows * seqLen);
    const y = yValues.subarray(yData.offset, yData.offset + rows);
    if (x.length !== rows * seqLen || y.length !== rows) {
      throw corrupt(file, `record batch ${location.batch} holds fewer token ids than its ${rows} rows need`);
    }
    const buffers = new Set<ArrayBufferLike>([x.buffer, y.buffer]);
    let bytes = 0;
    for (const buffer of buffers) bytes += buffer.byteLength;
    return { x, y, bytes };
  }
}
