import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isSeqtrainError } from '@seqtrain/common';
import { buildModel } from './build-model.js';
import { loadPretrainedEmbedding, parseGloveText, readGloveFile } from './glove-embeddings.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqtrain-glove-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A GloVe-format fixture (glove.6B.*d.txt layout) of dimension 3.
const FIXTURE = ['the 0.1 0.2 0.3', 'movie -1 0.5 2', 'good 0.25 -0.25 1e-1', 'the 9 9 9', 'unused 7 7 7', ''].join('\n');
const VOCAB = ['<pad>', 'the', 'movie', 'was', 'good'];

describe('GloVe embeddings', () => {
  it('builds the matrix for a vocabulary: found rows copied, the rest zero, first duplicate wins', async () => {
    const path = join(root, 'glove.3d.txt');
    await writeFile(path, FIXTURE);
    const glove = await readGloveFile(path, VOCAB, 3);
    expect(glove.hits).toBe(3);
    expect(glove.missing).toEqual(['<pad>', 'was']);
    expect([glove.rows, glove.dim]).toEqual([5, 3]);
    expect(Array.from(glove.values)).toEqual(Array.from(new Float32Array([0, 0, 0, 0.1, 0.2, 0.3, -1, 0.5, 2, 0, 0, 0, 0.25, -0.25, 0.1])));
  });

  it('names the line of a vector of the wrong dimension and a missing file', async () => {
    expect(() => parseGloveText('the 1 2\n', VOCAB, 3, 'g.txt')).toThrow(/g\.txt:1: expected a word and 3 numbers, got 2/);
    expect(() => parseGloveText('the 1 x 3\n', VOCAB, 3)).toThrow(/"x" is not a number/);
    let err: unknown;
    try {
      await readGloveFile(join(root, 'absent.txt'), VOCAB, 3);
    } catch (e) {
      err = e;
    }
    expect(isSeqtrainError(err, 'ERR_DATA_NOT_FOUND') && err.details.file).toBe(join(root, 'absent.txt'));
  });

  it('loads into a model embedding, frozen by default or trainable, and checks the shape', () => {
    const glove = parseGloveText(FIXTURE, VOCAB, 3);
    const model = buildModel('sentiment-lstm', { vocabSize: 5, maxlen: 4, embeddingDim: 3, units: 2 });
    const trainableBefore = model.trainableWeights.length;
    loadPretrainedEmbedding(model, glove);
    const layer = model.getLayer('embedding');
    expect(Array.from(layer.getWeights()[0]!.dataSync())).toEqual(Array.from(glove.values));
    expect(layer.trainable).toBe(false);
    expect(model.trainableWeights.length).toBe(trainableBefore - 1);

    const open = buildModel('sentiment-conv1d', { vocabSize: 5, maxlen: 12, embeddingDim: 3, filters: 2, kernelSize: 2, poolSize: 2 });
    loadPretrainedEmbedding(open, glove, { trainable: true });
    expect(open.getLayer('embedding').trainable).toBe(true);

    const wrong = buildModel('sentiment-lstm', { vocabSize: 6, maxlen: 4, embeddingDim: 3, units: 2 });
    expect(() => loadPretrainedEmbedding(wrong, glove)).toThrow(/embedding shape \[6, 3\] but the GloVe matrix is \[5, 3\]/);
  });
});
