/**
 * `mnist-rows`: the lecture notes' "MNIST as a sequence" classifier (the classic row-by-row
 * LSTM; keras examples/mnist_irnn.py feeds the image as a sequence the same way): each 28x28 image is 28 time
 * steps of 28 pixel intensities.
 *   Input [timesteps, features] -> LSTM(units, returnSequences) -> LSTM(units) -> Dense(numClasses, softmax).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DEFAULTS } from '@seqtrain/common';
import { parseModelConfig } from './config-fields.js';
import type { FieldSpecs } from './config-fields.js';
import { SeedSequence, seededDense, seededRecurrent } from './seeded-layers.js';

export interface MnistRowsConfig {
  timesteps: number;
  features: number;
  units: number;
  numClasses: number;
  seed: number;
}

export const MNIST_ROWS_FIELDS = {
  timesteps: { kind: 'int', min: 1, default: 28 },
  features: { kind: 'int', min: 1, default: 28 },
  units: { kind: 'int', min: 1, default: 128 },
  numClasses: { kind: 'int', min: 2, default: 10 },
  seed: { kind: 'seed', default: DEFAULTS.SEED },
} as const satisfies FieldSpecs;

export function parseMnistRowsConfig(raw: Record<string, unknown>): MnistRowsConfig {
  return parseModelConfig<MnistRowsConfig>('mnist-rows', MNIST_ROWS_FIELDS, raw);
}

export function buildMnistRows(config: MnistRowsConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'mnist_rows' });
  model.add(
    seededRecurrent(seeds, 'lstm', {
      name: 'lstm_0',
      units: config.units,
      returnSequences: true,
      inputShape: [config.timesteps, config.features],
    })
  );
  model.add(seededRecurrent(seeds, 'lstm', { name: 'lstm_1', units: config.units }));
  model.add(seededDense(seeds, { name: 'digit', units: config.numClasses, activation: 'softmax' }));
  return model;
}
