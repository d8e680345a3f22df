/** `seqtrain translate`: greedy or beam-search translation with a seq2seq checkpoint. */
import { Command, Option } from 'commander';
import { readEnv } from '@seqtrain/common';
import { BACKENDS } from '@seqtrain/protocol';
import type { BackendChoice } from '@seqtrain/backend';
import { positiveInt } from '../parsers.js';
import { translateText } from '../translate-text.js';

export function translateCommand(): Command {
  return new Command('translate')
    .description('translate a text with a seq2seq-attention checkpoint (greedy, or beam search with --beam N)')
    .requiredOption('--checkpoint <dir>', 'a checkpoint directory of a seq2seq job (runs/<run>/checkpoints/step-NNNNNNN)')
    .requiredOption('--text <text>', 'the source sentence')
    .option('--beam <n>', 'beam width (1 = greedy)', positiveInt, 1)
    .addOption(new Option('--backend <name>', 'compute backend (default: SEQTRAIN_BACKEND, else auto)').choices([...BACKENDS]).default(readEnv().SEQTRAIN_BACKEND ?? 'auto'))
    .action(async (o: { checkpoint: string; text: string; beam: number; backend: BackendChoice }) => {
      process.stdout.write((await translateText(o)) + '\n');
    });
}
