import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isSeqtrainError } from '@seqtrain/common';
import { buildModel } from './build-model.js';
import { sampleText } from './sample-text.js';
import { seededRandom } from './seeded-random.js';
import { temperatureSample } from './temperature-sample.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const VOCAB = [...'abcdefghij klmnopqrs'];
const model = () => buildModel('char-lm', { vocabSize: VOCAB.length, seqLen: 8, embeddingDim: 6, units: 16, seed: 11 });

describe('sampleText', () => {
  it('returns prime + length characters from the vocab, the same for the same seed', () => {
    const m = model();
    const options = { vocab: VOCAB, prime: 'abc', length: 30, temperature: 1, seed: 5 };
    const first = sampleText(m, options);
    expect(first.startsWith('abc')).toBe(true);
    expect([...first]).toHaveLength(33);
    expect([...first].every((c) => VOCAB.includes(c))).toBe(true);
    expect(sampleText(m, options)).toBe(first);
    // An untrained model is near uniform at T=1, so another seed gives another text.
    expect(sampleText(m, { ...options, seed: 6 })).not.toBe(first);
  });

  it('accepts primes longer than the window and an empty prime; length 0 returns the prime', () => {
    const m = model();
    expect([...sampleText(m, { vocab: VOCAB, prime: 'abcdefghijklmnop', length: 5, temperature: 0.5, seed: 1 })]).toHaveLength(21);
    expect([...sampleText(m, { vocab: VOCAB, prime: '', length: 4, temperature: 0.5, seed: 1 })]).toHaveLength(4);
    expect(sampleText(m, { vocab: VOCAB, prime: 'hi', length: 0, temperature: 0.5, seed: 1 })).toBe('hi');
  });

  it('rejects a prime character outside the vocab, a vocab of the wrong size and a bad temperature', () => {
    const m = model();
    expect(() => sampleText(m, { vocab: VOCAB, prime: 'abZ', length: 3, temperature: 1, seed: 1 })).toThrow(
      /character "Z" \(position 2\) is not in the model's vocabulary/
    );
    expect(() => sampleText(m, { vocab: VOCAB.slice(1), prime: 'b', length: 3, temperature: 1, seed: 1 })).toThrow(
      /predicts over 20 ids but the vocab has 19 entries/
    );
    let caught: unknown;
    try {
      sampleText(m, { vocab: VOCAB, prime: 'a', length: 3, temperature: 0, seed: 1 });
    } catch (err) {
      caught = err;
    }
    expect(isSeqtrainError(caught, 'ERR_INVALID_ARGUMENT') && caught.details.field).toBe('temperature');
  });
});

describe('temperatureSample', () => {
  it('draws in proportion to p at T=1 and picks the mode as T -> 0', () => {
    const random = seededRandom(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[temperatureSample([0.1, 0.3, 0.6], 1, random)]! += 1;
    expect(counts[0]! / 3000).toBeCloseTo(0.1, 1);
    expect(counts[2]! / 3000).toBeCloseTo(0.6, 1);
    for (let i = 0; i < 50; i++) expect(temperatureSample([0.1, 0.3, 0.6], 0.01, random)).toBe(2);
  });

  it('never draws an id of probability 0', () => {
    const random = seededRandom(2);
    for (let i = 0; i < 200; i++) expect(temperatureSample([0, 1, 0], 2, random)).toBe(1);
  });
});
