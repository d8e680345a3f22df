/**
 * The @seqtrain/rnn-kernels implementation the registered tfjs kernels call: wasm-simd where it loads,
 * else the pure-JS one ('auto'), chosen on first use unless registerRnnKernels picked one.
 */
import { createRnnKernels, type RnnKernels, type RnnKernelsPreference } from '@seqtrain/rnn-kernels';

let active: RnnKernels | undefined;

export function useRnnKernels(choice: RnnKernelsPreference | RnnKernels): RnnKernels {
  active = typeof choice === 'string' ? createRnnKernels(choice) : choice;
  return active;
}

export function activeRnnKernels(): RnnKernels {
  active ??= createRnnKernels('auto');
  return active;
}
