/**
 * Baselines of the char-LSTM bar: Kneser-Ney character n-gram models trained on the first part of the
 * corpus and scored on the last `validationFraction`, split exactly as the `text` recipe of
 * @seqtrain/data splits it (packages/data prepare-text.ts): the text is read as UTF-8 code points, the
 * vocabulary is the sorted set of the code points of the whole text, and the cut is at
 * floor(chars x (1 - validationFraction)). Every character of the validation part is scored, with the
 * characters before it in that part as history (the recipe's windows never cross the cut either).
 */
import { readFile } from 'node:fs/promises';
import { DEFAULTS } from '@seqtrain/common';
import { KneserNeyLm } from './char-ngram.js';

export interface TextSplit {
  ids: Int32Array;
  vocabSize: number;
  /** First validation position. */
  cut: number;
}

export function splitText(text: string, validationFraction: number = DEFAULTS.VALIDATION_FRACTION): TextSplit {
  const chars = Array.from(text);
  const vocab = [...new Set(chars)].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = Int32Array.from(chars, (c) => index.get(c) as number);
  return { ids, vocabSize: vocab.length, cut: Math.floor(chars.length * (1 - validationFraction)) };
}

export interface NgramBaseline {
  order: number;
  bitsPerChar: number;
  validationChars: number;
  trainChars: number;
}

export function ngramBaselines(split: TextSplit, orders: readonly number[]): NgramBaseline[] {
  const train = split.ids.subarray(0, split.cut);
  return orders.map((order) => {
    const lm = new KneserNeyLm(train, order, split.vocabSize);
    const { bitsPerToken, tokens } = lm.evaluate(split.ids, split.cut);
    return { order, bitsPerChar: bitsPerToken, validationChars: tokens, trainChars: train.length };
  });
}

export async function textBaselines(file: string, orders: readonly number[], validationFraction?: number): Promise<NgramBaseline[]> {
  return ngramBaselines(splitText(await readFile(file, 'utf8'), validationFraction), orders);
}
