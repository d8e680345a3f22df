/**
 * The train/validation split of the `pairs` recipe, shared by the recipe and by anything that must
 * select the same held-out pairs (the quality tool's copy-the-source baseline).
 *
 * Two rules:
 *
 * - **Held-out rule** (`heldOut` given): a fixed set that does not depend on the seed or on the
 *   training cap. The candidates are the pairs, in file order, with both sides at most
 *   `heldOut.maxChars` code points whose source text is not already a candidate (a repeated verse
 *   counts once). Candidate number 0, `every`, 2 x `every`, ... is held out; the validation split is
 *   these pairs in file order. Training takes every other pair with both sides at most `maxChars`,
 *   except pairs whose source or target text equals a held-out pair's source or target (the same
 *   verse twice in the corpus, e.g. the twelve identical offerings of Numbers 7): no held-out text
 *   is ever trained on. `overlapping` counts those exclusions.
 * - **Fraction rule** (no `heldOut`): pairs with a side longer than `maxChars` are dropped, the kept
 *   pairs are shuffled by `permutation(kept, seed, 0)` and the last `validationFraction` of them is
 *   validation.
 *
 * Lengths are code points (`Array.from(text).length`), the unit the model reads.
 */
import { SeqtrainError } from '@seqtrain/common';
import { permutation } from './distributed-sampler.js';

export interface HeldOutRule {
  /** Hold out every N-th candidate (candidates 0, N, 2N, ...). */
  every: number;
  /** Candidates have both sides at most this many code points. */
  maxChars: number;
}

export interface PairsSplitOptions {
  /** Training pairs have both sides at most this many code points; null keeps every length. */
  maxChars: number | null;
  heldOut?: HeldOutRule | undefined;
  /** Fraction rule only. */
  validationFraction: number;
  /** Fraction rule: the shuffle; held-out rule: the order of the training rows. */
  seed: number;
}

export interface TextPair {
  source: string;
  target: string;
}

export interface PairsSplit {
  /** Indices into the input pairs, in the order their rows are written. */
  train: number[];
  validation: number[];
  /** Pairs longer than the caps (neither trained on nor held out). */
  dropped: number;
  /** Held-out rule: pairs left out of training because they repeat a held-out text. */
  overlapping: number;
}

const lengthOf = (text: string): number => Array.from(text).length;

export function splitPairs(pairs: readonly TextPair[], options: PairsSplitOptions): PairsSplit {
  const fits = (p: TextPair, cap: number | null) => cap === null || (lengthOf(p.source) <= cap && lengthOf(p.target) <= cap);
  const rule = options.heldOut;
  if (rule === undefined) {
    const kept: number[] = [];
    pairs.forEach((p, i) => {
      if (fits(p, options.maxChars)) kept.push(i);
    });
    const order = permutation(kept.length, options.seed, 0);
    const trainCount = Math.round(kept.length * (1 - options.validationFraction));
    const shuffled = Array.from(order, (k) => kept[k] as number);
    return { train: shuffled.slice(0, trainCount), validation: shuffled.slice(trainCount), dropped: pairs.length - kept.length, overlapping: 0 };
  }
  if (!Number.isInteger(rule.every) || rule.every < 1 || !Number.isInteger(rule.maxChars) || rule.maxChars < 1) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The held-out rule needs positive integers every and maxChars; got every ${rule.every}, maxChars ${rule.maxChars}.`, { field: 'heldOut' });
  }
  const validation: number[] = [];
  const heldOutTexts = new Set<string>();
  const candidateSources = new Set<string>();
  let candidate = 0;
  pairs.forEach((p, i) => {
    if (!fits(p, rule.maxChars) || candidateSources.has(p.source)) return;
    candidateSources.add(p.source);
    if (candidate % rule.every === 0) {
      validation.push(i);
      heldOutTexts.add(`s:${p.source}`).add(`t:${p.target}`);
    }
    candidate += 1;
  });
  const isHeldOut = new Set(validation);
  const trainable: number[] = [];
  let overlapping = 0;
  let dropped = 0;
  pairs.forEach((p, i) => {
    if (isHeldOut.has(i)) return;
    if (!fits(p, options.maxChars)) dropped += 1;
    else if (heldOutTexts.has(`s:${p.source}`) || heldOutTexts.has(`t:${p.target}`)) overlapping += 1;
    else trainable.push(i);
  });
  const order = permutation(trainable.length, options.seed, 0);
  return { train: Array.from(order, (k) => trainable[k] as number), validation, dropped, overlapping };
}
