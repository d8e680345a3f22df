/**
 * Learning rate per step (Goyal et al. 2017, "Accurate, Large Minibatch SGD"): with `scaling`
 * 'linear' the rate is the job's learningRate x worldSize (the linear scaling rule, for jobs whose
 * global batch grows with the workers, as Horovod's `lr * hvd.size()`); over the first `warmupSteps`
 * steps it ramps linearly from learningRate to that target (gradual warm-up), reaching it at step
 * warmupSteps - 1: rate(step) = base + (target - base) * min(1, (step + 1) / warmupSteps).
 * 'none' keeps learningRate (warm-up then ramps from base to base, a no-op). Steps count from 0.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';

export const LR_SCALINGS = ['none', 'linear'] as const;
export type LrScaling = (typeof LR_SCALINGS)[number];

export interface LrSchedule {
  /** The job's learningRate. */
  base: number;
  scaling: LrScaling;
  /** Steps of linear warm-up; 0 for none. */
  warmupSteps: number;
  worldSize: number;
}

export function checkLrSchedule(schedule: LrSchedule): void {
  if (!LR_SCALINGS.includes(schedule.scaling)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `lrScaling must be one of ${LR_SCALINGS.join(', ')}, got ${JSON.stringify(schedule.scaling)}.`, { field: 'lrScaling' });
  }
  if (!Number.isInteger(schedule.warmupSteps) || schedule.warmupSteps < 0) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `warmupSteps must be a non-negative integer, got ${schedule.warmupSteps}.`, { field: 'warmupSteps' });
  }
  if (!(schedule.base > 0) || !Number.isFinite(schedule.base)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `learningRate must be a finite number > 0, got ${schedule.base}.`, { field: 'learningRate' });
  }
}

export function learningRateAt(schedule: LrSchedule, step: number): number {
  const target = schedule.scaling === 'linear' ? schedule.base * schedule.worldSize : schedule.base;
  if (schedule.warmupSteps === 0) return target;
  const fraction = Math.min(1, (step + 1) / schedule.warmupSteps);
  return schedule.base + (target - schedule.base) * fraction;
}

/** Sets a tfjs optimizer's rate for its next applyGradients (SGD keeps a cached -rate scalar; the others read the field). */
export function setOptimizerLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const target = optimizer as unknown as { learningRate: number; setLearningRate?: (rate: number) => void };
  if (target.learningRate === learningRate) return;
  if (typeof target.setLearningRate === 'function') target.setLearningRate(learningRate);
  else target.learningRate = learningRate;
}
