/**
 * `prepare classification`: a TSV/CSV of (label, text) rows -> padded token-id sequences and label
 * ids. Columns: `x` FixedSizeList<Int32>[maxlen], `y` Int32 (index into the manifest's `labels`, the
 * sorted label names of the training rows). The vocabulary is built on the training rows only, so
 * validation/test words never leak into it (they map to OOV_ID when unseen). Tokenizer, ids and
 * padding: see word-tokenizer.ts.
 *
 * Splits: a seeded shuffle of the input rows (permutation(rows, seed, 0), the sampler's) whose last
 * `validationFraction` is validation, the rest train. A `test` file alone is the validation split
 * (train = every input row); `test` together with `validationFraction` gives three splits: train and
 * validation carved from the input as above (validation is what model selection, e.g. keep-the-best
 * weights, may look at), and the test file as the `test` split, which nothing selects on.
 */
import path from 'node:path';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { permutation } from './distributed-sampler.js';
import { formatFromExtension, parseDelimited, resolveColumn, type DelimitedFormat } from './delimited.js';
import { MANIFEST_VERSION, type ClassificationManifest, type ColumnSpec } from './manifest.js';
import { badOption, readSourceText, requireChoice, requireFraction, requireInt, requirePath, type SourceInfo } from './recipe-options.js';
import { describeTableSchema } from './table-columns.js';
import { writeManifestFile, writeTableSplits } from './table-writer.js';
import { buildVocabulary, encodePadded, tokenize, type PadSide, type TokenizerKind } from './word-tokenizer.js';

export interface PrepareClassificationOptions {
  input: string;
  /**
   * A separate test file (same format and columns): the validation split, or with
   * `validationFraction` also given, a separate `test` split.
   */
  test?: string;
  out: string;
  /** Default: from the extension (.csv -> csv; .tsv/.tab/.txt -> tsv). */
  format?: DelimitedFormat;
  /** Whether the first row is a header. Default true. */
  header?: boolean;
  /** Header name or 0-based index. Default 'label'. */
  labelColumn?: string | number;
  /** Header name or 0-based index. Default 'text'. */
  textColumn?: string | number;
  tokenizer?: TokenizerKind;
  /** Ids kept including padding (0) and OOV (1). Default 10,000. */
  vocabSize?: number;
  /** Default 200. */
  maxlen?: number;
  /** Default 'pre' (Keras). */
  padding?: PadSide;
  /** Default 'pre' (Keras). */
  truncating?: PadSide;
  /** Share of the shuffled input rows held out as validation. Default DEFAULTS.VALIDATION_FRACTION without `test`, none with it. */
  validationFraction?: number;
  seed?: number;
  shards?: number;
  rowsPerBatch?: number;
  onProgress?: (rowsWritten: number, rowsTotal: number) => void;
}

const RECIPE = 'classification';

interface LabeledText {
  label: string;
  text: string;
}

