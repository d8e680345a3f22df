import { createHash } from 'node:crypto';
import { cp, mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordBatchReader } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import { ArrowDataset } from './arrow-dataset.js';
import type { Manifest } from './manifest.js';
import { prepareText } from './prepare-text.js';

const CORPUS = fileURLToPath(new URL('../../../datasets/text/moby-dick.txt', import.meta.url));
const SEQ_LEN = 12;
const STEP = 5;

async function openError(dir: string, options?: { verifyChecksums?: boolean }): Promise<SeqtrainError> {
  try {
    const ds = await ArrowDataset.open(dir, 'train', options);
    await ds.close();
  } catch (err) {
    if (err instanceof SeqtrainError) return err;
    throw err;
  }
  throw new Error('expected ArrowDataset.open to fail');
}

async function rewriteManifest(dir: string, edit: (m: Manifest) => void): Promise<void> {
  const file = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
}

/** Records a shard's new size and hash in the manifest, so only the Arrow-level damage remains. */
async function acceptShard(dir: string, shard: string): Promise<void> {
  const bytes = await readFile(path.join(dir, shard));
  await rewriteManifest(dir, (m) => {
    const info = m.splits.train.files.find((f) => f.path === shard);
    if (!info) throw new Error(`no ${shard}`);
    info.bytes = bytes.byteLength;
    info.sha256 = createHash('sha256').update(bytes).digest('hex');
  });
}

