/**
 * The recurrent-layer benchmark (issue 4): the time of one training step of @seqtrain/rnn's fused
 * LSTM/GRU against stock tfjs-layers' on the same backend, weights and batch, in the same process
 * and run, for a grid of units x T x batch. A step is forward + backward + the gradients of every
 * weight (tf.variableGrads of a mean-squared error on the last output), identical for both layers;
 * no optimizer update, which would be the same for both. Each figure is the median of `repeats`
 * timed steps after `warmup` untimed ones.
 *
 * FLOPs (rnnStepFlops): the matmuls of the step, 3 x 2·T·B·G·H·(D+H) for G gate blocks (LSTM 4,
 * GRU 3), D features and H units: the forward's input projection and recurrence, and twice that in
 * the backward (input and weight gradients). Element-wise work is not counted. matmulGflops is a
 * MATMUL_SIZE² matmul on the same backend in the same run, the ceiling the step is compared with.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';
import { selectBackend } from '@seqtrain/backend';
import { activeRnnKernels, gru, lstm, registerRnnKernels, setRnnImpl } from '@seqtrain/rnn';
import { rnnJsonRow, rnnTableHeader, rnnTableRow, type RnnBenchRow } from './rnn-bench-table.js';
import { median } from './median.js';

export type RnnBenchCell = 'lstm' | 'gru';
export type RnnBenchBackend = 'wasm' | 'cpu';

export interface RnnBenchOptions {
  /** Default ['lstm', 'gru']. */
  cells?: RnnBenchCell[];
  /** Default [32, 128, 256]. */
  units?: number[];
  /** Sequence lengths; default [10, 40, 160]. */
  T?: number[];
  /** Default [32, 128]. */
  batch?: number[];
  /** Default 'wasm'. */
  backend?: RnnBenchBackend;
  /** Input features per step; default 8 (the measurement). */
  features?: number;
  /** Timed steps per layer and row (the median is reported); default 3. */
  repeats?: number;
  /** Untimed steps per layer and row first; default 1. */
  warmup?: number;
  /** Side of the square matmul measuring the backend's ceiling; default MATMUL_SIZE. */
  matmulSize?: number;
  json?: boolean;
  /** Where lines go; default stdout. */
  out?: (line: string) => void;
}

export const RNN_BENCH_DEFAULTS = {
  cells: ['lstm', 'gru'] as RnnBenchCell[],
  units: [32, 128, 256],
  T: [10, 40, 160],
  batch: [32, 128],
  backend: 'wasm' as RnnBenchBackend,
  features: 8,
  repeats: 3,
  warmup: 1,
};

/** Side of the square matmul that measures the backend's ceiling. */
export const MATMUL_SIZE = 512;
const MATMUL_REPEATS = 5;

const GATES: Readonly<Record<RnnBenchCell, number>> = { lstm: 4, gru: 3 };

/** Matmul FLOPs of one training step (see the module comment). */
export function rnnStepFlops(cell: RnnBenchCell, units: number, T: number, batch: number, features: number): number {
  return 3 * 2 * T * batch * GATES[cell] * units * (features + units);
}


function timeMs(repeats: number, warmup: number, step: () => void): number {
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  return median(times);
}

export function measureMatmulGflops(n = MATMUL_SIZE, repeats = MATMUL_REPEATS): number {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const ms = timeMs(repeats, 1, () => tf.tidy(() => void tf.matMul(a, b).dataSync()));
  tf.dispose([a, b]);
  return (2 * n ** 3) / (ms * 1e6);
}

type Layer = tfl.layers.Layer;

/** One timed training step: loss = mean((last output - y)²), gradients of every trainable weight, read back. */
function trainingStep(layer: Layer, x: tf.Tensor3D, y: tf.Tensor2D): void {
  const vars = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(layer.apply(x) as tf.Tensor, y))) as tf.Scalar, vars);
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
  });
}

