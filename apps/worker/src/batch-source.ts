/**
 * What a training process reads its batches from, whatever the dataset's kind:
 *  text            ArrowDataset: x = a window of character ids, y = the next one (id batch); with
 *                  targets 'sequence' (many-to-many char-lm) y = the window shifted by one, one id per
 *                  position, some -1 (not scored) in validation (text-sequence-batches.ts)
 *  classification  TableDataset: x = `maxlen` padded word ids, y = the label id (id batch)
 *  timeseries      x [window, features] scaled floats, y one scaled float or one per step (mean squared error);
 *                  validation also reads `level` and `original` to score outputs in original units
 *  idx             x [rows, cols] pixels / 255 (28 steps of 28 values for MNIST), y the class id
 *  pairs           encoder ids [sourceLength], decoder input = the target column ('\t' + text + '\n',
 *                  padded), decoder target = that shifted left by one (text + '\n', padded with 0):
 *                  teacher forcing, padded sequence cross-entropy
 * The sampler, the step and the world-size invariance are the same for all: every loss is per sample.
 */
import { SeqtrainError } from '@seqtrain/common';
import { ArrowDataset, TableDataset, originalSquaredError, readDatasetManifest, type TableSplitName } from '@seqtrain/data';
import type { PairsManifest } from '@seqtrain/data';
import type { BatchArray, LossName, TrainBatch } from '@seqtrain/trainer';
import { sequenceBatch, validationContext } from './text-sequence-batches.js';

export interface BatchSource {
  readonly length: number;
  /** Ids for trainer-state.json: characters of a text dataset, words of a classification one. */
  readonly vocab: readonly string[];
  /** pairs only: the source characters (id -> character), saved for translation. */
  readonly sourceVocab?: readonly string[];
  /** The loss that matches the dataset and the model's head (see lossFor). */
  readonly loss: LossName;
  getBatch(indices: readonly number[]): Promise<TrainBatch>;
  /**
   * timeseries only: sum of squared errors in the series' original units of the model's flattened
   * outputs for rows `indices` (the inverse of the recipe's scaling, differencing and transform), and
   * how many target values they cover.
   */
  originalSquaredError?(indices: readonly number[], outputs: Float32Array): Promise<{ sum: number; count: number }>;
  /** pairs only: the source and target texts of rows (for decoding and chrF). */
  getPairs?(indices: readonly number[]): Promise<{ source: number[]; sourceText: string; targetText: string }[]>;
  close(): Promise<void>;
}

/**
 * Two labels train a one-unit sigmoid head (the sentiment models' classifierHead for numClasses 2)
 * with binary cross-entropy; more labels a softmax head with sparse categorical cross-entropy.
 */
export function lossFor(labelCount: number): LossName {
  return labelCount === 2 ? 'binary_crossentropy' : 'sparse_categorical_crossentropy';
}

export interface BatchSourceOptions {
  /**
   * The model's targets: 'next' (default) one per sample; 'sequence' one per position (the many-to-many
   * char-lm; a text dataset only).
   */
  targets?: 'next' | 'sequence';
}

/** The `targets` of a run's model config ('next' unless the model says 'sequence'). */
export function modelTargets(modelConfig: Record<string, unknown>): 'next' | 'sequence' {
  return modelConfig['targets'] === 'sequence' ? 'sequence' : 'next';
}

