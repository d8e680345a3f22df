/**
 * The datasets the lecture notes use, by name: where each is downloaded from, how its archive is
 * parsed into the input of a recipe, and which recipe prepares it. The parsed intermediate files
 * (TSV, text, IDX) are written beside the download in the cache directory, so a failed prepare can be
 * retried without downloading again.
 *
 * `url` override: a source with one file takes it as that file's URL; a source with several (mnist)
 * takes it as a base URL, and fetches `${url}/${fileName}` for each of its files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { readTar, readZip } from './archive-readers.js';
import { download } from './download.js';
import type { DatasetManifest } from './manifest.js';
import { prepareClassification } from './prepare-classification.js';
import { prepareIdx } from './prepare-idx.js';
import { preparePairs } from './prepare-pairs.js';
import { prepareText } from './prepare-text.js';

export interface CanonicalFile {
  fileName: string;
  url: string;
}

export interface CanonicalSource {
  name: string;
  description: string;
  licence: string;
  files: CanonicalFile[];
  /** Turns the downloaded files into a prepared dataset in `out`; `work` is a scratch dir in the cache. */
  prepare(downloaded: string[], work: string, out: string, onProgress?: (done: number, total: number) => void): Promise<DatasetManifest>;
}

/** One line per row: tabs and newlines inside a text become spaces so the TSV stays one row per line. */
function tsvField(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ');
}

async function writeTsv(file: string, header: string[], rows: string[][]): Promise<string> {
  await writeFile(file, [header, ...rows].map((r) => r.map(tsvField).join('\t')).join('\n') + '\n');
  return file;
}

const IMDB_ENTRY = /^aclImdb\/(train|test)\/(pos|neg)\/[^/]+\.txt$/;

/** aclImdb tarball -> {train,test}.tsv with columns label (pos|neg), text. */
export async function imdbToTsv(archive: Uint8Array, work: string, what = 'aclImdb_v1.tar.gz'): Promise<{ train: string; test: string }> {
  const rows: Record<'train' | 'test', string[][]> = { train: [], test: [] };
  for (const entry of readTar(archive, what)) {
    const m = IMDB_ENTRY.exec(entry.name);
    if (m) rows[m[1] as 'train' | 'test'].push([m[2] as string, Buffer.from(entry.data).toString('utf8')]);
  }
  if (rows.train.length === 0) throw new SeqtrainError('ERR_DATA_CORRUPT', `${what} holds no aclImdb/train/{pos,neg}/*.txt review.`, { file: what });
  // Tar order follows the packer's directory walk; sorting makes the TSV (and its sha256) reproducible.
  for (const split of ['train', 'test'] as const) rows[split].sort((a, b) => (a[0] as string).localeCompare(b[0] as string) || ((a[1] as string) < (b[1] as string) ? -1 : 1));
  await mkdir(work, { recursive: true });
  return {
    train: await writeTsv(path.join(work, 'imdb-train.tsv'), ['label', 'text'], rows.train),
    test: await writeTsv(path.join(work, 'imdb-test.tsv'), ['label', 'text'], rows.test),
  };
}

/** The Anki/manythings zip (e.g. fra-eng.zip holding fra.txt: english TAB french TAB attribution) -> pairs TSV without header. */
export async function ankiToTsv(archive: Uint8Array, work: string, what = 'fra-eng.zip'): Promise<string> {
  const entry = readZip(archive, what).find((e) => e.name.endsWith('.txt') && !/^_about/i.test(path.basename(e.name)));
  if (!entry) throw new SeqtrainError('ERR_DATA_CORRUPT', `${what} holds no .txt file of sentence pairs.`, { file: what });
  await mkdir(work, { recursive: true });
  const file = path.join(work, 'anki-pairs.tsv');
  await writeFile(file, entry.data);
  return file;
}

