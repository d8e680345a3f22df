/**
 * Per-feature scaling of the timeseries recipe, fitted on the training rows only (so validation
 * statistics never leak into training) and stored in the manifest, so predictions can be mapped back.
 * - minmax: (v - min) / (max - min); a constant feature (max = min) uses a range of 1.
 * - standard: (v - mean) / std with the population std; a constant feature uses std 1.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { Scaling } from './manifest.js';

export type ScalingMethod = Scaling['method'];

/** Fits `method` on `columns` (one array of training values per feature). */
export function fitScaling(method: ScalingMethod, columns: readonly (readonly number[])[]): Scaling {
  if (method === 'none') return { method };
  if (method === 'minmax') {
    return { method, min: columns.map((c) => Math.min(...c)), max: columns.map((c) => Math.max(...c)) };
  }
  const mean = columns.map((c) => c.reduce((a, b) => a + b, 0) / c.length);
  const std = columns.map((c, f) => Math.sqrt(c.reduce((a, b) => a + (b - (mean[f] as number)) ** 2, 0) / c.length));
  return { method, mean, std };
}

function affine(scaling: Scaling, feature: number): { offset: number; range: number } {
  if (scaling.method === 'none') return { offset: 0, range: 1 };
  const [offset, spread] =
    scaling.method === 'minmax'
      ? [scaling.min[feature], (scaling.max[feature] ?? 0) - (scaling.min[feature] ?? 0)]
      : [scaling.mean[feature], scaling.std[feature]];
  if (offset === undefined || spread === undefined) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Scaling has no parameters for feature ${feature}.`, { field: 'feature' });
  }
  return { offset, range: spread === 0 ? 1 : spread };
}

/** Scaled copies of `values` of one feature (index into the manifest's `features`). */
export function scale(values: ArrayLike<number>, scaling: Scaling, feature = 0): number[] {
  const { offset, range } = affine(scaling, feature);
  return Array.from(values, (v) => (v - offset) / range);
}

/** The inverse of `scale`: maps model outputs back to the original units. */
export function unscale(values: ArrayLike<number>, scaling: Scaling, feature = 0): number[] {
  const { offset, range } = affine(scaling, feature);
  return Array.from(values, (v) => v * range + offset);
}
