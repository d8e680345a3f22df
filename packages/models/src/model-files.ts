/** Save/load a layers model as DIR/model.json + DIR/weights.bin (see file-system-io.ts). */
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError, isSeqtrainError } from '@seqtrain/common';
import { MODEL_JSON_FILE, fileSystemIO } from './file-system-io.js';
// Loading re-runs initializers: register the fast Orthogonal first.
import './fast-orthogonal.js';

export async function saveModel(model: LayersModel, dir: string): Promise<void> {
  await model.save(fileSystemIO(dir));
}

/** Loads a model saved by saveModel(); missing or corrupt files are ERR_CHECKPOINT_INVALID naming the file. */
export async function loadModel(dir: string): Promise<LayersModel> {
  try {
    return await tfl.loadLayersModel(fileSystemIO(dir));
  } catch (err) {
    if (isSeqtrainError(err)) throw err;
    const file = join(dir, MODEL_JSON_FILE);
    throw new SeqtrainError(
      'ERR_CHECKPOINT_INVALID',
      `${file}: tfjs could not rebuild the model from it and its weights (${(err as Error).message}). Use a complete checkpoint directory.`,
      { file },
      { cause: err }
    );
  }
}
