import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { isSeqtrainError } from '@seqtrain/common';
import { BACKEND_CHOICES, type BackendChoice } from './backend-types.js';
import { registerKernelFixes } from './kernel-fixes.js';
import { selectBackend } from './select-backend.js';
import { unsortedSegmentSumCpuConfig, unsortedSegmentSumWasmConfig } from './unsorted-segment-sum.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

// Runs in order: selectBackend is idempotent per process, so each test builds on the one before.
describe('selectBackend (tfjs-node and tfjs-node-gpu not installed here)', () => {
  it('auto picks wasm and explains why both native backends were skipped', async () => {
    const selected = await selectBackend('auto');
    expect(selected.name).toBe('wasm');
    expect(selected.tfBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selected.threads).toBe(1);
    expect(selected.attempts).toEqual([
      { name: 'tensorflow-gpu', ok: false, reason: 'not installed' },
      { name: 'tensorflow', ok: false, reason: 'not installed' },
      { name: 'wasm', ok: true },
    ]);
    expect(selected.description).toBe('backend: wasm (tfjs-node-gpu: not installed; tfjs-node: not installed)');
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')?.kernelFunc).toBe(unsortedSegmentSumWasmConfig.kernelFunc);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('returns the same selection when asked again', async () => {
    const first = await selectBackend('auto');
    expect(await selectBackend()).toBe(first);
    expect(await selectBackend('wasm')).toBe(first);
  });

  it('puts the selected backend back if someone switched tf behind its back', async () => {
    await tf.setBackend('cpu');
    const selected = await selectBackend();
    expect(selected.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  for (const name of ['tensorflow', 'tensorflow-gpu'] as const) {
    it(`an explicit '${name}' is ERR_BACKEND_UNAVAILABLE with the reason and the fix`, async () => {
      const err = await rejection(selectBackend(name));
      expect(isSeqtrainError(err, 'ERR_BACKEND_UNAVAILABLE')).toBe(true);
      if (!isSeqtrainError(err)) return;
      const pkg = name === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
      expect(err.message).toContain(`'${name}'`);
      expect(err.message).toContain('not installed');
      expect(err.message).toContain(`Install ${pkg} 4.22.0`);
      expect(err.details.field).toBe('backend');
      // The earlier selection stays in force.
      expect(tf.getBackend()).toBe('wasm');
      expect((await selectBackend()).name).toBe('wasm');
    });
  }

  it('rejects a value that is not a backend choice', async () => {
    const err = await rejection(selectBackend('gpu9000' as BackendChoice));
    expect(isSeqtrainError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect(String((err as Error).message)).toContain(BACKEND_CHOICES.join(', '));
  });

  it('switches to an explicitly requested cpu and fixes its kernels', async () => {
    const selected = await selectBackend('cpu');
    expect(selected).toMatchObject({ name: 'cpu', tfBackend: 'cpu', threads: 1, description: 'backend: cpu' });
    expect(selected.attempts).toEqual([{ name: 'cpu', ok: true }]);
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.getKernel('UnsortedSegmentSum', 'cpu')?.kernelFunc).toBe(unsortedSegmentSumCpuConfig.kernelFunc);
    // 'auto' is satisfied by the backend already selected.
    expect(await selectBackend('auto')).toBe(selected);
  });

  it('registerKernelFixes is idempotent and leaves other backends alone', () => {
    const before = ['cpu', 'wasm'].flatMap((b) =>
      ['UnsortedSegmentSum', 'Conv2DBackpropFilter', 'Unpack'].map((k) => tf.getKernel(k, b)?.kernelFunc)
    );
    registerKernelFixes('wasm');
    registerKernelFixes('cpu');
    registerKernelFixes('tensorflow');
    const after = ['cpu', 'wasm'].flatMap((b) =>
      ['UnsortedSegmentSum', 'Conv2DBackpropFilter', 'Unpack'].map((k) => tf.getKernel(k, b)?.kernelFunc)
    );
    expect(after).toEqual(before);
    expect(tf.getKernel('UnsortedSegmentSum', 'tensorflow')).toBeUndefined();
  });
});
