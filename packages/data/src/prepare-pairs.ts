/**
 * `prepare pairs`: a TSV of (source, target) sentence pairs -> char-level id sequences for a
 * sequence-to-sequence model, as the Keras character-level seq2seq example prepares them.
 *
 * - The target gets START_TOKEN ('\t') before it and END_TOKEN ('\n') after it; neither can occur in
 *   a TSV field, so they never collide with text.
 * - Pairs whose source or target (without start/end) is longer than `maxChars` code points are
 *   dropped; the manifest's `dropped` counts them.
 * - Two vocabularies, built over the kept pairs of both splits (so validation meets no unknown char):
 *   id 0 = padding (""), then the distinct code points sorted by value.
 * - Every sequence is padded at the end with 0 to the longest kept one: columns `source`
 *   FixedSizeList<Int32>[sourceLength], `target` FixedSizeList<Int32>[targetLength] (the decoder input,
 *   start token first, end token last; the decoder's expected output is it shifted left by one),
 *   `sourceLength`, `targetLength` Int32 (true lengths, target incl. start and end).
 * - Split: a seeded shuffle of the kept pairs (permutation(kept, seed, 0)); its last
 *   `validationFraction` is validation.
 */
import path from 'node:path';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { permutation } from './distributed-sampler.js';
import { parseDelimited } from './delimited.js';
import { MANIFEST_VERSION, type ColumnSpec, type PairsManifest } from './manifest.js';
import { readSourceText, requireFraction, requireInt, requirePath } from './recipe-options.js';
import { describeTableSchema } from './table-columns.js';
import { writeManifestFile, writeTableSplits } from './table-writer.js';

export const START_TOKEN = '\t';
export const END_TOKEN = '\n';
export const PAIRS_PAD_TOKEN = '';

export interface PreparePairsOptions {
  input: string;
  out: string;
  /** 0-based column of the source sentence. Default 1 (the shipped file: ref, english, spanish). */
  sourceColumn?: number;
  /** 0-based column of the target sentence. Default 2. */
  targetColumn?: number;
  /** Drop pairs longer than this (code points, either side). Default: keep all. */
  maxChars?: number;
  /** Skip the first line. Default false. */
  header?: boolean;
  validationFraction?: number;
  seed?: number;
  shards?: number;
  rowsPerBatch?: number;
  onProgress?: (rowsWritten: number, rowsTotal: number) => void;
}

const RECIPE = 'pairs';

function vocabularyOf(texts: Iterable<string[]>, extra: string[]): string[] {
  const chars = new Set<string>(extra);
  for (const t of texts) for (const c of t) chars.add(c);
  return [PAIRS_PAD_TOKEN, ...[...chars].sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0))];
}

export async function preparePairs(options: PreparePairsOptions): Promise<PairsManifest> {
  const input = requirePath(RECIPE, 'input', options.input);
  const out = path.resolve(requirePath(RECIPE, 'out', options.out));
  const sourceAt = requireInt(RECIPE, 'sourceColumn', options.sourceColumn ?? 1, 0);
  const targetAt = requireInt(RECIPE, 'targetColumn', options.targetColumn ?? 2, 0);
  const maxChars = options.maxChars === undefined ? null : requireInt(RECIPE, 'maxChars', options.maxChars, 1);
  const fraction = requireFraction(RECIPE, 'validationFraction', options.validationFraction ?? DEFAULTS.VALIDATION_FRACTION);
  const seed = requireInt(RECIPE, 'seed', options.seed ?? DEFAULTS.SEED, 0, 0xffff_ffff);
  const shards = requireInt(RECIPE, 'shards', options.shards ?? 1, 1, 99_999);
  const rowsPerBatch = requireInt(RECIPE, 'rowsPerBatch', options.rowsPerBatch ?? DEFAULTS.ROWS_PER_RECORD_BATCH, 1);

  const { text, info } = await readSourceText(RECIPE, 'input', input);
  const rows = parseDelimited(text, 'tsv', input);
  if (options.header) rows.shift();
  const kept: { source: string[]; target: string[] }[] = [];
  let dropped = 0;
  rows.forEach((r, i) => {
    const source = r[sourceAt];
    const target = r[targetAt];
    if (source === undefined || target === undefined) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Line ${i + (options.header ? 2 : 1)} of ${input} has ${r.length} fields; source column ${sourceAt} and target column ${targetAt} are needed.`,
        { file: input, row: i }
      );
    }
    const s = Array.from(source);
    const t = Array.from(target);
    if (maxChars !== null && (s.length > maxChars || t.length > maxChars)) dropped += 1;
    else kept.push({ source: s, target: [START_TOKEN, ...t, END_TOKEN] });
  });
  if (kept.length === 0) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `prepare pairs: no pair of ${input} is within maxChars ${maxChars}; raise it.`, { field: 'maxChars' });

  const sourceVocab = vocabularyOf(kept.map((p) => p.source), []);
  const targetVocab = vocabularyOf(kept.map((p) => p.target), [START_TOKEN, END_TOKEN]);
  const sourceIds = new Map(sourceVocab.map((c, i) => [c, i]));
  const targetIds = new Map(targetVocab.map((c, i) => [c, i]));
  const sourceLength = Math.max(...kept.map((p) => p.source.length), 1);
  const targetLength = Math.max(...kept.map((p) => p.target.length));

  const order = permutation(kept.length, seed, 0);
  const trainCount = Math.round(kept.length * (1 - fraction));
  const build = (from: number, to: number): { rows: number; data: Int32Array[] } => {
    const count = to - from;
    const src = new Int32Array(count * sourceLength);
    const tgt = new Int32Array(count * targetLength);
    const srcLen = new Int32Array(count);
    const tgtLen = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      const pair = kept[order[from + r] as number] as { source: string[]; target: string[] };
      pair.source.forEach((c, k) => (src[r * sourceLength + k] = sourceIds.get(c) as number));
      pair.target.forEach((c, k) => (tgt[r * targetLength + k] = targetIds.get(c) as number));
      srcLen[r] = pair.source.length;
      tgtLen[r] = pair.target.length;
    }
    return { rows: count, data: [src, tgt, srcLen, tgtLen] };
  };
  const columns: ColumnSpec[] = [
    { name: 'source', dtype: 'int32', width: sourceLength },
    { name: 'target', dtype: 'int32', width: targetLength },
    { name: 'sourceLength', dtype: 'int32', width: null },
    { name: 'targetLength', dtype: 'int32', width: null },
  ];
  const splits = await writeTableSplits({
    out,
    columns,
    train: build(0, trainCount),
    validation: build(trainCount, kept.length),
    shards,
    rowsPerBatch,
    onProgress: options.onProgress,
  });
  const manifest: PairsManifest = {
    version: MANIFEST_VERSION,
    kind: 'pairs',
    createdAt: new Date().toISOString(),
    source: info,
    columns,
    schema: describeTableSchema(columns),
    splits,
    sourceVocab,
    targetVocab,
    startToken: START_TOKEN,
    endToken: END_TOKEN,
    maxChars,
    dropped,
    sourceLength,
    targetLength,
  };
  await writeManifestFile(out, manifest);
  return manifest;
}
