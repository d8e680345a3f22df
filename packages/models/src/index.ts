// Side effects first: op gradients + chained tensor methods, then the built-in models.
import './tfjs-extensions.js';
import './register-all-models.js';

export { ModelRegistry, MODELS } from './model-registry.js';
export type { ModelBuilder, ModelDescription, RegisteredModel } from './model-registry.js';
export { buildModel, resolveModelConfig } from './build-model.js';
export {
  CHAR_LM_MODEL_NAME,
  CHAR_LM_DEFAULTS,
  RECURRENT_CELLS,
  CHAR_LM_INPUTS,
  CHAR_LM_TARGETS,
  buildCharLm,
  parseCharLmConfig,
} from './char-lm.js';
export type { CharLmConfig, CharLmInput, CharLmTargets, RecurrentCell } from './char-lm.js';
export { fileSystemIO, weightBytes, MODEL_JSON_FILE, WEIGHTS_FILE } from './file-system-io.js';
export { saveModel, loadModel } from './model-files.js';
export { writeFileDurable, syncDirectory } from './durable-write.js';
export { sampleText } from './sample-text.js';
export type { SampleOptions } from './sample-text.js';
export { temperatureSample } from './temperature-sample.js';
export { seededRandom } from './seeded-random.js';
export type { RandomSource } from './seeded-random.js';
export { parseModelConfig } from './config-fields.js';
export type { FieldSpec, FieldSpecs } from './config-fields.js';
export { SeedSequence, EMBEDDING_INIT_LIMIT } from './seeded-layers.js';
export { KeyedDropout, KeyedSpatialDropout1D, dropout, spatialDropout1d, mixSeed, useKeyedDropout, withDropoutNoise } from './seeded-dropout.js';
export {
  buildSentimentLstm,
  buildSentimentBilstm,
  buildSentimentStackedLstm,
  buildSentimentConv1d,
  buildSentimentCnnLstm,
  parseSentimentLstmConfig,
  parseSentimentBilstmConfig,
  parseSentimentStackedLstmConfig,
  parseSentimentConv1dConfig,
  parseSentimentCnnLstmConfig,
} from './sentiment-models.js';
export { POOLINGS } from './sentiment-models.js';
export type { Pooling, SentimentConfig, StackedSentimentConfig, ConvSentimentConfig, CnnLstmSentimentConfig } from './sentiment-models.js';
export { buildRnnClassifier, parseRnnClassifierConfig } from './rnn-classifier.js';
export type { RnnClassifierConfig } from './rnn-classifier.js';
export { buildTimeseriesLstm, buildTimeseriesSeq, parseTimeseriesLstmConfig, parseTimeseriesSeqConfig, TIMESERIES_HEADS } from './timeseries-models.js';
export type { TimeseriesLstmConfig, TimeseriesSeqConfig, TimeseriesHead } from './timeseries-models.js';
export { buildMnistRows, parseMnistRowsConfig } from './mnist-rows.js';
export type { MnistRowsConfig } from './mnist-rows.js';
export { forwardOnce } from './graph-forward.js';
export { buildSeq2seqAttention, parseSeq2seqAttentionConfig, SEQ2SEQ_NAMES } from './seq2seq-attention.js';
export type { Seq2seqAttentionConfig } from './seq2seq-attention.js';
export { greedyDecode, greedyDecodeBatch, beamSearchDecode } from './seq2seq-decode.js';
export type { DecodeOptions, DecodeResult } from './seq2seq-decode.js';
export { prefixRerunBeamSearchDecode, prefixRerunGreedyDecodeBatch, prefixRerunLogProbs } from './seq2seq-decode-reference.js';
export { chrF, corpusChrF, chrfStatistics, chrfFromStatistics } from './chrf.js';
export type { ChrfOptions } from './chrf.js';
export { parseGloveText, readGloveFile, loadPretrainedEmbedding } from './glove-embeddings.js';
export type { GloveMatrix } from './glove-embeddings.js';
