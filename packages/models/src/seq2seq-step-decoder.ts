/**
 * A step-wise view of a seq2seq-attention training model (seq2seq-attention.ts), built from the
 * model's own layers: no second set of weights, so it works on a freshly built model and on one
 * loaded with tf.loadLayersModel alike, and it cannot drift from what was trained.
 *
 * encode() runs encoder_embedding + encoder_lstm once per batch and keeps the encoder sequence (the
 * attention memory) and its final [h, c]. step() feeds one id per row: decoder_embedding on [b, 1],
 * decoder_lstm on the length-1 sequence with initialState [h, c] (returnState gives the next [h, c]),
 * then attention and next_char on the length-1 tensors, each layer applied eagerly to concrete
 * tensors. That is the training model's computation at one target position (the decoder is causal:
 * an LSTM plus per-position attention), so a sentence costs O(tgtLen) decoder steps and one encoder
 * pass instead of O(tgtLen^2) steps and tgtLen encoder passes when the whole model is re-run on each
 * prefix. The seq2seq-decode spec checks the ids against that prefix re-run.
 *
 * Memory contract: a DecoderState owns its tensors. step() and select() consume the state passed in
 * (its tensors are disposed or handed over to the returned state); dispose() releases the last one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';
import { SEQ2SEQ_NAMES } from './seq2seq-attention.js';

type Layer = ReturnType<LayersModel['getLayer']>;

/** What a row of decoding carries between positions; rows are sentences or beams. */
export interface DecoderState {
  /** Encoder sequence per row [rows, srcLen, units]: the attention memory. */
  memory: tf.Tensor3D;
  /** Decoder LSTM state per row [rows, units]. */
  h: tf.Tensor2D;
  c: tf.Tensor2D;
}

export interface StepResult {
  /** Row-major [rows, vocab]: log p(next id | source, prefix) of each row. */
  logProbs: Float32Array;
  vocab: number;
  /** The state after this position (the input state is consumed). */
  state: DecoderState;
}

export class Seq2seqStepDecoder {
  private readonly encoderEmbedding: Layer;
  private readonly encoderLstm: Layer;
  private readonly decoderEmbedding: Layer;
  private readonly decoderLstm: Layer;
  private readonly attentionScores: Layer;
  private readonly attentionWeights: Layer;
  private readonly context: Layer;
  private readonly contextAndDecoder: Layer;
  /**
   * next_char's inner Dense: the TimeDistributed wrapper's input spec pins the time axis to tgtLen,
   * and it applies this Dense to each [rows, 2·units] time slice anyway.
   */
  private readonly nextChar: Layer;

  constructor(private readonly model: LayersModel) {
    this.encoderEmbedding = this.layer(SEQ2SEQ_NAMES.encoderEmbedding);
    this.encoderLstm = this.layer(SEQ2SEQ_NAMES.encoderLstm);
    this.decoderEmbedding = this.layer(SEQ2SEQ_NAMES.decoderEmbedding);
    this.decoderLstm = this.layer(SEQ2SEQ_NAMES.decoderLstm);
    this.attentionScores = this.layer(SEQ2SEQ_NAMES.attentionScores);
    this.attentionWeights = this.layer(SEQ2SEQ_NAMES.attentionWeights);
    this.context = this.layer(SEQ2SEQ_NAMES.context);
    this.contextAndDecoder = this.layer(SEQ2SEQ_NAMES.contextAndDecoder);
    const wrapper = this.layer(SEQ2SEQ_NAMES.output) as Layer & { layer?: Layer };
    if (wrapper.layer === undefined) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Layer "${SEQ2SEQ_NAMES.output}" of model "${model.name}" should be a TimeDistributed(Dense) but is a ${wrapper.getClassName()}; decode a model built by seq2seq-attention.`,
        { field: 'model' }
      );
    }
    this.nextChar = wrapper.layer;
  }

  private layer(name: string): Layer {
    const found = this.model.layers.find((l) => l.name === name);
    if (!found) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Step-wise decoding needs layer "${name}" of a seq2seq-attention model; model "${this.model.name}" has ${this.model.layers.map((l) => l.name).join(', ')}. Decode a model built (or checkpointed) by seq2seq-attention.`,
        { field: 'model' }
      );
    }
    return found;
  }

  /** Encodes sources already right-padded to the model's srcLen (one row each). */
  encode(paddedSources: readonly (readonly number[])[], srcLen: number): DecoderState {
    return tf.tidy(() => {
      const ids = tf.tensor2d(paddedSources.flat(), [paddedSources.length, srcLen], 'int32');
      const embedded = this.encoderEmbedding.apply(ids) as tf.Tensor3D;
      const [memory, h, c] = this.encoderLstm.apply(embedded) as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
      return { memory, h, c };
    });
  }

  /** One target position: row i reads lastIds[i] (the start id at position 0). Consumes `state`. */
  step(state: DecoderState, lastIds: readonly number[]): StepResult {
    const rows = lastIds.length;
    const out = tf.tidy(() => {
      const ids = tf.tensor2d([...lastIds], [rows, 1], 'int32');
      const embedded = this.decoderEmbedding.apply(ids) as tf.Tensor3D;
      const [sequence, h, c] = this.decoderLstm.apply(embedded, { initialState: [state.h, state.c] }) as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
      const scores = this.attentionScores.apply([sequence, state.memory]) as tf.Tensor3D;
      const weights = this.attentionWeights.apply(scores) as tf.Tensor3D;
      const context = this.context.apply([weights, state.memory]) as tf.Tensor3D;
      const combined = this.contextAndDecoder.apply([context, sequence]) as tf.Tensor3D;
      const probs = this.nextChar.apply(tf.reshape(combined, [rows, combined.shape[2]])) as tf.Tensor2D;
      return { logProbs: tf.log(probs), h, c };
    });
    tf.dispose([state.h, state.c]);
    const logProbs = out.logProbs.dataSync() as Float32Array;
    const vocab = out.logProbs.shape[1];
    out.logProbs.dispose();
    return { logProbs, vocab, state: { memory: state.memory, h: out.h, c: out.c } };
  }

  /**
   * The rows `rows` of `state`, in that order (repeats allowed: a beam with several surviving
   * continuations). Consumes `state`; returns it unchanged when `rows` is 0..n-1.
   */
  select(state: DecoderState, rows: readonly number[]): DecoderState {
    const n = state.h.shape[0];
    if (rows.length === n && rows.every((r, i) => r === i)) return state;
    const next = tf.tidy(() => {
      const index = tf.tensor1d([...rows], 'int32');
      return { memory: tf.gather(state.memory, index), h: tf.gather(state.h, index), c: tf.gather(state.c, index) };
    });
    this.dispose(state);
    return next;
  }

  dispose(state: DecoderState): void {
    tf.dispose([state.memory, state.h, state.c]);
  }
}
