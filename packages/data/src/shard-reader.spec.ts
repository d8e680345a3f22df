import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from './manifest.js';
import { prepareText } from './prepare-text.js';
import { ShardReader, type BatchLocation } from './shard-reader.js';

let root: string;
let manifest: Manifest;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-shard-reader-'));
  writeFileSync(join(root, 'corpus.txt'), 'abcdefghij'.repeat(40));
  manifest = await prepareText({ input: join(root, 'corpus.txt'), out: join(root, 'data'), seqLen: 4, step: 1, shards: 2, rowsPerBatch: 16 });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Decoded {
  bytes: number;
  location: BatchLocation;
}

async function open(cacheBytes: number, matches = true) {
  const decoded: BatchLocation[] = [];
  const reader = await ShardReader.open<Decoded>(join(root, 'data'), manifest.splits.train.files, {
    split: 'train',
    verifyChecksums: true,
    cacheBytes,
    missingFix: 'Prepare it again.',
    schema: { matches: () => matches, expected: 'the test schema' },
    decode: (_file, location) => {
      decoded.push(location);
      return { bytes: 100, location };
    },
  });
  return { reader, decoded };
}

describe('ShardReader', () => {
  it('maps global rows to (batch, row) across shards and batches, decoding each batch once per request', async () => {
    expect(manifest.splits.train.files.length).toBe(2);
    expect(manifest.splits.train.files.every((f) => f.batches.length > 1)).toBe(true);
    const { reader, decoded } = await open(0);
    const last = manifest.splits.train.rows - 1;
    const indices = [last, 0, 17, 1, last];
    const { batches, rows } = await reader.gather(indices);
    for (let i = 0; i < indices.length; i++) {
      const loc = batches[i]?.location as BatchLocation;
      expect(loc.start + (rows[i] as number)).toBe(indices[i]);
      expect(rows[i]).toBeLessThan(loc.rows);
    }
    expect(new Set(decoded.map((l) => `${l.shard}:${l.batch}`)).size).toBe(decoded.length);
    await reader.close();
  });

  it('serves repeated batches from its cache when it has room, and re-reads when it has none', async () => {
    const cached = await open(1 << 20);
    await cached.reader.gather([0, 1]);
    await cached.reader.gather([2, 3]);
    expect(cached.decoded).toHaveLength(1);
    await cached.reader.close();
    const uncached = await open(0);
    await uncached.reader.gather([0, 1]);
    await uncached.reader.gather([2, 3]);
    expect(uncached.decoded).toHaveLength(2);
    await uncached.reader.close();
  });

  it('names the position of an out-of-range row, refuses a wrong schema naming the file, and refuses reads after close', async () => {
    const { reader } = await open(0);
    await expect(reader.gather([0, -1])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { position: 1 } });
    await reader.close();
    await expect(reader.gather([0])).rejects.toThrow(/closed/);
    await expect(open(0, false)).rejects.toMatchObject({ code: 'ERR_DATA_CORRUPT', message: expect.stringMatching(/train-00000.*the test schema|the test schema.*train-00000/s) });
  });
});