export const CANONICAL_SOURCES: readonly CanonicalSource[] = [
  {
    name: 'imdb',
    description: 'IMDB movie reviews (aclImdb v1): 25,000 train + 25,000 test, pos/neg -> classification (word, vocab 10,000, maxlen 200)',
    licence: 'research use; cite Maas et al. 2011 (ACL)',
    files: [{ fileName: 'aclImdb_v1.tar.gz', url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz' }],
    prepare: async ([archive], work, out, onProgress) => {
      const tsv = await imdbToTsv(await readFile(archive as string), work);
      return prepareClassification({ input: tsv.train, test: tsv.test, out, format: 'tsv', vocabSize: 10_000, maxlen: 200, onProgress });
    },
  },
  {
    name: 'shakespeare',
    description: 'tiny Shakespeare (Karpathy char-rnn), 1.1 MB of plain text -> text',
    licence: 'public domain text',
    files: [{ fileName: 'tinyshakespeare.txt', url: 'https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt' }],
    prepare: ([file], _work, out, onProgress) =>
      prepareText({ input: file as string, out, seqLen: DEFAULTS.SEQ_LEN, step: DEFAULTS.WINDOW_STEP, shards: DEFAULTS.SHARDS, onProgress }),
  },
  {
    name: 'fra-eng',
    description: 'Anki English-French sentence pairs (manythings.org fra-eng.zip) -> pairs (english -> french)',
    licence: 'CC-BY 2.0 FR (Tatoeba)',
    files: [{ fileName: 'fra-eng.zip', url: 'https://www.manythings.org/anki/fra-eng.zip' }],
    prepare: async ([archive], work, out, onProgress) => {
      const tsv = await ankiToTsv(await readFile(archive as string), work);
      return preparePairs({ input: tsv, out, sourceColumn: 0, targetColumn: 1, onProgress });
    },
  },
  {
    name: 'umich-si650',
    description: 'UMICH SI650 sentiment sentences (label TAB sentence, 1 = positive) -> classification (word)',
    licence: 'Kaggle competition data (si650winter11); the download needs a Kaggle login: pass --url with your copy',
    files: [{ fileName: 'umich-si650-training.txt', url: 'https://www.kaggle.com/c/si650winter11/download/training.txt' }],
    prepare: ([file], _work, out, onProgress) =>
      prepareClassification({ input: file as string, out, format: 'tsv', header: false, labelColumn: 0, textColumn: 1, vocabSize: 2_000, maxlen: 40, onProgress }),
  },
  {
    name: 'mnist',
    description: 'MNIST handwritten digits, IDX (gzip), 60,000 train + 10,000 test -> idx',
    licence: 'CC BY-SA 3.0 (LeCun, Cortes, Burges)',
    files: [
      { fileName: 'train-images-idx3-ubyte.gz', url: 'https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz' },
      { fileName: 'train-labels-idx1-ubyte.gz', url: 'https://storage.googleapis.com/cvdf-datasets/mnist/train-labels-idx1-ubyte.gz' },
      { fileName: 't10k-images-idx3-ubyte.gz', url: 'https://storage.googleapis.com/cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz' },
      { fileName: 't10k-labels-idx1-ubyte.gz', url: 'https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz' },
    ],
    prepare: ([images, labels, testImages, testLabels], _work, out, onProgress) =>
      prepareIdx({ images: images as string, labels: labels as string, testImages, testLabels, out, onProgress }),
  },
];

export function canonicalSource(name: string): CanonicalSource {
  const source = CANONICAL_SOURCES.find((s) => s.name === name);
  if (!source) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Unknown download source "${name}". Known sources: ${CANONICAL_SOURCES.map((s) => s.name).join(', ')}.`, {
      field: 'name',
    });
  }
  return source;
}

export interface DownloadDatasetOptions {
  name: string;
  out: string;
  /** Where downloads and parsed intermediates are kept (reused on the next call). */
  cacheDir: string;
  /** Mirror: the file's URL (one-file sources) or a base URL (several files). */
  url?: string;
  onDownloadProgress?: (fileName: string, bytesDone: number, bytesTotal: number | null) => void;
  onProgress?: (rowsWritten: number, rowsTotal: number) => void;
}

/** Downloads (or reuses from the cache) a canonical source's files and prepares them into `out`. */
export async function downloadDataset(options: DownloadDatasetOptions): Promise<DatasetManifest> {
  const source = canonicalSource(options.name);
  const cache = path.join(options.cacheDir, source.name);
  const files: string[] = [];
  for (const f of source.files) {
    const url = options.url === undefined ? f.url : source.files.length === 1 ? options.url : `${options.url.replace(/\/+$/, '')}/${f.fileName}`;
    files.push(
      await download({ url, cacheDir: cache, fileName: f.fileName, onProgress: (done, total) => options.onDownloadProgress?.(f.fileName, done, total) })
    );
  }
  return source.prepare(files, path.join(cache, 'parsed'), options.out, options.onProgress);
}
