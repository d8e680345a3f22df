import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@seqtrain/backend';
import { FastGRU, FastLSTM, FastSimpleRNN, gru, lstm, simpleRNN, useFastRecurrentLayers, useStockRecurrentLayers } from './fast-recurrent-layers.js';
import { relDiff, seeded } from './layer-harness.testing.js';
import { registerRnnKernels } from './register-rnn-kernels.js';
import { setRnnImpl } from './rnn-impl.js';

const T = 4;
const D = 3;

interface Factories {
  lstm: (a: tfl.LSTMLayerArgs) => tfl.layers.Layer;
  gru: (a: tfl.GRULayerArgs) => tfl.layers.Layer;
  simpleRNN: (a: tfl.SimpleRNNLayerArgs) => tfl.layers.Layer;
}

const STOCK: Factories = { lstm: tfl.layers.lstm, gru: tfl.layers.gru, simpleRNN: tfl.layers.simpleRNN };
const OURS: Factories = { lstm, gru, simpleRNN };

/** LSTM -> Bidirectional(GRU) -> SimpleRNN, seeded initializers so both builds get the same weights. */
function buildModel(f: Factories): tfl.LayersModel {
  const init = (seed: number): Pick<tfl.LSTMLayerArgs, 'kernelInitializer' | 'recurrentInitializer'> => ({
    kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    recurrentInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
  });
  const model = tfl.sequential({ name: 'stack' });
  model.add(f.lstm({ name: 'l1', units: 5, returnSequences: true, inputShape: [T, D], ...init(1) }));
  model.add(tfl.layers.bidirectional({ name: 'bi', layer: f.gru({ name: 'g', units: 3, returnSequences: true, ...init(3) }) as never }));
  model.add(f.simpleRNN({ name: 's', units: 2, ...init(5) }));
  return model;
}

async function save(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    })
  );
  if (saved === undefined) throw new Error('save handler not called');
  return saved;
}

function predict(model: tfl.LayersModel): number[] {
  return tf.tidy(() => Array.from((model.predict(tf.tensor3d(seeded(2 * T * D, 8), [2, T, D])) as tf.Tensor).dataSync()));
}

describe('serialization: our layers and stock tfjs-layers read each other', () => {
  beforeAll(async () => {
    registerRnnKernels();
    await selectBackend('cpu');
    setRnnImpl('fused');
  });
  afterAll(() => {
    useStockRecurrentLayers();
    setRnnImpl(undefined);
  });

  it('saves byte-identical model.json and weights', async () => {
    useStockRecurrentLayers();
    const ours = await save(buildModel(OURS));
    const stock = await save(buildModel(STOCK));
    expect(JSON.stringify(ours.modelTopology)).toBe(JSON.stringify(stock.modelTopology));
    expect(ours.weightSpecs).toEqual(stock.weightSpecs);
    expect(Buffer.from(ours.weightData as ArrayBuffer).equals(Buffer.from(stock.weightData as ArrayBuffer))).toBe(true);
  });

  it('a model saved with ours loads in stock tfjs (nothing registered) and predicts the same', async () => {
    useStockRecurrentLayers();
    const original = buildModel(OURS);
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(await save(original)));
    expect(loaded.getLayer('l1')).not.toBeInstanceOf(FastLSTM);
    expect(relDiff(predict(loaded), predict(original))).toBeLessThan(1e-5);
  });

  it('a stock model loads as ours after useFastRecurrentLayers (Bidirectional included) and predicts the same', async () => {
    useStockRecurrentLayers();
    const original = buildModel(STOCK);
    const artifacts = await save(original);
    useFastRecurrentLayers();
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(loaded.getLayer('l1')).toBeInstanceOf(FastLSTM);
    expect(loaded.getLayer('s')).toBeInstanceOf(FastSimpleRNN);
    const bi = loaded.getLayer('bi') as unknown as { forwardLayer: unknown; backwardLayer: unknown };
    expect(bi.forwardLayer).toBeInstanceOf(FastGRU);
    expect(bi.backwardLayer).toBeInstanceOf(FastGRU);
    expect(relDiff(predict(loaded), predict(original))).toBeLessThan(1e-5);
  });
});
