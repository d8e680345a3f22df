/**
 * `seqtrain prepare classification|timeseries|pairs|idx|download`: thin commander front-ends over
 * the @seqtrain/data recipes (which validate every option again and say which field is wrong).
 */
import os from 'node:os';
import path from 'node:path';
import { Argument, Command, Option } from 'commander';
import { DEFAULTS } from '@seqtrain/common';
import { CANONICAL_SOURCES, downloadDataset, prepareClassification, prepareIdx, preparePairs, prepareTimeseries, type DatasetManifest } from '@seqtrain/data';
import { fraction, nonNegativeInt, positiveInt } from '../parsers.js';
import { resolveInput } from '../paths.js';

/** A comma-separated list of column names or 0-based indices. */
function columnList(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter((v) => v !== '');
}

function lagList(value: string): number[] {
  return columnList(value).map(positiveInt);
}

export function progressPrinter(): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    const pct = Math.floor((100 * done) / Math.max(1, total));
    if (pct >= last + 10) {
      last = pct;
      process.stderr.write(`\rwriting shards: ${pct}% (${done}/${total} rows)`);
    }
  };
}

export function printSummary(manifest: DatasetManifest, out: string, t0: number): void {
  process.stderr.write('\n');
  const files = manifest.splits.train.files.length + manifest.splits.validation.files.length;
  const heldOut = manifest.kind === 'pairs' && manifest.heldOut ? `, ${manifest.heldOut.overlapping} not trained on (repeating a held-out text)` : '';
  const extra = manifest.kind === 'pairs' ? `, ${manifest.dropped} pairs dropped (longer than --max-chars)${heldOut}` : '';
  process.stdout.write(
    `wrote ${manifest.kind}: ${manifest.splits.train.rows} training + ${manifest.splits.validation.rows} validation rows in ${files} Arrow files${extra}, ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${out}/manifest.json\n`
  );
}

const common = (cmd: Command): Command =>
  cmd
    .requiredOption('--out <dir>', 'output directory (created; must be empty or a previous prepare output)')
    .option('--shards <n>', 'Arrow files for the training split', positiveInt, 1)
    .option('--rows-per-batch <n>', 'rows per Arrow record batch', positiveInt, DEFAULTS.ROWS_PER_RECORD_BATCH);

export function classificationCommand(): Command {
  return common(
    new Command('classification')
      .description('labelled texts (TSV/CSV) -> x = padded token ids [maxlen] (0 = padding, 1 = out-of-vocabulary), y = label id')
      .requiredOption('--input <file>', 'training rows, e.g. datasets/sentiment/train.tsv')
      .option('--test <file>', 'separate test rows (same columns): become the validation split')
      .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['tsv', 'csv']))
      .option('--no-header', 'the first row is data, not column names')
      .option('--label-column <name|index>', 'label column: header name or 0-based index', 'label')
      .option('--text-column <name|index>', 'text column: header name or 0-based index', 'text')
      .addOption(new Option('--tokenizer <kind>', 'word (lowercase, HTML tags removed) or char').choices(['word', 'char']).default('word'))
      .option('--vocab-size <n>', 'ids kept incl. padding and OOV: the most frequent training tokens', positiveInt, 10_000)
      .option('--maxlen <n>', 'tokens per row after padding/truncation', positiveInt, 200)
      .addOption(new Option('--padding <side>', 'where padding goes (Keras default pre)').choices(['pre', 'post']).default('pre'))
      .addOption(new Option('--truncating <side>', 'which end a long text loses (Keras default pre)').choices(['pre', 'post']).default('pre'))
      .option('--validation-fraction <f>', 'without --test: share of shuffled rows held out (default 0.1)', fraction)
      .option('--seed <n>', 'seed of the validation shuffle', nonNegativeInt, DEFAULTS.SEED)
  ).action(async (o: Record<string, unknown> & { input: string; test?: string; out: string }) => {
    const t0 = performance.now();
    const manifest = await prepareClassification({
      ...(o as object),
      input: resolveInput(o.input),
      test: o.test === undefined ? undefined : resolveInput(o.test),
      onProgress: progressPrinter(),
    } as Parameters<typeof prepareClassification>[0]);
    printSummary(manifest, o.out, t0);
  });
}

