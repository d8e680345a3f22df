/**
 * Loads a checkpoint in this process and samples text from it (used by `generate` and at the end of
 * `local`). tfjs is imported lazily: commands that never touch a model (help, worker, prepare) start
 * without paying for it.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { BackendChoice } from '@seqtrain/backend';

export interface GenerateOptions {
  checkpoint: string;
  prime: string;
  length: number;
  temperature: number;
  seed: number;
  backend: BackendChoice;
}

export async function generateText(options: GenerateOptions): Promise<string> {
  const [{ selectBackend }, { sampleText }, { loadCheckpoint }] = await Promise.all([
    import('@seqtrain/backend'),
    import('@seqtrain/models'),
    import('@seqtrain/trainer'),
  ]);
  await selectBackend(options.backend);
  const { model, state } = await loadCheckpoint(options.checkpoint);
  if (!state.vocab || state.vocab.length === 0) {
    throw new SeqtrainError('ERR_CHECKPOINT_INVALID', `Checkpoint ${options.checkpoint} has no vocabulary in trainer-state.json; it was not written by a text job.`, { file: options.checkpoint });
  }
  try {
    return sampleText(model, {
      vocab: state.vocab,
      prime: options.prime,
      length: options.length,
      temperature: options.temperature,
      seed: options.seed,
    });
  } finally {
    model.dispose();
  }
}
