/**
 * The seq2seq decoding benchmark: greedy decoding of the same sources with the same untrained
 * seq2seq-attention model, step-wise (@seqtrain/models' greedyDecodeBatch: the encoder once, one
 * decoder step per output position) against re-running the whole training model on every target
 * prefix (the method greedyDecodeBatch used before, kept in @seqtrain/models as the reference: O(tgtLen^2) decoder
 * steps and tgtLen encoder passes per sentence), in the same process, backend and run. Both decode
 * the same ids (checked and reported). Defaults are the seq2seq-eng-spa job's shape: srcLen 100 and
 * tgtLen 102 from its prepared data (manifest sourceLength / targetLength), vocabularies 67 / 82,
 * units 128, embedding 64, and one chunk of the worker's chrF pass (64 verses of <= 80 characters).
 */
import { SeqtrainError } from '@seqtrain/common';
import { selectBackend, type BackendChoice } from '@seqtrain/backend';
import { buildModel, greedyDecodeBatch, prefixRerunGreedyDecodeBatch, type DecodeOptions } from '@seqtrain/models';
import { checkPositiveIntegers } from './bench-sizes.js';
import { decodeJsonRow, decodeTableHeader, decodeTableRow, type DecodeBenchRow } from './decode-bench-table.js';

export interface DecodeBenchOptions {
  /** Sentences decoded in one batch; default 64 (the worker's DECODE_CHUNK_PAIRS). */
  sources?: number;
  srcLen?: number;
  tgtLen?: number;
  srcVocab?: number;
  tgtVocab?: number;
  units?: number;
  embeddingDim?: number;
  /** Longest source drawn; lengths are spread over 1..this. Default the job's chrF.maxSourceChars (80), at most srcLen. */
  maxSourceChars?: number;
  /** Ids emitted at most per sentence; default tgtLen. */
  maxLength?: number;
  /** Default 'auto' (the worker's choice). */
  backend?: BackendChoice;
  json?: boolean;
  /** Where lines go; default stdout. */
  out?: (line: string) => void;
}

export const DECODE_BENCH_DEFAULTS = {
  sources: 64,
  srcLen: 100,
  tgtLen: 102,
  srcVocab: 67,
  tgtVocab: 82,
  units: 128,
  embeddingDim: 64,
  maxSourceChars: 80,
  backend: 'auto' as BackendChoice,
};

/** The pairs recipe's ids: 0 pads, 1 is '\t' (start), 2 is '\n' (end) in the target vocabulary. */
const PAD_ID = 0;
const START_ID = 1;
const END_ID = 2;
const MODEL_SEED = 42;

/** `count` sources of lengths spread over 1..maxChars, ids 1..srcVocab-1 (deterministic). */
export function benchSources(count: number, maxChars: number, srcVocab: number): number[][] {
  return Array.from({ length: count }, (_, s) => {
    const length = 1 + ((s * 37) % maxChars);
    return Array.from({ length }, (_, t) => 1 + ((s * 7 + t * 13) % (srcVocab - 1)));
  });
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

export async function runDecodeBench(options: DecodeBenchOptions = {}): Promise<DecodeBenchRow> {
  const o = { ...DECODE_BENCH_DEFAULTS, ...options };
  if (options.maxSourceChars === undefined) o.maxSourceChars = Math.min(DECODE_BENCH_DEFAULTS.maxSourceChars, o.srcLen);
  checkPositiveIntegers('decode', o, ['sources', 'srcLen', 'tgtLen', 'srcVocab', 'tgtVocab', 'units', 'embeddingDim', 'maxSourceChars']);
  if (o.maxSourceChars > o.srcLen) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `maxSourceChars (${o.maxSourceChars}) must be <= srcLen (${o.srcLen}).`, { field: 'maxSourceChars' });
  }
  if (o.tgtVocab < 3 || o.srcVocab < 2) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `tgtVocab must be >= 3 and srcVocab >= 2 (pad, start, end ids).`, { field: 'tgtVocab' });
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const backend = await selectBackend(o.backend);
  const { srcVocab, tgtVocab, srcLen, tgtLen, embeddingDim, units } = o;
  const model = buildModel('seq2seq-attention', { srcVocab, tgtVocab, srcLen, tgtLen, embeddingDim, units, seed: MODEL_SEED });
  try {
    const sources = benchSources(o.sources, o.maxSourceChars, srcVocab);
    const decode: DecodeOptions = { startId: START_ID, endId: END_ID, padId: PAD_ID, ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}) };
    // Untimed warm-up of both paths (backend kernels, weight upload).
    greedyDecodeBatch(model, sources.slice(0, 1), { ...decode, maxLength: 2 });
    prefixRerunGreedyDecodeBatch(model, sources.slice(0, 1), { ...decode, maxLength: 2 });
    const stepwise = timed(() => greedyDecodeBatch(model, sources, decode));
    const rerun = timed(() => prefixRerunGreedyDecodeBatch(model, sources, decode));
    const row: DecodeBenchRow = {
      sources: o.sources,
      srcLen,
      tgtLen,
      units,
      embeddingDim,
      backend: backend.name,
      emittedIds: stepwise.value.reduce((n, r) => n + r.ids.length, 0),
      stepwiseMs: stepwise.ms,
      prefixRerunMs: rerun.ms,
      speedup: rerun.ms / stepwise.ms,
      sameIds: stepwise.value.every((r, i) => r.ids.join(',') === rerun.value[i]?.ids.join(',')),
    };
    if (!o.json) out(decodeTableHeader());
    out(o.json ? decodeJsonRow(row) : decodeTableRow(row));
    return row;
  } finally {
    model.dispose();
  }
}
