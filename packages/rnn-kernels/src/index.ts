export type {
  GruBackwardArgs,
  GruBackwardResult,
  GruForwardArgs,
  GruForwardResult,
  LstmBackwardArgs,
  LstmBackwardResult,
  LstmForwardArgs,
  LstmForwardResult,
  MatMulArgs,
  RecurrenceShape,
  RecurrentActivation,
  RnnCellKind,
  RnnKernels,
  RnnKernelsName,
  SimpleRnnActivation,
  SimpleRnnBackwardArgs,
  SimpleRnnBackwardResult,
  SimpleRnnForwardArgs,
  SimpleRnnForwardResult,
} from './types.js';
export { SUBNORMAL_FLUSH_ABS } from './activations.js';
export { jsRnnKernels } from './js-kernels.js';
export { createRnnKernels, type RnnKernelsPreference } from './create-rnn-kernels.js';
export { measureKernelGflops, type KernelGflops, type KernelGflopsOptions } from './measure-kernel-gflops.js';
export { GEMM_ROW_PAD_FLOATS, setGemmRowPadding } from './padded-leading-dim.js';
