/**
 * A job's coordinator run inside the CLI process (`seqtrain local`, `coordinator` and `slurm`): the data
 * prepared and the model checked before anything listens, progress driven by its events, and the lines
 * that report how the run ended.
 */
import type { Logger } from '@seqtrain/common';
import { Coordinator, describeValidation, type RunSummary } from '@seqtrain/coordinator';
import type { Job } from '@seqtrain/protocol';
import { readDatasetManifest } from '@seqtrain/data';
import { RunProgress } from './progress.js';
import { checkJobEmbeddings, checkJobModel, prepareJobData } from './prepare-job-data.js';
import { generateText } from './generate-text.js';

export interface JobCoordinator {
  coordinator: Coordinator;
  progress: RunProgress;
}

export async function startJobCoordinator(
  job: Job,
  runDir: string,
  options: { say: (line: string) => void; tty: boolean; logger?: Logger; insecure?: boolean }
): Promise<JobCoordinator> {
  // A corrupted latest checkpoint is reported (naming the file) and the previous one used.
  // The trainer (and tfjs) is loaded only when resuming.
  if (job.resume) {
    const { resolveResumeCheckpoint } = await import('@seqtrain/trainer');
    job = { ...job, resume: await resolveResumeCheckpoint(job.resume, (m) => options.say(`warning: ${m}`)) };
  }
  const dataDir = await prepareJobData(job, runDir, options.say);
  job = await checkJobEmbeddings(job, await checkJobModel(job, dataDir), options.say);
  const progress = new RunProgress({ tty: options.tty, logEvery: job.logEvery });
  const coordinator = await Coordinator.start({ job, runDir, dataDir, logger: options.logger, onEvent: (e) => progress.handle(e), insecure: options.insecure });
  return { coordinator, progress };
}

/** The one-line result of a completed run: steps, time, throughput, loss and validation loss (and accuracy for a classifier). */
export function describeSummary(summary: RunSummary): string {
  return (
    `done: ${summary.steps} steps in ${summary.wallSeconds.toFixed(1)} s, ${summary.samplesPerSecond.toFixed(0)} samples/s, loss ${summary.initialLoss.toFixed(3)} -> ${summary.finalLoss.toFixed(3)}` +
    (summary.validationLoss === null
      ? ''
      : summary.validation && (summary.validation.rmse !== undefined || summary.validation.chrf !== undefined)
        ? `, validation ${describeValidation(summary.validation)} on ${summary.validationSamples} samples`
      : summary.validationAccuracy !== null
        ? `, validation ${summary.validationLoss.toFixed(3)} nats, accuracy ${(100 * summary.validationAccuracy).toFixed(1)}% on ${summary.validationSamples} samples`
        : `, validation ${summary.validationLoss.toFixed(3)} nats (${summary.validationBitsPerToken?.toFixed(3)} bits/char)`) +
    summary.membershipChanges
      .map(
        (c) =>
          `\nelastic: ${c.lost.length ? `lost ${c.lost.map((l) => `rank ${l.rank} (${l.reason})`).join(', ')}` : `${c.joined.length} joined`} at step ${c.atStep}; rolled back to step ${c.rollbackStep}; ${c.worldSize} ranks after; recovery ${c.recoverySeconds.toFixed(2)} s`
      )
      .join('')
  );
}

/** Prints the job's sample of generated text from the run's last checkpoint, when the job asks for one. */
export async function printGeneratedSample(job: Job, summary: RunSummary): Promise<void> {
  if (!summary.checkpoint || job.generate.length === 0) return;
  // Only a character language model generates text (a series, image or translation model does not).
  if ((await readDatasetManifest(summary.dataDir)).kind !== 'text') return;
  const text = await generateText({
    checkpoint: summary.checkpoint,
    prime: job.generate.prime,
    length: job.generate.length,
    temperature: job.generate.temperature,
    seed: job.seed,
    backend: job.backend,
  });
  process.stdout.write(`\n--- sample (temperature ${job.generate.temperature}) ---\n${text}\n---\n\n`);
}
