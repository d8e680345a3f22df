/**
 * Greedy and beam-search decoding for a seq2seq-attention training model (seq2seq-attention.ts).
 *
 * Decoding re-runs the training model on the growing target prefix (right-padded with `padId` to
 * tgtLen) and reads the next-character distribution at the prefix's last position, instead of
 * splitting the model into encoder and decoder-step models. That is correct because the decoder
 * is causal (LSTM + per-position attention over the encoder), it needs no second set of layers
 * that could drift from the trained ones, and it works on any model loaded from a checkpoint. The
 * cost is O(tgtLen^2) LSTM steps per sentence instead of O(tgtLen): negligible at the character
 * lengths of the notes' translation experiment (tens of steps), and each step is one batched
 * predict() over all live beams.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';

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

function padded(ids: readonly number[], length: number, padId: number): number[] {
  return [...ids, ...Array<number>(length - ids.length).fill(padId)];
}

/**
 * Next-id log-probabilities for each prefix (all the same length), one batched predict():
 * row i is log p(next | source, prefixes[i]).
 */
function nextLogProbs(model: LayersModel, source: readonly number[], prefixes: readonly number[][], shape: Shape): Float32Array[] {
  const position = (prefixes[0]?.length ?? 1) - 1;
  const probs = tf.tidy(() => {
    const enc = tf.tensor2d(prefixes.map(() => padded(source, shape.srcLen, shape.padId)), [prefixes.length, shape.srcLen]);
    const dec = tf.tensor2d(prefixes.map((p) => padded(p, shape.tgtLen, shape.padId)), [prefixes.length, shape.tgtLen]);
    const out = model.predict([enc, dec]) as tf.Tensor3D;
    const vocab = out.shape[2];
    return tf.log(tf.reshape(tf.slice(out, [0, position, 0], [prefixes.length, 1, vocab]), [prefixes.length, vocab]));
  });
  const data = probs.dataSync() as Float32Array;
  const vocab = probs.shape[1] ?? 0;
  probs.dispose();
  return prefixes.map((_, i) => data.subarray(i * vocab, (i + 1) * vocab));
}

/** Index of the largest value; ties go to the lowest index (so beam width 1 agrees with greedy). */
function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i;
  return best;
}

/** Greedy decoding: the most likely next id at each step. */
export function greedyDecode(model: LayersModel, source: readonly number[], options: DecodeOptions): DecodeResult {
  const shape = shapeOf(model, source, options);
  const prefix = [options.startId];
  const ids: number[] = [];
  let logProb = 0;
  while (ids.length < shape.maxLength) {
    const [row] = nextLogProbs(model, source, [prefix], shape);
    const next = argmax(row!);
    ids.push(next);
    prefix.push(next);
    logProb += row![next] ?? 0;
    if (next === options.endId) break;
  }
  return { ids, logProb };
}

/**
 * Greedy decoding of many sources at once: one predict() over all still-open sentences per output
 * position (what evaluation needs: chrF over hundreds of held-out pairs), the same ids as
 * greedyDecode on each source alone (each row of a batched predict is that row's own computation).
 */
export function greedyDecodeBatch(model: LayersModel, sources: readonly (readonly number[])[], options: DecodeOptions): DecodeResult[] {
  const results: DecodeResult[] = sources.map(() => ({ ids: [], logProb: 0 }));
  if (sources.length === 0) return results;
  const shapes = sources.map((s) => shapeOf(model, s, options));
  const shape = shapes[0] as Shape;
  const open = new Set(sources.map((_, i) => i));
  for (let position = 0; position < shape.maxLength && open.size > 0; position++) {
    const live = [...open];
    const probs = tf.tidy(() => {
      const enc = tf.tensor2d(live.map((i) => padded(sources[i] ?? [], shape.srcLen, shape.padId)), [live.length, shape.srcLen]);
      const dec = tf.tensor2d(live.map((i) => padded([options.startId, ...(results[i]?.ids ?? [])], shape.tgtLen, shape.padId)), [live.length, shape.tgtLen]);
      const out = model.predict([enc, dec]) as tf.Tensor3D;
      const vocab = out.shape[2];
      return tf.log(tf.reshape(tf.slice(out, [0, position, 0], [live.length, 1, vocab]), [live.length, vocab]));
    });
    const data = probs.dataSync() as Float32Array;
    const vocab = probs.shape[1] ?? 0;
    probs.dispose();
    live.forEach((i, row) => {
      const logits = data.subarray(row * vocab, (row + 1) * vocab);
      const next = argmax(logits);
      const r = results[i] as DecodeResult;
      r.ids.push(next);
      r.logProb += logits[next] ?? 0;
      if (next === options.endId) open.delete(i);
    });
  }
  return results;
}

interface Beam extends DecodeResult {
  done: boolean;
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
  let beams: Beam[] = [{ ids: [], logProb: 0, done: false }];
  for (let step = 0; step < shape.maxLength && beams.some((b) => !b.done); step++) {
    const live = beams.filter((b) => !b.done);
    const rows = nextLogProbs(model, source, live.map((b) => [options.startId, ...b.ids]), shape);
    const candidates: Beam[] = beams.filter((b) => b.done);
    live.forEach((beam, i) => {
      const row = rows[i]!;
      // The beam's best `width` continuations are all that can survive the cut below.
      const order = Array.from(row.keys()).sort((a, b) => (row[b] ?? 0) - (row[a] ?? 0) || a - b);
      for (const id of order.slice(0, width)) {
        candidates.push({ ids: [...beam.ids, id], logProb: beam.logProb + (row[id] ?? 0), done: id === options.endId });
      }
    });
    // Stable sort: among equal scores the earlier candidate (lower id, earlier beam) wins.
    beams = candidates.sort((a, b) => b.logProb - a.logProb).slice(0, width);
  }
  return beams.map(({ ids, logProb }) => ({ ids, logProb }));
}
