/**
 * chrF (Popović 2015) as sacreBLEU 2.x computes it by default: character n-grams of orders
 * 1..6 with whitespace removed, beta 2, statistics summed over the corpus, precision and recall
 * averaged over the orders that have both hypothesis and reference n-grams ("effective order"),
 * then F-beta of the averages, on a 0..100 scale.
 */
import { SeqtrainError } from '@seqtrain/common';

export interface ChrfOptions {
  /** Highest n-gram order; default 6. */
  order?: number;
  /** Recall weight; default 2. */
  beta?: number;
}

/** Per order: [hypothesis n-grams, reference n-grams, matched n-grams]. */
type Statistics = number[];

function ngramCounts(chars: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const gram = chars.slice(i, i + n).join('');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

function sentenceStatistics(hypothesis: string, reference: string, order: number): Statistics {
  // Array.from splits by code point, so a surrogate pair is one character as in Python.
  const hyp = Array.from(hypothesis.replace(/\s+/gu, ''));
  const ref = Array.from(reference.replace(/\s+/gu, ''));
  const stats: Statistics = [];
  for (let n = 1; n <= order; n++) {
    const h = ngramCounts(hyp, n);
    const r = ngramCounts(ref, n);
    let matched = 0;
    for (const [gram, count] of h) matched += Math.min(count, r.get(gram) ?? 0);
    stats.push(Math.max(0, hyp.length - n + 1), Math.max(0, ref.length - n + 1), matched);
  }
  return stats;
}

function fScore(stats: Statistics, order: number, beta: number): number {
  const factor = beta * beta;
  let precision = 0;
  let recall = 0;
  let effective = 0;
  for (let i = 0; i < order; i++) {
    const [hyp = 0, ref = 0, matched = 0] = stats.slice(3 * i, 3 * i + 3);
    if (hyp > 0 && ref > 0) {
      precision += matched / hyp;
      recall += matched / ref;
      effective++;
    }
  }
  if (effective === 0) return 0;
  precision /= effective;
  recall /= effective;
  if (precision + recall === 0) return 0;
  return (100 * (1 + factor) * precision * recall) / (factor * precision + recall);
}

/** Sentence-level chrF of `hypothesis` against one `reference`, 0..100. */
export function chrF(hypothesis: string, reference: string, options: ChrfOptions = {}): number {
  const order = options.order ?? 6;
  return fScore(sentenceStatistics(hypothesis, reference, order), order, options.beta ?? 2);
}

/**
 * The summed n-gram statistics of a corpus (3 numbers per order: hypothesis, reference, matched
 * n-grams): what ranks that each decoded a share of a corpus add up (an all-reduce 'sum') before
 * chrfFromStatistics gives the corpus score, equal to corpusChrF of the whole corpus.
 */
export function chrfStatistics(hypotheses: readonly string[], references: readonly string[], options: ChrfOptions = {}): number[] {
  const order = options.order ?? 6;
  const total: Statistics = Array<number>(3 * order).fill(0);
  hypotheses.forEach((hyp, i) => {
    sentenceStatistics(hyp, references[i] ?? '', order).forEach((v, j) => (total[j] = (total[j] ?? 0) + v));
  });
  return total;
}

/** chrF (0..100) of summed statistics from chrfStatistics (same order and beta). */
export function chrfFromStatistics(stats: readonly number[], options: ChrfOptions = {}): number {
  return fScore([...stats], options.order ?? 6, options.beta ?? 2);
}

/** Corpus-level chrF: n-gram statistics summed over all pairs, then one score (as sacreBLEU). */
export function corpusChrF(hypotheses: readonly string[], references: readonly string[], options: ChrfOptions = {}): number {
  if (hypotheses.length !== references.length) {
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `corpusChrF needs one reference per hypothesis; got ${hypotheses.length} hypotheses and ${references.length} references. Pass aligned lists.`
    );
  }
  const order = options.order ?? 6;
  const total: Statistics = Array<number>(3 * order).fill(0);
  hypotheses.forEach((hyp, i) => {
    sentenceStatistics(hyp, references[i] ?? '', order).forEach((v, j) => (total[j] = (total[j] ?? 0) + v));
  });
  return fScore(total, order, options.beta ?? 2);
}
