import { performance } from 'node:perf_hooks';
import type { RecurrenceShape, RnnCellKind, RnnKernels } from './types.js';

export interface KernelGflopsOptions {
  /** Timed repetitions after one warm-up; the median is reported. Default 5. */
  repeats?: number;
  /** Seed of the uniform random inputs. Default 1. */
  seed?: number;
  /**
   * 'vanishing': recurrent weights x0.01 and the forget (LSTM) / update (GRU) gate saturated, so the gradient
   * decays below float32's normal range within ~20 steps: without the subnormal flush this is the slow case.
   * Default 'random'.
   */
  data?: 'random' | 'vanishing';
}

export interface KernelGflops {
  kernels: RnnKernels['name'];
  cell: RnnCellKind;
  shape: RecurrenceShape;
  data: 'random' | 'vanishing';
  /** Median wall time of one whole-sequence forward, ms. */
  forwardMs: number;
  /** Median wall time of one whole-sequence backward with computeDu (GRU always computes du), ms. */
  backwardMs: number;
  /** Recurrent-matmul flops per forward: T · 2·B·H·(gates·H). */
  forwardFlops: number;
  /** Twice the forward's: dh_prev = dgates·U^T and du = h_prev^T·dgates. */
  backwardFlops: number;
  forwardGflops: number;
  backwardGflops: number;
  /** (forwardFlops + backwardFlops) / (forwardMs + backwardMs). */
  totalGflops: number;
}

const GATES: Record<RnnCellKind, number> = { lstm: 4, gru: 3, simple_rnn: 1 };

/**
 * Times one cell's whole-sequence forward and backward on random data: the figure to compare with the
 * backend's large-matmul GFLOP/s. Wall-clock, so it belongs in benchmarks (`seqtrain bench rnn`), not tests.
 */
export function measureKernelGflops(kernels: RnnKernels, cell: RnnCellKind, shape: RecurrenceShape, options: KernelGflopsOptions = {}): KernelGflops {
  const { T, B, H } = shape;
  const repeats = options.repeats ?? 5;
  let s = (options.seed ?? 1) >>> 0;
  const rand = (n: number, scale: number): Float32Array =>
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 4294967296 - 0.5) * 2 * scale;
    });
  const g = GATES[cell];
  const xp = rand(T * B * g * H, 1);
  const vanishing = options.data === 'vanishing';
  const u = rand(H * g * H, (vanishing ? 0.01 : 1) / Math.sqrt(H));
  const saturated = cell === 'lstm' ? 1 : cell === 'gru' ? 0 : -1;
  if (vanishing && saturated >= 0) {
    for (let r = 0; r < T * B; r++) xp.fill(-6, (r * g + saturated) * H, (r * g + saturated + 1) * H);
  }
  const h0 = rand(B * H, 0.5);
  const dh = rand(T * B * H, 1);
  let run: () => { fwd: () => void; bwd: () => void };
  if (cell === 'lstm') {
    run = () => {
      const args = { T, B, H, xp, u, h0, c0: rand(B * H, 0.5), recurrentActivation: 'sigmoid' as const };
      const f = kernels.lstmForward(args);
      return { fwd: () => kernels.lstmForward(args), bwd: () => kernels.lstmBackward({ ...args, ...f, dh, computeDu: true }) };
    };
  } else if (cell === 'gru') {
    run = () => {
      const args = { T, B, H, xp, u, h0, recurrentActivation: 'sigmoid' as const };
      const f = kernels.gruForward(args);
      return { fwd: () => kernels.gruForward(args), bwd: () => kernels.gruBackward({ ...args, ...f, dh }) };
    };
  } else {
    run = () => {
      const args = { T, B, H, xp, u, h0, activation: 'tanh' as const };
      const f = kernels.simpleRnnForward(args);
      return { fwd: () => kernels.simpleRnnForward(args), bwd: () => kernels.simpleRnnBackward({ ...args, ...f, dh, computeDu: true }) };
    };
  }
  const { fwd, bwd } = run();
  const forwardMs = medianMs(fwd, repeats);
  const backwardMs = medianMs(bwd, repeats);
  const forwardFlops = T * 2 * B * H * g * H;
  const backwardFlops = 2 * forwardFlops;
  return {
    kernels: kernels.name,
    cell,
    shape: { T, B, H },
    data: vanishing ? 'vanishing' : 'random',
    forwardMs,
    backwardMs,
    forwardFlops,
    backwardFlops,
    forwardGflops: forwardFlops / forwardMs / 1e6,
    backwardGflops: backwardFlops / backwardMs / 1e6,
    totalGflops: (forwardFlops + backwardFlops) / (forwardMs + backwardMs) / 1e6,
  };
}

function medianMs(fn: () => void, repeats: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
