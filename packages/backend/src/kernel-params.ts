/**
 * Typed access to a kernel's inputs and attributes. tfjs hands kernels loosely typed maps; these
 * helpers turn a missing input or a wrong attribute into a SeqtrainError naming the kernel.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';

export type KernelParams = Parameters<KernelFunc>[0];

export function kernelInput(params: KernelParams, name: string, kernelName: string): TensorInfo {
  const info = params.inputs[name];
  if (info === undefined) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `Kernel ${kernelName} expected an input named '${name}' but got only [${Object.keys(params.inputs).join(', ')}]. ` +
        'Call it through its tf op so the inputs are named correctly.',
      { field: name }
    );
  }
  return info;
}

export function kernelAttr(params: KernelParams, name: string): unknown {
  return params.attrs?.[name];
}

export function integerAttr(params: KernelParams, name: string, kernelName: string): number {
  const value = kernelAttr(params, name);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `Kernel ${kernelName} expected the integer attribute '${name}' but got ${JSON.stringify(value)}.`,
      { field: name }
    );
  }
  return value;
}

/** The kernels here compute on numbers; strings and complex values go elsewhere or fail clearly. */
export function assertNumeric(info: TensorInfo, what: string, kernelName: string): asserts info is TensorInfo & {
  dtype: 'float32' | 'int32';
} {
  if (info.dtype !== 'float32' && info.dtype !== 'int32') {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `Kernel ${kernelName} expected ${what} of dtype float32 or int32 but got ${info.dtype}. Cast it first (tf.cast).`,
      { field: what }
    );
  }
}
