/**
 * The fused SimpleRNN sequence: SeqtrainSimpleRnnSequence runs h_t = act(xp_t + h_{t-1}·U) for all
 * steps, SeqtrainSimpleRnnSequenceGrad its BPTT, on cpu and wasm through @seqtrain/rnn-kernels.
 * Inputs: xp [T,B,H] (time-major x·W + b), u [H,H], h0 [B,H], mask [T,B] or [0]; output h [T,B,H].
 */
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { engine, zerosLike } from '@tensorflow/tfjs-core';
import type { SimpleRnnActivation } from '@seqtrain/rnn-kernels';
import { activeRnnKernels } from './active-kernels.js';
import { kernelIo, type CpuBackendName } from './kernel-io.js';
import { SIMPLE_RNN_SEQUENCE, SIMPLE_RNN_SEQUENCE_GRAD } from './kernel-names.js';
import { noMask, checkMask, checkShape, kernelInput, sequenceDims } from './sequence-shape.js';

function activationAttr(attrs: NamedAttrMap | undefined): SimpleRnnActivation {
  const value = attrs?.['activation'];
  return value === 'relu' ? 'relu' : value === 'linear' ? 'linear' : 'tanh';
}

function simpleRnnForwardFunc(backendName: CpuBackendName): KernelFunc {
  return (params) => {
    const io = kernelIo(backendName, params.backend, SIMPLE_RNN_SEQUENCE);
    const xpInfo = kernelInput(params, 'xp', SIMPLE_RNN_SEQUENCE);
    const uInfo = kernelInput(params, 'u', SIMPLE_RNN_SEQUENCE);
    const dims = sequenceDims(SIMPLE_RNN_SEQUENCE, xpInfo, uInfo, 1);
    const { T, B, H } = dims;
    const h0Info = kernelInput(params, 'h0', SIMPLE_RNN_SEQUENCE);
    const maskInfo = kernelInput(params, 'mask', SIMPLE_RNN_SEQUENCE);
    checkShape(SIMPLE_RNN_SEQUENCE, h0Info, 'h0', [B, H]);
    const masked = checkMask(SIMPLE_RNN_SEQUENCE, maskInfo, dims);
    const result = activeRnnKernels().simpleRnnForward({
      T,
      B,
      H,
      xp: io.read(xpInfo, 'xp'),
      u: io.read(uInfo, 'u'),
      h0: io.read(h0Info, 'h0'),
      ...(masked ? { mask: io.read(maskInfo, 'mask') } : {}),
      activation: activationAttr(params.attrs),
    });
    return [io.write([T, B, H], result.h)];
  };
}

function simpleRnnBackwardFunc(backendName: CpuBackendName): KernelFunc {
  return (params) => {
    const kernel = SIMPLE_RNN_SEQUENCE_GRAD;
    const io = kernelIo(backendName, params.backend, kernel);
    const dims = sequenceDims(kernel, kernelInput(params, 'xp', kernel), kernelInput(params, 'u', kernel), 1);
    const { T, B, H } = dims;
    const masked = checkMask(kernel, kernelInput(params, 'mask', kernel), dims);
    for (const [name, shape] of [
      ['h0', [B, H]],
      ['h', [T, B, H]],
      ['dh', [T, B, H]],
    ] as const) {
      checkShape(kernel, kernelInput(params, name, kernel), name, shape);
    }
    const read = (name: string): Float32Array => io.read(kernelInput(params, name, kernel), name);
    const result = activeRnnKernels().simpleRnnBackward({
      T,
      B,
      H,
      xp: read('xp'),
      u: read('u'),
      h0: read('h0'),
      ...(masked ? { mask: read('mask') } : {}),
      activation: activationAttr(params.attrs),
      h: read('h'),
      dh: read('dh'),
      computeDu: true,
    });
    if (result.du === undefined) throw new Error(`${activeRnnKernels().name} simpleRnnBackward returned no du although computeDu was set`);
    return [io.write([T, B, H], result.dxp), io.write([B, H], result.dh0), io.write([H, H], result.du)];
  };
}

export function simpleRnnSequenceKernelConfigs(backendName: CpuBackendName): KernelConfig[] {
  return [
    { kernelName: SIMPLE_RNN_SEQUENCE, backendName, kernelFunc: simpleRnnForwardFunc(backendName) },
    { kernelName: SIMPLE_RNN_SEQUENCE_GRAD, backendName, kernelFunc: simpleRnnBackwardFunc(backendName) },
  ];
}

export const simpleRnnSequenceGradConfig: GradConfig = {
  kernelName: SIMPLE_RNN_SEQUENCE,
  inputsToSave: ['xp', 'u', 'h0', 'mask'],
  outputsToSave: [true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [xp, u, h0, mask, h] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const dh = Array.isArray(dy) ? (dy[0] as Tensor) : dy;
    const [dxp, dh0, du] = engine().runKernel(SIMPLE_RNN_SEQUENCE_GRAD, { xp, u, h0, mask, h, dh }, attrs) as Tensor[] as [Tensor, Tensor, Tensor];
    return {
      xp: () => dxp,
      u: () => du,
      h0: () => dh0,
      mask: () => zerosLike(mask),
    };
  },
};

/** The fused SimpleRNN recurrence as a differentiable op: h [T,B,H]. mask: [T,B] 0/1 or null. */
export function simpleRnnSequence(
  xp: Tensor3D,
  u: Tensor2D,
  h0: Tensor2D,
  mask: Tensor2D | null,
  activation: SimpleRnnActivation
): Tensor3D {
  const maskInput = mask ?? noMask();
  const out = engine().runKernel(SIMPLE_RNN_SEQUENCE, { xp, u, h0, mask: maskInput }, { activation }) as Tensor | Tensor[];
  return (Array.isArray(out) ? out[0] : out) as Tensor3D;
}