function readRows(text: string, file: string, format: DelimitedFormat, header: boolean, labelSpec: string | number, textSpec: string | number): LabeledText[] {
  const rows = parseDelimited(text, format, file);
  const head = header ? (rows.shift() ?? null) : null;
  const width = head?.length ?? rows[0]?.length ?? 0;
  const labelAt = resolveColumn(labelSpec, head, width, 'labelColumn', file);
  const textAt = resolveColumn(textSpec, head, width, 'textColumn', file);
  return rows.map((r, i) => {
    const label = r[labelAt];
    const body = r[textAt];
    if (label === undefined || body === undefined) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Row ${i + (header ? 2 : 1)} of ${file} has ${r.length} fields, fewer than the label (${labelAt}) and text (${textAt}) columns need.`,
        { file, row: i }
      );
    }
    return { label, text: body };
  });
}

export async function prepareClassification(options: PrepareClassificationOptions): Promise<ClassificationManifest> {
  const input = requirePath(RECIPE, 'input', options.input);
  const out = path.resolve(requirePath(RECIPE, 'out', options.out));
  const format = options.format ?? formatFromExtension(input);
  if (format === null) throw badOption(RECIPE, 'format', `is needed: ${input} has no .csv/.tsv extension. Give "csv" or "tsv".`);
  requireChoice(RECIPE, 'format', format, ['csv', 'tsv'] as const);
  const tokenizer = requireChoice(RECIPE, 'tokenizer', options.tokenizer ?? 'word', ['word', 'char'] as const);
  const padding = requireChoice(RECIPE, 'padding', options.padding ?? 'pre', ['pre', 'post'] as const);
  const truncating = requireChoice(RECIPE, 'truncating', options.truncating ?? 'pre', ['pre', 'post'] as const);
  const vocabSize = requireInt(RECIPE, 'vocabSize', options.vocabSize ?? 10_000, 3);
  const maxlen = requireInt(RECIPE, 'maxlen', options.maxlen ?? 200, 1);
  const seed = requireInt(RECIPE, 'seed', options.seed ?? DEFAULTS.SEED, 0, 0xffff_ffff);
  const shards = requireInt(RECIPE, 'shards', options.shards ?? 1, 1, 99_999);
  const rowsPerBatch = requireInt(RECIPE, 'rowsPerBatch', options.rowsPerBatch ?? DEFAULTS.ROWS_PER_RECORD_BATCH, 1);
  const fraction = requireFraction(RECIPE, 'validationFraction', options.validationFraction ?? DEFAULTS.VALIDATION_FRACTION);
  const header = options.header ?? true;
  const labelSpec = options.labelColumn ?? 'label';
  const textSpec = options.textColumn ?? 'text';

  const main = await readSourceText(RECIPE, 'input', input);
  const all = readRows(main.text, input, format, header, labelSpec, textSpec);
  let train: LabeledText[] = all;
  let validation: LabeledText[] = [];
  let test: LabeledText[] | null = null;
  let testSource: SourceInfo | null = null;
  if (options.test !== undefined) {
    const file = await readSourceText(RECIPE, 'test', options.test);
    testSource = file.info;
    test = readRows(file.text, options.test, format, header, labelSpec, textSpec);
  }
  if (options.test === undefined || options.validationFraction !== undefined) {
    const order = permutation(all.length, seed, 0);
    const trainCount = Math.round(all.length * (1 - fraction));
    train = Array.from(order.subarray(0, trainCount), (i) => all[i] as LabeledText);
    validation = Array.from(order.subarray(trainCount), (i) => all[i] as LabeledText);
    if (options.test !== undefined && validation.length === 0) {
      throw badOption(RECIPE, 'validationFraction', `${fraction} of ${all.length} rows of ${input} leaves no validation row; raise it (e.g. 0.2).`);
    }
  } else {
    validation = test ?? [];
    test = null;
  }
  if (train.length === 0) throw badOption(RECIPE, 'input', `holds no training rows (${input}).`);

  const labels = [...new Set(train.map((r) => r.label))].sort();
  const labelIds = new Map(labels.map((l, i) => [l, i]));
  const trainTokens = train.map((r) => tokenize(r.text, tokenizer));
  const vocab = buildVocabulary(trainTokens, vocabSize);
  const ids = new Map(vocab.map((t, i) => [t, i]));
  ids.delete(vocab[0] as string);
  ids.delete(vocab[1] as string);

  const encode = (rows: LabeledText[], tokens: string[][] | null, split: string): { rows: number; data: [Int32Array, Int32Array] } => {
    const x = new Int32Array(rows.length * maxlen);
    const y = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      const label = labelIds.get(r.label);
      if (label === undefined) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Label ${JSON.stringify(r.label)} of ${split} row ${i} never occurs in the training rows (labels: ${labels.join(', ')}). Check the label column.`,
          { field: 'labelColumn', row: i }
        );
      }
      y[i] = label;
      encodePadded(tokens?.[i] ?? tokenize(r.text, tokenizer), ids, maxlen, padding, truncating, x.subarray(i * maxlen, (i + 1) * maxlen));
    });
    return { rows: rows.length, data: [x, y] };
  };

  const columns: ColumnSpec[] = [
    { name: 'x', dtype: 'int32', width: maxlen },
    { name: 'y', dtype: 'int32', width: null },
  ];
  const splits = await writeTableSplits({
    out,
    columns,
    train: encode(train, trainTokens, 'train'),
    validation: encode(validation, null, 'validation'),
    ...(test !== null ? { test: encode(test, null, 'test') } : {}),
    shards,
    rowsPerBatch,
    onProgress: options.onProgress,
  });
  const manifest: ClassificationManifest = {
    version: MANIFEST_VERSION,
    kind: 'classification',
    createdAt: new Date().toISOString(),
    source: main.info,
    testSource,
    columns,
    schema: describeTableSchema(columns),
    splits,
    format,
    tokenizer,
    vocab,
    maxlen,
    padding,
    truncating,
    labels,
  };
  await writeManifestFile(out, manifest);
  return manifest;
}
