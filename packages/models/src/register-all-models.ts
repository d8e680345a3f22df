/**
 * The one place every built-in model is registered (as tfjs-core's register_all_gradients does for
 * gradients). index.ts and build-model.ts import it for its side effect; add new models here.
 */
import { CHAR_LM_MODEL_NAME, buildCharLm, parseCharLmConfig } from './char-lm.js';
import { buildMnistRows, parseMnistRowsConfig } from './mnist-rows.js';
import { MODELS } from './model-registry.js';
import { buildRnnClassifier, parseRnnClassifierConfig } from './rnn-classifier.js';
import {
  buildSentimentBilstm,
  buildSentimentCnnLstm,
  buildSentimentConv1d,
  buildSentimentLstm,
  buildSentimentStackedLstm,
  parseSentimentBilstmConfig,
  parseSentimentCnnLstmConfig,
  parseSentimentConv1dConfig,
  parseSentimentLstmConfig,
  parseSentimentStackedLstmConfig,
} from './sentiment-models.js';
import { buildSeq2seqAttention, parseSeq2seqAttentionConfig } from './seq2seq-attention.js';
import { buildTimeseriesLstm, buildTimeseriesSeq, parseTimeseriesLstmConfig, parseTimeseriesSeqConfig } from './timeseries-models.js';

MODELS.register(CHAR_LM_MODEL_NAME, buildCharLm, {
  summary: 'Character language model: embedding -> LSTM/GRU/SimpleRNN stack -> softmax over the vocabulary',
  parseConfig: parseCharLmConfig,
});

MODELS.register('sentiment-lstm', buildSentimentLstm, {
  summary: 'Text classifier: embedding -> LSTM -> sigmoid/softmax (keras imdb_lstm)',
  parseConfig: parseSentimentLstmConfig,
});
MODELS.register('sentiment-bilstm', buildSentimentBilstm, {
  summary: 'Text classifier: embedding -> bidirectional LSTM (concat) -> sigmoid/softmax (keras imdb_bidirectional_lstm)',
  parseConfig: parseSentimentBilstmConfig,
});
MODELS.register('sentiment-stacked-lstm', buildSentimentStackedLstm, {
  summary: 'Text classifier: embedding -> stacked LSTMs -> sigmoid/softmax',
  parseConfig: parseSentimentStackedLstmConfig,
});
MODELS.register('sentiment-conv1d', buildSentimentConv1d, {
  summary: 'Text classifier: embedding -> Conv1D -> MaxPool -> Conv1D -> GlobalMaxPool -> sigmoid/softmax (Chollet 6.4)',
  parseConfig: parseSentimentConv1dConfig,
});
MODELS.register('sentiment-cnn-lstm', buildSentimentCnnLstm, {
  summary: 'Text classifier: embedding -> Conv1D -> MaxPool -> LSTM -> sigmoid/softmax (keras imdb_cnn_lstm)',
  parseConfig: parseSentimentCnnLstmConfig,
});
MODELS.register('rnn-classifier', buildRnnClassifier, {
  summary: 'Text classifier: embedding -> SimpleRNN/LSTM/GRU -> sigmoid/softmax (Chollet 6.2)',
  parseConfig: parseRnnClassifierConfig,
});
MODELS.register('timeseries-lstm', buildTimeseriesLstm, {
  summary: 'Forecaster: [window, features] -> LSTM stack -> Dense(horizon)',
  parseConfig: parseTimeseriesLstmConfig,
});
MODELS.register('timeseries-seq', buildTimeseriesSeq, {
  summary: 'Many-to-many regressor: LSTM stack (sequences) -> TimeDistributed(Dense(features))',
  parseConfig: parseTimeseriesSeqConfig,
});
MODELS.register('mnist-rows', buildMnistRows, {
  summary: 'MNIST rows as a sequence: LSTM(seq) -> LSTM -> softmax over digits',
  parseConfig: parseMnistRowsConfig,
});
MODELS.register('seq2seq-attention', buildSeq2seqAttention, {
  summary: 'Character translation: LSTM encoder-decoder with Luong dot attention (keras lstm_seq2seq)',
  parseConfig: parseSeq2seqAttentionConfig,
});
