/**
 * `seq2seq-attention`: the character-level translation model (Keras' lstm_seq2seq example with
 * embeddings instead of one-hot inputs, plus Luong dot attention), as its training model:
 *
 *   encoder_input [srcLen] ids -> Embedding(srcVocab, embeddingDim) -> LSTM(units, seq + state)
 *   decoder_input [tgtLen] ids -> Embedding(tgtVocab, embeddingDim) -> LSTM(units, seq + state,
 *                                 initial state = the encoder's final [h, c])
 *   scores  = dot(decoder seq, encoder seq) over units       [batch, tgtLen, srcLen]
 *   weights = softmax over source positions
 *   context = weights x encoder seq                          [batch, tgtLen, units]
 *   output  = TimeDistributed(Dense(tgtVocab, softmax))(concat[context, decoder seq])
 *
 * With `dropout` > 0 (default 0: no dropout layer at all, so the graph and checkpoints of a job
 * without it are unchanged), Dropout(rate) sits on both embeddings' outputs and on the concatenated
 * [context, decoder] vector before next_char: the places OpenNMT's LSTM + global attention drops.
 * The masks are keyed (seeded-dropout.ts), so a step stays a function of weights, batch and step.
 * Inference skips them: Dropout is the identity outside training, and the step-wise decoder applies
 * the named layers around them.
 *
 * Teacher forcing: decoder_input is the target shifted right behind the start id ('\t'); the
 * label at position t is target id t (ending with the end id '\n'), sparse categorical
 * cross-entropy. tfjs-layers has no Attention layer, so attention is built from Dot / Activation /
 * Concatenate: every layer is a stock tfjs layer and the model saves and loads with
 * tf.loadLayersModel. No padding mask: source padding positions take part in attention (as in
 * the Keras example, which pads with spaces); the decoder is causal, so the prediction at target
 * position t depends only on ids 0..t (seq2seq-step-decoder.ts decodes one position at a time).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { DEFAULTS } from '@seqtrain/common';
import { timeDistributed } from '@seqtrain/rnn';
import { parseModelConfig } from './config-fields.js';
import { dropout } from './seeded-dropout.js';
import type { FieldSpecs } from './config-fields.js';
import { SeedSequence, seededDense, seededEmbedding, seededRecurrent } from './seeded-layers.js';

export interface Seq2seqAttentionConfig {
  srcVocab: number;
  tgtVocab: number;
  srcLen: number;
  tgtLen: number;
  embeddingDim: number;
  units: number;
  dropout: number;
  seed: number;
}

export const SEQ2SEQ_ATTENTION_FIELDS = {
  srcVocab: { kind: 'int', min: 2 },
  tgtVocab: { kind: 'int', min: 3 },
  srcLen: { kind: 'int', min: 1 },
  tgtLen: { kind: 'int', min: 1 },
  embeddingDim: { kind: 'int', min: 1, default: 64 },
  units: { kind: 'int', min: 1, default: 256 },
  dropout: { kind: 'rate', default: 0 },
  seed: { kind: 'seed', default: DEFAULTS.SEED },
} as const satisfies FieldSpecs;

/** Layer and input names, fixed so decoders and checkpoints can find them. */
export const SEQ2SEQ_NAMES = {
  encoderInput: 'encoder_input',
  decoderInput: 'decoder_input',
  encoderEmbedding: 'encoder_embedding',
  encoderLstm: 'encoder_lstm',
  decoderEmbedding: 'decoder_embedding',
  decoderLstm: 'decoder_lstm',
  attentionScores: 'attention_scores',
  attentionWeights: 'attention_weights',
  context: 'context',
  contextAndDecoder: 'context_and_decoder',
  output: 'next_char',
  encoderDropout: 'encoder_embedding_dropout',
  decoderDropout: 'decoder_embedding_dropout',
  outputDropout: 'context_and_decoder_dropout',
} as const;

export function parseSeq2seqAttentionConfig(raw: Record<string, unknown>): Seq2seqAttentionConfig {
  return parseModelConfig<Seq2seqAttentionConfig>('seq2seq-attention', SEQ2SEQ_ATTENTION_FIELDS, raw);
}

/** Dropout(rate) named `name` applied to x, or x itself when the rate is 0. */
function maybeDropout(x: SymbolicTensor, rate: number, name: string): SymbolicTensor {
  return rate > 0 ? (dropout({ name, rate }).apply(x) as SymbolicTensor) : x;
}

export function buildSeq2seqAttention(config: Seq2seqAttentionConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const encoderInput = tfl.input({ name: SEQ2SEQ_NAMES.encoderInput, shape: [config.srcLen] });
  const encoderEmbedded = seededEmbedding(seeds, {
    name: SEQ2SEQ_NAMES.encoderEmbedding,
    inputDim: config.srcVocab,
    outputDim: config.embeddingDim,
  }).apply(encoderInput) as SymbolicTensor;
  const encoderIn = maybeDropout(encoderEmbedded, config.dropout, SEQ2SEQ_NAMES.encoderDropout);
  const [encoderSeq, stateH, stateC] = seededRecurrent(seeds, 'lstm', {
    name: SEQ2SEQ_NAMES.encoderLstm,
    units: config.units,
    returnSequences: true,
    returnState: true,
  }).apply(encoderIn) as SymbolicTensor[];

  const decoderInput = tfl.input({ name: SEQ2SEQ_NAMES.decoderInput, shape: [config.tgtLen] });
  const decoderEmbedded = seededEmbedding(seeds, {
    name: SEQ2SEQ_NAMES.decoderEmbedding,
    inputDim: config.tgtVocab,
    outputDim: config.embeddingDim,
  }).apply(decoderInput) as SymbolicTensor;
  const decoderIn = maybeDropout(decoderEmbedded, config.dropout, SEQ2SEQ_NAMES.decoderDropout);
  // returnState as in the Keras example: unused by the training model; the step-wise decoder
  // (seq2seq-step-decoder.ts) applies this layer to one position at a time and carries the states.
  const [decoderSeq] = seededRecurrent(seeds, 'lstm', {
    name: SEQ2SEQ_NAMES.decoderLstm,
    units: config.units,
    returnSequences: true,
    returnState: true,
  }).apply(decoderIn, { initialState: [stateH, stateC] }) as SymbolicTensor[];

  const scores = tfl.layers.dot({ name: SEQ2SEQ_NAMES.attentionScores, axes: [2, 2] }).apply([decoderSeq!, encoderSeq!]) as SymbolicTensor;
  const weights = tfl.layers.activation({ name: SEQ2SEQ_NAMES.attentionWeights, activation: 'softmax' }).apply(scores) as SymbolicTensor;
  const context = tfl.layers.dot({ name: SEQ2SEQ_NAMES.context, axes: [2, 1] }).apply([weights, encoderSeq!]) as SymbolicTensor;
  const combined = tfl.layers.concatenate({ name: SEQ2SEQ_NAMES.contextAndDecoder }).apply([context, decoderSeq!]) as SymbolicTensor;
  const output = timeDistributed({
    name: SEQ2SEQ_NAMES.output,
    layer: seededDense(seeds, { name: 'next_char_dense', units: config.tgtVocab, activation: 'softmax' }),
  }).apply(maybeDropout(combined, config.dropout, SEQ2SEQ_NAMES.outputDropout)) as SymbolicTensor;
  return tfl.model({ name: 'seq2seq_attention', inputs: [encoderInput, decoderInput], outputs: output });
}
