/**
 * The fused LSTM sequence: SeqtrainLstmSequence runs the whole recurrence in one kernel call and
 * SeqtrainLstmSequenceGrad its BPTT, both on cpu and wasm through @seqtrain/rnn-kernels. The caller
 * projects the inputs of every step with one matmul first (xp = x·W + b); the kernels see only
 * xp [T,B,4H] (time-major, gates i,f,c,o as in Keras), the recurrent kernel u [H,4H], h0, c0 [B,H] and
 * the mask [T,B] (or the empty [0] tensor).
 *
 * Outputs of the forward kernel: h [T,B,H], c [T,B,H], gates [T,B,4H]; c and gates exist for the
 * backward. lstmSequence() hands out h and the final cell state only, so the gradient reaching c is
 * zero except at the last step, which is what the backward kernel's dcT takes.
 */
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { engine, reshape, slice, squeeze, zerosLike } from '@tensorflow/tfjs-core';
import type { RecurrentActivation } from '@seqtrain/rnn-kernels';
import { activeRnnKernels } from './active-kernels.js';
import { kernelIo, type CpuBackendName } from './kernel-io.js';
import { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from './kernel-names.js';
import { noMask, checkMask, checkShape, kernelInput, sequenceDims } from './sequence-shape.js';

export function recurrentActivationAttr(attrs: NamedAttrMap | undefined): RecurrentActivation {
  const value = attrs?.['recurrentActivation'];
  return value === 'hard_sigmoid' ? 'hard_sigmoid' : 'sigmoid';
}

function lstmForwardFunc(backendName: CpuBackendName): KernelFunc {
  return (params) => {
    const io = kernelIo(backendName, params.backend, LSTM_SEQUENCE);
    const xpInfo = kernelInput(params, 'xp', LSTM_SEQUENCE);
    const uInfo = kernelInput(params, 'u', LSTM_SEQUENCE);
    const dims = sequenceDims(LSTM_SEQUENCE, xpInfo, uInfo, 4);
    const { T, B, H } = dims;
    const h0Info = kernelInput(params, 'h0', LSTM_SEQUENCE);
    const c0Info = kernelInput(params, 'c0', LSTM_SEQUENCE);
    const maskInfo = kernelInput(params, 'mask', LSTM_SEQUENCE);
    checkShape(LSTM_SEQUENCE, h0Info, 'h0', [B, H]);
    checkShape(LSTM_SEQUENCE, c0Info, 'c0', [B, H]);
    const masked = checkMask(LSTM_SEQUENCE, maskInfo, dims);
    const result = activeRnnKernels().lstmForward({
      T,
      B,
      H,
      xp: io.read(xpInfo, 'xp'),
      u: io.read(uInfo, 'u'),
      h0: io.read(h0Info, 'h0'),
      c0: io.read(c0Info, 'c0'),
      ...(masked ? { mask: io.read(maskInfo, 'mask') } : {}),
      recurrentActivation: recurrentActivationAttr(params.attrs),
    });
    return [io.write([T, B, H], result.h), io.write([T, B, H], result.c), io.write([T, B, 4 * H], result.gates)];
  };
}

function lstmBackwardFunc(backendName: CpuBackendName): KernelFunc {
  return (params) => {
    const io = kernelIo(backendName, params.backend, LSTM_SEQUENCE_GRAD);
    const xpInfo = kernelInput(params, 'xp', LSTM_SEQUENCE_GRAD);
    const uInfo = kernelInput(params, 'u', LSTM_SEQUENCE_GRAD);
    const dims = sequenceDims(LSTM_SEQUENCE_GRAD, xpInfo, uInfo, 4);
    const { T, B, H } = dims;
    const maskInfo = kernelInput(params, 'mask', LSTM_SEQUENCE_GRAD);
    const masked = checkMask(LSTM_SEQUENCE_GRAD, maskInfo, dims);
    for (const [name, shape] of [
      ['h0', [B, H]],
      ['c0', [B, H]],
      ['h', [T, B, H]],
      ['c', [T, B, H]],
      ['gates', [T, B, 4 * H]],
      ['dh', [T, B, H]],
      ['dcT', [B, H]],
    ] as const) {
      checkShape(LSTM_SEQUENCE_GRAD, kernelInput(params, name, LSTM_SEQUENCE_GRAD), name, shape);
    }
    const read = (name: string): Float32Array => io.read(kernelInput(params, name, LSTM_SEQUENCE_GRAD), name);
    const result = activeRnnKernels().lstmBackward({
      T,
      B,
      H,
      xp: read('xp'),
      u: read('u'),
      h0: read('h0'),
      c0: read('c0'),
      ...(masked ? { mask: read('mask') } : {}),
      recurrentActivation: recurrentActivationAttr(params.attrs),
      h: read('h'),
      c: read('c'),
      gates: read('gates'),
      dh: read('dh'),
      dcT: read('dcT'),
      // dU = Hprev^T·dxp in the kernel, not as one backend matmul: tfjs-wasm 4.22's matmul is slow exactly
      // there (T=40 B=128 H=128 on the 2-core machine: transposeA matmul 2.0 s, transpose + matmul 0.47 s,
      // the kernel's dU 0.09 s).
      computeDu: true,
    });
    if (result.du === undefined) throw new Error(`${activeRnnKernels().name} lstmBackward returned no du although computeDu was set`);
    return [
      io.write([T, B, 4 * H], result.dxp),
      io.write([B, H], result.dh0),
      io.write([B, H], result.dc0),
      io.write([H, 4 * H], result.du),
    ];
  };
}

export function lstmSequenceKernelConfigs(backendName: CpuBackendName): KernelConfig[] {
  return [
    { kernelName: LSTM_SEQUENCE, backendName, kernelFunc: lstmForwardFunc(backendName) },
    { kernelName: LSTM_SEQUENCE_GRAD, backendName, kernelFunc: lstmBackwardFunc(backendName) },
  ];
}

export const lstmSequenceGradConfig: GradConfig = {
  kernelName: LSTM_SEQUENCE,
  inputsToSave: ['xp', 'u', 'h0', 'c0', 'mask'],
  outputsToSave: [true, true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [xp, u, h0, c0, mask, h, c, gates] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const [dh, dc] = dy as [Tensor, Tensor];
    const [T, B, H] = h.shape as [number, number, number];
    const dcT = squeeze(slice(dc, [T - 1, 0, 0], [1, B, H]), [0]);
    const [dxp, dh0, dc0, du] = engine().runKernel(
      LSTM_SEQUENCE_GRAD,
      { xp, u, h0, c0, mask, h, c, gates, dh, dcT },
      attrs
    ) as Tensor[] as [Tensor, Tensor, Tensor, Tensor];
    return {
      xp: () => dxp,
      u: () => du,
      h0: () => dh0,
      c0: () => dc0,
      mask: () => zerosLike(mask),
    };
  },
};

export interface LstmSequenceResult {
  /** [T,B,H] hidden state after every step (at a masked step: the carried state). */
  h: Tensor3D;
  /** [B,H] cell state after the last step. */
  cT: Tensor2D;
}

/**
 * The fused LSTM recurrence as a differentiable op (kernel registered for cpu and wasm only).
 * mask: [T,B] float32 0/1, or null.
 */
export function lstmSequence(
  xp: Tensor3D,
  u: Tensor2D,
  h0: Tensor2D,
  c0: Tensor2D,
  mask: Tensor2D | null,
  recurrentActivation: RecurrentActivation
): LstmSequenceResult {
  const [T, B, G] = xp.shape;
  const H = G / 4;
  const maskInput = mask ?? noMask();
  const [h, c] = engine().runKernel(LSTM_SEQUENCE, { xp, u, h0, c0, mask: maskInput }, { recurrentActivation }) as Tensor[] as [
    Tensor3D,
    Tensor3D,
    Tensor3D,
  ];
  const cT = reshape(slice(c, [T - 1, 0, 0], [1, B, H]), [B, H]) as Tensor2D;
  return { h, cT };
}
