/** `seqtrain generate`: temperature sampling from a checkpoint. */
import { Command, Option } from 'commander';
import { DEFAULTS, readEnv } from '@seqtrain/common';
import { BACKENDS } from '@seqtrain/protocol';
import type { BackendChoice } from '@seqtrain/backend';
import { nonNegativeInt, positiveNumber } from '../parsers.js';
import { generateText } from '../generate-text.js';

export function generateCommand(): Command {
  return new Command('generate')
    .description('generate text from a checkpoint by temperature sampling')
    .requiredOption('--checkpoint <dir>', 'a checkpoint directory (runs/<run>/checkpoints/step-NNNNNNN)')
    .option('--prime <text>', 'text to start from', 'Call me Ishmael. ')
    .option('--length <n>', 'characters to generate', nonNegativeInt, DEFAULTS.GENERATE_LENGTH_CHARS)
    .option('--temperature <t>', 'sampling temperature (lower: more conservative)', positiveNumber, DEFAULTS.GENERATE_TEMPERATURE)
    .option('--seed <s>', 'sampling seed', nonNegativeInt, DEFAULTS.SEED)
    .addOption(new Option('--backend <name>', 'compute backend (default: SEQTRAIN_BACKEND, else auto)').choices([...BACKENDS]).default(readEnv().SEQTRAIN_BACKEND ?? 'auto'))
    .action(async (o: { checkpoint: string; prime: string; length: number; temperature: number; seed: number; backend: BackendChoice }) => {
      process.stdout.write((await generateText(o)) + '\n');
    });
}
