import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeseriesManifest } from './manifest.js';
import { prepareTimeseries } from './prepare-timeseries.js';
import { scale, unscale } from './scaling.js';
import { toOriginalUnits } from './series-inverse.js';
import { TableDataset } from './table-dataset.js';

const AIRLINE = fileURLToPath(new URL('../../../datasets/timeseries/airline-passengers.csv', import.meta.url));

async function readAll(dir: string, split: 'train' | 'validation'): Promise<{ x: number[][]; y: number[][]; level: number[][]; original: number[][] }> {
  const ds = await TableDataset.open(dir, split);
  const rows = await ds.getRows(Array.from({ length: ds.length }, (_, i) => i));
  await ds.close();
  const cut = (c: { values: ArrayLike<number>; width: number } | undefined): number[][] =>
    Array.from({ length: rows.count }, (_, r) => Array.from(c?.values ?? []).slice(r * (c?.width ?? 1), (r + 1) * (c?.width ?? 1)));
  return { x: cut(rows.columns.x), y: cut(rows.columns.y), level: cut(rows.columns.level), original: cut(rows.columns.original) };
}

describe('prepareTimeseries on the airline passengers series', () => {
  let tmp = '';
  let series: number[] = [];
  let manifest: TimeseriesManifest;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-ts-'));
    series = (await readFile(AIRLINE, 'utf8')).trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    manifest = await prepareTimeseries({ input: AIRLINE, out: path.join(tmp, 'one'), timeColumn: 'month', window: 12, horizon: 1, validationLast: 24, rowsPerBatch: 50 });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('fits min-max on the train rows only and stores it; unscale inverts scale', () => {
    expect(series).toHaveLength(144);
    const train = series.slice(0, 120);
    expect(manifest.scaling).toEqual({ method: 'minmax', min: [Math.min(...train)], max: [Math.max(...train)] });
    expect(Math.max(...series)).toBeGreaterThan(Math.max(...train)); // so fitting on all rows would differ
    const back = unscale(scale(series, manifest.scaling), manifest.scaling);
    back.forEach((v, i) => expect(v).toBeCloseTo(series[i] as number, 9));
    expect(manifest.features).toEqual(['passengers']);
    expect(manifest.timeRange).toEqual({ train: ['1949-01', '1958-12'], validation: ['1959-01', '1960-12'] });
  });

  it('many-to-one windows: train stays before the split, validation targets are exactly the last 24 rows', async () => {
    expect(manifest.splits.train.rows).toBe(120 - 13 + 1);
    expect(manifest.splits.validation.rows).toBe(24);
    const s = scale(series, manifest.scaling).map((v) => Math.fround(v));
    const train = await readAll(path.join(tmp, 'one'), 'train');
    train.x.forEach((x, i) => {
      expect(x).toEqual(s.slice(i, i + 12));
      expect(train.y[i]).toEqual([s[i + 12]]);
    });
    const validation = await readAll(path.join(tmp, 'one'), 'validation');
    // First validation window: inputs are the last 12 train rows (context), target is row 120.
    validation.x.forEach((x, k) => {
      expect(x).toEqual(s.slice(108 + k, 120 + k));
      expect(validation.y[k]).toEqual([s[120 + k]]);
    });
  });

  it('sequence targets with horizon 2 and standard scaling: y is the inputs shifted by 2', async () => {
    const m = await prepareTimeseries({ input: AIRLINE, out: path.join(tmp, 'seq'), window: 6, horizon: 2, targets: 'sequence', validationFraction: 0.25, scaling: 'standard', columns: ['passengers'] });
    expect(m.seriesRows).toEqual({ train: 108, validation: 36 });
    expect(m.schema).toEqual({ x: 'FixedSizeList<Float32>[6]', y: 'FixedSizeList<Float32>[6]', level: 'FixedSizeList<Float32>[6]', original: 'FixedSizeList<Float32>[6]' });
    const s = scale(series, m.scaling).map((v) => Math.fround(v));
    const train = await readAll(path.join(tmp, 'seq'), 'train');
    expect(train.x).toHaveLength(108 - 8 + 1);
    train.y.forEach((y, i) => expect(y).toEqual(s.slice(i + 2, i + 8)));
    const validation = await readAll(path.join(tmp, 'seq'), 'validation');
    // Every validation target lies in rows >= 108; the first starts exactly there.
    expect(validation.y[0]).toEqual(s.slice(108, 114));
    expect(validation.y.at(-1)).toEqual(s.slice(138, 144));
    expect(validation.x).toHaveLength(144 - 8 + 1 - 106);
  });

  it('several feature columns are interleaved per time step', async () => {
    const csv = path.join(tmp, 'two.csv');
    await writeFile(csv, 't,a,b\n' + Array.from({ length: 10 }, (_, i) => `${i},${i},${100 + i}`).join('\n') + '\n');
    const m = await prepareTimeseries({ input: csv, out: path.join(tmp, 'two'), timeColumn: 't', window: 2, target: 'b', validationLast: 0, scaling: 'none' });
    expect(m.features).toEqual(['a', 'b']);
    expect(m.splits.validation.rows).toBe(0);
    const rows = await readAll(path.join(tmp, 'two'), 'train');
    expect(rows.x[0]).toEqual([0, 100, 1, 101]);
    expect(rows.y[0]).toEqual([102]);
  });
});

