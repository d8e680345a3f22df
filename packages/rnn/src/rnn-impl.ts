/**
 * Which implementation runs a recurrent layer's sequence:
 * - 'fused':  one registered kernel per sequence (forward) and one for its BPTT, on cpu and wasm;
 * - 'ops':    the reformulated tfjs op graph (one input projection for all steps, only h·U per
 *             step, outputs stacked once), on every backend; autodiff by tfjs;
 * - 'layers': stock tfjs-layers' per-step loop (super.call), the reference the others are tested against.
 * 'auto' picks 'fused' where the kernels are registered for the active backend, 'ops' elsewhere.
 */
import { getBackend, getKernel } from '@tensorflow/tfjs-core';
import { SeqtrainError, readEnv } from '@seqtrain/common';
import { LSTM_SEQUENCE } from './kernel-names.js';

export type RnnImpl = 'fused' | 'ops' | 'layers';
export type RnnImplChoice = 'auto' | RnnImpl;

export const RNN_IMPL_CHOICES: readonly RnnImplChoice[] = ['auto', 'fused', 'ops', 'layers'];

/** tfjs backends the fused kernels are registered for (register-rnn-kernels.ts). */
export const FUSED_BACKENDS: readonly string[] = ['cpu', 'wasm'];

let override: RnnImplChoice | undefined;

/**
 * Forces an implementation for this process (tests and the bench); undefined returns to
 * SEQTRAIN_RNN_IMPL, then 'auto'.
 */
export function setRnnImpl(choice: RnnImplChoice | undefined): void {
  if (choice !== undefined && !RNN_IMPL_CHOICES.includes(choice)) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `setRnnImpl expected one of ${RNN_IMPL_CHOICES.join(', ')} but got ${JSON.stringify(choice)}.`,
      { field: 'rnnImpl' }
    );
  }
  override = choice;
}

export function rnnImplChoice(): RnnImplChoice {
  return override ?? readEnv().SEQTRAIN_RNN_IMPL ?? 'auto';
}

/** Whether the fused kernels are registered for the active backend. */
export function fusedAvailable(backendName: string = getBackend()): boolean {
  return getKernel(LSTM_SEQUENCE, backendName) !== undefined;
}

/** The implementation a layer call uses now, on the active backend. */
export function resolveRnnImpl(choice: RnnImplChoice = rnnImplChoice()): RnnImpl {
  const backendName = getBackend();
  if (choice === 'auto') return fusedAvailable(backendName) ? 'fused' : 'ops';
  if (choice === 'fused' && !fusedAvailable(backendName)) {
    throw new SeqtrainError(
      'ERR_BACKEND_UNAVAILABLE',
      `The fused recurrent kernels were requested (SEQTRAIN_RNN_IMPL=fused) but are not registered for the ` +
        `'${backendName}' backend; they exist for ${FUSED_BACKENDS.join(' and ')}. Call registerRnnKernels() ` +
        `after the backend package is imported, or use SEQTRAIN_RNN_IMPL=auto or ops.`,
      { field: 'SEQTRAIN_RNN_IMPL' }
    );
  }
  return choice;
}
