import { describe, expect, it } from 'vitest';
import type { DatasetManifest } from '@seqtrain/data';
import { describeValidation, validationFigure, validationMetrics } from './validation-metrics.js';

const done = (rank: number, lossSum: number, count: number, extra: Record<string, number> = {}) => ({ type: 'evalDone' as const, generation: 0, rank, step: 9, lossSum, count, correct: 0, ...extra });

function manifest(fields: Record<string, unknown>): DatasetManifest {
  return fields as unknown as DatasetManifest;
}

describe('validationMetrics', () => {
  it('timeseries: RMSE in the original units (scaled MSE x range squared), one-step', () => {
    const m = manifest({ kind: 'timeseries', features: ['passengers'], target: 'passengers', scaling: { method: 'minmax', min: [104], max: [622] }, transform: 'none', difference: [] });
    // Scaled MSE 0.0016 over 24 windows: RMSE 0.04 x 518 = 20.72 thousand.
    const v = validationMetrics(m, 9, [done(0, 0.0016 * 12, 12), done(1, 0.0016 * 12, 12)]);
    expect(v).toMatchObject({ step: 9, samples: 24 });
    expect(v.rmse).toBeCloseTo(20.72, 6);
    expect(v.mse).toBeCloseTo(20.72 ** 2, 4);
    expect(validationFigure(v)).toBe('RMSE 20.72');
    const standard = validationMetrics(manifest({ kind: 'timeseries', features: ['a', 'b'], target: 'b', scaling: { method: 'standard', mean: [0, 5], std: [1, 3] }, transform: 'none', difference: [] }), 9, [done(0, 4, 1)]);
    expect(standard.rmse).toBeCloseTo(6, 10);
    expect(validationFigure({ ...standard, rmse: 0.004083 })).toBe('RMSE 0.00408');
  });

  it('timeseries: the ranks’ original-unit squared errors give the RMSE when sent; a transformed series needs them', () => {
    const m = manifest({ kind: 'timeseries', features: ['v'], target: 'v', scaling: { method: 'standard', mean: [0], std: [0.1] }, transform: 'log', difference: [1, 12] });
    // 24 targets, squared errors summing to 24 x 400: RMSE 20, whatever the scaled loss.
    const v = validationMetrics(m, 9, [done(0, 5, 12, { originalSquaredErrorSum: 12 * 300, originalTargets: 12 }), done(1, 5, 12, { originalSquaredErrorSum: 12 * 500, originalTargets: 12 })]);
    expect(v.rmse).toBeCloseTo(20, 10);
    expect(v.mse).toBeCloseTo(400, 10);
    expect(() => validationMetrics(m, 9, [done(0, 5, 12)])).toThrow(/transform log, difference \[1,12\].*original-unit errors/);
  });

  it('text reports bits per char; idx and classification accuracy; pairs the ranks’ shared chrF', () => {
    expect(validationMetrics(manifest({ kind: 'text' }), 1, [done(0, Math.LN2 * 3, 2), done(1, Math.LN2, 2)]).bitsPerChar).toBeCloseTo(1, 12);
    const idx = validationMetrics(manifest({ kind: 'idx' }), 1, [done(0, 1, 4, { correct: 3 }), done(1, 1, 4, { correct: 2 })]);
    expect(idx.accuracy).toBe(5 / 8);
    const pairs = validationMetrics(manifest({ kind: 'pairs' }), 1, [done(0, 2, 4, { chrf: 41.5, copyChrf: 20.25, decoded: 7 }), done(1, 2, 3, { chrf: 41.5, copyChrf: 20.25, decoded: 7 })]);
    expect(pairs).toMatchObject({ loss: 4 / 7, chrf: 41.5, copyChrf: 20.25, decoded: 7 });
    expect(describeValidation(pairs)).toMatch(/chrF 41\.5 \(copying the source: 20\.3, 7 pairs\)/);
  });
});
