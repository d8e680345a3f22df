import { describe, expect, it } from 'vitest';
import { KneserNeyLm } from './char-ngram.js';
import { ngramBaselines, splitText } from './text-baselines.js';

describe('splitText', () => {
  it('splits as the text recipe: code points, sorted vocabulary of the whole text, cut at floor(chars x 0.9)', () => {
    // 11 code points (the whale emoji is one), cut = floor(11 x 0.9) = 9.
    const split = splitText('abcabcab🐋ca');
    expect(split.vocabSize).toBe(4);
    expect(split.cut).toBe(9);
    expect(Array.from(split.ids)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 3, 2, 0]);
    expect(splitText('abcd', 0.5).cut).toBe(2);
  });
});

describe('ngramBaselines', () => {
  it('trains on the part before the cut and scores every character after it', () => {
    const split = splitText('abab'.repeat(5) + 'ab', 0.1);
    // 22 chars, cut 19: train "abab...a" (19 chars), validation "ba" ... scored from a fresh history.
    const [bigram] = ngramBaselines(split, [2]);
    const lm = new KneserNeyLm(split.ids.subarray(0, 19), 2, 2);
    expect(bigram).toEqual({ order: 2, bitsPerChar: lm.evaluate(split.ids.subarray(19)).bitsPerToken, validationChars: 3, trainChars: 19 });
  });
});
