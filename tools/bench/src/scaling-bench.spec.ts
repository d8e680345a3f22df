import { describe, expect, it } from 'vitest';
import { minExposedPerStep, scalingRows, scalingTable, stepFigures } from './scaling-bench.js';

const line = (step: number, samples: number, stepSeconds: number, commSeconds: number, commExposedSeconds: number) =>
  JSON.stringify({ step, epoch: 0, loss: 1, samples, samplesPerSecond: samples / stepSeconds, stepSeconds, commSeconds, commExposedSeconds, commHiddenFraction: 0, computeSeconds: stepSeconds / 2, dataSeconds: 0 });

describe('stepFigures', () => {
  it('sums samples and seconds after the warm-up steps', () => {
    const jsonl = [line(0, 32, 10, 5, 5), line(1, 32, 0.1, 0.02, 0.01), line(2, 32, 0.3, 0.04, 0.03)].join('\n') + '\n';
    const f = stepFigures(jsonl, 1, 1, 32);
    expect(f.steps).toBe(2);
    expect(f.samplesPerSecond).toBeCloseTo(64 / 0.4, 9);
    expect(f.exposedCommShare).toBeCloseTo(0.04 / 0.4, 9);
    expect(f.commShare).toBeCloseTo(0.06 / 0.4, 9);
    expect(f.meanStepSeconds).toBeCloseTo(0.2, 9);
  });

  it('splits exposed communication into the transfer (least exposed rank per step) and waiting for slower ranks', () => {
    const rankLine = (rank: number, step: number, computeSeconds: number, commExposedSeconds: number) =>
      JSON.stringify({ level: 20, rank, msg: 'step done', step, computeSeconds, dataSeconds: 0.001, commSeconds: commExposedSeconds, commExposedSeconds, commitSeconds: 0 });
    const logs = [
      [JSON.stringify({ level: 30, msg: 'ready' }), rankLine(0, 0, 9, 9), rankLine(0, 1, 0.05, 0.04), rankLine(0, 2, 0.2, 0.01)].join('\n'),
      [rankLine(1, 0, 9, 9), rankLine(1, 1, 0.08, 0.01), rankLine(1, 2, 0.15, 0.06)].join('\n'),
    ];
    const last = minExposedPerStep(logs, 1);
    expect([...last.entries()].sort()).toEqual([[1, 0.01], [2, 0.01]]);
    const jsonl = [line(0, 64, 10, 9, 9), line(1, 64, 0.1, 0.04, 0.025), line(2, 64, 0.3, 0.06, 0.035)].join('\n');
    const f = stepFigures(jsonl, 1, 2, 64, last);
    expect(f.exposedCommShare).toBeCloseTo(0.06 / 0.4, 9);
    expect(f.transferShare).toBeCloseTo(0.02 / 0.4, 9);
    expect(f.waitShare).toBeCloseTo(0.04 / 0.4, 9);
  });

  it('refuses a run with no step after the warm-up', () => {
    expect(() => stepFigures(line(0, 32, 1, 0, 0), 1, 1, 32)).toThrow(/no steps after the 1 warm-up/);
  });
});

describe('scalingRows', () => {
  const figures = (workers: number, samplesPerSecond: number) => ({ workers, globalBatch: 32 * workers, steps: 10, samplesPerSecond, exposedCommShare: 0, transferShare: 0, waitShare: 0, commShare: 0, computeShare: 1, meanStepSeconds: 0.1 });

  it('takes the median repeat and divides by workers x the first world size per worker', () => {
    const rows = scalingRows([
      [figures(1, 100), figures(1, 300), figures(1, 200)],
      [figures(2, 360), figures(2, 380), figures(2, 100)],
    ]);
    expect(rows[0]?.samplesPerSecond).toBe(200);
    expect(rows[0]?.efficiency).toBe(1);
    expect(rows[1]?.samplesPerSecond).toBe(360);
    expect(rows[1]?.efficiency).toBeCloseTo(0.9, 12);
    expect(rows[1]?.runs).toEqual([360, 380, 100]);
    expect(scalingTable(rows)).toContain('| 2 | 64 | 10 | 360.0 | 90.0% |');
  });
});
