/**
 * Pretrained word vectors in the GloVe text format (one word per line: `word v1 ... vdim`, space
 * separated, as glove.6B.100d.txt) turned into an Embedding weight matrix for a given vocabulary,
 * and loaded into a model's Embedding layer, frozen or not (Chollet DLwP 6.1.3 "Using pretrained
 * word embeddings").
 *
 * Row i is the vector of vocab[i]. A word the file lacks keeps a zero row, as in the book (and
 * Keras' "Using pre-trained word embeddings" example): with a frozen layer those words carry no
 * signal; train the layer (trainable true) to learn them. Row 0 is the padding id of the data
 * pipeline by convention and stays zero unless vocab[0] is a real word found in the file.
 * Lines of another width than dim + 1 fields are errors naming the line (a file of the wrong
 * dimension is the usual mistake); for a repeated word the first line wins.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';

export interface GloveMatrix {
  /** [vocab.length, dim] row-major float32. */
  values: Float32Array;
  rows: number;
  dim: number;
  /** How many vocabulary words had a vector in the file. */
  hits: number;
  /** Vocabulary words without a vector (their rows are zero), in vocabulary order. */
  missing: string[];
}

/** Builds the embedding matrix for `vocab` from GloVe-format `text`; `source` names it in errors. */
export function parseGloveText(text: string, vocab: readonly string[], dim: number, source = '(text)'): GloveMatrix {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `GloVe dimension must be a positive integer; got ${dim}.`);
  }
  const rowOf = new Map<string, number>();
  vocab.forEach((word, i) => {
    if (!rowOf.has(word)) rowOf.set(word, i);
  });
  const values = new Float32Array(vocab.length * dim);
  const found = new Set<number>();
  const lines = text.split('\n');
  for (let lineNo = 0; lineNo < lines.length; lineNo++) {
    const line = (lines[lineNo] ?? '').trimEnd();
    if (line === '') continue;
    const fields = line.split(' ');
    if (fields.length !== dim + 1) {
      throw new SeqtrainError(
        'ERR_SHAPE_MISMATCH',
        `${source}:${lineNo + 1}: expected a word and ${dim} numbers, got ${fields.length - 1} numbers. Use a GloVe file of dimension ${dim} or set dim to the file's.`,
        { file: source }
      );
    }
    const row = rowOf.get(fields[0] ?? '');
    if (row === undefined || found.has(row)) continue;
    for (let j = 0; j < dim; j++) {
      const value = Number(fields[j + 1]);
      if (!Number.isFinite(value)) {
        throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${source}:${lineNo + 1}: "${fields[j + 1]}" is not a number.`, { file: source });
      }
      values[row * dim + j] = value;
    }
    found.add(row);
  }
  const missing = vocab.filter((_, i) => !found.has(i));
  return { values, rows: vocab.length, dim, hits: found.size, missing };
}

/** parseGloveText() on a file (UTF-8); an unreadable file is ERR_DATA_NOT_FOUND naming it. */
export async function readGloveFile(path: string, vocab: readonly string[], dim: number): Promise<GloveMatrix> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SeqtrainError('ERR_DATA_NOT_FOUND', `Cannot read GloVe file ${path} (${(err as Error).message}).`, { file: path }, { cause: err });
  }
  return parseGloveText(text, vocab, dim, path);
}

/**
 * Sets the weights of the Embedding layer `layerName` (default 'embedding', the name every
 * registered text model uses) to `glove` and freezes it unless `trainable` is true. Freezing
 * removes the layer's weights from model.trainableWeights: compile (or build the optimizer) after
 * this call. The frozen flag is saved in model.json, so a loaded checkpoint stays frozen.
 */
export function loadPretrainedEmbedding(
  model: LayersModel,
  glove: GloveMatrix,
  options: { layerName?: string; trainable?: boolean } = {}
): void {
  const layerName = options.layerName ?? 'embedding';
  const layer = model.getLayer(layerName);
  const [current] = layer.getWeights();
  const shape = current?.shape ?? [];
  if (shape.length !== 2 || shape[0] !== glove.rows || shape[1] !== glove.dim) {
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `Layer "${layerName}" has embedding shape [${shape.join(', ')}] but the GloVe matrix is [${glove.rows}, ${glove.dim}]. Build the model with vocabSize ${glove.rows} and embeddingDim ${glove.dim}.`,
      { field: 'model.config.embeddingDim' }
    );
  }
  const weights = tf.tensor2d(glove.values, [glove.rows, glove.dim]);
  layer.setWeights([weights]);
  weights.dispose();
  layer.trainable = options.trainable ?? false;
}
