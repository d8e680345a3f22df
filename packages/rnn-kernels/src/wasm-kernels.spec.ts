import { describe, expect, it } from 'vitest';
import { createRnnKernels } from './create-rnn-kernels.js';
import { jsRnnKernels } from './js-kernels.js';
import { describeKernelSuite } from './kernel-suite.testing.js';
import { randomArray, randomMask, relativeError, seededUniform } from './reference.testing.js';
import type { RecurrentActivation, SimpleRnnActivation } from './types.js';

const wasm = () => createRnnKernels('wasm-simd');

describeKernelSuite('wasm-simd kernels', wasm);

// Shapes that exercise the 4-row x 8-column register blocks, their row and column tails, odd sizes, and
// padded gemm rows (H=16: u's rows of 4H = 64 floats; H=64: the backward's ut rows; padded-leading-dim.ts).
const SHAPES = [
  { T: 6, B: 9, H: 13 },
  { T: 3, B: 16, H: 32 },
  { T: 2, B: 5, H: 8 },
  { T: 2, B: 3, H: 64 },
];
const AGREEMENT = 1e-5;

describe('wasm-simd agrees with js on random data', () => {
  it('reports its name', () => {
    expect(wasm().name).toBe('wasm-simd');
  });

  for (const { T, B, H } of SHAPES) {
    for (const masked of [false, true]) {
      const tag = `T=${T} B=${B} H=${H}${masked ? ' masked' : ''}`;
      for (const recurrentActivation of ['sigmoid', 'hard_sigmoid'] as RecurrentActivation[]) {
        it(`LSTM ${recurrentActivation} ${tag}`, () => {
          const rand = seededUniform(T * 1000 + B * 10 + H + (masked ? 1 : 0));
          const args = {
            T, B, H, recurrentActivation,
            xp: randomArray(rand, T * B * 4 * H, 2),
            u: randomArray(rand, H * 4 * H, 0.5),
            h0: randomArray(rand, B * H, 1),
            c0: randomArray(rand, B * H, 1),
            mask: masked ? randomMask(rand, T, B, 0.7) : undefined,
          };
          const dh = randomArray(rand, T * B * H, 1);
          const dcT = randomArray(rand, B * H, 1);
          const [fw, fj] = [wasm().lstmForward(args), jsRnnKernels().lstmForward(args)];
          for (const key of ['h', 'c', 'gates'] as const) expect(relativeError(fw[key], fj[key]), key).toBeLessThan(AGREEMENT);
          const bw = wasm().lstmBackward({ ...args, ...fj, dh, dcT, computeDu: true });
          const bj = jsRnnKernels().lstmBackward({ ...args, ...fj, dh, dcT, computeDu: true });
          for (const key of ['dxp', 'dh0', 'dc0', 'du'] as const) expect(relativeError(bw[key]!, bj[key]!), key).toBeLessThan(AGREEMENT);
        });

        it(`GRU ${recurrentActivation} ${tag}`, () => {
          const rand = seededUniform(T * 2000 + B * 10 + H + (masked ? 1 : 0));
          const args = {
            T, B, H, recurrentActivation,
            xp: randomArray(rand, T * B * 3 * H, 2),
            u: randomArray(rand, H * 3 * H, 0.5),
            h0: randomArray(rand, B * H, 1),
            mask: masked ? randomMask(rand, T, B, 0.7) : undefined,
          };
          const dh = randomArray(rand, T * B * H, 1);
          const [fw, fj] = [wasm().gruForward(args), jsRnnKernels().gruForward(args)];
          for (const key of ['h', 'gates'] as const) expect(relativeError(fw[key], fj[key]), key).toBeLessThan(AGREEMENT);
          const bw = wasm().gruBackward({ ...args, ...fj, dh });
          const bj = jsRnnKernels().gruBackward({ ...args, ...fj, dh });
          for (const key of ['dxp', 'dh0', 'du'] as const) expect(relativeError(bw[key], bj[key]), key).toBeLessThan(AGREEMENT);
        });
      }
      for (const activation of ['tanh', 'relu', 'linear'] as SimpleRnnActivation[]) {
        it(`SimpleRNN ${activation} ${tag}`, () => {
          const rand = seededUniform(T * 3000 + B * 10 + H + (masked ? 1 : 0));
          const args = {
            T, B, H, activation,
            xp: randomArray(rand, T * B * H, 1),
            u: randomArray(rand, H * H, 0.3),
            h0: randomArray(rand, B * H, 1),
            mask: masked ? randomMask(rand, T, B, 0.7) : undefined,
          };
          const dh = randomArray(rand, T * B * H, 1);
          const [fw, fj] = [wasm().simpleRnnForward(args), jsRnnKernels().simpleRnnForward(args)];
          expect(relativeError(fw.h, fj.h)).toBeLessThan(AGREEMENT);
          const bw = wasm().simpleRnnBackward({ ...args, ...fj, dh, computeDu: true });
          const bj = jsRnnKernels().simpleRnnBackward({ ...args, ...fj, dh, computeDu: true });
          for (const key of ['dxp', 'dh0', 'du'] as const) expect(relativeError(bw[key]!, bj[key]!), key).toBeLessThan(AGREEMENT);
        });
      }
    }
  }
});
