import { describe, expect, it } from 'vitest';
import { accuracy, predictLogistic, trainLogistic } from './logistic-regression.js';

describe('trainLogistic', () => {
  // Feature 0 marks class 0, feature 1 class 1, feature 2 class 2; feature 3 is noise present everywhere.
  const rows = Array.from({ length: 30 }, (_, i) => Int32Array.from([i % 3, 3]));
  const labels = Int32Array.from(rows, (_, i) => i % 3);

  it('separates separable classes', () => {
    const model = trainLogistic(rows, labels, { features: 4, classes: 3, epochs: 30, learningRate: 0.05 });
    expect(accuracy(model, rows, labels)).toBe(1);
    expect(predictLogistic(model, Int32Array.from([2]))).toBe(2);
    // The shared feature carries no information: its weights stay near equal across classes.
    const shared = [0, 1, 2].map((c) => model.weights[3 * 3 + c] as number);
    expect(Math.max(...shared) - Math.min(...shared)).toBeLessThan(0.5);
  });

  it('is reproducible for a seed, and L2 shrinks the weights', () => {
    const a = trainLogistic(rows, labels, { features: 4, classes: 3, epochs: 5, seed: 3 });
    const b = trainLogistic(rows, labels, { features: 4, classes: 3, epochs: 5, seed: 3 });
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    const norm = (w: Float64Array) => Math.hypot(...w);
    const loose = trainLogistic(rows, labels, { features: 4, classes: 3, epochs: 30, learningRate: 0.05 });
    const tight = trainLogistic(rows, labels, { features: 4, classes: 3, epochs: 30, learningRate: 0.05, l2: 1 });
    expect(norm(tight.weights)).toBeLessThan(norm(loose.weights));
  });

  it('needs one label per row', () => {
    expect(() => trainLogistic(rows, labels.subarray(1), { features: 4, classes: 3 })).toThrow(/one label per row/);
  });
});
