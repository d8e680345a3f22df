/**
 * What summary.json reports about the steps: the per-step aggregate of the ranks' `stepDone`s, and the
 * accumulation over the run.
 */
import { resolve } from 'node:path';
import type { Job, MessageOf, WorkerMessage } from '@seqtrain/protocol';
import type { MembershipChange, RunSummary, StepMetrics } from './run-directory.js';
import type { ValidationMetrics } from './validation-metrics.js';

type StepDone = MessageOf<WorkerMessage, 'stepDone'>;
const FINAL_LOSS_WINDOW_STEPS = 10;

export interface ValidationResult {
  loss: number;
  samples: number;
  /** Share of validation samples classified right; null for a text dataset. */
  accuracy: number | null;
  /** The kind's figures (validation-metrics.ts): summary.json's `validation`. */
  metrics: ValidationMetrics;
}

export function aggregateStep(replies: StepDone[], step: number, epoch: number, stepSeconds: number): StepMetrics {
  let samples = 0;
  let lossSum = 0;
  let comm = 0;
  let exposed = 0;
  let compute = 0;
  let data = 0;
  for (const r of replies) {
    if (r.count > 0) lossSum += r.loss * r.count;
    samples += r.count;
    comm += r.commSeconds;
    exposed += r.commExposedSeconds ?? r.commSeconds;
    compute += r.computeSeconds;
    data += r.dataSeconds;
  }
  const n = replies.length;
  return {
    step,
    epoch,
    loss: lossSum / samples,
    samples,
    samplesPerSecond: samples / stepSeconds,
    stepSeconds,
    commSeconds: comm / n,
    commExposedSeconds: exposed / n,
    commHiddenFraction: comm > 0 ? Math.max(0, 1 - exposed / comm) : 0,
    computeSeconds: compute / n,
    dataSeconds: data / n,
  };
}

/** Accumulates what summary.json reports about the steps. */
export class RunTracker {
  private readonly losses: number[] = [];
  private samples = 0;
  private seconds = 0;
  private comm = 0;
  private lastEpoch = 0;

  private readonly steps: number[] = [];
  private readonly perStep: { samples: number; seconds: number; comm: number }[] = [];

  /** Forgets the steps from `step` on (an elastic rollback re-does them; metrics.jsonl keeps both lines). */
  rollback(step: number): void {
    while (this.steps.length > 0 && (this.steps[this.steps.length - 1] as number) >= step) {
      this.steps.pop();
      this.losses.pop();
      const p = this.perStep.pop();
      if (p) {
        this.samples -= p.samples;
        this.seconds -= p.seconds;
        this.comm -= p.comm;
      }
    }
  }

  add(m: StepMetrics): void {
    this.steps.push(m.step);
    this.perStep.push({ samples: m.samples, seconds: m.stepSeconds, comm: m.commSeconds });
    this.losses.push(m.loss);
    this.samples += m.samples;
    this.seconds += m.stepSeconds;
    this.comm += m.commSeconds;
    this.lastEpoch = m.epoch;
  }

  summary(o: {
    backends: string[];
    job: Job;
    worldSize: number;
    startStep: number;
    totalSteps: number;
    stepsPerEpoch: number;
    wallSeconds: number;
    validation: ValidationResult | null;
    checkpoint: string | null;
    parameterCount: number;
    dataDir: string;
    finalWorldSize: number;
    membershipChanges: MembershipChange[];
  }): RunSummary {
    const tail = this.losses.slice(-FINAL_LOSS_WINDOW_STEPS);
    return {
      backend: o.backends[0] ?? 'unknown',
      backends: o.backends,
      worldSize: o.worldSize,
      workers: o.job.workers,
      devicesPerWorker: o.job.devicesPerWorker,
      globalBatch: o.job.globalBatch,
      steps: this.losses.length,
      finalStep: o.startStep + this.losses.length,
      startStep: o.startStep,
      epochs: this.losses.length ? this.lastEpoch + 1 : 0,
      wallSeconds: o.wallSeconds,
      samplesPerSecond: this.seconds > 0 ? this.samples / this.seconds : 0,
      initialLoss: this.losses[0] ?? Number.NaN,
      finalLoss: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : Number.NaN,
      validationLoss: o.validation?.loss ?? null,
      validationBitsPerToken: o.validation ? o.validation.loss / Math.LN2 : null,
      validationSamples: o.validation?.samples ?? 0,
      validationAccuracy: o.validation?.accuracy ?? null,
      validation: o.validation?.metrics ?? null,
      checkpoint: o.checkpoint,
      parameterCount: o.parameterCount,
      seed: o.job.seed,
      optimizer: o.job.optimizer,
      learningRate: o.job.learningRate,
      dataDir: o.dataDir,
      resumedFrom: o.job.resume ? resolve(o.job.resume) : null,
      commFraction: this.seconds > 0 ? this.comm / this.seconds : 0,
      finalWorldSize: o.finalWorldSize,
      membershipChanges: o.membershipChanges,
      status: 'completed',
    };
  }
}
