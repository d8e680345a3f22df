/**
 * Greedy and beam-search decoding for a seq2seq-attention training model (seq2seq-attention.ts).
 *
 * Decoding is step-wise (seq2seq-step-decoder.ts): the encoder runs once per batch of sources, then
 * each output position is one decoder step (embedding, one LSTM step from the carried [h, c],
 * attention over the cached encoder sequence, output layer) over all open sentences or live beams,
 * all with the trained model's own layers. A sentence costs O(tgtLen) decoder steps. The previous
 * method re-ran the whole training model on every target prefix, O(tgtLen^2) decoder steps and
 * tgtLen encoder passes per sentence; it is kept as the spec's reference
 * (seq2seq-decode-reference.ts), which the ids must equal. `seqtrain bench decode` times the
 * two side by side.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';
import { Seq2seqStepDecoder } from './seq2seq-step-decoder.js';

export interface DecodeOptions {
  /** Id of the start character ('\t' in the Keras example); the decoder's first input. */
  startId: number;
  /** Id of the end character ('\n'); decoding of a sequence stops once it emits it. */
  endId: number;
  /** Most ids to emit (the end id included); at most, and by default, the model's tgtLen. */
  maxLength?: number;
  /** Id that right-pads the source and the target prefix; default 0. */
  padId?: number;
}

export interface DecodeResult {
  /** Emitted ids, without the start id; ends with endId unless maxLength cut it off. */
  ids: number[];
  /** Sum of the log-probabilities of the emitted ids. */
  logProb: number;
}

interface Shape {
  srcLen: number;
  tgtLen: number;
  maxLength: number;
  padId: number;
}

function shapeOf(model: LayersModel, source: readonly number[], options: DecodeOptions): Shape {
  const [encoder, decoder] = model.inputs;
  const srcLen = encoder?.shape[1];
  const tgtLen = decoder?.shape[1];
  if (model.inputs.length !== 2 || typeof srcLen !== 'number' || typeof tgtLen !== 'number') {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `Decoding needs a seq2seq-attention model with inputs [encoder [srcLen], decoder [tgtLen]]; got inputs ${JSON.stringify(model.inputs.map((i) => i.shape))}.`
    );
  }
  if (source.length > srcLen) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The source has ${source.length} ids but the model reads at most srcLen ${srcLen}. Truncate it.`);
  }
  const maxLength = Math.min(options.maxLength ?? tgtLen, tgtLen);
  if (maxLength < 1) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `maxLength must be >= 1; got ${options.maxLength}.`);
  return { srcLen, tgtLen, maxLength, padId: options.padId ?? 0 };
}

/** ids right-padded with padId to `length` (the model's srcLen or tgtLen). */
export function padded(ids: readonly number[], length: number, padId: number): number[] {
  return [...ids, ...Array<number>(length - ids.length).fill(padId)];
}

/** Index of the largest value; ties go to the lowest index (so beam width 1 agrees with greedy). */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i;
  return best;
}

/** Greedy decoding: the most likely next id at each step. */
export function greedyDecode(model: LayersModel, source: readonly number[], options: DecodeOptions): DecodeResult {
  return greedyDecodeBatch(model, [source], options)[0] as DecodeResult;
}

/**
 * Greedy decoding of many sources at once: one decoder step over all still-open sentences per output
 * position (what evaluation needs: chrF over hundreds of held-out pairs), the same ids as
 * greedyDecode on each source alone (each row of a batched step is that row's own computation).
 */
export function greedyDecodeBatch(model: LayersModel, sources: readonly (readonly number[])[], options: DecodeOptions): DecodeResult[] {
  const results: DecodeResult[] = sources.map(() => ({ ids: [], logProb: 0 }));
  if (sources.length === 0) return results;
  const shapes = sources.map((s) => shapeOf(model, s, options));
  const shape = shapes[0] as Shape;
  const decoder = new Seq2seqStepDecoder(model);
  let state = decoder.encode(sources.map((s) => padded(s, shape.srcLen, shape.padId)), shape.srcLen);
  // Invariant: row r of `state` is sentence open[r], whose last id is last[r].
  let open = sources.map((_, i) => i);
  let last = open.map(() => options.startId);
  try {
    for (let position = 0; position < shape.maxLength && open.length > 0; position++) {
      const step = decoder.step(state, last);
      state = step.state;
      const keep: number[] = [];
      const emitted = open.map((i, row) => {
        const logits = step.logProbs.subarray(row * step.vocab, (row + 1) * step.vocab);
        const next = argmax(logits);
        const r = results[i] as DecodeResult;
        r.ids.push(next);
        r.logProb += logits[next] ?? 0;
        if (next !== options.endId) keep.push(row);
        return next;
      });
      if (keep.length === 0) break;
      state = decoder.select(state, keep);
      open = keep.map((row) => open[row] as number);
      last = keep.map((row) => emitted[row] as number);
    }
  } finally {
    decoder.dispose(state);
  }
  return results;
}

interface Beam extends DecodeResult {
  done: boolean;
  /** While live: the row of the decoder state it continues. */
  row: number;
}

/**
 * Beam search of `width` beams scored by summed log-probability (no length normalisation).
 * Returns up to `width` finished or length-capped sequences, best first. Width 1 is greedy.
 */
export function beamSearchDecode(model: LayersModel, source: readonly number[], width: number, options: DecodeOptions): DecodeResult[] {
  if (!Number.isInteger(width) || width < 1) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Beam width must be a positive integer; got ${width}.`);
  }
  const shape = shapeOf(model, source, options);
  const decoder = new Seq2seqStepDecoder(model);
  // Invariant: row r of `state` is the r-th live (not done) beam of `beams`.
  let state = decoder.encode([padded(source, shape.srcLen, shape.padId)], shape.srcLen);
  let beams: Beam[] = [{ ids: [], logProb: 0, done: false, row: 0 }];
  try {
    for (let step = 0; step < shape.maxLength && beams.some((b) => !b.done); step++) {
      const live = beams.filter((b) => !b.done);
      const next = decoder.step(state, live.map((b) => b.ids.at(-1) ?? options.startId));
      state = next.state;
      const candidates: Beam[] = beams.filter((b) => b.done);
      live.forEach((beam, i) => {
        const row = next.logProbs.subarray(i * next.vocab, (i + 1) * next.vocab);
        // The beam's best `width` continuations are all that can survive the cut below.
        const order = Array.from(row.keys()).sort((a, b) => (row[b] ?? 0) - (row[a] ?? 0) || a - b);
        for (const id of order.slice(0, width)) {
          candidates.push({ ids: [...beam.ids, id], logProb: beam.logProb + (row[id] ?? 0), done: id === options.endId, row: i });
        }
      });
      // Stable sort: among equal scores the earlier candidate (lower id, earlier beam) wins.
      beams = candidates.sort((a, b) => b.logProb - a.logProb).slice(0, width);
      const parents = beams.filter((b) => !b.done).map((b) => b.row);
      if (parents.length === 0) break;
      state = decoder.select(state, parents);
    }
  } finally {
    decoder.dispose(state);
  }
  return beams.map(({ ids, logProb }) => ({ ids, logProb }));
}
