/**
 * Baseline of the seq2seq bar: the corpus chrF (@seqtrain/models `corpusChrF`, sacreBLEU's default
 * chrF) of copying each source sentence unchanged as its translation, on the held-out pairs exactly
 * as the `pairs` recipe of @seqtrain/data selects them (its `splitPairs`): with `heldOutEvery`, every
 * N-th distinct pair with both sides at most `heldOutMaxChars`, in file order; otherwise the last
 * `validationFraction` of a seeded shuffle of the pairs within `maxChars`. English and Spanish share
 * names, numbers and punctuation, so copying scores well above zero.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULTS } from '@seqtrain/common';
import { splitPairs, type TextPair } from '@seqtrain/data';

export interface PairsSplitOptions {
  maxChars: number;
  heldOutEvery?: number;
  heldOutMaxChars?: number;
  seed?: number;
  validationFraction?: number;
  sourceColumn?: number;
  targetColumn?: number;
}

export type SentencePair = TextPair;

export function heldOutPairs(tsv: string, options: PairsSplitOptions): { heldOut: SentencePair[]; kept: number; dropped: number } {
  const sourceAt = options.sourceColumn ?? 1;
  const targetAt = options.targetColumn ?? 2;
  const pairs: SentencePair[] = [];
  for (const raw of tsv.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const fields = line.split('\t');
    pairs.push({ source: fields[sourceAt] ?? '', target: fields[targetAt] ?? '' });
  }
  const heldOut = options.heldOutEvery === undefined ? undefined : { every: options.heldOutEvery, maxChars: options.heldOutMaxChars ?? options.maxChars };
  const split = splitPairs(pairs, {
    maxChars: options.maxChars,
    heldOut,
    seed: options.seed ?? DEFAULTS.SEED,
    validationFraction: options.validationFraction ?? DEFAULTS.VALIDATION_FRACTION,
  });
  return { heldOut: split.validation.map((i) => pairs[i] as SentencePair), kept: split.train.length + split.validation.length, dropped: split.dropped + split.overlapping };
}

export interface CopyChrfBaseline {
  copyChrf: number;
  heldOutPairs: number;
  keptPairs: number;
}

export async function copyChrfBaseline(file: string, options: PairsSplitOptions): Promise<CopyChrfBaseline> {
  const { heldOut, kept } = heldOutPairs(await readFile(file, 'utf8'), options);
  // @seqtrain/models loads tfjs; only this baseline needs it, so it is imported here, lazily.
  const { corpusChrF } = await import('@seqtrain/models');
  const copyChrf = corpusChrF(
    heldOut.map((p) => p.source),
    heldOut.map((p) => p.target)
  );
  return { copyChrf, heldOutPairs: heldOut.length, keptPairs: kept };
}
