/**
 * Learning rate per step (Goyal et al. 2017, "Accurate, Large Minibatch SGD"): with `scaling`
 * 'linear' the rate is the job's learningRate x worldSize (the linear scaling rule, for jobs whose
 * global batch grows with the workers, as Horovod's `lr * hvd.size()`); over the first `warmupSteps`
 * steps it ramps linearly from learningRate to that target (gradual warm-up), reaching it at step
 * warmupSteps - 1: rate(step) = base + (target - base) * min(1, (step + 1) / warmupSteps).
 * 'none' keeps learningRate (warm-up then ramps from base to base, a no-op). Steps count from 0.
 * An optional `decay` then multiplies the rate by a factor falling linearly over [startStep, endStep)
 * from 1 to finalFraction, reached at the last step endStep - 1: a final annealing phase, which lets a
 * run settle into a lower loss than a constant Adam rate does.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';

export const LR_SCALINGS = ['none', 'linear'] as const;
export type LrScaling = (typeof LR_SCALINGS)[number];

export interface LrDecay {
  startStep: number;
  endStep: number;
  /** The factor at step endStep - 1 (and after), in (0, 1]. */
  finalFraction: number;
}

export interface LrSchedule {
  /** The job's learningRate. */
  base: number;
  scaling: LrScaling;
  /** Steps of linear warm-up; 0 for none. */
  warmupSteps: number;
  worldSize: number;
  decay?: LrDecay;
}

export function checkLrSchedule(schedule: LrSchedule): void {
  if (!LR_SCALINGS.includes(schedule.scaling)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `lrScaling must be one of ${LR_SCALINGS.join(', ')}, got ${JSON.stringify(schedule.scaling)}.`, { field: 'lrScaling' });
  }
  if (!Number.isInteger(schedule.warmupSteps) || schedule.warmupSteps < 0) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `warmupSteps must be a non-negative integer, got ${schedule.warmupSteps}.`, { field: 'warmupSteps' });
  }
  const decay = schedule.decay;
  if (decay && !(Number.isInteger(decay.startStep) && Number.isInteger(decay.endStep) && decay.startStep >= 0 && decay.endStep > decay.startStep && decay.finalFraction > 0 && decay.finalFraction <= 1)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `lrDecay needs integer steps 0 <= startStep < endStep and a finalFraction in (0, 1], got ${JSON.stringify(decay)}.`, { field: 'lrDecaySteps' });
  }
  if (!(schedule.base > 0) || !Number.isFinite(schedule.base)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `learningRate must be a finite number > 0, got ${schedule.base}.`, { field: 'learningRate' });
  }
}

function decayFactor(decay: LrDecay | undefined, step: number): number {
  if (!decay) return 1;
  const progress = Math.min(1, Math.max(0, (step + 1 - decay.startStep) / (decay.endStep - decay.startStep)));
  return 1 - (1 - decay.finalFraction) * progress;
}

export function learningRateAt(schedule: LrSchedule, step: number): number {
  const target = schedule.scaling === 'linear' ? schedule.base * schedule.worldSize : schedule.base;
  const warm = schedule.warmupSteps === 0 ? target : schedule.base + (target - schedule.base) * Math.min(1, (step + 1) / schedule.warmupSteps);
  return warm * decayFactor(schedule.decay, step);
}

/** Sets a tfjs optimizer's rate for its next applyGradients (SGD keeps a cached -rate scalar; the others read the field). */
export function setOptimizerLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const target = optimizer as unknown as { learningRate: number; setLearningRate?: (rate: number) => void };
  if (target.learningRate === learningRate) return;
  if (typeof target.setLearningRate === 'function') target.setLearningRate(learningRate);
  else target.learningRate = learningRate;
}
