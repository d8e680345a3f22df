import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORECASTERS, forecastBaselines, oneStepRmse, readSeries, rmse } from './forecast-baselines.js';

describe('forecast baselines', () => {
  // Season 2; last 2 values (t = 4, 5) forecast.
  const y = [10, 20, 12, 24, 15, 27];

  it('computes the RMSE of each forecaster by hand', () => {
    // naive: 24 vs 15 -> 9, 15 vs 27 -> -12: sqrt((81 + 144) / 2).
    expect(oneStepRmse(y, 2, 2, FORECASTERS.naive)).toBeCloseTo(Math.sqrt(225 / 2), 12);
    // seasonal naive: 12 vs 15 -> 3, 24 vs 27 -> 3.
    expect(oneStepRmse(y, 2, 2, FORECASTERS.seasonalNaive)).toBeCloseTo(3, 12);
    // seasonal ratio: t=4: 12 x 24/20 = 14.4 (err 0.6); t=5: 24 x 15/12 = 30 (err 3).
    expect(oneStepRmse(y, 2, 2, FORECASTERS.seasonalRatio)).toBeCloseTo(Math.sqrt((0.36 + 9) / 2), 12);
    expect(forecastBaselines(y, 2, 2)).toMatchObject({ seasonalNaive: 3, horizon: 2, season: 2 });
  });

  it('needs a season and one more value before the horizon', () => {
    expect(() => oneStepRmse(y, 4, 2, FORECASTERS.naive)).toThrow(/at least season \+ 1/);
    expect(() => rmse([1], [1, 2])).toThrow(/equally long/);
  });

  it('reads a column of a CSV', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'quality-series-')), 's.csv');
    writeFileSync(file, 'month,passengers\n1949-01,112\r\n1949-02,118\n');
    expect(await readSeries(file, 'passengers')).toEqual([112, 118]);
    await expect(readSeries(file, 'x')).rejects.toThrow(/no column "x"/);
  });
});
