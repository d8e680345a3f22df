/**
 * Baselines of the sentiment bar, on the test file, from the training file only:
 * - majority: the most frequent training label, predicted for every test review;
 * - bag-of-words logistic regression: the classification recipe's word tokenizer and vocabulary
 *   (@seqtrain/data `tokenize`, `buildVocabulary`: lowercase, HTML tags dropped, the vocabSize - 2
 *   most frequent training tokens, the rest one out-of-vocabulary feature), one binary feature per
 *   vocabulary token present in the review (the whole review, not cut to maxlen), softmax regression
 *   (logistic-regression.ts). The L2 strength is chosen from L2_GRID by k-fold cross-validation on
 *   the training rows; the test rows are used once, for the reported accuracy.
 * Labels are the sorted distinct training labels, as the recipe numbers them.
 */
import { readFile } from 'node:fs/promises';
import { SeqtrainError } from '@seqtrain/common';
import { buildVocabulary, permutation, tokenize, PAD_ID, OOV_ID } from '@seqtrain/data';
import { accuracy, trainLogistic, type LogisticOptions, type SparseRow } from './logistic-regression.js';

export const L2_GRID = [1e-3, 1e-2, 1e-1] as const;
export const CV_FOLDS = 4;
export const LOGISTIC_SETTINGS = { epochs: 10, batchSize: 32, learningRate: 0.01, seed: 42 } as const;

export interface LabelledText {
  label: string;
  text: string;
}

/** Rows of a TSV with a header naming `label` and `text` columns (no quoting, as the recipe's TSV reader). */
export async function readLabelledTsv(file: string, labelColumn = 'label', textColumn = 'text'): Promise<LabelledText[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l !== '');
  const header = (lines.shift() ?? '').split('\t');
  const li = header.indexOf(labelColumn);
  const ti = header.indexOf(textColumn);
  if (li < 0 || ti < 0) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${file} needs columns "${labelColumn}" and "${textColumn}" in its header; it has ${header.join(', ')}.`, { file });
  }
  return lines.map((line) => {
    const fields = line.split('\t');
    return { label: fields[li] ?? '', text: fields[ti] ?? '' };
  });
}

export interface SentimentBaselines {
  labels: string[];
  majorityLabel: string;
  majorityAccuracy: number;
  bagOfWordsAccuracy: number;
  /** The L2 strength cross-validation chose, and each candidate's mean fold accuracy. */
  l2: number;
  crossValidation: { l2: number; accuracy: number }[];
  trainRows: number;
  testRows: number;
}

function labelIds(rows: readonly LabelledText[], labels: readonly string[], file: string): Int32Array {
  const index = new Map(labels.map((l, i) => [l, i]));
  return Int32Array.from(rows, (r, i) => {
    const id = index.get(r.label);
    if (id === undefined) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${file} row ${i + 1} has label "${r.label}", not among the training labels ${labels.join(', ')}.`, { file, row: i });
    return id;
  });
}

function bagOfWords(tokens: readonly string[], ids: ReadonlyMap<string, number>): SparseRow {
  const present = new Set<number>();
  for (const t of tokens) present.add(ids.get(t) ?? OOV_ID);
  return Int32Array.from(present).sort();
}

export function sentimentBaselines(train: readonly LabelledText[], test: readonly LabelledText[], vocabSize: number, files = { train: 'train', test: 'test' }): SentimentBaselines {
  const labels = [...new Set(train.map((r) => r.label))].sort();
  const yTrain = labelIds(train, labels, files.train);
  const yTest = labelIds(test, labels, files.test);
  const counts = labels.map((_, c) => yTrain.filter((y) => y === c).length);
  const majority = counts.indexOf(Math.max(...counts));
  const majorityAccuracy = yTest.filter((y) => y === majority).length / yTest.length;

  const trainTokens = train.map((r) => tokenize(r.text, 'word'));
  const vocab = buildVocabulary(trainTokens, vocabSize);
  const ids = new Map(vocab.map((t, i) => [t, i]));
  const xTrain = trainTokens.map((t) => bagOfWords(t, ids));
  const xTest = test.map((r) => bagOfWords(tokenize(r.text, 'word'), ids));
  const base: LogisticOptions = { features: vocab.length, classes: labels.length, ...LOGISTIC_SETTINGS };
  void PAD_ID; // id 0 (padding) never occurs in a bag of words: its weight row stays at zero.

  // k-fold cross-validation over a seeded shuffle of the training rows.
  const order = Array.from(permutation(train.length, LOGISTIC_SETTINGS.seed, 0));
  const crossValidation = L2_GRID.map((l2) => {
    let sum = 0;
    for (let fold = 0; fold < CV_FOLDS; fold++) {
      const inFold = (k: number) => k % CV_FOLDS === fold;
      const fitRows = order.filter((_, k) => !inFold(k));
      const heldRows = order.filter((_, k) => inFold(k));
      const model = trainLogistic(fitRows.map((r) => xTrain[r] as SparseRow), Int32Array.from(fitRows, (r) => yTrain[r] as number), { ...base, l2 });
      sum += accuracy(model, heldRows.map((r) => xTrain[r] as SparseRow), Int32Array.from(heldRows, (r) => yTrain[r] as number));
    }
    return { l2, accuracy: sum / CV_FOLDS };
  });
  // The first of the best wins a tie, so the choice is deterministic.
  const best = crossValidation.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const model = trainLogistic(xTrain, yTrain, { ...base, l2: best.l2 });
  return {
    labels,
    majorityLabel: labels[majority] as string,
    majorityAccuracy,
    bagOfWordsAccuracy: accuracy(model, xTest, yTest),
    l2: best.l2,
    crossValidation,
    trainRows: train.length,
    testRows: test.length,
  };
}
