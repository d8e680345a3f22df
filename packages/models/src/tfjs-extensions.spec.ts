import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './tfjs-extensions.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('tfjs extensions', () => {
  it('registers op gradients, so variableGrads works on the CommonJS tfjs-core', () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(v, v)), [v]);
    expect(Array.from(grads[v.name]?.dataSync() ?? [])).toEqual([2, 4, 6]);
    expect(value.dataSync()[0]).toBe(14);
    tf.dispose([v, value, ...Object.values(grads)]);
  });

  it('registers chained tensor methods on the shared Tensor class', () => {
    const t = tf.ones([2, 3]) as tf.Tensor & { flatten(): tf.Tensor };
    const flat = t.flatten();
    expect(flat.shape).toEqual([6]);
    tf.dispose([t, flat]);
  });
});
