import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import './register-all-recipes.js';
import { readDatasetManifest, readManifest } from './manifest.js';
import { RECIPES, RecipeRegistry } from './recipe-registry.js';
import { TableDataset } from './table-dataset.js';

describe('RECIPES', () => {
  let tmp = '';
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-recipes-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('holds every recipe once; a duplicate is ERR_DUPLICATE_REGISTRATION, an unknown name lists the known ones', () => {
    expect(RECIPES.names()).toEqual(['classification', 'idx', 'pairs', 'text', 'timeseries']);
    const text = RECIPES.get('text');
    expect(() => RECIPES.register(text)).toThrow(expect.objectContaining({ code: 'ERR_DUPLICATE_REGISTRATION' }));
    const registry = new RecipeRegistry();
    registry.register(text);
    expect(() => registry.get('audio')).toThrow(/Unknown recipe "audio". Known recipes: text\./);
  });

  it('prepares through the registry; readManifest refuses a non-text kind; TableDataset refuses a changed shard', async () => {
    const csv = path.join(tmp, 's.csv');
    await writeFile(csv, 'v\n' + Array.from({ length: 30 }, (_, i) => String(i)).join('\n') + '\n');
    const out = path.join(tmp, 'ts');
    await RECIPES.get('timeseries').prepare({ input: csv, out, window: 3, validationLast: 5 });
    expect((await readDatasetManifest(out)).kind).toBe('timeseries');
    const err = await readManifest(out).catch((e: unknown) => e);
    expect((err as SeqtrainError).code).toBe('ERR_MANIFEST_INVALID');
    expect((err as SeqtrainError).details.field).toBe('kind');
    const manifest = await readDatasetManifest(out);
    const shard = path.join(out, manifest.splits.train.files[0]?.path as string);
    const bytes = await readFile(shard);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 1;
    await writeFile(shard, bytes);
    const bad = await TableDataset.open(out, 'train').catch((e: unknown) => e);
    expect((bad as SeqtrainError).code).toBe('ERR_CHECKSUM_MISMATCH');
    expect((bad as SeqtrainError).details.file).toBe(shard);
  });
});