export async function openBatchSource(dir: string, split: TableSplitName, options: BatchSourceOptions = {}): Promise<BatchSource> {
  const manifest = await readDatasetManifest(dir);
  if (options.targets === 'sequence' && manifest.kind !== 'text') {
    throw new SeqtrainError(
      'ERR_JOB_INVALID',
      `${dir} holds a "${manifest.kind}" dataset, but model.config.targets "sequence" (many-to-many next-character targets) needs a text dataset. Prepare the data with data.recipe: text, or drop model.config.targets.`,
      { file: dir, field: 'model.config.targets' }
    );
  }
  if (manifest.kind === 'text') {
    if (split === 'test') {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${dir} holds a text dataset, which has no test split.`, { file: dir, field: 'split' });
    }
    const dataset = await ArrowDataset.open(dir, split);
    if (options.targets === 'sequence') {
      const context = split === 'validation' ? validationContext(manifest, dir) : null;
      return {
        length: dataset.length,
        vocab: manifest.vocab,
        loss: 'token_sparse_categorical_crossentropy',
        getBatch: async (indices) => sequenceBatch(await dataset.getBatch(indices), indices, context),
        close: () => dataset.close(),
      };
    }
    return {
      length: dataset.length,
      vocab: manifest.vocab,
      loss: 'sparse_categorical_crossentropy',
      getBatch: (indices) => dataset.getBatch(indices),
      close: () => dataset.close(),
    };
  }
  if (manifest.kind === 'classification') {
    const dataset = await TableDataset.open(dir, split);
    const width = manifest.maxlen;
    return {
      length: dataset.length,
      vocab: manifest.vocab,
      loss: lossFor(manifest.labels.length),
      getBatch: async (indices) => {
        const rows = await dataset.getRows(indices);
        const x = rows.columns['x']?.values;
        const y = rows.columns['y']?.values;
        if (!(x instanceof Int32Array) || !(y instanceof Int32Array)) {
          throw new SeqtrainError('ERR_MANIFEST_INVALID', `${dir}: a classification dataset needs Int32 columns x and y.`, { file: dir, field: 'columns' });
        }
        return { x, y, count: rows.count, seqLen: width };
      },
      close: () => dataset.close(),
    };
  }
  const dataset = await TableDataset.open(dir, split);
  const column = async (indices: readonly number[]) => {
    const rows = await dataset.getRows(indices);
    return {
      count: rows.count,
      get: (name: string) => {
        const c = rows.columns[name];
        if (!c) throw new SeqtrainError('ERR_MANIFEST_INVALID', `${dir}: a ${manifest.kind} dataset needs a column "${name}".`, { file: dir, field: 'columns' });
        return c;
      },
    };
  };
  if (manifest.kind === 'timeseries') {
    const features = manifest.features.length;
    const single = manifest.targets === 'single';
    return {
      length: dataset.length,
      vocab: [],
      loss: 'mean_squared_error',
      getBatch: async (indices) => {
        const rows = await column(indices);
        const target: BatchArray = { values: rows.get('y').values, shape: single ? [1] : [manifest.window] };
        return { inputs: [{ values: rows.get('x').values, shape: [manifest.window, features] }], target, count: rows.count };
      },
      originalSquaredError: async (indices, outputs) => {
        const rows = await column(indices);
        return originalSquaredError(manifest, outputs, rows.get('level').values, rows.get('original').values);
      },
      close: () => dataset.close(),
    };
  }
  if (manifest.kind === 'idx') {
    const [steps = 1, ...rest] = manifest.itemShape;
    const width = rest.reduce((a, b) => a * b, 1);
    return {
      length: dataset.length,
      vocab: [],
      loss: 'sparse_categorical_crossentropy',
      getBatch: async (indices) => {
        const rows = await column(indices);
        return { inputs: [{ values: rows.get('x').values, shape: [steps, width] }], target: { values: rows.get('y').values, shape: [] }, count: rows.count };
      },
      close: () => dataset.close(),
    };
  }
  if (manifest.kind === 'pairs') return pairsSource(dir, manifest, dataset, column);
  throw new SeqtrainError(
    'ERR_INVALID_ARGUMENT',
    `${dir} holds a "${(manifest as { kind: string }).kind}" dataset, which training cannot read. Prepare one with \`seqtrain prepare <text|classification|timeseries|pairs|idx>\`.`,
    { file: dir, field: 'kind' }
  );
}

type ColumnReader = (indices: readonly number[]) => Promise<{ count: number; get: (name: string) => { values: Int32Array | Float32Array; width: number | null } }>;

function pairsSource(dir: string, manifest: PairsManifest, dataset: TableDataset, column: ColumnReader): BatchSource {
  const S = manifest.sourceLength;
  const T = manifest.targetLength;
  const ids = (values: Int32Array | Float32Array, name: string): Int32Array => {
    if (!(values instanceof Int32Array)) throw new SeqtrainError('ERR_MANIFEST_INVALID', `${dir}: pairs column "${name}" must be Int32.`, { file: dir, field: name });
    return values;
  };
  const text = (vocab: readonly string[], row: Int32Array): string => Array.from(row, (id) => vocab[id] ?? '').join('');
  return {
    length: dataset.length,
    vocab: manifest.targetVocab,
    sourceVocab: manifest.sourceVocab,
    loss: 'sequence_sparse_categorical_crossentropy',
    getBatch: async (indices) => {
      const rows = await column(indices);
      const source = ids(rows.get('source').values, 'source');
      const decoderInput = ids(rows.get('target').values, 'target');
      // Label at position t = decoder input at t + 1; the last position, and padding, get id 0 (masked).
      const labels = new Int32Array(rows.count * T);
      for (let r = 0; r < rows.count; r++) labels.set(decoderInput.subarray(r * T + 1, (r + 1) * T), r * T);
      return { inputs: [{ values: source, shape: [S] }, { values: decoderInput, shape: [T] }], target: { values: labels, shape: [T] }, count: rows.count };
    },
    getPairs: async (indices) => {
      const rows = await column(indices);
      const source = ids(rows.get('source').values, 'source');
      const target = ids(rows.get('target').values, 'target');
      const sourceLength = ids(rows.get('sourceLength').values, 'sourceLength');
      return Array.from({ length: rows.count }, (_, r) => {
        const n = sourceLength[r] ?? 0;
        const src = Array.from(source.subarray(r * S, r * S + n));
        const tgt = text(manifest.targetVocab, target.subarray(r * T, (r + 1) * T));
        return { source: src, sourceText: text(manifest.sourceVocab, Int32Array.from(src)), targetText: tgt.replace(manifest.startToken, '').split(manifest.endToken)[0] ?? '' };
      });
    },
    close: () => dataset.close(),
  };
}
