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
 * - Split (pairs-split.ts): with `heldOutEvery`, a fixed held-out set (every N-th distinct pair with
 *   both sides at most `heldOutMaxChars`, in file order) and training on the other pairs within
 *   `maxChars` that share no source or target text with it; otherwise a seeded shuffle of the kept
 *   pairs (permutation(kept, seed, 0)) whose last `validationFraction` is validation.
 */
import path from 'node:path';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { splitPairs } from './pairs-split.js';
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
  /**
   * Hold out every N-th distinct pair with both sides at most `heldOutMaxChars` (file order) instead of a
   * shuffled `validationFraction`; training never sees a held-out text (pairs-split.ts).
   */
  heldOutEvery?: number;
  /** Length cap of the held-out candidates (code points, both sides). Default: `maxChars`. */
  heldOutMaxChars?: number;
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
  const texts = rows.map((r, i) => {
    const source = r[sourceAt];
    const target = r[targetAt];
    if (source === undefined || target === undefined) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Line ${i + (options.header ? 2 : 1)} of ${input} has ${r.length} fields; source column ${sourceAt} and target column ${targetAt} are needed.`,
        { file: input, row: i }
      );
    }
    return { source, target };
  });
  const heldOutEvery = options.heldOutEvery === undefined ? undefined : requireInt(RECIPE, 'heldOutEvery', options.heldOutEvery, 1);
  const heldOutMaxChars = options.heldOutMaxChars === undefined ? maxChars : requireInt(RECIPE, 'heldOutMaxChars', options.heldOutMaxChars, 1);
  if (heldOutEvery === undefined && options.heldOutMaxChars !== undefined) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', 'prepare pairs: heldOutMaxChars was given without heldOutEvery; give both, or neither for a shuffled validationFraction.', { field: 'heldOutMaxChars' });
  }
  if (heldOutEvery !== undefined && heldOutMaxChars === null) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', 'prepare pairs: heldOutEvery needs heldOutMaxChars (or maxChars), the length cap of the held-out pairs.', { field: 'heldOutMaxChars' });
  }
  const heldOut = heldOutEvery === undefined || heldOutMaxChars === null ? undefined : { every: heldOutEvery, maxChars: heldOutMaxChars };
  const split = splitPairs(texts, { maxChars, heldOut, validationFraction: fraction, seed });
  const toChars = (i: number) => {
    const p = texts[i] as { source: string; target: string };
    return { source: Array.from(p.source), target: [START_TOKEN, ...Array.from(p.target), END_TOKEN] };
  };
  const trainPairs = split.train.map(toChars);
  const validationPairs = split.validation.map(toChars);
  const kept = [...trainPairs, ...validationPairs];
  if (trainPairs.length === 0 || (heldOut !== undefined && validationPairs.length === 0)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `prepare pairs: no ${trainPairs.length === 0 ? 'training' : 'held-out'} pair of ${input} is within ${trainPairs.length === 0 ? `maxChars ${maxChars}` : `heldOutMaxChars ${heldOutMaxChars}`}; raise it.`, { field: trainPairs.length === 0 ? 'maxChars' : 'heldOutMaxChars' });
  }

  const sourceVocab = vocabularyOf(kept.map((p) => p.source), []);
  const targetVocab = vocabularyOf(kept.map((p) => p.target), [START_TOKEN, END_TOKEN]);
  const sourceIds = new Map(sourceVocab.map((c, i) => [c, i]));
  const targetIds = new Map(targetVocab.map((c, i) => [c, i]));
  const sourceLength = Math.max(...kept.map((p) => p.source.length), 1);
  const targetLength = Math.max(...kept.map((p) => p.target.length));

  const build = (part: { source: string[]; target: string[] }[]): { rows: number; data: Int32Array[] } => {
    const count = part.length;
    const src = new Int32Array(count * sourceLength);
    const tgt = new Int32Array(count * targetLength);
    const srcLen = new Int32Array(count);
    const tgtLen = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      const pair = part[r] as { source: string[]; target: string[] };
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
    train: build(trainPairs),
    validation: build(validationPairs),
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
    dropped: split.dropped,
    heldOut: heldOut === undefined ? null : { ...heldOut, overlapping: split.overlapping },
    sourceLength,
    targetLength,
  };
  await writeManifestFile(out, manifest);
  return manifest;
}
