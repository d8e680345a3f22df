/**
 * Model outputs of a timeseries dataset back in the series' original units: the inverse of the recipe's
 * scaling, differencing and transform, in that order (prepare-timeseries.ts). A prediction p of a target
 * with level L (the `level` column) is inverse(unscale(p) + L). With no transform and no differencing
 * L = 0 and this is unscale(p). The RMSE in original units is computed from these, never from the scaled
 * loss, since log and differencing make the map from scaled to original errors non-affine.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { TimeseriesManifest } from './manifest.js';
import { unscale } from './scaling.js';
import { invertTransform } from './series-transform.js';

type SeriesInverseManifest = Pick<TimeseriesManifest, 'features' | 'target' | 'scaling' | 'transform'>;

/** Original-unit values of scaled target predictions `scaled` with their `level`s (same length). */
export function toOriginalUnits(manifest: SeriesInverseManifest, scaled: ArrayLike<number>, level: ArrayLike<number>): number[] {
  if (scaled.length !== level.length) {
    throw new SeqtrainError('ERR_SHAPE_MISMATCH', `toOriginalUnits: expected one level per prediction, got ${scaled.length} predictions and ${level.length} levels.`, { field: 'level' });
  }
  const feature = manifest.features.indexOf(manifest.target);
  if (feature < 0) throw new SeqtrainError('ERR_MANIFEST_INVALID', `The timeseries manifest's target "${manifest.target}" is not one of its features.`, { field: 'target' });
  return unscale(scaled, manifest.scaling, feature).map((v, i) => invertTransform(v + (level[i] as number), manifest.transform));
}

/** Sum of squared errors in original units of predictions against `original` targets, and their count. */
export function originalSquaredError(
  manifest: SeriesInverseManifest,
  scaled: ArrayLike<number>,
  level: ArrayLike<number>,
  original: ArrayLike<number>
): { sum: number; count: number } {
  if (original.length !== scaled.length) {
    throw new SeqtrainError('ERR_SHAPE_MISMATCH', `originalSquaredError: expected one target per prediction, got ${scaled.length} predictions and ${original.length} targets.`, { field: 'original' });
  }
  let sum = 0;
  toOriginalUnits(manifest, scaled, level).forEach((v, i) => (sum += (v - (original[i] as number)) ** 2));
  return { sum, count: scaled.length };
}
