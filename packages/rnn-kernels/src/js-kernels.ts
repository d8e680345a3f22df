import { gruBackwardJs, gruForwardJs } from './js-gru.js';
import { lstmBackwardJs, lstmForwardJs } from './js-lstm.js';
import { matMulJs } from './js-matmul.js';
import { simpleRnnBackwardJs, simpleRnnForwardJs } from './js-simple-rnn.js';
import type { RnnKernels } from './types.js';

/** The pure-JS kernels: always available, the reference the wasm-simd kernels are tested against. */
export function jsRnnKernels(): RnnKernels {
  return {
    name: 'js',
    lstmForward: lstmForwardJs,
    lstmBackward: lstmBackwardJs,
    gruForward: gruForwardJs,
    gruBackward: gruBackwardJs,
    simpleRnnForward: simpleRnnForwardJs,
    simpleRnnBackward: simpleRnnBackwardJs,
    matMul: matMulJs,
  };
}