function makePair(cell: RnnBenchCell, units: number, inputShape: [number, number, number]): { ours: Layer; stock: Layer } {
  const args = { units, kernelInitializer: 'glorotUniform', recurrentInitializer: 'glorotUniform' } as const;
  const ours = cell === 'lstm' ? lstm(args) : gru(args);
  const stock = cell === 'lstm' ? tfl.layers.lstm(args) : tfl.layers.gru(args);
  for (const layer of [ours, stock]) {
    layer.build(inputShape);
    // RNN.build leaves `built` to apply(), which would otherwise build a second time.
    layer.built = true;
  }
  stock.setWeights(ours.getWeights());
  return { ours, stock };
}

function validate(o: Required<Omit<RnnBenchOptions, 'json' | 'out' | 'matmulSize'>>): void {
  const positive = (field: string, values: number[]): void => {
    if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${field} must list positive integers, got [${values.join(', ')}].`, { field });
    }
  };
  positive('units', o.units);
  positive('T', o.T);
  positive('batch', o.batch);
  positive('features', [o.features]);
  positive('repeats', [o.repeats]);
  if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `warmup must be >= 0, got ${o.warmup}.`, { field: 'warmup' });
  for (const cell of o.cells) {
    if (cell !== 'lstm' && cell !== 'gru') {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `cells must be lstm or gru, got ${JSON.stringify(cell)}.`, { field: 'cells' });
    }
  }
  if (o.backend !== 'wasm' && o.backend !== 'cpu') {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `backend must be wasm or cpu (the fused kernels' backends), got ${JSON.stringify(o.backend)}.`, {
      field: 'backend',
    });
  }
}

export async function runRnnBench(options: RnnBenchOptions = {}): Promise<RnnBenchRow[]> {
  const o = {
    cells: options.cells ?? RNN_BENCH_DEFAULTS.cells,
    units: options.units ?? RNN_BENCH_DEFAULTS.units,
    T: options.T ?? RNN_BENCH_DEFAULTS.T,
    batch: options.batch ?? RNN_BENCH_DEFAULTS.batch,
    backend: options.backend ?? RNN_BENCH_DEFAULTS.backend,
    features: options.features ?? RNN_BENCH_DEFAULTS.features,
    repeats: options.repeats ?? RNN_BENCH_DEFAULTS.repeats,
    warmup: options.warmup ?? RNN_BENCH_DEFAULTS.warmup,
  };
  validate(o);
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  registerRnnKernels();
  await selectBackend(o.backend);
  setRnnImpl('fused');
  try {
    const matmulGflops = measureMatmulGflops(options.matmulSize ?? MATMUL_SIZE);
    const kernels = activeRnnKernels().name;
    if (!options.json) out(rnnTableHeader());
    const rows: RnnBenchRow[] = [];
    let seed = 1;
    for (const cell of o.cells) {
      for (const units of o.units) {
        for (const batch of o.batch) {
          for (const T of o.T) {
            const shape: [number, number, number] = [batch, T, o.features];
            const x = tf.randomUniform(shape, -1, 1, 'float32', seed++) as tf.Tensor3D;
            const y = tf.randomUniform([batch, units], -1, 1, 'float32', seed++) as tf.Tensor2D;
            const { ours, stock } = makePair(cell, units, shape);
            const oursMs = timeMs(o.repeats, o.warmup, () => trainingStep(ours, x, y));
            const tfjsLayersMs = timeMs(o.repeats, o.warmup, () => trainingStep(stock, x, y));
            tf.dispose([x, y, ...ours.weights.map((w) => w.read()), ...stock.weights.map((w) => w.read())]);
            const row: RnnBenchRow = {
              cell,
              units,
              T,
              batch,
              backend: o.backend,
              features: o.features,
              kernels,
              oursMs,
              tfjsLayersMs,
              speedup: tfjsLayersMs / oursMs,
              gflops: rnnStepFlops(cell, units, T, batch, o.features) / (oursMs * 1e6),
              matmulGflops,
            };
            rows.push(row);
            out(options.json ? rnnJsonRow(row) : rnnTableRow(row));
          }
        }
      }
    }
    return rows;
  } finally {
    setRnnImpl(undefined);
  }
}
