/**
 * The fused GRU sequence (reset_after=false, tfjs-layers' only variant): SeqtrainGruSequence runs the
 * recurrence, SeqtrainGruSequenceGrad its BPTT, on cpu and wasm through @seqtrain/rnn-kernels. Inputs:
 * xp [T,B,3H] (time-major x·W + b, gates z,r,h as in Keras), u [H,3H], h0 [B,H], mask [T,B] or [0].
 * Outputs: h [T,B,H] and gates [T,B,3H] (for the backward). The backward kernel also returns du:
 * the candidate reads (r*h)·Uh, so du is not one Hprev^T·dxp matmul.
 */
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { engine, zerosLike } from '@tensorflow/tfjs-core';
import type { RecurrentActivation } from '@seqtrain/rnn-kernels';
import { activeRnnKernels } from './active-kernels.js';
import { kernelIo, type CpuBackendName } from './kernel-io.js';
import { GRU_SEQUENCE, GRU_SEQUENCE_GRAD } from './kernel-names.js';
import { recurrentActivationAttr } from './lstm-sequence.js';
import { noMask, checkMask, checkShape, kernelInput, sequenceDims } from './sequence-shape.js';

function gruForwardFunc(backendName: CpuBackendName): KernelFunc {
  return (params) => {
    const io = kernelIo(backendName, params.backend, GRU_SEQUENCE);
    const xpInfo = kernelInput(params, 'xp', GRU_SEQUENCE);
    const uInfo = kernelInput(params, 'u', GRU_SEQUENCE);
    const dims = sequenceDims(GRU_SEQUENCE, xpInfo, uInfo, 3);
    const { T, B, H } = dims;
    const h0Info = kernelInput(params, 'h0', GRU_SEQUENCE);
    const maskInfo = kernelInput(params, 'mask', GRU_SEQUENCE);
    checkShape(GRU_SEQUENCE, h0Info, 'h0', [B, H]);
    const masked = checkMask(GRU_SEQUENCE, maskInfo, dims);
    const result = activeRnnKernels().gruForward({
      T,
      B,
      H,
      xp: io.read(xpInfo, 'xp'),
      u: io.read(uInfo, 'u'),
      h0: io.read(h0Info, 'h0'),
      ...(masked ? { mask: io.read(maskInfo, 'mask') } : {}),
      recurrentActivation: recurrentActivationAttr(params.attrs),
    });
    return [io.write([T, B, H], result.h), io.write([T, B, 3 * H], result.gates)];
  };
}

function gruBackwardFunc(backendName: CpuBackendName): KernelFunc {
  return (params) => {
    const io = kernelIo(backendName, params.backend, GRU_SEQUENCE_GRAD);
    const xpInfo = kernelInput(params, 'xp', GRU_SEQUENCE_GRAD);
    const uInfo = kernelInput(params, 'u', GRU_SEQUENCE_GRAD);
    const dims = sequenceDims(GRU_SEQUENCE_GRAD, xpInfo, uInfo, 3);
    const { T, B, H } = dims;
    const masked = checkMask(GRU_SEQUENCE_GRAD, kernelInput(params, 'mask', GRU_SEQUENCE_GRAD), dims);
    for (const [name, shape] of [
      ['h0', [B, H]],
      ['h', [T, B, H]],
      ['gates', [T, B, 3 * H]],
      ['dh', [T, B, H]],
    ] as const) {
      checkShape(GRU_SEQUENCE_GRAD, kernelInput(params, name, GRU_SEQUENCE_GRAD), name, shape);
    }
    const read = (name: string): Float32Array => io.read(kernelInput(params, name, GRU_SEQUENCE_GRAD), name);
    const result = activeRnnKernels().gruBackward({
      T,
      B,
      H,
      xp: read('xp'),
      u: read('u'),
      h0: read('h0'),
      ...(masked ? { mask: read('mask') } : {}),
      recurrentActivation: recurrentActivationAttr(params.attrs),
      h: read('h'),
      gates: read('gates'),
      dh: read('dh'),
    });
    return [io.write([T, B, 3 * H], result.dxp), io.write([B, H], result.dh0), io.write([H, 3 * H], result.du)];
  };
}

export function gruSequenceKernelConfigs(backendName: CpuBackendName): KernelConfig[] {
  return [
    { kernelName: GRU_SEQUENCE, backendName, kernelFunc: gruForwardFunc(backendName) },
    { kernelName: GRU_SEQUENCE_GRAD, backendName, kernelFunc: gruBackwardFunc(backendName) },
  ];
}

export const gruSequenceGradConfig: GradConfig = {
  kernelName: GRU_SEQUENCE,
  inputsToSave: ['xp', 'u', 'h0', 'mask'],
  outputsToSave: [true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [xp, u, h0, mask, h, gates] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const [dh] = dy as [Tensor, Tensor];
    const [dxp, dh0, du] = engine().runKernel(GRU_SEQUENCE_GRAD, { xp, u, h0, mask, h, gates, dh }, attrs) as Tensor[] as [
      Tensor,
      Tensor,
      Tensor,
    ];
    return { xp: () => dxp, u: () => du, h0: () => dh0, mask: () => zerosLike(mask) };
  },
};

/** The fused GRU recurrence as a differentiable op: h [T,B,H] after every step. mask: [T,B] 0/1 or null. */
export function gruSequence(
  xp: Tensor3D,
  u: Tensor2D,
  h0: Tensor2D,
  mask: Tensor2D | null,
  recurrentActivation: RecurrentActivation
): Tensor3D {
  const maskInput = mask ?? noMask();
  const [h] = engine().runKernel(GRU_SEQUENCE, { xp, u, h0, mask: maskInput }, { recurrentActivation }) as Tensor[] as [Tensor3D, Tensor3D];
  return h;
}