export function timeseriesCommand(): Command {
  return common(
    new Command('timeseries')
      .description('numeric CSV columns -> scaled windows x = [window × features], y = value(s) horizon steps ahead, split by time')
      .requiredOption('--input <file>', 'CSV with a header row, e.g. datasets/timeseries/airline-passengers.csv')
      .requiredOption('--window <n>', 'time steps per input window', positiveInt)
      .option('--horizon <n>', 'steps between the last input and the (first) target', positiveInt, 1)
      .option('--columns <list>', 'value columns, comma-separated names or indices (default: all but --time-column)', columnList)
      .option('--target <name|index>', 'the predicted column (default: the first value column)')
      .option('--time-column <name|index>', 'time column, kept as metadata only')
      .addOption(new Option('--targets <shape>', 'single (many-to-one) or sequence (many-to-many)').choices(['single', 'sequence']).default('single'))
      .option('--validation-last <n>', 'the last N rows are validation', nonNegativeInt)
      .option('--validation-fraction <f>', 'the last fraction of rows is validation (default 0.1)', fraction)
      .addOption(new Option('--scaling <method>', 'fitted on the training rows only').choices(['minmax', 'standard', 'none']).default('minmax'))
      .addOption(new Option('--transform <name>', 'applied to every value before differencing and scaling (log needs values > 0)').choices(['none', 'log']).default('none'))
      .option('--difference <lags>', 'differencing lags after the transform, comma-separated, e.g. 1,12 = (1 - B)(1 - B^12)', lagList)
  ).action(async (o: Record<string, unknown> & { input: string; out: string }) => {
    const t0 = performance.now();
    const manifest = await prepareTimeseries({
      ...(o as object),
      input: resolveInput(o.input),
      onProgress: progressPrinter(),
    } as Parameters<typeof prepareTimeseries>[0]);
    printSummary(manifest, o.out, t0);
  });
}

export function pairsCommand(): Command {
  return common(
    new Command('pairs')
      .description("sentence pairs (TSV) -> char ids: source, target ('\\t' start + text + '\\n' end), true lengths")
      .requiredOption('--input <file>', 'TSV, e.g. datasets/translation/eng-spa-bible.tsv (ref, english, spanish)')
      .option('--source-column <n>', '0-based source column', nonNegativeInt, 1)
      .option('--target-column <n>', '0-based target column', nonNegativeInt, 2)
      .option('--max-chars <n>', 'drop pairs with a side longer than this (count reported)', positiveInt)
      .option('--held-out-every <n>', 'hold out every N-th distinct pair within --held-out-max-chars (file order) instead of a shuffled fraction; no held-out text is trained on', positiveInt)
      .option('--held-out-max-chars <n>', 'length cap of the held-out pairs (default --max-chars)', positiveInt)
      .option('--header', 'skip the first line')
      .option('--validation-fraction <f>', 'share of shuffled pairs held out (default 0.1)', fraction)
      .option('--seed <n>', 'seed of the shuffle', nonNegativeInt, DEFAULTS.SEED)
  ).action(async (o: Record<string, unknown> & { input: string; out: string }) => {
    const t0 = performance.now();
    const manifest = await preparePairs({ ...(o as object), input: resolveInput(o.input), onProgress: progressPrinter() } as Parameters<typeof preparePairs>[0]);
    printSummary(manifest, o.out, t0);
  });
}

export function idxCommand(): Command {
  return common(
    new Command('idx')
      .description('IDX images + labels (MNIST, gzip or not) -> x = pixels / 255, y = label')
      .requiredOption('--images <file>', 'IDX image file (magic 2051)')
      .requiredOption('--labels <file>', 'IDX label file (magic 2049)')
      .option('--test-images <file>', 'test images: with --test-labels, the validation split')
      .option('--test-labels <file>', 'test labels')
      .option('--validation-fraction <f>', 'without test files: share of shuffled rows held out (default 0.1)', fraction)
      .option('--seed <n>', 'seed of the shuffle', nonNegativeInt, DEFAULTS.SEED)
  ).action(async (o: Record<string, unknown> & { images: string; labels: string; out: string }) => {
    const t0 = performance.now();
    const manifest = await prepareIdx({ ...(o as object), onProgress: progressPrinter() } as Parameters<typeof prepareIdx>[0]);
    printSummary(manifest, o.out, t0);
  });
}

export function downloadCommand(): Command {
  const names = CANONICAL_SOURCES.map((s) => s.name);
  return new Command('download')
    .description(`download a canonical dataset and prepare it: ${CANONICAL_SOURCES.map((s) => `${s.name} (${s.description})`).join('; ')}`)
    .addArgument(new Argument('<name>', 'dataset name').choices(names))
    .requiredOption('--out <dir>', 'output directory of the prepared dataset')
    .option('--url <url>', 'mirror: the file URL (or, for mnist, the base URL of its four files)')
    .option('--cache <dir>', 'where downloads are kept and reused', path.join(os.homedir(), '.cache', 'seqtrain'))
    .action(async (name: string, o: { out: string; url?: string; cache: string }) => {
      const t0 = performance.now();
      const manifest = await downloadDataset({
        name,
        out: o.out,
        url: o.url,
        cacheDir: o.cache,
        onDownloadProgress: (file, done, total) =>
          process.stderr.write(`\rdownloading ${file}: ${(done / 1e6).toFixed(1)}${total === null ? '' : ` / ${(total / 1e6).toFixed(1)}`} MB`),
        onProgress: progressPrinter(),
      });
      printSummary(manifest, o.out, t0);
    });
}
