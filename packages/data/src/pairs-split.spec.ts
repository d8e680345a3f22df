import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { splitPairs, type TextPair } from './pairs-split.js';

const BIBLE = fileURLToPath(new URL('../../../datasets/translation/eng-spa-bible.tsv', import.meta.url));
const len = (s: string) => Array.from(s).length;

function bible(): TextPair[] {
  return readFileSync(BIBLE, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [, source = '', target = ''] = l.split('\t');
      return { source, target };
    });
}

describe('splitPairs, held-out rule', () => {
  const pairs: TextPair[] = [
    { source: 'a', target: 'A' }, // candidate 0: held out
    { source: 'bb', target: 'BB' }, // candidate 1
    { source: 'a long source over the cap', target: 'X' }, // no candidate, too long to train on at maxChars 10
    { source: 'c', target: 'C' }, // candidate 2: held out
    { source: 'a', target: 'A' }, // repeats candidate 0: not a candidate, not trained on
    { source: 'd', target: 'C' }, // candidate 3; its target repeats a held-out one: not trained on
    { source: 'medium 9c', target: 'M' }, // over heldOut.maxChars 5, within maxChars 10: training only
    { source: 'e', target: 'E' }, // candidate 4: held out
  ];

  it('holds out every N-th distinct candidate in file order and trains on nothing that repeats a held-out text', () => {
    const split = splitPairs(pairs, { maxChars: 10, heldOut: { every: 2, maxChars: 5 }, validationFraction: 0.5, seed: 1 });
    expect(split.validation).toEqual([0, 3, 7]);
    expect([...split.train].sort((a, b) => a - b)).toEqual([1, 6]);
    expect(split.dropped).toBe(1);
    expect(split.overlapping).toBe(2);
  });

  it('is deterministic: the held-out set depends on neither the seed nor the training cap', () => {
    const a = splitPairs(pairs, { maxChars: 10, heldOut: { every: 2, maxChars: 5 }, validationFraction: 0.1, seed: 1 });
    const b = splitPairs(pairs, { maxChars: 100, heldOut: { every: 2, maxChars: 5 }, validationFraction: 0.9, seed: 99 });
    expect(b.validation).toEqual(a.validation);
    expect([...b.train].sort((x, y) => x - y)).toEqual([1, 2, 6]);
  });

  it('on the shipped verses with the job settings: disjoint texts, caps applied, a few hundred held out', () => {
    const all = bible();
    const options = { maxChars: 100, heldOut: { every: 19, maxChars: 80 }, validationFraction: 0.1, seed: 42 };
    const split = splitPairs(all, options);
    expect(splitPairs(all, { ...options, seed: 7 }).validation).toEqual(split.validation);
    expect(split.validation.length).toBeGreaterThanOrEqual(250);
    expect(split.validation.length).toBeLessThanOrEqual(320);
    // File order, every side within its cap.
    expect(split.validation).toEqual([...split.validation].sort((a, b) => a - b));
    const held = split.validation.map((i) => all[i] as TextPair);
    const trained = split.train.map((i) => all[i] as TextPair);
    expect(held.every((p) => len(p.source) <= 80 && len(p.target) <= 80)).toBe(true);
    expect(trained.every((p) => len(p.source) <= 100 && len(p.target) <= 100)).toBe(true);
    const heldTexts = new Set(held.flatMap((p) => [p.source, p.target]));
    expect(trained.some((p) => heldTexts.has(p.source) || heldTexts.has(p.target))).toBe(false);
    expect(new Set(held.map((p) => p.source)).size).toBe(held.length);
    // Every pair is accounted for exactly once.
    expect(new Set([...split.train, ...split.validation]).size).toBe(split.train.length + split.validation.length);
    expect(split.train.length + split.validation.length + split.dropped + split.overlapping).toBe(all.length);
  });
});

describe('splitPairs, fraction rule', () => {
  it('drops pairs over maxChars and holds out the last fraction of a seeded shuffle', () => {
    const pairs = Array.from({ length: 40 }, (_, i) => ({ source: 'x'.repeat(1 + (i % 8)), target: `y${i}` }));
    const split = splitPairs(pairs, { maxChars: 6, validationFraction: 0.25, seed: 3 });
    const kept = pairs.filter((p) => len(p.source) <= 6).length;
    expect(split.dropped).toBe(40 - kept);
    expect(split.validation.length).toBe(kept - Math.round(kept * 0.75));
    expect(new Set([...split.train, ...split.validation]).size).toBe(kept);
    expect(splitPairs(pairs, { maxChars: 6, validationFraction: 0.25, seed: 3 })).toEqual(split);
    expect(splitPairs(pairs, { maxChars: 6, validationFraction: 0.25, seed: 4 }).validation).not.toEqual(split.validation);
  });
});
