/**
 * Baselines of the airline bar: one-step-ahead forecasts of each of the last `horizon` values of a
 * series, each made from the values before it (the true past, as the LSTM's validation windows see it):
 *   naive           y^(t) = y(t-1)
 *   seasonal naive  y^(t) = y(t-s)
 *   seasonal ratio  y^(t) = y(t-s) x y(t-1) / y(t-s-1)   (last season's value, scaled by the latest
 *                   year-over-year growth: the multiplicative seasonal random walk)
 * scored by the root mean squared error in the series' units.
 */
import { readFile } from 'node:fs/promises';
import { SeqtrainError } from '@seqtrain/common';

export type Forecaster = (series: readonly number[], t: number, season: number) => number;

export const FORECASTERS: Record<'naive' | 'seasonalNaive' | 'seasonalRatio', Forecaster> = {
  naive: (y, t) => y[t - 1] as number,
  seasonalNaive: (y, t, s) => y[t - s] as number,
  seasonalRatio: (y, t, s) => ((y[t - s] as number) * (y[t - 1] as number)) / (y[t - s - 1] as number),
};

export function rmse(predicted: readonly number[], actual: readonly number[]): number {
  if (predicted.length !== actual.length || actual.length === 0) {
    throw new SeqtrainError('ERR_SHAPE_MISMATCH', `rmse needs two equally long, non-empty lists; got ${predicted.length} and ${actual.length}.`);
  }
  let sum = 0;
  actual.forEach((a, i) => (sum += ((predicted[i] as number) - a) ** 2));
  return Math.sqrt(sum / actual.length);
}

/** RMSE of a forecaster's one-step forecasts of the last `horizon` values. */
export function oneStepRmse(series: readonly number[], horizon: number, season: number, forecast: Forecaster): number {
  const first = series.length - horizon;
  if (!Number.isInteger(horizon) || horizon < 1 || first < season + 1) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `One-step forecasts of the last ${horizon} of ${series.length} values with season ${season} need at least season + 1 = ${season + 1} values before them; use a longer series or a shorter horizon.`,
      { field: 'horizon' }
    );
  }
  const actual = series.slice(first);
  return rmse(actual.map((_, i) => forecast(series, first + i, season)), actual);
}

export interface ForecastBaselines {
  naive: number;
  seasonalNaive: number;
  seasonalRatio: number;
  horizon: number;
  season: number;
}

export function forecastBaselines(series: readonly number[], horizon: number, season: number): ForecastBaselines {
  return {
    naive: oneStepRmse(series, horizon, season, FORECASTERS.naive),
    seasonalNaive: oneStepRmse(series, horizon, season, FORECASTERS.seasonalNaive),
    seasonalRatio: oneStepRmse(series, horizon, season, FORECASTERS.seasonalRatio),
    horizon,
    season,
  };
}

/** The numeric `column` of a CSV with a header row and no quoted fields (the shipped series). */
export async function readSeries(file: string, column: string): Promise<number[]> {
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l !== '');
  const header = (lines.shift() ?? '').split(',');
  const at = header.indexOf(column);
  if (at < 0) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${file} has no column "${column}"; its header is ${header.join(',')}.`, { file, field: column });
  return lines.map((line, i) => {
    const value = Number(line.split(',')[at]);
    if (!Number.isFinite(value)) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${file} line ${i + 2}: "${column}" is not a number.`, { file, row: i });
    return value;
  });
}
