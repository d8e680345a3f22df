import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's node bundle registers no gradients; tfjs-layers registers tfjs' full set on import.
import '@tensorflow/tfjs-layers';
import { isSeqtrainError } from '@seqtrain/common';
import { selectBackend } from './select-backend.js';

function seeded(count: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/** Largest |a − e| / max(|e|, 1e-3 · max|e|): relative error that tolerates near-zero entries. */
function maxRelDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...Array.from(expected, Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs((actual[i] as number) - e) / Math.max(Math.abs(e), 1e-3 * scale));
  }
  return worst;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

interface Conv1dCase {
  label: string;
  x: [number, number, number];
  filter: [number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}

const CONV1D_CASES: Conv1dCase[] = [
  { label: 'stride 1 same', x: [2, 9, 3], filter: [3, 3, 4], stride: 1, pad: 'same' },
  { label: 'stride 2 same', x: [2, 9, 3], filter: [3, 3, 4], stride: 2, pad: 'same' },
  { label: 'stride 2 valid', x: [3, 10, 2], filter: [4, 2, 5], stride: 2, pad: 'valid' },
  { label: 'stride 3 valid, wide', x: [1, 40, 8], filter: [5, 8, 16], stride: 3, pad: 'valid' },
  { label: 'even filter, same', x: [2, 7, 4], filter: [2, 4, 3], stride: 1, pad: 'same' },
];

/** Conv1D's weight gradient: d/dfilter Σ w ⊙ conv1d(x, filter), which runs Conv2DBackpropFilter. */
function conv1dFilterGrad(c: Conv1dCase, seed: number): number[] {
  return tf.tidy(() => {
    const x = tf.tensor3d(seeded(size(c.x), seed), c.x);
    const filter = tf.tensor3d(seeded(size(c.filter), seed + 1), c.filter);
    const outShape = tf.conv1d(x, filter, c.stride, c.pad).shape;
    const w = tf.tensor(seeded(size(outShape), seed + 2), outShape);
    const grad = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv1d(x, f as tf.Tensor3D, c.stride, c.pad), w)))(filter);
    expect(grad.shape).toEqual(c.filter);
    return Array.from(grad.dataSync());
  });
}

interface KernelCase {
  label: string;
  x: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat: 'NHWC' | 'NCHW';
}

/** Direct kernel calls cover attributes the conv1d path does not reach (explicit pads, NCHW). */
const KERNEL_CASES: KernelCase[] = [
  { label: '2-D same, strides [2, 1]', x: [2, 6, 5, 3], filterShape: [3, 2, 3, 4], strides: [2, 1], pad: 'same', dataFormat: 'NHWC' },
  {
    label: 'explicit pads',
    x: [1, 5, 6, 2],
    filterShape: [2, 3, 2, 3],
    strides: [1, 2],
    pad: [[0, 0], [1, 2], [0, 1], [0, 0]],
    dataFormat: 'NHWC',
  },
  { label: 'numeric pad 1', x: [2, 4, 4, 2], filterShape: [3, 3, 2, 2], strides: [1, 1], pad: 1, dataFormat: 'NHWC' },
  { label: 'NCHW valid', x: [2, 3, 6, 5], filterShape: [2, 2, 3, 4], strides: [1, 2], pad: 'valid', dataFormat: 'NCHW' },
];

function runKernelCase(c: KernelCase, seed: number): number[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(seeded(size(c.x), seed), c.x);
    const info = tf.backend_util.computeConv2DInfo(
      c.x,
      c.filterShape,
      c.strides,
      1,
      c.pad,
      undefined,
      false,
      tf.backend_util.convertConv2DDataFormat(c.dataFormat)
    );
    const dy = tf.tensor4d(seeded(size(info.outShape), seed + 1), info.outShape);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat, filterShape: c.filterShape };
    const out = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    expect(out.shape).toEqual(c.filterShape);
    return Array.from(out.dataSync());
  });
}

describe('Conv2DBackpropFilter on wasm', () => {
  const onCpu = new Map<string, number[]>();

  beforeAll(async () => {
    await selectBackend('cpu');
    CONV1D_CASES.forEach((c, i) => onCpu.set(c.label, conv1dFilterGrad(c, 10 * i)));
    KERNEL_CASES.forEach((c, i) => onCpu.set(c.label, runKernelCase(c, 100 + 10 * i)));
  });

  it('is missing from stock wasm (the defect this fixes)', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  });

  it('conv1d gradient wrt the filter matches cpu within 1e-4 relative', async () => {
    await selectBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    CONV1D_CASES.forEach((c, i) => {
      expect(maxRelDiff(conv1dFilterGrad(c, 10 * i), onCpu.get(c.label) ?? []), c.label).toBeLessThan(1e-4);
    });
  });

  it('matches cpu for explicit and numeric pads, 2-D strides and NCHW', async () => {
    await selectBackend('wasm');
    KERNEL_CASES.forEach((c, i) => {
      expect(maxRelDiff(runKernelCase(c, 100 + 10 * i), onCpu.get(c.label) ?? []), c.label).toBeLessThan(1e-4);
    });
  });

  it('names the attribute it cannot handle', async () => {
    await selectBackend('wasm');
    const call = (attrs: Record<string, unknown>, dyShape: number[]): unknown => {
      try {
        tf.tidy(() =>
          tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x: tf.zeros([1, 4, 4, 1]), dy: tf.zeros(dyShape) },
            { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 1, 1], ...attrs } as unknown as tf.NamedAttrMap
          )
        );
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const badFormat = call({ dataFormat: 'NDHWC' }, [1, 3, 3, 1]);
    expect(isSeqtrainError(badFormat, 'ERR_INVALID_ARGUMENT') && badFormat.details.field).toBe('dataFormat');
    const badDilations = call({ dilations: [2, 2] }, [1, 3, 3, 1]);
    expect(isSeqtrainError(badDilations, 'ERR_INVALID_ARGUMENT') && badDilations.details.field).toBe('dilations');
    expect(isSeqtrainError(call({}, [1, 2, 2, 1]), 'ERR_SHAPE_MISMATCH')).toBe(true);
  });
});
