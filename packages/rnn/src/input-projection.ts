/**
 * xp = x·W + b for every step at once, x [N,D] (N = T·B), W [D,G], b [G].
 *
 * On the cpu and wasm backends its gradient avoids two slow spots of tfjs 4.22's wasm kernels, measured
 * on the 2-core development machine with N=5120, D=8, G=512 (other load present): the transposeA matmul
 * of dW = x^T·dxp took 172 ms against 27 ms for transpose + plain matmul; dx = dxp·W^T 230 ms against
 * 116 ms; db = Σ_rows dxp as Sum 84 ms against 6 ms as ones[1,N]·dxp. Elsewhere (tensorflow, webgl)
 * tfjs' own matmul and add gradients run. On wasm, dW is a transposeA matmul after all, which
 * wasm-batch-matmul.ts sends to the rnn-kernels gemm (A read through strides, no transpose): for the
 * char-LSTM job's [2048,32]ᵀ·[2048,1024] 15 ms against 20-45 ms for transpose + XNNPACK (same run, other load).
 */
import type { GradSaveFunc, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { add, customGrad, getBackend, matMul, ones, reshape, transpose } from '@tensorflow/tfjs-core';
import { fastMatMulEnabled } from './wasm-batch-matmul.js';

/** On wasm with the rnn-kernels gemm behind BatchMatMul's transposed products (wasm-batch-matmul.ts). */
const gemmBehindTransposes = (): boolean => getBackend() === 'wasm' && fastMatMulEnabled();

/** xᵀ·dy: a transposeA product when the gemm takes it (see above), an explicit transpose elsewhere. */
function weightGradient(xs: Tensor2D, dy: Tensor2D): Tensor2D {
  return gemmBehindTransposes() ? matMul(xs, dy, true, false) : matMul(transpose(xs), dy);
}

/**
 * Σ_rows dy as a product with a ones vector: on wasm as ones[N,1]ᵀ·dy (a transposeA product, so the
 * rnn-kernels gemm) when it takes it: XNNPACK's ones[1,N]·dy repacks dy as weights on every call, 39 ms of CPU for the
 * char-LSTM job's [2048,1024] against 3 ms (same run, other load).
 */
function biasGradient(dy: Tensor2D): Tensor1D {
  const rows = dy.shape[0];
  const sum = gemmBehindTransposes() ? matMul(ones([rows, 1]), dy, true, false) : matMul(ones([1, rows]), dy);
  return reshape(sum, [dy.shape[1]]);
}

// customGrad passes the tensors and then the save function through one rest parameter.
const withBias = customGrad((...args: (Tensor | GradSaveFunc)[]) => {
  const [x, w, b, save] = args as [Tensor, Tensor, Tensor, GradSaveFunc];
  save([x, w]);
  return {
    value: add(matMul(x as Tensor2D, w as Tensor2D), b),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [xs, ws] = saved as [Tensor2D, Tensor2D];
      return [matMul(dy as Tensor2D, transpose(ws)), weightGradient(xs, dy as Tensor2D), biasGradient(dy as Tensor2D)];
    },
  };
});

const withoutBias = customGrad((...args: (Tensor | GradSaveFunc)[]) => {
  const [x, w, save] = args as [Tensor, Tensor, GradSaveFunc];
  save([x, w]);
  return {
    value: matMul(x as Tensor2D, w as Tensor2D),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [xs, ws] = saved as [Tensor2D, Tensor2D];
      return [matMul(dy as Tensor2D, transpose(ws)), weightGradient(xs, dy as Tensor2D)];
    },
  };
});

/** x·W (+ b): with the explicit-transpose gradient when `cpuGradients`, else plain tfjs ops. */
export function projectInputs(x: Tensor2D, w: Tensor2D, b: Tensor1D | null, cpuGradients: boolean): Tensor2D {
  if (!cpuGradients) {
    const xw: Tensor2D = matMul(x, w);
    return b === null ? xw : add(xw, b);
  }
  return (b === null ? withoutBias(x, w) : withBias(x, w, b)) as Tensor2D;
}
