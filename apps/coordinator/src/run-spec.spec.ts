import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareClassification, type DatasetManifest } from '@seqtrain/data';
import { RunSpecSchema, parseJob } from '@seqtrain/protocol';
import { buildRunSpec } from './run-spec.js';

let root: string;
let dataDir: string;
let manifest: DatasetManifest;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-run-spec-'));
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'great' : 'other'}\treview number ${i} was ${i % 2 ? 'good' : 'bland'}`);
  writeFileSync(join(root, 'train.tsv'), ['label\ttext', ...rows].join('\n') + '\n');
  dataDir = join(root, 'data');
  manifest = await prepareClassification({ input: join(root, 'train.tsv'), out: dataDir, vocabSize: 30, maxlen: 12, validationFraction: 0.25 });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('buildRunSpec', () => {
  it('fills in the dataset fields, the decay window and the resume point, and passes its own schema', () => {
    const job = parseJob({ model: { name: 'sentiment-lstm', config: { units: 8, maxlen: 999 } }, steps: 100, lrDecaySteps: 30, lrDecayTo: 0.2, seed: 5 });
    const spec = buildRunSpec(job, { manifest, dataDir, totalSteps: 100, resumeDir: null });
    // The dataset wins over the job's config: a model must fit the data it reads.
    expect(spec.modelConfig).toEqual({ units: 8, maxlen: 12, vocabSize: manifest.kind === 'classification' ? manifest.vocab.length : -1, numClasses: 2, seed: 5 });
    expect(spec.lrDecay).toEqual({ startStep: 70, endStep: 100, finalFraction: 0.2 });
    expect(spec.embeddings).toBeUndefined();
    expect(RunSpecSchema.parse(spec)).toEqual(spec);
    const longer = buildRunSpec(parseJob({ lrDecaySteps: 500 }), { manifest, dataDir, totalSteps: 100, resumeDir: '/runs/a/checkpoints/step-0000050' });
    expect(longer.lrDecay).toEqual({ startStep: 0, endStep: 100, finalFraction: 0.1 });
    expect(longer.resumeFrom).toBe('/runs/a/checkpoints/step-0000050');
    expect(buildRunSpec(parseJob({}), { manifest, dataDir, totalSteps: 100, resumeDir: null }).lrDecay).toBeUndefined();
  });

  it('sends model.embeddings with an absolute path, so every rank reads the same file whatever its directory', () => {
    const job = parseJob({ model: { name: 'sentiment-lstm', embeddings: { file: 'vectors/glove.txt', trainable: true } } });
    const spec = buildRunSpec(job, { manifest, dataDir, totalSteps: 10, resumeDir: null });
    expect(spec.embeddings).toEqual({ file: resolve('vectors/glove.txt'), trainable: true, layer: 'embedding' });
    expect(RunSpecSchema.parse(spec).embeddings).toEqual(spec.embeddings);
  });
});
