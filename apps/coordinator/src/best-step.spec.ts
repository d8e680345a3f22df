import { describe, expect, it } from 'vitest';
import { BestStep } from './best-step.js';

const pass = (step: number, loss: number, accuracy?: number) => ({ step, samples: 100, loss, ...(accuracy !== undefined ? { accuracy } : {}) });

describe('BestStep', () => {
  it('keeps the lowest loss, the earlier step on a tie, and never a NaN', () => {
    const best = new BestStep('loss');
    expect(best.step()).toBeNull();
    expect(best.offer(pass(25, NaN))).toBe(false);
    expect(best.offer(pass(50, 0.6))).toBe(true);
    expect(best.offer(pass(75, 0.5))).toBe(true);
    expect(best.offer(pass(100, 0.5))).toBe(false);
    expect(best.offer(pass(125, 0.7))).toBe(false);
    expect(best.selection()).toEqual({ monitor: 'loss', split: 'validation', step: 75, value: 0.5, samples: 100, candidates: [25, 50, 75, 100, 125] });
  });

  it('keeps the highest accuracy when monitoring accuracy', () => {
    const best = new BestStep('accuracy');
    best.offer(pass(10, 0.3, 0.7));
    best.offer(pass(20, 0.2, 0.8));
    best.offer(pass(30, 0.1, 0.75));
    expect(best.step()).toBe(20);
  });
});
