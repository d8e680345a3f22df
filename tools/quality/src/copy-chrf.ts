/**
 * Baseline of the seq2seq bar: the corpus chrF (@seqtrain/models `corpusChrF`, sacreBLEU's default
 * chrF) of copying each source sentence unchanged as its translation, on the held-out pairs exactly
 * as the `pairs` recipe of @seqtrain/data selects them: pairs with either side longer than `maxChars`
 * code points are dropped, the kept pairs are shuffled by `permutation(kept, seed, 0)`, and the last
 * `validationFraction` of them (after the first round(kept x (1 - fraction))) is held out. English and
 * Spanish share names, numbers and punctuation, so copying scores well above zero.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULTS } from '@seqtrain/common';
import { permutation } from '@seqtrain/data';

export interface PairsSplitOptions {
  maxChars: number;
  seed?: number;
  validationFraction?: number;
  sourceColumn?: number;
  targetColumn?: number;
}

export interface SentencePair {
  source: string;
  target: string;
}

export function heldOutPairs(tsv: string, options: PairsSplitOptions): { heldOut: SentencePair[]; kept: number; dropped: number } {
  const sourceAt = options.sourceColumn ?? 1;
  const targetAt = options.targetColumn ?? 2;
  const kept: SentencePair[] = [];
  let dropped = 0;
  for (const raw of tsv.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const fields = line.split('\t');
    const source = fields[sourceAt] ?? '';
    const target = fields[targetAt] ?? '';
    if (Array.from(source).length > options.maxChars || Array.from(target).length > options.maxChars) dropped++;
    else kept.push({ source, target });
  }
  const order = permutation(kept.length, options.seed ?? DEFAULTS.SEED, 0);
  const trainCount = Math.round(kept.length * (1 - (options.validationFraction ?? DEFAULTS.VALIDATION_FRACTION)));
  const heldOut = Array.from(order.subarray(trainCount), (i) => kept[i] as SentencePair);
  return { heldOut, kept: kept.length, dropped };
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
