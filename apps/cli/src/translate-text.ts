/**
 * Loads a seq2seq-attention checkpoint in this process and translates one text with it: greedy
 * decoding, or beam search of `beam` beams (the best beam is printed). tfjs is imported lazily, as in
 * generate-text.ts.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { BackendChoice } from '@seqtrain/backend';

export interface TranslateOptions {
  checkpoint: string;
  text: string;
  /** 1 = greedy. */
  beam: number;
  backend: BackendChoice;
}

/** The pairs recipe's start and end characters of a target (packages/data prepare-pairs.ts). */
const START = '\t';
const END = '\n';

export async function translateText(options: TranslateOptions): Promise<string> {
  const [{ selectBackend }, { beamSearchDecode, greedyDecode }, { loadCheckpoint }] = await Promise.all([
    import('@seqtrain/backend'),
    import('@seqtrain/models'),
    import('@seqtrain/trainer'),
  ]);
  await selectBackend(options.backend);
  const { model, state } = await loadCheckpoint(options.checkpoint);
  try {
    const source = state.sourceVocab;
    const target = state.vocab;
    if (!source || !target || state.model.name !== 'seq2seq-attention') {
      throw new SeqtrainError(
        'ERR_CHECKPOINT_INVALID',
        `Checkpoint ${options.checkpoint} is a "${state.model.name}" model without source and target characters; translate needs a checkpoint of a seq2seq-attention job on a pairs dataset.`,
        { file: options.checkpoint }
      );
    }
    const ids = Array.from(options.text, (c, i) => {
      const id = source.indexOf(c);
      if (id <= 0) {
        throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Character ${JSON.stringify(c)} at position ${i} of --text never occurs in the training sources; remove or replace it.`, { field: 'text' });
      }
      return id;
    });
    const decode = { startId: target.indexOf(START), endId: target.indexOf(END) };
    const best = options.beam > 1 ? beamSearchDecode(model, ids, options.beam, decode)[0] : greedyDecode(model, ids, decode);
    return (best?.ids ?? []).filter((id) => id !== decode.endId).map((id) => target[id] ?? '').join('');
  } finally {
    model.dispose();
  }
}
