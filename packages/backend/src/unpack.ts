/**
 * Unpack (tf.unstack) for wasm in O(total elements). The stock wasm kernel calls its Slice kernel
 * once per output, and that Slice reads the whole input with readSync (a full heap copy) each time:
 * unstacking T time steps costs O(T × size), O(T²) for the RNN layers that unstack their input over
 * time. Here each output is one strided copy straight from the heap.
 *
 * String tensors keep the stock kernel (they live outside the heap), so the stock kernelFunc is
 * passed in when the fix is registered.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { Unpack, util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SeqtrainError } from '@seqtrain/common';
import { integerAttr, kernelInput, type KernelParams } from './kernel-params.js';

type HeapArray = Float32Array | Int32Array | Uint8Array;

/**
 * Copies slice `index` along the middle axis of a tensor viewed as [outer, count, inner] into `out`
 * ([outer, inner]): `outer` contiguous runs of `inner` elements.
 */
export function copyUnpackedSlice(
  values: HeapArray,
  out: HeapArray,
  outer: number,
  count: number,
  inner: number,
  index: number
): void {
  for (let o = 0; o < outer; o++) {
    const src = (o * count + index) * inner;
    out.set(values.subarray(src, src + inner), o * inner);
  }
}

function makeUnpackWasm(stock: KernelFunc | undefined): KernelFunc {
  return (params: KernelParams): TensorInfo[] => {
    const value = kernelInput(params, 'value', Unpack);
    if (value.dtype === 'string' || value.dtype === 'complex64') {
      if (stock === undefined) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Unpack on wasm got a ${value.dtype} tensor, which only the stock kernel handles, and it was not registered.`,
          { field: 'value' }
        );
      }
      return stock(params) as TensorInfo[];
    }
    const backend = params.backend as BackendWasm;
    const rank = value.shape.length;
    let axis = integerAttr(params, 'axis', Unpack);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Unpack expected an axis in [-${rank}, ${rank}) for shape [${value.shape.join(', ')}] but got ${integerAttr(params, 'axis', Unpack)}.`,
        { field: 'axis' }
      );
    }
    const count = value.shape[axis] as number;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const outer = util.sizeFromShape(value.shape.slice(0, axis));
    const inner = util.sizeFromShape(value.shape.slice(axis + 1));
    // Allocate every output before taking any heap view: makeOutput may grow the heap and detach views.
    const outs: TensorInfo[] = [];
    for (let i = 0; i < count; i++) outs.push(backend.makeOutput(outShape, value.dtype));
    if (outer * inner === 0) return outs;
    const values = backend.typedArrayFromHeap(value);
    outs.forEach((out, i) => copyUnpackedSlice(values, backend.typedArrayFromHeap(out), outer, count, inner, i));
    return outs;
  };
}

/** The replacement for wasm's Unpack; `stock` is the kernelFunc it replaces (for string tensors). */
export function unpackWasmConfig(stock: KernelFunc | undefined): KernelConfig {
  return { kernelName: Unpack, backendName: 'wasm', kernelFunc: makeUnpackWasm(stock) };
}
