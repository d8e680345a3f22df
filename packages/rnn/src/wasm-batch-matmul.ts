/**
 * tfjs-backend-wasm 4.22's BatchMatMul is slow exactly where a training step's gradients need it: with
 * transposeA or transposeB it leaves XNNPACK for a naive loop. Measured on the 2-core development machine
 * (other load present), the char-LSTM job's softmax head (2,048 positions x 256 units x 83 characters per
 * rank): dX = dY·Wᵀ 79-95 ms and dW = Xᵀ·dY 163-182 ms, against 9 and 14 ms for @seqtrain/rnn-kernels'
 * gemm on the same operands (`seqtrain bench step` prints the whole training step with and without this kernel, side by side).
 *
 * Batched products (rank 3+, batch > 1) take the naive loop too, transposed or not: the seq2seq job's
 * Luong attention (scores = dec·encᵀ and context = weights·enc, [32, 102, 100] x [32, 100, 128] per rank)
 * spent 340-440 ms of a 1.1-1.3 s step in four such products (tf.profile of one step, wasm, idle machine),
 * about 2 GFLOP/s against 20 for the unbatched XNNPACK products beside them.
 *
 * This kernel replaces the stock one on wasm and sends to the active kernels' matMul, when they are the
 * wasm-simd ones (and fastMatMul(true) is in force, the default), every float32 product that is either
 * unbatched (rank 2, or outer dimensions of size 1) with a transposed operand, or batched with the same
 * outer dimensions on both operands (one gemm per batch entry). Everything else (unbatched without a
 * transpose: XNNPACK is fast there; broadcast batches; the js kernels) goes to the stock kernel. Results
 * are float32 sums in a fixed order: bitwise reproducible.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BatchMatMul, getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SeqtrainError } from '@seqtrain/common';
import { activeRnnKernels } from './active-kernels.js';
import { kernelInput } from './sequence-shape.js';

type KernelParams = Parameters<KernelFunc>[0];

/** One routed product: `batch` independent [M, K]·[K, N] products (batch 1 when unbatched). */
export interface FastMatMulDims {
  batch: number;
  M: number;
  N: number;
  K: number;
}

/** The dimensions of op(A)·op(B), or undefined when this kernel leaves the product to the stock one. */
export function fastMatMulDims(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): FastMatMulDims | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length !== b.shape.length || a.shape.length < 2) return undefined;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  if (outerA.some((d, i) => d !== outerB[i])) return undefined; // broadcasting: the stock kernel
  const batch = outerA.reduce((p, d) => p * d, 1);
  if (batch === 1 && !transposeA && !transposeB) return undefined;
  const [a0, a1] = a.shape.slice(-2) as [number, number];
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  const [M, K] = transposeA ? [a1, a0] : [a0, a1];
  const [Kb, N] = transposeB ? [b1, b0] : [b0, b1];
  if (K !== Kb || batch * M * N * K === 0) return undefined; // the stock kernel reports the mismatch
  return { batch, M, N, K };
}

let enabled = true;
/** The kernel functions replaceWasmBatchMatMul registered. */
const ours = new WeakSet<KernelFunc>();

/** Turns the routing on or off (benchmarks time both in one process); returns the previous setting. */
export function setFastMatMul(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether transposed products go to the rnn-kernels gemm (input-projection.ts asks, to shape its gradient for it). */
export function fastMatMulEnabled(): boolean {
  const current = getKernel(BatchMatMul, 'wasm')?.kernelFunc;
  return enabled && current !== undefined && ours.has(current) && activeRnnKernels().name === 'wasm-simd';
}

export function wasmBatchMatMulConfig(stock: KernelFunc | undefined): KernelConfig {
  const kernelFunc = (params: KernelParams): TensorInfo | TensorInfo[] => {
    const a = kernelInput(params, 'a', BatchMatMul);
    const b = kernelInput(params, 'b', BatchMatMul);
    const transposeA = params.attrs?.['transposeA'] === true;
    const transposeB = params.attrs?.['transposeB'] === true;
    const dims = fastMatMulEnabled() ? fastMatMulDims(a, b, transposeA, transposeB) : undefined;
    if (dims === undefined) {
      if (stock === undefined) {
        throw new SeqtrainError('ERR_KERNEL_UNAVAILABLE', `${BatchMatMul} on wasm: the stock kernel is not registered; import @tensorflow/tfjs-backend-wasm first.`, {
          field: BatchMatMul,
        });
      }
      return stock(params);
    }
    const { batch, M, N, K } = dims;
    const wasm = params.backend as BackendWasm;
    // makeOutput may grow the heap and detach earlier views: allocate first, then view all three.
    const out = wasm.makeOutput([...a.shape.slice(0, -2), M, N], 'float32');
    const aAll = wasm.typedArrayFromHeap(a) as Float32Array;
    const bAll = wasm.typedArrayFromHeap(b) as Float32Array;
    const cAll = wasm.typedArrayFromHeap(out) as Float32Array;
    const kernels = activeRnnKernels();
    for (let i = 0; i < batch; i++) {
      const c = kernels.matMul({
        M,
        N,
        K,
        a: aAll.subarray(i * M * K, (i + 1) * M * K),
        b: bAll.subarray(i * K * N, (i + 1) * K * N),
        transposeA,
        transposeB,
      });
      cAll.set(c, i * M * N);
    }
    return out;
  };
  return { kernelName: BatchMatMul, backendName: 'wasm', kernelFunc: kernelFunc as KernelFunc };
}

/**
 * Puts this kernel in place of wasm's BatchMatMul, keeping the stock one (and its setupFunc, which the
 * wasm backend runs at initialisation to bind the C function the stock kernel calls). Idempotent.
 */
export function replaceWasmBatchMatMul(): void {
  const existing = getKernel(BatchMatMul, 'wasm');
  if (existing !== undefined && ours.has(existing.kernelFunc)) return;
  if (existing !== undefined) unregisterKernel(BatchMatMul, 'wasm');
  const config = wasmBatchMatMulConfig(existing?.kernelFunc);
  if (existing?.setupFunc !== undefined) config.setupFunc = existing.setupFunc;
  if (existing?.disposeFunc !== undefined) config.disposeFunc = existing.disposeFunc;
  ours.add(config.kernelFunc);
  registerKernel(config);
}