describe('ArrowDataset', () => {
  let tmp = '';
  let dir = '';
  let text: string[] = [];
  let manifest: Manifest;
  let copies = 0;

  /** A private copy of the prepared directory to damage. */
  async function copy(): Promise<string> {
    const target = path.join(tmp, `copy-${copies++}`);
    await cp(dir, target, { recursive: true });
    return target;
  }

  /** The expected row r of the train split, as token ids, from the text itself. */
  function row(r: number): { x: number[]; y: number } {
    const id = (c: string | undefined): number => manifest.vocab.indexOf(c as string);
    const start = r * STEP;
    return { x: text.slice(start, start + SEQ_LEN).map(id), y: id(text[start + SEQ_LEN]) };
  }

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-dataset-'));
    text = Array.from(await readFile(CORPUS, 'utf8')).slice(0, 10_000);
    const input = path.join(tmp, 'moby-10k.txt');
    await writeFile(input, text.join(''));
    dir = path.join(tmp, 'prepared');
    manifest = await prepareText({ input, out: dir, seqLen: SEQ_LEN, step: STEP, shards: 3, rowsPerBatch: 100 });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('returns rows in the requested order, repeats included, across shards and batches', async () => {
    const ds = await ArrowDataset.open(dir, 'train');
    expect(ds.length).toBe(manifest.splits.train.rows);
    expect(ds.seqLen).toBe(SEQ_LEN);
    const indices = [ds.length - 1, 0, 777, 101, 0, 599, 600, 1200, 3];
    const batch = await ds.getBatch(indices);
    expect(batch.count).toBe(indices.length);
    indices.forEach((r, i) => {
      expect(Array.from(batch.x.subarray(i * SEQ_LEN, (i + 1) * SEQ_LEN))).toEqual(row(r).x);
      expect(batch.y[i]).toBe(row(r).y);
    });
    expect((await ds.getBatch([])).count).toBe(0);
    await ds.close();
  });

  it('serves concurrent requests correctly with a cache too small to hold one batch', async () => {
    const ds = await ArrowDataset.open(dir, 'train', { cacheBytes: 0, verifyChecksums: false });
    const requests = Array.from({ length: 12 }, (_, k) => Array.from({ length: 20 }, (_, i) => (k * 7919 + i * 104_729) % ds.length));
    const batches = await Promise.all(requests.map((indices) => ds.getBatch(indices)));
    batches.forEach((batch, k) => {
      (requests[k] as number[]).forEach((r, i) => {
        expect(Array.from(batch.x.subarray(i * SEQ_LEN, (i + 1) * SEQ_LEN))).toEqual(row(r).x);
        expect(batch.y[i]).toBe(row(r).y);
      });
    });
    await ds.close();
  });

  it('refuses out-of-range indices and use after close', async () => {
    const ds = await ArrowDataset.open(dir, 'validation');
    await expect(ds.getBatch([0, ds.length])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { position: 1 } });
    await expect(ds.getBatch([-1])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(ds.getBatch([1.5])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await ds.close();
    await expect(ds.getBatch([0])).rejects.toThrow(/closed/);
  });

  it('refuses a shard with a flipped byte, naming the file, both hashes and the fix', async () => {
    const damaged = await copy();
    const shard = path.join(damaged, 'train-00001-of-00003.arrow');
    const bytes = await readFile(shard);
    const at = bytes.byteLength >> 1;
    bytes[at] = (bytes[at] as number) ^ 0xff;
    await writeFile(shard, bytes);
    const err = await openError(damaged);
    expect(err.code).toBe('ERR_CHECKSUM_MISMATCH');
    expect(err.details.file).toBe(shard);
    expect(err.message).toContain(shard);
    expect(err.message).toContain(manifest.splits.train.files[1]?.sha256);
    expect(err.message).toContain(createHash('sha256').update(bytes).digest('hex'));
    expect(err.message).toContain('prepare');
  });

  it('reports a missing shard as ERR_DATA_NOT_FOUND naming it', async () => {
    const damaged = await copy();
    const shard = path.join(damaged, 'train-00002-of-00003.arrow');
    await rm(shard);
    const err = await openError(damaged);
    expect(err.code).toBe('ERR_DATA_NOT_FOUND');
    expect(err.details.file).toBe(shard);
  });

  it('turns truncated or damaged Arrow files into ERR_DATA_CORRUPT naming the file', async () => {
    const truncated = await copy();
    const shard = path.join(truncated, 'train-00000-of-00003.arrow');
    await truncate(shard, 1000);
    expect(await openError(truncated, { verifyChecksums: false })).toMatchObject({ code: 'ERR_DATA_CORRUPT', details: { file: shard } });
    // Same damage, but the manifest agrees with the file: now Arrow itself must fail to read it.
    await acceptShard(truncated, 'train-00000-of-00003.arrow');
    expect(await openError(truncated)).toMatchObject({ code: 'ERR_DATA_CORRUPT', details: { file: shard } });

    const badFooter = await copy();
    const footerShard = path.join(badFooter, 'train-00000-of-00003.arrow');
    const handle = await open(footerShard, 'r+');
    const { size } = await handle.stat();
    await handle.write(Buffer.alloc(10, 0xff), 0, 10, size - 10);
    await handle.close();
    await acceptShard(badFooter, 'train-00000-of-00003.arrow');
    expect(await openError(badFooter)).toMatchObject({ code: 'ERR_DATA_CORRUPT', details: { file: footerShard } });
  });

  it('turns a damaged record batch into ERR_DATA_CORRUPT when it is read', async () => {
    const damaged = await copy();
    const name = 'train-00000-of-00003.arrow';
    const shard = path.join(damaged, name);
    const bytes = await readFile(shard);
    const footer = RecordBatchReader.from(bytes).open().footer;
    const block = footer?.getRecordBatch(1);
    if (!block) throw new Error('no record batch 1');
    bytes.fill(0xff, Number(block.offset), Number(block.offset) + 8);
    await writeFile(shard, bytes);
    await acceptShard(damaged, name);
    const ds = await ArrowDataset.open(damaged, 'train');
    expect(Array.from((await ds.getBatch([0])).x)).toEqual(row(0).x);
    const inBatch1 = manifest.splits.train.files[0]?.batches[0] as number;
    await expect(ds.getBatch([inBatch1])).rejects.toMatchObject({ code: 'ERR_DATA_CORRUPT', details: { file: shard } });
    await ds.close();
  });

  it('refuses a manifest whose batch layout disagrees with the file', async () => {
    const damaged = await copy();
    await rewriteManifest(damaged, (m) => {
      const info = m.splits.train.files[0];
      if (!info) throw new Error('no shard');
      const last = info.batches.pop() as number;
      info.batches[info.batches.length - 1] = (info.batches.at(-1) as number) + last;
    });
    const err = await openError(damaged, { verifyChecksums: false });
    expect(err.code).toBe('ERR_DATA_CORRUPT');
    expect(err.message).toMatch(/record batches/);
  });
});
