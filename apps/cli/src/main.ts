/** The `seqtrain` command line. Every subcommand has --help. */
import { Command } from 'commander';
import { isSeqtrainError } from '@seqtrain/common';
import { localCommand } from './commands/local.js';
import { coordinatorCommand } from './commands/coordinator.js';
import { workerCommand } from './commands/worker.js';
import { prepareCommand } from './commands/prepare.js';
import { generateCommand } from './commands/generate.js';
import { translateCommand } from './commands/translate.js';
import { benchCommand } from './commands/bench.js';
import { qualityCommand } from './commands/quality.js';
import { slurmCommand } from './commands/slurm.js';

const program = new Command('seqtrain')
  .description('Data-parallel training of recurrent sequence models: Arrow shards, WebSocket ring all-reduce, coordinator and workers.')
  .version('0.1.0')
  .showHelpAfterError()
  .addCommand(localCommand())
  .addCommand(coordinatorCommand())
  .addCommand(workerCommand())
  .addCommand(prepareCommand())
  .addCommand(generateCommand())
  .addCommand(translateCommand())
  .addCommand(benchCommand())
  .addCommand(qualityCommand())
  .addCommand(slurmCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Typed errors already say what, where and the fix: print them without a stack.
  if (isSeqtrainError(err)) process.stderr.write(`seqtrain: ${err.code}: ${err.message}\n`);
  else process.stderr.write(`seqtrain: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
}
