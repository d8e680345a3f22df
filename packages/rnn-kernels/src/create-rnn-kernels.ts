import { SeqtrainError } from '@seqtrain/common';
import { jsRnnKernels } from './js-kernels.js';
import type { RnnKernels } from './types.js';
import { loadWasmRnnKernels } from './wasm-kernels.js';

export type RnnKernelsPreference = 'auto' | 'wasm-simd' | 'js';

/**
 * The kernels to use. 'auto' = wasm-simd when the shipped wasm loads and WebAssembly SIMD validates here,
 * else js; 'wasm-simd' throws ERR_KERNEL_UNAVAILABLE instead of falling back. Synchronous: the wasm is
 * compiled with `new WebAssembly.Module` (once per process, cached).
 */
export function createRnnKernels(prefer: RnnKernelsPreference = 'auto'): RnnKernels {
  if (prefer === 'js') return jsRnnKernels();
  const wasm = loadWasmRnnKernels();
  if (wasm.ok) return wasm.kernels;
  if (prefer === 'wasm-simd') {
    throw new SeqtrainError('ERR_KERNEL_UNAVAILABLE', `wasm-simd RNN kernels are unavailable: ${wasm.reason}. Use 'auto' or 'js' for the pure-JS kernels.`, {
      file: wasm.file,
    });
  }
  return jsRnnKernels();
}
