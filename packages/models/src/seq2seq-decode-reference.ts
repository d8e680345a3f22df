/**
 * The decoding method seq2seq-decode.ts used before the step-wise decoder, kept as the reference its
 * specs compare with and the baseline `seqtrain bench decode` times: re-run the whole training model
 * on each target prefix (right-padded to tgtLen) and read the next-id distribution at the prefix's
 * last position. Exact because the decoder is causal, and O(tgtLen^2) decoder steps plus tgtLen
 * encoder passes per sentence. It shares padding and argmax (ties to the lowest id) with
 * seq2seq-decode.ts, so the two can differ only in how the probabilities are computed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { argmax, padded, type DecodeOptions, type DecodeResult } from './seq2seq-decode.js';


/**
 * Row i: log p(next | sources[i], prefixes[i]) from one predict() of the whole model; all prefixes
 * have the same length.
 */
export function prefixRerunLogProbs(model: LayersModel, sources: readonly (readonly number[])[], prefixes: readonly (readonly number[])[], padId = 0): Float32Array[] {
  const srcLen = model.inputs[0]?.shape[1] as number;
  const tgtLen = model.inputs[1]?.shape[1] as number;
  const position = (prefixes[0]?.length ?? 1) - 1;
  const logProbs = tf.tidy(() => {
    const enc = tf.tensor2d(sources.map((s) => padded(s, srcLen, padId)), [sources.length, srcLen]);
    const dec = tf.tensor2d(prefixes.map((p) => padded(p, tgtLen, padId)), [prefixes.length, tgtLen]);
    const out = model.predict([enc, dec]) as tf.Tensor3D;
    const vocab = out.shape[2];
    return tf.log(tf.reshape(tf.slice(out, [0, position, 0], [prefixes.length, 1, vocab]), [prefixes.length, vocab]));
  });
  const data = logProbs.dataSync() as Float32Array;
  const vocab = logProbs.shape[1] ?? 0;
  logProbs.dispose();
  return prefixes.map((_, i) => data.subarray(i * vocab, (i + 1) * vocab));
}


/** Greedy decoding of each source by prefix re-runs (one predict() over the open sentences per position). */
export function prefixRerunGreedyDecodeBatch(model: LayersModel, sources: readonly (readonly number[])[], options: DecodeOptions): DecodeResult[] {
  const tgtLen = model.inputs[1]?.shape[1] as number;
  const maxLength = Math.min(options.maxLength ?? tgtLen, tgtLen);
  const results: DecodeResult[] = sources.map(() => ({ ids: [], logProb: 0 }));
  let open = sources.map((_, i) => i);
  for (let position = 0; position < maxLength && open.length > 0; position++) {
    const rows = prefixRerunLogProbs(
      model,
      open.map((i) => sources[i] ?? []),
      open.map((i) => [options.startId, ...(results[i]?.ids ?? [])]),
      options.padId
    );
    open.forEach((i, row) => {
      const logits = rows[row] as Float32Array;
      const next = argmax(logits);
      const r = results[i] as DecodeResult;
      r.ids.push(next);
      r.logProb += logits[next] ?? 0;
    });
    open = open.filter((i) => results[i]?.ids.at(-1) !== options.endId);
  }
  return results;
}

interface Beam extends DecodeResult {
  done: boolean;
}

/** Beam search by prefix re-runs: the same beams and order as beamSearchDecode. */
export function prefixRerunBeamSearchDecode(model: LayersModel, source: readonly number[], width: number, options: DecodeOptions): DecodeResult[] {
  const tgtLen = model.inputs[1]?.shape[1] as number;
  const maxLength = Math.min(options.maxLength ?? tgtLen, tgtLen);
  let beams: Beam[] = [{ ids: [], logProb: 0, done: false }];
  for (let step = 0; step < maxLength && beams.some((b) => !b.done); step++) {
    const live = beams.filter((b) => !b.done);
    const rows = prefixRerunLogProbs(
      model,
      live.map(() => source),
      live.map((b) => [options.startId, ...b.ids]),
      options.padId
    );
    const candidates: Beam[] = beams.filter((b) => b.done);
    live.forEach((beam, i) => {
      const row = rows[i] as Float32Array;
      const order = Array.from(row.keys()).sort((a, b) => (row[b] ?? 0) - (row[a] ?? 0) || a - b);
      for (const id of order.slice(0, width)) {
        candidates.push({ ids: [...beam.ids, id], logProb: beam.logProb + (row[id] ?? 0), done: id === options.endId });
      }
    });
    beams = candidates.sort((a, b) => b.logProb - a.logProb).slice(0, width);
  }
  return beams.map(({ ids, logProb }) => ({ ids, logProb }));
}
