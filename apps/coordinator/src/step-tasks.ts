/**
 * What the coordinator does between steps (coordinator.ts flow 6 and 7): validation passes, with the
 * job's restoreBest selection and the final pass on the test split, and checkpoints written by rank 0.
 * It reaches the ranks only through the StepTasksHost the coordinator hands it; the reply collector,
 * the world size and the generation change at every re-formation (flow 12), so the host gives them
 * as functions, read at each use.
 */
import { dirname } from 'node:path';
import { SeqtrainError, type Logger } from '@seqtrain/common';
import type { DatasetManifest } from '@seqtrain/data';
import type { CoordinatorMessage, Job, MessageOf, WorkerMessage } from '@seqtrain/protocol';
import { BestStep } from './best-step.js';
import { pruneCheckpoints } from './checkpoint-retention.js';
import type { CoordinatorEvent } from './coordinator-event.js';
import type { ReplyCollector } from './reply-collector.js';
import type { RunDirectory } from './run-directory.js';
import type { ValidationResult } from './run-tracker.js';
import { validationMetrics, type Selection, type ValidationMetrics } from './validation-metrics.js';

type EvalDone = MessageOf<WorkerMessage, 'evalDone'>;
type CheckpointDone = MessageOf<WorkerMessage, 'checkpointDone'>;

export interface StepTasksHost {
  job: Job;
  manifest: DatasetManifest;
  runDir: RunDirectory;
  log: Logger;
  emit(event: CoordinatorEvent): void;
  /** The current generation's reply collector. */
  collector(): ReplyCollector;
  generation(): number;
  /** Ranks in the current generation. */
  world(): number;
  /** Races a wait against the run's failure and the next membership change. */
  guard<T>(p: Promise<T>): Promise<T>;
  broadcast(msg: CoordinatorMessage): void;
  send(rank: number, msg: CoordinatorMessage): void;
}

/** What the validation and checkpoint after one step produced (each absent when not due). */
export interface StepTasksResult {
  validation?: ValidationResult;
  checkpoint?: string;
}

/** What one evaluate message asks beyond the default validation pass (protocol.ts EvaluateSchema). */
interface EvaluateOptions {
  split?: 'validation' | 'test';
  restoreStep?: number;
  snapshot?: boolean;
  retain?: number[];
}

export class StepTasks {
  /** The job's restoreBest: the best validation pass so far. */
  private readonly bestStep: BestStep | null;

  constructor(private readonly host: StepTasksHost) {
    this.bestStep = host.job.restoreBest !== undefined ? new BestStep(host.job.restoreBest) : null;
  }

  /** Validation and checkpoint after `completed` steps, when due. */
  async after(completed: number, totalSteps: number, stepsPerEpoch: number): Promise<StepTasksResult> {
    const { job, manifest, log } = this.host;
    const last = completed === totalSteps;
    const out: StepTasksResult = {};
    if (last || (job.validateEvery !== undefined && completed % job.validateEvery === 0)) {
      const best = this.bestStep;
      out.validation = await this.validate(completed, best ? { snapshot: true, retain: best.step() === null ? [] : [best.step() as number] } : {});
      best?.offer(out.validation.metrics);
      // After the last step: the selected weights (restoreBest) scored on the test split when the
      // dataset has one; selection only ever looked at the validation split.
      const testSplit = manifest.kind !== 'text' && manifest.splits.test !== undefined;
      if (last && (best !== null || testSplit)) {
        const selection = best?.selection() ?? null;
        if (selection) log.info(selection, `restoring the weights of step ${selection.step} (best validation ${selection.monitor})`);
        out.validation = await this.validate(
          completed,
          { split: testSplit ? 'test' : 'validation', ...(selection ? { restoreStep: selection.step } : {}) },
          selection
        );
      }
    }
    if (last || completed % job.checkpointEvery === 0) {
      const epoch = Math.floor((completed - 1) / stepsPerEpoch);
      out.checkpoint = await this.checkpoint(completed, epoch, ((completed - 1) % stepsPerEpoch) + 1);
    }
    return out;
  }

  /** One evaluate pass; `selection` (restoreBest's final pass) is recorded with its figures. */
  private async validate(step: number, options: EvaluateOptions = {}, selection: Selection | null = null): Promise<ValidationResult> {
    const { job, manifest, runDir } = this.host;
    const split = options.split ?? 'validation';
    const splitRows = split === 'test' ? (manifest.kind === 'text' ? 0 : (manifest.splits.test?.rows ?? 0)) : manifest.splits.validation.rows;
    const maxSamples = Math.min(job.validationMaxSamples, splitRows);
    const batchSize = Math.max(32, Math.ceil(job.globalBatch / this.host.world()));
    const replies = this.host.collector().expect<EvalDone>('evalDone', step);
    const decode = manifest.kind === 'pairs' ? { samples: job.chrf.samples, maxSourceChars: job.chrf.maxSourceChars } : undefined;
    this.host.broadcast({ type: 'evaluate', generation: this.host.generation(), step, maxSamples, batchSize, ...(decode ? { decode } : {}), ...(split === 'test' ? { split } : {}), ...options });
    const all = await this.host.guard(replies);
    const metrics: ValidationMetrics = { ...validationMetrics(manifest, step, all), split, ...(selection ? { selection } : {}) };
    const { loss, samples } = metrics;
    const bitsPerToken = loss / Math.LN2;
    // Accuracy is a classification figure; a text run's next-character accuracy is not reported.
    const accuracy = metrics.accuracy ?? null;
    runDir.appendValidation({ ...metrics, bitsPerToken, accuracy });
    this.host.emit({ type: 'validation', step, loss, bitsPerToken, samples, accuracy, metrics });
    return { loss, samples, accuracy, metrics };
  }

  private async checkpoint(stepsCompleted: number, epoch: number, stepInEpoch: number): Promise<string> {
    const { job, manifest, runDir, log } = this.host;
    const dir = runDir.checkpointDir(stepsCompleted);
    const stepsPerEpoch = Math.ceil(manifest.splits.train.rows / job.globalBatch);
    // A checkpoint taken at an epoch's end resumes at the next epoch's first step.
    const atEpochEnd = stepInEpoch >= stepsPerEpoch;
    const reply = this.host.collector().expect<CheckpointDone>('checkpointDone', stepsCompleted, [0]);
    this.host.send(0, {
      type: 'checkpoint',
      generation: this.host.generation(),
      step: stepsCompleted,
      dir,
      epoch: atEpochEnd ? epoch + 1 : epoch,
      stepInEpoch: atEpochEnd ? 0 : stepInEpoch,
    });
    const [done] = await this.host.guard(reply);
    if (!done) throw new SeqtrainError('ERR_PROTOCOL', `Rank 0 did not report checkpoint ${dir}.`, { rank: 0 });
    this.host.emit({ type: 'checkpoint', step: stepsCompleted, path: done.path });
    pruneCheckpoints(dirname(dir), job.keepCheckpoints, log);
    return done.path;
  }
}
