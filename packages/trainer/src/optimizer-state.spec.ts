import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@seqtrain/models';
import { isSeqtrainError } from '@seqtrain/common';
import { createOptimizer } from './optimizer-factory.js';
import {
  decodeOptimizerState,
  encodeOptimizerState,
  readOptimizerState,
  writeOptimizerState,
  type OptimizerState,
} from './optimizer-state.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPES = [[2, 3], [3]];

/** One Adam step on two variables, so the optimizer has an iteration count and m/v slots. */
function steppedAdam(): { optimizer: tf.Optimizer; variables: tf.Variable[] } {
  const optimizer = createOptimizer('adam', 0.1);
  const variables = SHAPES.map((shape, i) => tf.variable(tf.fill(shape, i + 1)));
  const grads = variables.map((v, i) => ({ name: v.name, tensor: tf.fill(v.shape, 0.5 * (i + 1)) }));
  optimizer.applyGradients(grads);
  tf.dispose(grads.map((g) => g.tensor));
  return { optimizer, variables };
}

describe('optimizer state', () => {
  it('reads iter + m + v in weight order and survives the byte encoding', async () => {
    const { optimizer } = steppedAdam();
    const state = await readOptimizerState(optimizer);
    expect(state.specs.map((s) => s.shape)).toEqual([[], [2, 3], [3], [2, 3], [3]]);
    expect(state.specs[0]?.name).toBe('iter');
    expect(state.data[0]).toBe(1);
    const decoded = decodeOptimizerState(encodeOptimizerState(state), 'test');
    expect(decoded.specs).toEqual(state.specs);
    expect(Array.from(decoded.data)).toEqual(Array.from(state.data));
  });

  it('restores into a fresh optimizer without leaking the replaced slots', async () => {
    const { optimizer } = steppedAdam();
    const state = await readOptimizerState(optimizer);
    const fresh = createOptimizer('adam', 0.1);
    await writeOptimizerState(fresh, state, SHAPES);
    expect(fresh.iterations).toBe(1);
    expect(Array.from((await readOptimizerState(fresh)).data)).toEqual(Array.from(state.data));
    const before = tf.memory().numTensors;
    await writeOptimizerState(fresh, state, SHAPES);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a state for other shapes or another optimizer', async () => {
    const { optimizer } = steppedAdam();
    const state = await readOptimizerState(optimizer);
    const err = await writeOptimizerState(createOptimizer('adam', 0.1), state, [[3, 2], [3]]).catch((e: unknown) => e);
    expect(isSeqtrainError(err, 'ERR_SHAPE_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/has shape \[2, 3\] but trainable weight 0 has \[3, 2\]/);
    const sgdErr = await writeOptimizerState(createOptimizer('sgd', 0.1), state, SHAPES).catch((e: unknown) => e);
    expect(isSeqtrainError(sgdErr, 'ERR_SHAPE_MISMATCH')).toBe(true);
    const short: OptimizerState = { specs: state.specs, data: state.data.subarray(1) };
    await expect(writeOptimizerState(createOptimizer('adam', 0.1), short, SHAPES)).rejects.toThrow(/values for specs that need/);
  });

  it('rejects malformed bytes', () => {
    expect(() => decodeOptimizerState(new Uint8Array([200, 0, 0, 0, 1]), 'rank 1')).toThrow(/rank 1: optimizer state bytes are malformed/);
  });
});
