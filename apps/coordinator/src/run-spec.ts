/**
 * The run spec every rank gets in `welcome` (protocol.ts RunSpecSchema): the job's training settings
 * with what only the coordinator knows filled in (the dataset's fields, the run's length, the
 * checkpoint --resume resolved to). Pure, so a re-formation's `welcome` carries the same spec.
 */
import { resolve } from 'node:path';
import { DEFAULTS, readEnv } from '@seqtrain/common';
import type { DatasetManifest } from '@seqtrain/data';
import type { Job, RunSpec } from '@seqtrain/protocol';
import { modelFieldsFromManifest } from './dataset-model-fields.js';

export interface RunSpecContext {
  manifest: DatasetManifest;
  /** Absolute prepared dataset directory. */
  dataDir: string;
  /** The run's last step (exclusive): the learning-rate decay ends there. */
  totalSteps: number;
  /** The checkpoint rank 0 loads, or null for a fresh start. */
  resumeDir: string | null;
}

export function buildRunSpec(job: Job, ctx: RunSpecContext): RunSpec {
  const embeddings = job.model.embeddings;
  return {
    modelName: job.model.name,
    modelConfig: { ...job.model.config, ...modelFieldsFromManifest(ctx.manifest, ctx.dataDir), seed: job.seed },
    // Absolute, as every path a rank reads (the CLI has already found it in the repository if need be).
    ...(embeddings ? { embeddings: { file: resolve(embeddings.file), trainable: embeddings.trainable, layer: embeddings.layer } } : {}),
    dataDir: ctx.dataDir,
    globalBatch: job.globalBatch,
    seed: job.seed,
    optimizer: job.optimizer,
    learningRate: job.learningRate,
    clipNorm: job.clipNorm ?? null,
    compression: job.compression,
    bucketCapBytes: job.bucketCapBytes,
    accumulateSteps: job.accumulateSteps,
    lrScaling: job.lrScaling,
    warmupSteps: job.warmupSteps,
    ...(job.lrDecaySteps > 0
      ? { lrDecay: { startStep: Math.max(0, ctx.totalSteps - job.lrDecaySteps), endStep: ctx.totalSteps, finalFraction: job.lrDecayTo } }
      : {}),
    backend: job.backend,
    resumeFrom: ctx.resumeDir,
    collectiveTimeoutMs: readEnv().SEQTRAIN_COLLECTIVE_TIMEOUT_MS ?? DEFAULTS.COLLECTIVE_TIMEOUT_MS,
    commitEvery: job.commitEvery,
    checkReplicasEvery: job.checkReplicasEvery,
  };
}
