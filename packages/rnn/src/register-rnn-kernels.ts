/**
 * The one place @seqtrain/rnn registers its tfjs kernels (forward + BPTT for LSTM, GRU, SimpleRNN on
 * cpu and wasm) and the gradients of the forward kernels, and replaces wasm's BatchMatMul for transposed
 * operands (wasm-batch-matmul.ts). Registering a kernel or gradient that is
 * already registered and not ours is an error (it would silently replace someone else's).
 */
// The backend packages register their own kernels on import; import them first so ours come after.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';
import { getGradient, getKernel, registerGradient, registerKernel } from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';
import type { RnnKernels, RnnKernelsPreference } from '@seqtrain/rnn-kernels';
import { useRnnKernels } from './active-kernels.js';
import { gruSequenceGradConfig, gruSequenceKernelConfigs } from './gru-sequence.js';
import type { CpuBackendName } from './kernel-io.js';
import { lstmSequenceGradConfig, lstmSequenceKernelConfigs } from './lstm-sequence.js';
import { simpleRnnSequenceGradConfig, simpleRnnSequenceKernelConfigs } from './simple-rnn-sequence.js';
import { replaceWasmBatchMatMul } from './wasm-batch-matmul.js';

const FUSED_BACKEND_NAMES: readonly CpuBackendName[] = ['cpu', 'wasm'];

function kernelConfigs(): KernelConfig[] {
  return FUSED_BACKEND_NAMES.flatMap((b) => [
    ...lstmSequenceKernelConfigs(b),
    ...gruSequenceKernelConfigs(b),
    ...simpleRnnSequenceKernelConfigs(b),
  ]);
}

const GRAD_CONFIGS: readonly GradConfig[] = [lstmSequenceGradConfig, gruSequenceGradConfig, simpleRnnSequenceGradConfig];

let registered = false;

export interface RegisterRnnKernelsOptions {
  /** Which @seqtrain/rnn-kernels implementation the kernels call: 'auto' (default), 'wasm-simd', 'js', or an instance. */
  kernels?: RnnKernelsPreference | RnnKernels;
}

/** Registers the fused kernels and gradients. Idempotent within this module; a foreign duplicate throws. */
export function registerRnnKernels(options: RegisterRnnKernelsOptions = {}): void {
  if (options.kernels !== undefined) useRnnKernels(options.kernels);
  if (registered) return;
  const configs = kernelConfigs();
  for (const config of configs) {
    if (getKernel(config.kernelName, config.backendName) !== undefined) {
      throw new SeqtrainError(
        'ERR_DUPLICATE_REGISTRATION',
        `Kernel ${config.kernelName} is already registered for backend '${config.backendName}' by another module. ` +
          'Load one copy of @seqtrain/rnn (npm ls @seqtrain/rnn).',
        { field: config.kernelName }
      );
    }
  }
  for (const grad of GRAD_CONFIGS) {
    if (getGradient(grad.kernelName) !== undefined) {
      throw new SeqtrainError(
        'ERR_DUPLICATE_REGISTRATION',
        `A gradient for ${grad.kernelName} is already registered by another module. Load one copy of @seqtrain/rnn.`,
        { field: grad.kernelName }
      );
    }
  }
  configs.forEach((config) => registerKernel(config));
  GRAD_CONFIGS.forEach((grad) => registerGradient(grad));
  // The transposed products of every backward pass (wasm-batch-matmul.ts says why and how much).
  replaceWasmBatchMatMul();
  registered = true;
}

/** Names of the kernels registerRnnKernels registers, per backend (for logs and tests). */
export function rnnKernelNames(): string[] {
  return [...new Set(kernelConfigs().map((c) => c.kernelName))];
}
