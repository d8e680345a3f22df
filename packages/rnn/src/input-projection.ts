/**
 * xp = x·W + b for every step at once, x [N,D] (N = T·B), W [D,G], b [G].
 *
 * On the cpu and wasm backends its gradient avoids two slow spots of tfjs 4.22's wasm kernels, measured
 * on the 2-core development machine with N=5120, D=8, G=512 (other load present): the transposeA matmul
 * of dW = x^T·dxp took 172 ms against 27 ms for transpose + plain matmul; dx = dxp·W^T 230 ms against
 * 116 ms; db = Σ_rows dxp as Sum 84 ms against 6 ms as ones[1,N]·dxp. Elsewhere (tensorflow, webgl)
 * tfjs' own matmul and add gradients run.
 */
import type { GradSaveFunc, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { add, customGrad, matMul, ones, reshape, transpose } from '@tensorflow/tfjs-core';

// customGrad passes the tensors and then the save function through one rest parameter.
const withBias = customGrad((...args: (Tensor | GradSaveFunc)[]) => {
  const [x, w, b, save] = args as [Tensor, Tensor, Tensor, GradSaveFunc];
  save([x, w]);
  return {
    value: add(matMul(x as Tensor2D, w as Tensor2D), b),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [xs, ws] = saved as [Tensor2D, Tensor2D];
      const rows = xs.shape[0];
      return [
        matMul(dy as Tensor2D, transpose(ws)),
        matMul(transpose(xs), dy as Tensor2D),
        reshape(matMul(ones([1, rows]), dy as Tensor2D), [dy.shape[1] as number]),
      ];
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
      return [matMul(dy as Tensor2D, transpose(ws)), matMul(transpose(xs), dy as Tensor2D)];
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
