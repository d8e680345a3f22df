/** Shape checks shared by the fused sequence kernels: [T,B,G·H] projections, [B,H] states, [T,B] masks. */
import type { KernelFunc, Tensor1D, TensorInfo } from '@tensorflow/tfjs-core';
import { zeros } from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';

export interface SequenceDims {
  T: number;
  B: number;
  H: number;
}

function mismatch(kernelName: string, what: string, expected: string, got: readonly number[]): SeqtrainError {
  return new SeqtrainError(
    'ERR_SHAPE_MISMATCH',
    `Kernel ${kernelName} expected ${what} of shape ${expected} but got [${got.join(', ')}]. ` +
      'Call it through its op (lstmSequence, gruSequence, simpleRnnSequence), which shapes the inputs.',
    { field: what }
  );
}

/** T, B, H from xp [T,B,gates·H] and u [H,gates·H]. */
export function sequenceDims(kernelName: string, xp: TensorInfo, u: TensorInfo, gates: number): SequenceDims {
  const [T, B, G] = xp.shape;
  if (xp.shape.length !== 3 || T === undefined || B === undefined || G === undefined || G % gates !== 0 || T < 1 || B < 1) {
    throw mismatch(kernelName, 'xp', `[T>=1, B>=1, ${gates}·H]`, xp.shape);
  }
  const H = G / gates;
  if (u.shape.length !== 2 || u.shape[0] !== H || u.shape[1] !== G) throw mismatch(kernelName, 'u', `[${H}, ${G}]`, u.shape);
  return { T, B, H };
}

export function checkShape(kernelName: string, info: TensorInfo, what: string, expected: readonly number[]): void {
  const same = info.shape.length === expected.length && info.shape.every((d, i) => d === expected[i]);
  if (!same) throw mismatch(kernelName, what, `[${expected.join(', ')}]`, info.shape);
}

/** A mask input is [T,B] of 0/1, or the empty [0] tensor for "every step present". */
export function checkMask(kernelName: string, mask: TensorInfo, dims: SequenceDims): boolean {
  if (mask.shape.length === 1 && mask.shape[0] === 0) return false;
  checkShape(kernelName, mask, 'mask', [dims.T, dims.B]);
  return true;
}

/** The mask input standing for "every step present": an empty tensor. */
export function noMask(): Tensor1D {
  return zeros([0]);
}

type KernelParams = Parameters<KernelFunc>[0];

export function kernelInput(params: KernelParams, name: string, kernelName: string): TensorInfo {
  const info = params.inputs[name];
  if (info === undefined) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `Kernel ${kernelName} expected an input named '${name}' but got only [${Object.keys(params.inputs).join(', ')}]. ` +
        'Call it through its op so the inputs are named correctly.',
      { field: name }
    );
  }
  return info;
}
