/**
 * Recurrent regressors of the lecture notes' time-series experiments (Keras' "timeseries weather
 * forecasting" / Brownlee-style LSTM forecasting). Input: `window` steps of `features` floats.
 *   timeseries-lstm  LSTM(units) (x layers, all but the last returning sequences) -> Dense(horizon)
 *                    (head 'dense'), or the bare recurrent stack (head 'none': the model outputs the
 *                    last LSTM's state, e.g. for parameter-count exercises: LSTM(3) on 1 feature = 60).
 *   timeseries-seq   many-to-many: LSTM(units, returnSequences) x layers -> TimeDistributed(Dense(features)),
 *                    a prediction of every step's features (Keras' TimeDistributed seq2seq regression).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DEFAULTS } from '@seqtrain/common';
import { timeDistributed } from '@seqtrain/rnn';
import { parseModelConfig } from './config-fields.js';
import type { FieldSpecs } from './config-fields.js';
import { SeedSequence, seededDense, seededRecurrent } from './seeded-layers.js';

export const TIMESERIES_HEADS = ['dense', 'none'] as const;
export type TimeseriesHead = (typeof TIMESERIES_HEADS)[number];

export interface TimeseriesLstmConfig {
  window: number;
  features: number;
  units: number;
  layers: number;
  horizon: number;
  head: TimeseriesHead;
  seed: number;
}

export interface TimeseriesSeqConfig {
  window: number;
  features: number;
  units: number;
  layers: number;
  seed: number;
}

export const TIMESERIES_SEQ_FIELDS = {
  window: { kind: 'int', min: 1 },
  features: { kind: 'int', min: 1, default: 1 },
  units: { kind: 'int', min: 1, default: 32 },
  layers: { kind: 'int', min: 1, default: 1 },
  seed: { kind: 'seed', default: DEFAULTS.SEED },
} as const satisfies FieldSpecs;

export const TIMESERIES_LSTM_FIELDS = {
  ...TIMESERIES_SEQ_FIELDS,
  horizon: { kind: 'int', min: 1, default: 1 },
  head: { kind: 'enum', values: TIMESERIES_HEADS, default: 'dense' },
} as const satisfies FieldSpecs;

export function parseTimeseriesLstmConfig(raw: Record<string, unknown>): TimeseriesLstmConfig {
  return parseModelConfig<TimeseriesLstmConfig>('timeseries-lstm', TIMESERIES_LSTM_FIELDS, raw);
}

export function parseTimeseriesSeqConfig(raw: Record<string, unknown>): TimeseriesSeqConfig {
  return parseModelConfig<TimeseriesSeqConfig>('timeseries-seq', TIMESERIES_SEQ_FIELDS, raw);
}

function addLstmStack(model: tfl.Sequential, seeds: SeedSequence, config: TimeseriesSeqConfig, lastReturnsSequences: boolean): void {
  for (let i = 0; i < config.layers; i++) {
    model.add(
      seededRecurrent(seeds, 'lstm', {
        name: `lstm_${i}`,
        units: config.units,
        returnSequences: lastReturnsSequences || i < config.layers - 1,
        ...(i === 0 ? { inputShape: [config.window, config.features] } : {}),
      })
    );
  }
}

export function buildTimeseriesLstm(config: TimeseriesLstmConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'timeseries_lstm' });
  addLstmStack(model, seeds, config, false);
  if (config.head === 'dense') model.add(seededDense(seeds, { name: 'forecast', units: config.horizon }));
  return model;
}

export function buildTimeseriesSeq(config: TimeseriesSeqConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'timeseries_seq' });
  addLstmStack(model, seeds, config, true);
  model.add(
    timeDistributed({ name: 'per_step', layer: seededDense(seeds, { name: 'step_forecast', units: config.features }) })
  );
  return model;
}
