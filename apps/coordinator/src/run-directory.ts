/**
 * The run directory, as a user finds it after a run:
 *   job.json         the resolved job (defaults filled in)
 *   metrics.jsonl    one JSON line per step: step, epoch, loss, samplesPerSecond, stepSeconds, commSeconds, ...
 *   validation.jsonl one JSON line per validation pass: step, loss, bitsPerToken, samples, accuracy (null unless
 *                    classification/idx), and the kind's figures as in summary.json `validation`
 *   summary.json     written once at the end (RunSummary)
 *   checkpoints/step-NNNNNNN/  model.json + weights.bin (tfjs layers format), optimizer.*, trainer-state.json
 *   logs/            worker logs of a local run
 */
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidationMetrics } from './validation-metrics.js';

export interface StepMetrics {
  /** Global step, 0-based. */
  step: number;
  epoch: number;
  /** Mean loss over the step's global batch (nats), weighted by each rank's sample count. */
  loss: number;
  /** Samples in the global batch. */
  samples: number;
  /** Global samples / stepSeconds. */
  samplesPerSecond: number;
  /** Wall time of the step as seen by the coordinator, command sent to last rank done (s). */
  stepSeconds: number;
  /** Mean over ranks of the time spent inside the gradient all-reduce (s). */
  commSeconds: number;
  /** Mean over ranks of the communication time no computation overlapped (s). */
  commExposedSeconds: number;
  /** 1 - commExposedSeconds / commSeconds: the share of communication hidden behind other work. */
  commHiddenFraction: number;
  /** Mean over ranks of forward + backward time (s). */
  computeSeconds: number;
  /** Mean over ranks of the time reading the batch (s). */
  dataSeconds: number;
}

/** One re-formation of the ring in an elastic run (summary.json `membershipChanges`). */
export interface MembershipChange {
  /** The generation the change started. */
  generation: number;
  /** Ranks of the previous generation that were dropped, and why (socket closed, silent, no rejoin). */
  lost: { rank: number; hostname: string; pid: number; reason: string }[];
  /** Processes that joined with this change (new or restarted workers, up to maxWorkers). */
  joined: { hostname: string; pid: number }[];
  /** The step that was in flight (or about to start) when the loss was seen. */
  atStep: number;
  /** Steps completed at the commit the survivors rolled back to; steps from here on were re-done. */
  rollbackStep: number;
  /** Ranks in the new ring. */
  worldSize: number;
  /** From the loss being seen to every rank of the new ring being ready (s). */
  recoverySeconds: number;
}

export interface RunSummary {
  /** Backend each rank selected, index = rank (usually all equal). */
  backend: string;
  backends: string[];
  worldSize: number;
  workers: number;
  devicesPerWorker: number;
  globalBatch: number;
  /** Steps run in this invocation, and the global step reached. */
  steps: number;
  finalStep: number;
  startStep: number;
  epochs: number;
  wallSeconds: number;
  /** Samples / training time (excludes start-up, validation and checkpoints). */
  samplesPerSecond: number;
  /** Loss of the first step run. */
  initialLoss: number;
  /** Mean loss of the last min(10, steps) steps. */
  finalLoss: number;
  /** Loss on the validation samples after the last step (nats), and in bits per token. */
  validationLoss: number | null;
  validationBitsPerToken: number | null;
  validationSamples: number;
  /** Share of the validation samples classified right after the last step; null for a text dataset. */
  validationAccuracy: number | null;
  /**
   * The last validation pass's figures by dataset kind (validation-metrics.ts: loss always; bitsPerChar,
   * accuracy, rmse + mse, or chrf + copyChrf); null before any validation.
   */
  validation: ValidationMetrics | null;
  /** Latest checkpoint directory (absolute). */
  checkpoint: string | null;
  parameterCount: number;
  seed: number;
  optimizer: string;
  learningRate: number;
  dataDir: string;
  resumedFrom: string | null;
  /** Mean share of step time inside the all-reduce. */
  commFraction: number;
  /** Ranks at the end (below worldSize after an elastic run lost some). */
  finalWorldSize: number;
  /** Every re-formation of the ring, in order (empty when no rank was lost). */
  membershipChanges: MembershipChange[];
  status: 'completed' | 'failed';
  error?: { code: string; message: string };
}

export class RunDirectory {
  readonly dir: string;
  private readonly metricsFd: number;
  private readonly validationFd: number;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    mkdirSync(join(dir, 'logs'), { recursive: true });
    // Appending keeps a resumed run's history in the same files.
    this.metricsFd = openSync(join(dir, 'metrics.jsonl'), 'a');
    this.validationFd = openSync(join(dir, 'validation.jsonl'), 'a');
  }

  checkpointDir(stepsCompleted: number): string {
    return join(this.dir, 'checkpoints', `step-${String(stepsCompleted).padStart(7, '0')}`);
  }

  writeJob(job: unknown): void {
    writeJsonAtomic(join(this.dir, 'job.json'), job);
  }

  appendMetrics(metrics: StepMetrics): void {
    writeSync(this.metricsFd, JSON.stringify(metrics) + '\n');
  }

  appendValidation(entry: Omit<ValidationMetrics, 'accuracy'> & { bitsPerToken: number; accuracy: number | null }): void {
    writeSync(this.validationFd, JSON.stringify(entry) + '\n');
  }

  writeSummary(summary: RunSummary): string {
    const path = join(this.dir, 'summary.json');
    writeJsonAtomic(path, summary);
    return path;
  }

  close(): void {
    closeSync(this.metricsFd);
    closeSync(this.validationFd);
  }
}

/** Write to a temporary name then rename: a reader never sees half a file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}
