/**
 * Conv2DBackpropFilter for wasm. tfjs-backend-wasm 4.22 has Conv2D and Conv2DBackpropInput but no
 * Conv2DBackpropFilter, so the gradient of any conv (Conv1D layers run conv2d underneath) fails there
 * with "kernel not found".
 *
 * Contract (what tfjs' conv2d gradient emits): x and dy rank 4, strides, pad 'same' | 'valid' |
 * number | explicit [[t, b] per dimension], dimRoundingMode, dataFormat NHWC (tfjs' default, what
 * conv1d uses) or NCHW, dilations 1 (tfjs' conv2d gradient rejects others before reaching here).
 * The sums run in float64 and are stored as float32, like the cpu kernel's dot products.
 */
import type { KernelConfig, TensorInfo, backend_util as BackendUtil } from '@tensorflow/tfjs-core';
import { Conv2DBackpropFilter, backend_util, util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SeqtrainError } from '@seqtrain/common';
import { assertNumeric, kernelAttr, kernelInput, type KernelParams } from './kernel-params.js';

type Shape4 = [number, number, number, number];
type Pad = Parameters<typeof backend_util.computeConv2DInfo>[4];
type RoundingMode = Parameters<typeof backend_util.computeConv2DInfo>[5];

function unsupported(field: string, expected: string, got: unknown): SeqtrainError {
  return new SeqtrainError(
    'ERR_INVALID_ARGUMENT',
    `Conv2DBackpropFilter on wasm supports ${field} ${expected} but got ${JSON.stringify(got)}. ` +
      'Use that setting, or run this model on the cpu or tensorflow backend (--backend cpu).',
    { field }
  );
}

function isShape4(value: unknown): value is Shape4 {
  return Array.isArray(value) && value.length === 4 && value.every((d) => Number.isInteger(d) && d >= 0);
}

function readConvInfo(params: KernelParams, x: TensorInfo, dy: TensorInfo): BackendUtil.Conv2DInfo {
  const dataFormat = kernelAttr(params, 'dataFormat') ?? 'NHWC';
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') throw unsupported('dataFormat', "'NHWC' or 'NCHW'", dataFormat);
  const dilations = kernelAttr(params, 'dilations') ?? 1;
  const dilationsOne = dilations === 1 || (Array.isArray(dilations) && dilations.every((d) => d === 1));
  if (!dilationsOne) throw unsupported('dilations', '1', dilations);
  const filterShape = kernelAttr(params, 'filterShape');
  if (!isShape4(filterShape)) throw unsupported('filterShape', '[height, width, inChannels, outChannels]', filterShape);
  if (!isShape4(x.shape)) throw unsupported('x rank', '4', x.shape);
  const strides = kernelAttr(params, 'strides') as number | [number, number];
  const pad = kernelAttr(params, 'pad') as Pad;
  const rounding = kernelAttr(params, 'dimRoundingMode') as RoundingMode;
  const info = backend_util.computeConv2DInfo(
    x.shape,
    filterShape,
    strides,
    1,
    pad,
    rounding,
    false,
    backend_util.convertConv2DDataFormat(dataFormat)
  );
  if (!util.arraysEqual(dy.shape, info.outShape)) {
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `Conv2DBackpropFilter expected dy of shape [${info.outShape.join(', ')}] (the conv output for x ` +
        `[${x.shape.join(', ')}], filter [${filterShape.join(', ')}]) but got [${dy.shape.join(', ')}].`,
      { field: 'dy' }
    );
  }
  return info;
}

/** Element strides of a rank-4 tensor as (batch, row, column, channel), whatever its layout. */
function layoutStrides(shape: number[], channelsLast: boolean): Shape4 {
  const [n1 = 0, n2 = 0, n3 = 0] = shape.slice(1);
  // NHWC: shape [B, H, W, C]; NCHW: shape [B, C, H, W].
  return channelsLast ? [n1 * n2 * n3, n2 * n3, n3, 1] : [n1 * n2 * n3, n3, 1, n2 * n3];
}

/**
 * dW[wR, wC, d1, d2] = Σ_{b, yR, yC} x[b, yR·sH + wR − top, yC·sW + wC − left, d1] · dy[b, yR, yC, d2],
 * skipping taps that fall in the padding. Loops run over output positions outermost so each step
 * is an outer product of an input channel vector and an output channel vector.
 */
export function conv2dBackpropFilterValues(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  info: BackendUtil.Conv2DInfo
): Float64Array {
  const channelsLast = info.dataFormat === 'channelsLast';
  const [xB, xR, xC, xD] = layoutStrides(info.inShape, channelsLast);
  const [yB, yR, yC, yD] = layoutStrides(info.outShape, channelsLast);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let oR = 0; oR < outHeight; oR++) {
      for (let oC = 0; oC < outWidth; oC++) {
        const dyBase = b * yB + oR * yR + oC * yC;
        for (let wR = 0; wR < filterHeight; wR++) {
          const iR = oR * strideHeight + wR - top;
          if (iR < 0 || iR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const iC = oC * strideWidth + wC - left;
            if (iC < 0 || iC >= inWidth) continue;
            const xBase = b * xB + iR * xR + iC * xC;
            const accBase = (wR * filterWidth + wC) * inChannels * outChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const xv = x[xBase + d1 * xD] as number;
              if (xv === 0) continue;
              const a = accBase + d1 * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) {
                acc[a + d2] = (acc[a + d2] as number) + xv * (dy[dyBase + d2 * yD] as number);
              }
            }
          }
        }
      }
    }
  }
  return acc;
}

function conv2dBackpropFilterWasm(params: KernelParams): TensorInfo {
  const backend = params.backend as BackendWasm;
  const x = kernelInput(params, 'x', Conv2DBackpropFilter);
  const dy = kernelInput(params, 'dy', Conv2DBackpropFilter);
  assertNumeric(x, 'x', Conv2DBackpropFilter);
  assertNumeric(dy, 'dy', Conv2DBackpropFilter);
  const info = readConvInfo(params, x, dy);
  // makeOutput may grow the wasm heap, which detaches earlier views: take every view after it.
  const out = backend.makeOutput(info.filterShape, 'float32');
  const values = conv2dBackpropFilterValues(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(dy), info);
  (backend.typedArrayFromHeap(out) as Float32Array).set(values);
  return out;
}

/** Fills the kernel wasm lacks. */
export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm,
};
