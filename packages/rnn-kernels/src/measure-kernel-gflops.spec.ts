import { describe, expect, it } from 'vitest';
import { jsRnnKernels } from './js-kernels.js';
import { measureKernelGflops } from './measure-kernel-gflops.js';

describe('measureKernelGflops', () => {
  it('counts the recurrent matmul flops per cell (backward twice the forward) and labels the data', () => {
    const shape = { T: 4, B: 8, H: 16 };
    const gates = { lstm: 4, gru: 3, simple_rnn: 1 } as const;
    for (const cell of ['lstm', 'gru', 'simple_rnn'] as const) {
      const r = measureKernelGflops(jsRnnKernels(), cell, shape, { repeats: 1, data: 'vanishing' });
      expect(r).toMatchObject({ kernels: 'js', cell, shape, data: 'vanishing' });
      expect(r.forwardFlops).toBe(4 * 2 * 8 * 16 * gates[cell] * 16);
      expect(r.backwardFlops).toBe(2 * r.forwardFlops);
      expect(r.forwardMs).toBeGreaterThan(0);
      expect(r.totalGflops).toBeCloseTo((r.forwardFlops + r.backwardFlops) / (r.forwardMs + r.backwardMs) / 1e6, 9);
    }
  });
});
