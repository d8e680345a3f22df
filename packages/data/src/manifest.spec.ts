import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import { MANIFEST_VERSION, parseManifest, readManifest, type Manifest } from './manifest.js';

const HASH = 'a'.repeat(64);

function validManifest(): Manifest {
  return {
    version: MANIFEST_VERSION,
    kind: 'text',
    createdAt: '2025-01-01T00:00:00.000Z',
    source: { path: 'corpus.txt', bytes: 100, sha256: HASH },
    seqLen: 4,
    step: 1,
    vocab: ['a', 'b'],
    schema: { x: 'FixedSizeList<Uint16>[4]', y: 'Uint16' },
    splits: {
      train: { rows: 5, files: [{ path: 'train-00000-of-00001.arrow', rows: 5, bytes: 10, sha256: HASH, batches: [3, 2] }] },
      validation: { rows: 0, files: [] },
    },
  };
}

async function readError(dir: string, content: unknown): Promise<SeqtrainError> {
  await writeFile(path.join(dir, 'manifest.json'), typeof content === 'string' ? content : JSON.stringify(content));
  try {
    await readManifest(dir);
  } catch (err) {
    if (err instanceof SeqtrainError) return err;
    throw err;
  }
  throw new Error('expected readManifest to fail');
}

describe('readManifest', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-manifest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a valid manifest', async () => {
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(validManifest()));
    expect(await readManifest(dir)).toEqual(validManifest());
  });

  it('names the file and the field of a bad value', async () => {
    const bad = validManifest() as unknown as { splits: { train: { files: { sha256: string }[] } } };
    (bad.splits.train.files[0] as { sha256: string }).sha256 = 'not-a-hash';
    const err = await readError(dir, bad);
    expect(err.code).toBe('ERR_MANIFEST_INVALID');
    expect(err.details.field).toBe('splits.train.files[0].sha256');
    expect(err.details.file).toBe(path.join(dir, 'manifest.json'));
    expect(err.message).toContain('splits.train.files[0].sha256');
    expect(err.message).toContain(path.join(dir, 'manifest.json'));
  });

  it('names a missing field', async () => {
    const { seqLen: _dropped, ...rest } = validManifest();
    const err = await readError(dir, rest);
    expect(err.code).toBe('ERR_MANIFEST_INVALID');
    expect(err.details.field).toBe('seqLen');
  });

  it('refuses an unknown version, naming it', async () => {
    const err = await readError(dir, { ...validManifest(), version: 2 });
    expect(err.details.field).toBe('version');
    expect(err.message).toContain('version 2 is not supported');
  });

  it('checks that the counts add up', async () => {
    const m = validManifest();
    (m.splits.train.files[0] as { batches: number[] }).batches = [3, 3];
    expect((await readError(dir, m)).details.field).toBe('splits.train.files[0].batches');
    const n = validManifest();
    n.splits.train.rows = 6;
    expect((await readError(dir, n)).details.field).toBe('splits.train.rows');
  });

  it('refuses shard paths that leave the directory and duplicate vocab tokens', () => {
    const m = validManifest();
    (m.splits.train.files[0] as { path: string }).path = '../elsewhere.arrow';
    expect(() => parseManifest(m, 'm.json')).toThrow(/splits\.train\.files\[0\]\.path/);
    const v = { ...validManifest(), vocab: ['a', 'b', 'a'] };
    expect(() => parseManifest(v, 'm.json')).toThrow(/vocab\[2\]/);
  });

  it('reports invalid JSON and a missing manifest with their codes', async () => {
    expect((await readError(dir, '{ not json')).code).toBe('ERR_MANIFEST_INVALID');
    const missing = path.join(dir, 'nowhere');
    await expect(readManifest(missing)).rejects.toMatchObject({
      code: 'ERR_DATA_NOT_FOUND',
      details: { file: path.join(missing, 'manifest.json') },
    });
  });
});
