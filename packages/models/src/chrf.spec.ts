import { describe, expect, it } from 'vitest';
import { isSeqtrainError } from '@seqtrain/common';
import { chrF, chrfFromStatistics, chrfStatistics, corpusChrF } from './chrf.js';

describe('chrF', () => {
  it('is 100 for an identical hypothesis and 0 when no character matches', () => {
    expect(chrF('Va !', 'Va !')).toBe(100);
    expect(chrF('abc', 'xyz')).toBe(0);
    expect(chrF('', 'abc')).toBe(0);
  });

  it('matches hand-computed values', () => {
    // "ab" vs "abc": 1-grams P 2/2 R 2/3, 2-grams P 1/1 R 1/2, 3-grams have no hypothesis n-gram
    // (not an effective order). Averages P 1, R 7/12; F2 = 5PR / (4P + R) = 7/11.
    expect(chrF('ab', 'abc')).toBeCloseTo((100 * 7) / 11, 10);
    // Whitespace is removed before extracting n-grams.
    expect(chrF('a b', 'ab')).toBe(100);
    // "aab" vs "ab": 1-grams P 2/3 R 1, 2-grams P 1/2 R 1 -> P 7/12, R 1; F2 = 5*(7/12) / (4*(7/12) + 1) = 35/40.
    expect(chrF('aab', 'ab')).toBeCloseTo(100 * (35 / 40), 10);
    // beta 1 weighs precision and recall equally: 2PR/(P+R) with P 1, R 7/12 -> 14/19.
    expect(chrF('ab', 'abc', { beta: 1 })).toBeCloseTo((100 * 14) / 19, 10);
  });

  it("agrees with sacreBLEU's published figures", () => {
    // The sentence and corpus examples of the Hugging Face chrF metric card, computed by sacreBLEU.
    expect(
      chrF('The relationship between Obama and Netanyahu is not exactly friendly.', 'The ties between Obama and Netanyahu are not particularly friendly.')
    ).toBeCloseTo(61.576379378113785, 9);
    expect(
      corpusChrF(
        ['The relationship between cats and dogs is not exactly friendly.', 'a good bookshop is just a genteel black hole that knows how to read.'],
        ['The relationship between dogs and cats is not exactly friendly.', 'A good bookshop is just a genteel Black Hole that knows how to read.']
      )
    ).toBeCloseTo(84.64214891738334, 9);
  });

  it('statistics summed over shares of a corpus give the corpus score', () => {
    const hyps = ['el gato negro', 'la casa', 'y dijo Dios'];
    const refs = ['el perro negro', 'la casa blanca', 'Y dijo Dios: sea la luz'];
    const a = chrfStatistics(hyps.slice(0, 1), refs.slice(0, 1));
    const b = chrfStatistics(hyps.slice(1), refs.slice(1));
    expect(chrfFromStatistics(a.map((v, i) => v + (b[i] ?? 0)))).toBeCloseTo(corpusChrF(hyps, refs), 10);
  });

  it('rejects unaligned corpus lists', () => {
    let err: unknown;
    try {
      corpusChrF(['a'], []);
    } catch (e) {
      err = e;
    }
    expect(isSeqtrainError(err, 'ERR_SHAPE_MISMATCH')).toBe(true);
  });
});
