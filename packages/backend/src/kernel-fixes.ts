/**
 * Registers seqtrain's kernels where tfjs 4.22's stock ones are missing or broken (see README):
 * - cpu:  UnsortedSegmentSum replaced (per-segment loop: 28.9 s per call at vocabulary 10k).
 * - wasm: UnsortedSegmentSum and Conv2DBackpropFilter added (absent), Unpack replaced (O(T²)).
 * The native 'tensorflow' backend needs none.
 */
// The stock kernels must be registered before ours replace them: tfjs' registerKernel overwrites,
// so a backend package imported after this module would silently put the broken kernels back.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { unpackWasmConfig } from './unpack.js';
import { unsortedSegmentSumCpuConfig, unsortedSegmentSumWasmConfig } from './unsorted-segment-sum.js';

/** 'replace': the stock kernel exists but is broken. 'fill': the stock kernel is absent. */
interface KernelFix {
  mode: 'replace' | 'fill';
  /** Builds the config; gets the stock kernelFunc it replaces (undefined when filling a gap). */
  make: (stock: KernelFunc | undefined) => KernelConfig;
}

const FIXES_BY_BACKEND: Readonly<Record<string, readonly KernelFix[]>> = {
  cpu: [{ mode: 'replace', make: () => unsortedSegmentSumCpuConfig }],
  wasm: [
    { mode: 'fill', make: () => unsortedSegmentSumWasmConfig },
    { mode: 'fill', make: () => conv2dBackpropFilterWasmConfig },
    { mode: 'replace', make: unpackWasmConfig },
  ],
};

/** Kernel functions this module registered, so a second call recognises its own work. */
const ours = new WeakSet<KernelFunc>();

/**
 * Registers the fixes for `tfBackendName` ('cpu', 'wasm'; anything else has none). Idempotent: a
 * kernel already ours is left alone. A 'fill' fix stands aside if tfjs has since shipped the kernel.
 */
export function registerKernelFixes(tfBackendName: string): void {
  for (const fix of FIXES_BY_BACKEND[tfBackendName] ?? []) {
    const probe = fix.make(undefined);
    const existing = getKernel(probe.kernelName, tfBackendName);
    if (existing !== undefined && ours.has(existing.kernelFunc)) continue;
    if (existing !== undefined && fix.mode === 'fill') continue;
    if (existing !== undefined) unregisterKernel(probe.kernelName, tfBackendName);
    const config = fix.make(existing?.kernelFunc);
    ours.add(config.kernelFunc);
    registerKernel(config);
  }
}

/** The kernel names fixed on a backend, for start-up logs and tests. */
export function kernelFixNames(tfBackendName: string): string[] {
  return (FIXES_BY_BACKEND[tfBackendName] ?? []).map((fix) => fix.make(undefined).kernelName);
}
