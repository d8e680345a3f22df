import { describe, expect, it } from 'vitest';
import { learningRateAt, checkLrSchedule } from './lr-schedule.js';

describe('learningRateAt', () => {
  it('scales linearly with world size and warms up linearly from the base rate (Goyal et al.)', () => {
    const schedule = { base: 0.1, scaling: 'linear' as const, warmupSteps: 4, worldSize: 2 };
    const rates = [0, 1, 2, 3, 4, 100].map((step) => learningRateAt(schedule, step));
    [0.125, 0.15, 0.175, 0.2, 0.2, 0.2].forEach((expected, i) => expect(rates[i]).toBeCloseTo(expected, 12));
    expect(learningRateAt({ ...schedule, warmupSteps: 0 }, 0)).toBe(0.2);
    expect(learningRateAt({ ...schedule, scaling: 'none' }, 0)).toBe(0.1);
  });

  it('decays linearly over [startStep, endStep) to finalFraction, reached at the last step', () => {
    const schedule = { base: 0.01, scaling: 'none' as const, warmupSteps: 0, worldSize: 2, decay: { startStep: 6, endStep: 10, finalFraction: 0.2 } };
    const rates = [0, 5, 6, 7, 8, 9, 50].map((step) => learningRateAt(schedule, step));
    [0.01, 0.01, 0.008, 0.006, 0.004, 0.002, 0.002].forEach((expected, i) => expect(rates[i]).toBeCloseTo(expected, 12));
    expect(() => checkLrSchedule({ ...schedule, decay: { startStep: 6, endStep: 6, finalFraction: 0.2 } })).toThrow(/lrDecay/);
    expect(() => checkLrSchedule({ ...schedule, decay: { startStep: 0, endStep: 6, finalFraction: 0 } })).toThrow(/lrDecay/);
  });

  it('rejects an unknown scaling and a negative warm-up', () => {
    expect(() => checkLrSchedule({ base: 0.1, scaling: 'sqrt' as 'none', warmupSteps: 0, worldSize: 1 })).toThrow(/lrScaling/);
    expect(() => checkLrSchedule({ base: 0.1, scaling: 'none', warmupSteps: -1, worldSize: 1 })).toThrow(/warmupSteps/);
  });
});
