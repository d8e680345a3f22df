import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import { readTar, readZip } from './archive-readers.js';
import { downloadDataset } from './canonical-sources.js';
import { download } from './download.js';
import { IDX_IMAGES_MAGIC, parseIdx } from './idx.js';
import { TableDataset } from './table-dataset.js';
import { ArrowDataset } from './arrow-dataset.js';

/** A ustar archive of regular files, as `tar` writes it (header checksum included). */
function tarOf(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write('0000644\0', 100);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A zip archive of deflated files (local headers, central directory, end record). */
function zipOf(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const raw = Buffer.from(text);
    const packed = deflateRawSync(raw);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

function idxOf(magic: number, dims: number[], values: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

const REVIEWS: Record<string, string> = {
  'aclImdb/train/pos/0_9.txt': 'A great film.<br />Loved it',
  'aclImdb/train/neg/1_2.txt': 'Awful, boring film',
  'aclImdb/train/pos/2_8.txt': 'great acting',
  'aclImdb/test/neg/0_1.txt': 'boring and awful',
  'aclImdb/test/pos/0_10.txt': 'loved the acting',
  'aclImdb/README': 'not a review',
};

describe('canonical downloads over local HTTP', () => {
  let tmp = '';
  let server: http.Server;
  let base = '';
  const requests: string[] = [];
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-dl-'));
    files.set('/aclImdb_v1.tar.gz', gzipSync(tarOf(REVIEWS)));
    files.set('/fra-eng.zip', zipOf({ '_about.txt': 'about', 'fra.txt': 'Go.\tVa !\tCC-BY\nHi.\tSalut !\tCC-BY\nRun!\tCours !\tCC-BY\n' }));
    files.set('/shakespeare.txt', Buffer.from('First Citizen:\nBefore we proceed any further, hear me speak.\n'.repeat(20)));
    files.set('/si650.txt', Buffer.from('1\tI love Harry Potter.\n0\tMission Impossible sucks.\n1\tI like it\n'));
    // Three 2×2 images, pixel values 0..255; labels 3, 1, 4. Train images gzipped, test ones not.
    files.set('/mnist/train-images-idx3-ubyte.gz', gzipSync(idxOf(IDX_IMAGES_MAGIC, [3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8])));
    files.set('/mnist/train-labels-idx1-ubyte.gz', gzipSync(idxOf(2049, [3], [3, 1, 4])));
    files.set('/mnist/t10k-images-idx3-ubyte.gz', idxOf(IDX_IMAGES_MAGIC, [1, 2, 2], [255, 0, 0, 255]));
    files.set('/mnist/t10k-labels-idx1-ubyte.gz', idxOf(2049, [1], [9]));
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = files.get(req.url ?? '');
      if (!body) {
        res.writeHead(404).end('not here');
        return;
      }
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(tmp, { recursive: true, force: true });
  });

  it('reads its own tar and zip fixtures', () => {
    expect(readTar(gzipSync(tarOf({ 'a/b.txt': 'hello' })))).toEqual([{ name: 'a/b.txt', data: new Uint8Array(Buffer.from('hello')) }]);
    expect(readZip(zipOf({ 'x.txt': 'zipped' })).map((e) => [e.name, Buffer.from(e.data).toString()])).toEqual([['x.txt', 'zipped']]);
  });

  it('downloads with progress, checks sha256, reuses the cache, and names the URL on HTTP errors', async () => {
    const progress: number[] = [];
    const file = await download({ url: `${base}/si650.txt`, cacheDir: path.join(tmp, 'cache'), onProgress: (done) => progress.push(done) });
    expect(progress.at(-1)).toBe(files.get('/si650.txt')?.length);
    const before = requests.length;
    expect(await download({ url: `${base}/si650.txt`, cacheDir: path.join(tmp, 'cache') })).toBe(file);
    expect(requests.length).toBe(before);
    const bad = await download({ url: `${base}/si650.txt`, cacheDir: path.join(tmp, 'cache2'), sha256: '0'.repeat(64) }).catch((e: unknown) => e);
    expect((bad as SeqtrainError).code).toBe('ERR_DOWNLOAD_FAILED');
    const missing = await download({ url: `${base}/nope.txt`, cacheDir: path.join(tmp, 'cache') }).catch((e: unknown) => e);
    expect((missing as SeqtrainError).code).toBe('ERR_DOWNLOAD_FAILED');
    expect((missing as SeqtrainError).message).toContain(`${base}/nope.txt`);
    expect((missing as SeqtrainError).message).toContain('404');
  });

  it('imdb: tar.gz -> classification with pos/neg labels and the test reviews as validation', async () => {
    const m = await downloadDataset({ name: 'imdb', url: `${base}/aclImdb_v1.tar.gz`, out: path.join(tmp, 'imdb'), cacheDir: path.join(tmp, 'cache') });
    if (m.kind !== 'classification') throw new Error('expected classification');
    expect(m.labels).toEqual(['neg', 'pos']);
    expect(m.splits.train.rows).toBe(3);
    expect(m.splits.validation.rows).toBe(2);
    expect(m.vocab).toContain('great');
    expect(m.vocab).not.toContain('br');
  });

  it('fra-eng: zip -> pairs, skipping the _about file', async () => {
    const m = await downloadDataset({ name: 'fra-eng', url: `${base}/fra-eng.zip`, out: path.join(tmp, 'fra'), cacheDir: path.join(tmp, 'cache') });
    if (m.kind !== 'pairs') throw new Error('expected pairs');
    expect(m.splits.train.rows + m.splits.validation.rows).toBe(3);
    expect(m.targetVocab).toContain('!');
    expect(m.sourceVocab).toContain('G');
  });

  it('shakespeare: text recipe, readable with ArrowDataset', async () => {
    const m = await downloadDataset({ name: 'shakespeare', url: `${base}/shakespeare.txt`, out: path.join(tmp, 'shake'), cacheDir: path.join(tmp, 'cache') });
    expect(m.kind).toBe('text');
    const ds = await ArrowDataset.open(path.join(tmp, 'shake'), 'train');
    expect(ds.length).toBeGreaterThan(0);
    await ds.close();
  });

  it('umich-si650: label TAB sentence -> classification', async () => {
    const m = await downloadDataset({ name: 'umich-si650', url: `${base}/si650.txt`, out: path.join(tmp, 'si650'), cacheDir: path.join(tmp, 'cache') });
    if (m.kind !== 'classification') throw new Error('expected classification');
    expect(m.labels).toEqual(['0', '1']);
  });

  it('mnist: IDX (gzip or not) -> pixels / 255 and labels, test files as validation', async () => {
    const m = await downloadDataset({ name: 'mnist', url: `${base}/mnist/`, out: path.join(tmp, 'mnist'), cacheDir: path.join(tmp, 'cache') });
    if (m.kind !== 'idx') throw new Error('expected idx');
    expect(m.itemShape).toEqual([2, 2]);
    expect(m.classes).toBe(10);
    const ds = await TableDataset.open(path.join(tmp, 'mnist'), 'validation');
    const rows = await ds.getRows([0]);
    await ds.close();
    expect(Array.from(rows.columns.x?.values ?? [])).toEqual([1, 0, 0, 1]);
    expect(Array.from(rows.columns.y?.values ?? [])).toEqual([9]);
    const train = await TableDataset.open(path.join(tmp, 'mnist'), 'train');
    const all = await train.getRows([0, 1, 2]);
    await train.close();
    expect(Array.from(all.columns.x?.values ?? []).slice(0, 4)).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    expect(Array.from(all.columns.y?.values ?? [])).toEqual([3, 1, 4]);
  });

  it('refuses an IDX file with the wrong magic number', () => {
    expect(() => parseIdx(idxOf(2049, [1], [0]), IDX_IMAGES_MAGIC, 'labels-as-images')).toThrow(/magic number 2049, expected 2051/);
  });
});
