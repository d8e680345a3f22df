/**
 * The model config fields a dataset decides, merged over the job's `model.config` (the dataset wins:
 * a model must fit the data it reads). Used by the coordinator for the run spec and by the CLI to check
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
    default:
      throw new SeqtrainError(
        'ERR_JOB_INVALID',
        `${dataDir} holds a "${manifest.kind}" dataset; jobs train on text and classification datasets so far. Prepare one with \`seqtrain prepare text\` or \`seqtrain prepare classification\`.`,
        { file: dataDir, field: 'data.dir' }
      );
  }
}