describe('prepareTimeseries with transform log and difference [1, 12]', () => {
  let tmp = '';
  // 40 positive monthly values with a trend and a 12-month pattern.
  const SERIES = Array.from({ length: 40 }, (_, t) => 100 + 3 * t + [0, 5, 9, 4, -2, 7, 15, 14, 6, -1, -8, 3][t % 12]!);
  const writeSeries = async (name: string, values: readonly number[]): Promise<string> => {
    const file = path.join(tmp, `${name}.csv`);
    await writeFile(file, 'month,v\n' + values.map((v, t) => `${t},${v}`).join('\n') + '\n');
    return file;
  };
  const options = { timeColumn: 'month', window: 6, horizon: 1, validationLast: 8, transform: 'log', difference: [1, 12] } as const;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-ts-transform-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('windows the differenced log series; every validation target maps back to its original value', async () => {
    const m = await prepareTimeseries({ input: await writeSeries('base', SERIES), out: path.join(tmp, 'base'), ...options });
    expect(m.transform).toBe('log');
    expect(m.difference).toEqual([1, 12]);
    expect(m.seriesRows).toEqual({ train: 32, validation: 8 });
    // 40 - 13 differenced rows, 32 - 13 = 19 of them train: 19 - 7 + 1 train windows.
    expect(m.splits.train.rows).toBe(13);
    expect(m.splits.validation.rows).toBe(8);
    const validation = await readAll(path.join(tmp, 'base'), 'validation');
    expect(validation.original.flat()).toEqual(SERIES.slice(32));
    toOriginalUnits(m, validation.y.flat(), validation.level.flat()).forEach((v, k) => expect(v).toBeCloseTo(SERIES[32 + k]!, 3));
  });

  it('the forecast of month t uses no value at or after t: changing them leaves its inputs and level unchanged', async () => {
    const base = await readAll(path.join(tmp, 'base'), 'validation');
    for (let k = 0; k < 8; k++) {
      const t = 32 + k; // the original row validation row k forecasts
      const changed = SERIES.map((v, i) => (i >= t ? v * 3 + 7 : v));
      const out = path.join(tmp, `changed-${k}`);
      await prepareTimeseries({ input: await writeSeries(`changed-${k}`, changed), out, ...options });
      const rows = await readAll(out, 'validation');
      expect(rows.x[k], `inputs of the forecast of row ${t}`).toEqual(base.x[k]);
      expect(rows.level[k], `level of the forecast of row ${t}`).toEqual(base.level[k]);
      expect(rows.original[k]).toEqual([changed[t]]); // and the target itself did change
    }
  });

  it('refuses bad transform and difference options, naming the field', async () => {
    const input = await writeSeries('bad', SERIES);
    const out = path.join(tmp, 'bad-out');
    await expect(prepareTimeseries({ input, out, window: 6, transform: 'sqrt' as 'log' })).rejects.toThrow(/option "transform" must be one of "none", "log", got "sqrt"/);
    await expect(prepareTimeseries({ input, out, window: 6, difference: [0] })).rejects.toThrow(/option "difference" must be a list of positive integer lags/);
    await expect(prepareTimeseries({ input, out, window: 6, difference: [12, 12, 12] })).rejects.toThrow(/option "difference" \(\[12,12,12\]\) consumes 36 rows/);
    const negative = await writeSeries('negative', SERIES.map((v, t) => (t === 5 ? -v : v)));
    await expect(prepareTimeseries({ input: negative, out, timeColumn: 'month', window: 6, transform: 'log' })).rejects.toThrow(/"transform" is "log".*row 7 of .*negative\.csv, column "v"/);
  });
});
