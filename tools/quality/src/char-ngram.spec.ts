import { describe, expect, it } from 'vitest';
import { KneserNeyLm } from './char-ngram.js';

describe('KneserNeyLm', () => {
  // "abab" (a = 0, b = 1), V = 2, order 2. Bigrams: ab x2, ba x1 -> n1 = n2 = 1, D2 = 1/3.
  // Unigram continuation counts: a (after b) 1, b (after a) 1 -> D1 = 2 / (2 + 0) = 1, T = 2, N = 2.
  // p1(a) = p1(b) = 0 + 1 * 2/2 * 1/2 = 1/2.
  // p2(b|a) = (2 - 1/3)/2 + (1/3 * 1/2) * 1/2 = 5/6 + 1/12 = 11/12; p2(a|a) = 1/12.
  // p2(.|b): T(b) = 1, c(ba) = 1 -> p2(a|b) = 2/3 + (1/3) * 1/2 = 5/6, p2(b|b) = 1/6.
  const lm = new KneserNeyLm([0, 1, 0, 1], 2, 2);

  it('computes the discounts and probabilities worked out by hand', () => {
    expect(lm.discounts()).toEqual([1, 1 / 3]);
    expect(lm.probability([], 0)).toBeCloseTo(0.5, 12);
    expect(lm.probability([0], 1)).toBeCloseTo(11 / 12, 12);
    expect(lm.probability([0], 0)).toBeCloseTo(1 / 12, 12);
    expect(lm.probability([1], 0)).toBeCloseTo(5 / 6, 12);
    expect(lm.probability([1, 1, 1], 1)).toBeCloseTo(1 / 6, 12);
  });

  it('scores a text in bits per token, the first id from the lower order', () => {
    // "ab": -log2(1/2) - log2(11/12), over 2 ids.
    const expected = (1 - Math.log2(11 / 12)) / 2;
    expect(lm.evaluate([0, 1]).bitsPerToken).toBeCloseTo(expected, 12);
    // `from` starts a fresh history: [1, | 0, 1] scores "ab" exactly as above.
    expect(lm.evaluate([1, 0, 1], 1)).toEqual({ bitsPerToken: lm.evaluate([0, 1]).bitsPerToken, tokens: 2 });
  });

  it('gives a distribution summing to 1 after every history, unseen ids and histories included', () => {
    const text = Array.from('the cat sat on the mat; the hat').map((c) => c.charCodeAt(0) - 32);
    const model = new KneserNeyLm(text, 4, 96);
    for (const history of [[], [84], [72, 69], [84, 72, 69], [0, 0, 0], [90, 91, 92]]) {
      let sum = 0;
      for (let w = 0; w < 96; w++) sum += model.probability(history, w);
      expect(sum).toBeCloseTo(1, 10);
    }
    // An id absent from training still has mass (the uniform floor), and a seen continuation has more.
    expect(model.probability([84, 72], 95)).toBeGreaterThan(0);
    expect(model.probability([84, 72], 69)).toBeGreaterThan(model.probability([84, 72], 65));
  });

  it('predicts text like its training text better with a higher order', () => {
    // After "b" comes c or d (a bigram cannot tell), after "ab" always c and after "cb" always d.
    const text = Array.from('abcbd'.repeat(40)).map((c) => c.charCodeAt(0) - 97);
    const held = Array.from('abcbdabcbd').map((c) => c.charCodeAt(0) - 97);
    const bits = [1, 2, 3].map((n) => new KneserNeyLm(text, n, 4).evaluate(held).bitsPerToken);
    expect(bits[1]).toBeLessThan(bits[0] as number);
    expect(bits[2]).toBeLessThan(bits[1] as number);
  });

  it('refuses ids outside the vocabulary and orders whose keys would overflow', () => {
    expect(() => new KneserNeyLm([0, 5], 2, 3)).toThrow(/outside \[0, 3\)/);
    expect(() => new KneserNeyLm([0], 6, 1 << 10)).toThrow(/2\^53/);
  });
});
