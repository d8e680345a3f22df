/**
 * What a training process reads its batches from, whatever the dataset's kind: a text dataset
 * (ArrowDataset: x = a window of character ids, y = the next one) or a classification dataset
 * (TableDataset: x = `maxlen` padded word ids, y = the label id). Both give the trainer the same
 * TrainBatch shape, Int32 x [count, width] and Int32 y [count], so the sampler, the step and the
 * world-size invariance are the same for both.
 */
import { SeqtrainError } from '@seqtrain/common';
import { ArrowDataset, TableDataset, readDatasetManifest, type SplitName } from '@seqtrain/data';
import type { LossName, TrainBatch } from '@seqtrain/trainer';

export interface BatchSource {
  readonly length: number;
  /** Ids for trainer-state.json: characters of a text dataset, words of a classification one. */
  readonly vocab: readonly string[];
  /** The loss that matches the dataset and the model's head (see lossFor). */
  readonly loss: LossName;
  getBatch(indices: readonly number[]): Promise<TrainBatch>;
  close(): Promise<void>;
}

/**
 * Two labels train a one-unit sigmoid head (the sentiment models' classifierHead for numClasses 2)
 * with binary cross-entropy; more labels a softmax head with sparse categorical cross-entropy.
 */
export function lossFor(labelCount: number): LossName {
  return labelCount === 2 ? 'binary_crossentropy' : 'sparse_categorical_crossentropy';
}

export async function openBatchSource(dir: string, split: SplitName): Promise<BatchSource> {
  const manifest = await readDatasetManifest(dir);
  if (manifest.kind === 'text') {
    const dataset = await ArrowDataset.open(dir, split);
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
  throw new SeqtrainError(
    'ERR_INVALID_ARGUMENT',
    `${dir} holds a "${manifest.kind}" dataset; training reads text and classification datasets so far. Prepare one with \`seqtrain prepare text\` or \`seqtrain prepare classification\`.`,
    { file: dir, field: 'kind' }
  );
}
