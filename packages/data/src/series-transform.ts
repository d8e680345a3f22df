/**
 * The timeseries recipe's value transforms, applied before windowing and scaling, and their inverses:
 * - `transform`: 'none' or 'log' (natural log; every value must be > 0). A multiplicative seasonal
 *   pattern whose swing grows with the level (the airline series) becomes additive.
 * - `difference`: lags of successive differencing operators, e.g. [1, 12] = (1 - B)(1 - B^12): the
 *   first difference of the seasonal (12-step) difference. The product of the operators is a
 *   polynomial sum_k c_k B^k with c_0 = 1 and degree `order` = the sum of the lags, so the differenced
 *   value is z_t = sum_k c_k w_{t-k} (w = the transformed series), defined for t >= order.
 *
 * The contract that makes forecasts honest: z_t = w_t - level_t, where level_t = -sum_{k>=1} c_k w_{t-k}
 * uses only values BEFORE t. A model that predicts z_t from earlier z values forecasts the original
 * value as inverse(zHat + level_t), and that forecast depends on no value at or after t. With
 * difference [1, 12], log, and zHat = 0 this is the seasonal ratio forecast y_{t-12} * y_{t-1} / y_{t-13}.
 */
import { SeqtrainError } from '@seqtrain/common';

export const SERIES_TRANSFORMS = ['none', 'log'] as const;
export type SeriesTransform = (typeof SERIES_TRANSFORMS)[number];

/** Applies `transform` to one feature's values; `where(t)` names row t for the error of a bad value. */
export function applyTransform(values: readonly number[], transform: SeriesTransform, where: (t: number) => string): number[] {
  if (transform === 'none') return values.slice();
  return values.map((v, t) => {
    if (!(v > 0)) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `prepare timeseries: option "transform" is "log", which needs values > 0, but ${where(t)} is ${v}. Drop transform: log or shift the series.`,
        { field: 'transform', row: t }
      );
    }
    return Math.log(v);
  });
}

/** The inverse of applyTransform for one value. */
export function invertTransform(value: number, transform: SeriesTransform): number {
  return transform === 'log' ? Math.exp(value) : value;
}

/** Coefficients c_0..c_order of prod (1 - B^lag); [1] for no differencing. */
export function differencingCoefficients(lags: readonly number[]): number[] {
  let c = [1];
  for (const lag of lags) {
    const next = new Array<number>(c.length + lag).fill(0);
    c.forEach((v, k) => {
      next[k] = (next[k] as number) + v;
      next[k + lag] = (next[k + lag] as number) - v;
    });
    c = next;
  }
  return c;
}

/** Rows consumed by differencing at the start of the series: the sum of the lags. */
export function differenceOrder(lags: readonly number[]): number {
  return lags.reduce((a, b) => a + b, 0);
}

/** level_t = w_t - z_t: the part of w_t known from w_{t-order} .. w_{t-1} (never w_t or later). */
export function levelAt(w: readonly number[], lags: readonly number[], t: number): number {
  const c = differencingCoefficients(lags);
  if (t < c.length - 1 || t > w.length) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `levelAt: row ${t} needs rows ${t - c.length + 1}..${t - 1}; the series has rows 0..${w.length - 1}.`, { field: 't' });
  }
  let level = 0;
  for (let k = 1; k < c.length; k++) level -= (c[k] as number) * (w[t - k] as number);
  return level;
}

/** z_t for t in [order, n): index 0 of the result is row `order` of the series. */
export function difference(w: readonly number[], lags: readonly number[]): number[] {
  const order = differenceOrder(lags);
  const out: number[] = [];
  for (let t = order; t < w.length; t++) out.push((w[t] as number) - levelAt(w, lags, t));
  return out;
}

/** The inverse of difference: the first `order` rows of w (`head`) and z rebuild the whole series. */
export function undifference(z: readonly number[], head: readonly number[], lags: readonly number[]): number[] {
  const order = differenceOrder(lags);
  if (head.length !== order) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `undifference: expected ${order} head rows (the sum of the lags ${JSON.stringify(lags)}), got ${head.length}.`, { field: 'head' });
  }
  const w = head.slice();
  for (const zt of z) w.push(zt + levelAt(w, lags, w.length));
  return w;
}
