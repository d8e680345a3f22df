/**
 * The one place every built-in model is registered (as tfjs-core's register_all_gradients does for
 * gradients). index.ts and build-model.ts import it for its side effect; add new models here.
 */
import { CHAR_LM_MODEL_NAME, buildCharLm, parseCharLmConfig } from './char-lm.js';
import { MODELS } from './model-registry.js';

MODELS.register(CHAR_LM_MODEL_NAME, buildCharLm, {
  summary: 'Character language model: embedding -> LSTM/GRU/SimpleRNN stack -> softmax over the vocabulary',
  parseConfig: parseCharLmConfig,
});
