import { describe, expect, it } from 'vitest';
import { originalSquaredError, toOriginalUnits } from './series-inverse.js';
import { applyTransform, difference, differencingCoefficients, invertTransform, levelAt, undifference } from './series-transform.js';
import { fitScaling, scale } from './scaling.js';

// 30 months with a trend and a 12-month pattern (integers, so integer differencing is exact).
const SERIES = Array.from({ length: 30 }, (_, t) => 100 + 3 * t + [0, 5, 9, 4, -2, 7, 15, 14, 6, -1, -8, 3][t % 12]!);

describe('series transforms', () => {
  it('(1 - B)(1 - B^12) has the coefficients 1, -1, 0 x 10, -1, 1', () => {
    expect(differencingCoefficients([1, 12])).toEqual([1, -1, ...Array<number>(10).fill(0), -1, 1]);
    expect(differencingCoefficients([])).toEqual([1]);
    expect(differencingCoefficients([1, 1])).toEqual([1, -2, 1]);
  });

  it('differencing and its inverse round-trip exactly on an integer series', () => {
    for (const lags of [[1], [12], [1, 12], [1, 1]]) {
      const order = lags.reduce((a, b) => a + b, 0);
      const z = difference(SERIES, lags);
      expect(z).toHaveLength(SERIES.length - order);
      expect(undifference(z, SERIES.slice(0, order), lags)).toEqual(SERIES);
    }
    // z_t = y_t - y_{t-1} - y_{t-12} + y_{t-13} for [1, 12].
    expect(difference(SERIES, [1, 12])[0]).toBe(SERIES[13]! - SERIES[12]! - SERIES[1]! + SERIES[0]!);
  });

  it('log and its inverse round-trip to 1e-12, and log + [1, 12] undoes to the original series', () => {
    const w = applyTransform(SERIES, 'log', (t) => `row ${t}`);
    w.forEach((v, t) => expect(invertTransform(v, 'log')).toBeCloseTo(SERIES[t]!, 12));
    const back = undifference(difference(w, [1, 12]), w.slice(0, 13), [1, 12]).map((v) => invertTransform(v, 'log'));
    back.forEach((v, t) => expect(Math.abs(v - SERIES[t]!)).toBeLessThan(1e-9));
  });

  it('level_t uses no value at or after t: changing them leaves it unchanged', () => {
    const w = applyTransform(SERIES, 'log', (t) => `row ${t}`);
    for (let t = 13; t < SERIES.length; t++) {
      const changed = w.map((v, i) => (i >= t ? v + 1000 : v));
      expect(levelAt(changed, [1, 12], t)).toBe(levelAt(w, [1, 12], t));
    }
  });

  it('scaled differenced values map back to the original targets through toOriginalUnits', () => {
    const w = applyTransform(SERIES, 'log', (t) => `row ${t}`);
    const z = difference(w, [1, 12]);
    const scaling = fitScaling('standard', [z]);
    const levels = z.map((_, j) => levelAt(w, [1, 12], j + 13));
    const manifest = { features: ['v'], target: 'v', scaling, transform: 'log' as const };
    toOriginalUnits(manifest, scale(z, scaling), levels).forEach((v, j) => expect(v).toBeCloseTo(SERIES[j + 13]!, 9));
    // A scaled prediction of 0 difference is the seasonal ratio forecast y_{t-12} y_{t-1} / y_{t-13}.
    const zeroDiff = scale([0], scaling)[0]!;
    const [ratio] = toOriginalUnits(manifest, [zeroDiff], [levels[0]!]);
    expect(ratio).toBeCloseTo((SERIES[1]! * SERIES[12]!) / SERIES[0]!, 9);
    const err = originalSquaredError(manifest, [zeroDiff], [levels[0]!], [SERIES[13]!]);
    expect(err.count).toBe(1);
    expect(err.sum).toBeCloseTo((ratio! - SERIES[13]!) ** 2, 9);
  });

  it('log refuses a value <= 0, naming the row', () => {
    expect(() => applyTransform([3, 0, 2], 'log', (t) => `row ${t + 2} of s.csv`)).toThrow(/"transform" is "log".*row 3 of s\.csv is 0/);
  });
});
