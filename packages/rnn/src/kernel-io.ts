/**
 * Moves Float32Arrays in and out of the two CPU backends' tensor storage, so one kernel body serves
 * both (as packages/backend's kernel fixes do):
 * - cpu:  readSync gives the backing array (a view: never write to it), makeTensorInfo adopts ours;
 * - wasm: typedArrayFromHeap gives a view into the wasm heap; makeOutput allocates on that heap,
 *         which may grow it and detach every earlier view, so a kernel reads all its inputs, computes
 *         into its own arrays, and only then writes outputs.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SeqtrainError } from '@seqtrain/common';

export type CpuBackendName = 'cpu' | 'wasm';

export interface KernelIo {
  /** The float32 values of an input (a view; valid until the first write). */
  read(info: TensorInfo, what: string): Float32Array;
  /** A new float32 tensor holding a copy of (wasm) or owning (cpu) `values`. */
  write(shape: number[], values: Float32Array): TensorInfo;
}

export function kernelIo(backendName: CpuBackendName, backend: unknown, kernelName: string): KernelIo {
  const check = (info: TensorInfo, what: string): void => {
    if (info.dtype !== 'float32') {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Kernel ${kernelName} expected ${what} of dtype float32 but got ${info.dtype}. Cast it first (tf.cast).`,
        { field: what }
      );
    }
  };
  if (backendName === 'cpu') {
    const cpu = backend as MathBackendCPU;
    return {
      read: (info, what) => {
        check(info, what);
        return cpu.readSync(info.dataId) as Float32Array;
      },
      write: (shape, values) => cpu.makeTensorInfo(shape, 'float32', values),
    };
  }
  const wasm = backend as BackendWasm;
  return {
    read: (info, what) => {
      check(info, what);
      return wasm.typedArrayFromHeap(info) as Float32Array;
    },
    write: (shape, values) => {
      const out = wasm.makeOutput(shape, 'float32');
      if (values.length > 0) (wasm.typedArrayFromHeap(out) as Float32Array).set(values);
      return out;
    },
  };
}
