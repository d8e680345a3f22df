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
  buildCharLm,
  parseCharLmConfig,
} from './char-lm.js';
export type { CharLmConfig, RecurrentCell } from './char-lm.js';
export { fileSystemIO, weightBytes, MODEL_JSON_FILE, WEIGHTS_FILE } from './file-system-io.js';
export { saveModel, loadModel } from './model-files.js';
export { writeFileDurable, syncDirectory } from './durable-write.js';
export { sampleText } from './sample-text.js';
export type { SampleOptions } from './sample-text.js';
export { temperatureSample } from './temperature-sample.js';
export { seededRandom } from './seeded-random.js';
export type { RandomSource } from './seeded-random.js';
