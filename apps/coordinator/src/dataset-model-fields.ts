/**
 * The model config fields a dataset decides, merged over the job's `model.config` (the dataset wins:
 * a model must fit the data it reads): text -> char-lm, classification -> the sentiment models and
 * rnn-classifier, timeseries -> timeseries-lstm / timeseries-seq, pairs -> seq2seq-attention, idx ->
 * mnist-rows (an image of R rows is R steps of the remaining values). Used by the coordinator for the run spec and by the CLI to check
 * a job's model before any process starts.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { DatasetManifest } from '@seqtrain/data';

export function modelFieldsFromManifest(manifest: DatasetManifest, dataDir: string): Record<string, number> {
  switch (manifest.kind) {
    case 'text':
      return { vocabSize: manifest.vocab.length, seqLen: manifest.seqLen };
    case 'classification':
      return { vocabSize: manifest.vocab.length, maxlen: manifest.maxlen, numClasses: manifest.labels.length };
    case 'timeseries':
      // The recipe's horizon is how far ahead the target lies; the model predicts that one value (its
      // own `horizon`, the Dense width, stays 1). A many-to-many model predicts the target per step.
      if (manifest.targets === 'sequence' && manifest.features.length !== 1) {
        throw new SeqtrainError(
          'ERR_JOB_INVALID',
          `${dataDir}: a many-to-many (targets: sequence) series must have one feature, the target; it has ${manifest.features.length} (${manifest.features.join(', ')}). Give data.columns: [${JSON.stringify(manifest.target)}].`,
          { file: dataDir, field: 'data.columns' }
        );
      }
      return { window: manifest.window, features: manifest.features.length };
    case 'pairs':
      return { srcVocab: manifest.sourceVocab.length, tgtVocab: manifest.targetVocab.length, srcLen: manifest.sourceLength, tgtLen: manifest.targetLength };
    case 'idx': {
      const [timesteps = 1, ...rest] = manifest.itemShape;
      return { timesteps, features: rest.reduce((a, b) => a * b, 1), numClasses: manifest.classes };
    }
  }
}
