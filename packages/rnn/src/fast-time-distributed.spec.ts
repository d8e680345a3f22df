import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@seqtrain/backend';
import { FastTimeDistributed, timeDistributed } from './fast-time-distributed.js';
import { useFastRecurrentLayers, useStockRecurrentLayers } from './fast-recurrent-layers.js';
import { registerRnnKernels } from './register-rnn-kernels.js';

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  return m;
}

/** A model [T, F] -> TimeDistributed(inner) built by `wrap`, its weights set from a seeded draw. */
function model(wrap: (args: { layer: tfl.layers.Layer }) => tfl.layers.Layer, inner: () => tfl.layers.Layer, T: number, F: number): tfl.LayersModel {
  const input = tfl.input({ shape: [T, F] });
  const output = wrap({ layer: inner() }).apply(input) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: input, outputs: output });
  m.setWeights(m.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 11 + i)));
  return m;
}

function outputAndGrads(m: tfl.LayersModel, x: tf.Tensor): { y: Float32Array; grads: Float32Array[] } {
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const y = m.apply(x) as tf.Tensor;
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(m.apply(x) as tf.Tensor)), vars);
  return { y: y.dataSync() as Float32Array, grads: vars.map((v) => grads[v.name]!.dataSync() as Float32Array) };
}

describe('FastTimeDistributed', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    registerRnnKernels();
  });
  afterAll(() => useFastRecurrentLayers());

  const [B, T, F] = [3, 7, 5];
  const x = (): tf.Tensor => tf.randomUniform([B, T, F], -1, 1, 'float32', 3);

  it('a wrapped Dense: output and gradients equal the stock per-step loop, through one product instead of T', async () => {
    const dense = (): tfl.layers.Layer => tfl.layers.dense({ units: 4, activation: 'softmax' });
    const stock = outputAndGrads(model((a) => tfl.layers.timeDistributed(a), dense, T, F), x());
    const fastModel = model(timeDistributed, dense, T, F);
    let ours: ReturnType<typeof outputAndGrads> | undefined;
    const profile = await tf.profile(() => {
      ours = outputAndGrads(fastModel, x());
    });
    expect(ours!.y.length).toBe(B * T * 4);
    expect(maxAbsDiff(ours!.y, stock.y)).toBeLessThan(1e-6);
    expect(ours!.grads.length).toBe(stock.grads.length);
    ours!.grads.forEach((g, i) => expect(maxAbsDiff(g, stock.grads[i]!)).toBeLessThan(1e-5));
    // The stock loop runs the Dense once per time step (T fused products forward); the reshape path once.
    const forwardProducts = profile.kernels.filter((k) => k.name === '_FusedMatMul').length;
    expect(forwardProducts).toBeLessThan(T);
  });

  it('leaves other wrapped layers to the stock loop (same output)', () => {
    const inner = (): tfl.layers.Layer => tfl.layers.reshape({ targetShape: [F, 1] });
    const input = x();
    const a = tfl.layers.timeDistributed({ layer: inner() }).apply(input) as tf.Tensor;
    const b = timeDistributed({ layer: inner() }).apply(input) as tf.Tensor;
    expect(b.shape).toEqual([B, T, F, 1]);
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
  });

  it('saves as stock TimeDistributed and loads as FastTimeDistributed (and as stock when stock is registered)', async () => {
    useFastRecurrentLayers();
    const m = model(timeDistributed, () => tfl.layers.dense({ units: 2 }), T, F);
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect(JSON.stringify(saved?.modelTopology)).toContain('"class_name":"TimeDistributed"');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.layers.some((l) => l instanceof FastTimeDistributed)).toBe(true);
    expect(maxAbsDiff((loaded.predict(x()) as tf.Tensor).dataSync(), (m.predict(x()) as tf.Tensor).dataSync())).toBe(0);
    useStockRecurrentLayers();
    const stockLoaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(stockLoaded.layers.some((l) => l instanceof FastTimeDistributed)).toBe(false);
    expect(maxAbsDiff((stockLoaded.predict(x()) as tf.Tensor).dataSync(), (m.predict(x()) as tf.Tensor).dataSync())).toBeLessThan(1e-6);
  });
});
