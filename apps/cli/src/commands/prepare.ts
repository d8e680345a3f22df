/** `seqtrain prepare <kind>`: raw corpus -> Arrow shards + manifest.json. */
import { Command } from 'commander';
import { DEFAULTS } from '@seqtrain/common';
import { prepareText } from '@seqtrain/data';
import { fraction, positiveInt } from '../parsers.js';
import { resolveInput } from '../paths.js';
import { classificationCommand, downloadCommand, idxCommand, pairsCommand, timeseriesCommand } from './prepare-kinds.js';

export function prepareCommand(): Command {
  const prepare = new Command('prepare').description('turn a raw corpus into Arrow shards and a manifest');
  prepare
    .command('text')
    .description('character-level windows of a UTF-8 text: x = seq-len token ids, y = the next token id')
    .requiredOption('--input <file>', 'UTF-8 corpus, e.g. datasets/text/moby-dick.txt')
    .requiredOption('--out <dir>', 'output directory (created; must be empty or a previous prepare output)')
    .option('--seq-len <n>', 'characters per window', positiveInt, DEFAULTS.SEQ_LEN)
    .option('--step <n>', 'stride between windows', positiveInt, DEFAULTS.WINDOW_STEP)
    .option('--validation-step <n>', 'stride between validation windows (default: --step); a many-to-many char-lm scores the last n chars of each', positiveInt)
    .option('--shards <n>', 'Arrow files for the training split', positiveInt, DEFAULTS.SHARDS)
    .option('--validation-fraction <f>', 'last fraction of the text held out for validation', fraction, DEFAULTS.VALIDATION_FRACTION)
    .option('--rows-per-batch <n>', 'rows per Arrow record batch', positiveInt, DEFAULTS.ROWS_PER_RECORD_BATCH)
    .action(async (o: { input: string; out: string; seqLen: number; step: number; validationStep?: number; shards: number; validationFraction: number; rowsPerBatch: number }) => {
      const t0 = performance.now();
      let last = -1;
      const manifest = await prepareText({
        input: resolveInput(o.input),
        out: o.out,
        seqLen: o.seqLen,
        step: o.step,
        ...(o.validationStep !== undefined ? { validationStep: o.validationStep } : {}),
        shards: o.shards,
        validationFraction: o.validationFraction,
        rowsPerBatch: o.rowsPerBatch,
        onProgress: (done, total) => {
          const pct = Math.floor((100 * done) / Math.max(1, total));
          if (pct >= last + 10) {
            last = pct;
            process.stderr.write(`\rwriting shards: ${pct}% (${done}/${total} rows)`);
          }
        },
      });
      process.stderr.write('\n');
      const files = manifest.splits.train.files.length + manifest.splits.validation.files.length;
      process.stdout.write(
        `wrote ${manifest.splits.train.rows} training + ${manifest.splits.validation.rows} validation rows in ${files} Arrow files, vocabulary ${manifest.vocab.length}, in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${o.out}/manifest.json\n`
      );
    });
  prepare.addCommand(classificationCommand());
  prepare.addCommand(timeseriesCommand());
  prepare.addCommand(pairsCommand());
  prepare.addCommand(idxCommand());
  prepare.addCommand(downloadCommand());
  return prepare;
}
