/**
 * The job flags shared by `seqtrain local` and `seqtrain coordinator`, and how they combine with a job
 * file: defaults (packages/protocol job schema) < --config FILE < flags.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { SeqtrainError, readEnv } from '@seqtrain/common';
import { BACKENDS, OPTIMIZERS, mergeJobInputs, parseJob, type Job } from '@seqtrain/protocol';
import { fraction, nonNegativeInt, positiveInt, positiveNumber } from './parsers.js';

export interface JobFlags {
  config?: string;
  name?: string;
  workers?: number;
  devicesPerWorker?: number;
  globalBatch?: number;
  steps?: number;
  epochs?: number;
  seed?: number;
  optimizer?: string;
  lr?: number;
  clipNorm?: number;
  compression?: string;
  bucketCap?: number;
  accumulateSteps?: number;
  lrScaling?: string;
  warmupSteps?: number;
  backend?: string;
  host?: string;
  port?: number;
  dashboard?: boolean;
  dashboardPort?: number;
  out?: string;
  resume?: string;
  data?: string;
  input?: string;
  seqLen?: number;
  windowStep?: number;
  shards?: number;
  validationFraction?: number;
  checkpointEvery?: number;
  keepCheckpoints?: number;
  checkReplicasEvery?: number;
  logEvery?: number;
  validateEvery?: number;
  validationSamples?: number;
  model?: string;
  cell?: string;
  units?: number;
  layers?: number;
  embeddingDim?: number;
  minWorkers?: number;
  maxWorkers?: number;
  heartbeatMs?: number;
  deadAfterMs?: number;
  commitEvery?: number;
  stallWarnMs?: number;
  stallAbortMs?: number;
  excludeAfterFailures?: number;
  cooloffMs?: number;
}

export function addJobOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'job file (JSON or YAML); flags override its fields')
    .option('--name <name>', 'run label, used in the run directory name')
    .option('--workers <n>', 'worker agents (nodes) to start', positiveInt)
    .option('--devices-per-worker <k>', 'training processes per worker (GPUs, or CPU slots)', positiveInt)
    .option('--global-batch <b>', 'samples per step across all ranks', positiveInt)
    .option('--steps <n>', 'optimizer steps to run (default 300)', positiveInt)
    .option('--epochs <e>', 'epochs to run instead of --steps', positiveInt)
    .option('--seed <s>', 'seed of the sampler and the initial weights', nonNegativeInt)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZERS]))
    .option('--lr <x>', 'learning rate', positiveNumber)
    .option('--clip-norm <x>', 'global-norm gradient clipping', positiveNumber)
    .addOption(new Option('--compression <c>', 'gradient encoding on the wire (float32 sums either way)').choices(['none', 'fp16', 'bf16']))
    .option('--bucket-cap <bytes>', 'largest gradient bucket in bytes (tensor fusion)', positiveInt)
    .option('--accumulate-steps <k>', 'micro-batches per step, one all-reduce per step', positiveInt)
    .addOption(new Option('--lr-scaling <s>', 'learning rate x world size (linear) or not').choices(['none', 'linear']))
    .option('--warmup-steps <n>', 'linear learning-rate warm-up steps', nonNegativeInt)
    .addOption(new Option('--backend <name>', 'compute backend').choices([...BACKENDS]))
    .option('--host <host>', 'coordinator host to bind')
    .option('--port <p>', "coordinator port (default: a free one, printed)", nonNegativeInt)
    .option('--dashboard-port <p>', 'port of the live dashboard (HTTP on --host: page, /api/state, /events, /metrics; default: a free one, printed)', nonNegativeInt)
    // Both forms, so that a flag overrides a job file's `dashboard` either way and no flag leaves it alone.
    .option('--dashboard', "serve the live dashboard (the default; overrides a job file's dashboard: false)")
    .option('--no-dashboard', 'do not serve the live dashboard')
    .option('--out <dir>', 'run directory (default runs/<date>-<name>)')
    .option('--resume <dir>', 'continue from a checkpoint directory')
    .option('--data <dir>', 'a prepared dataset directory (from `seqtrain prepare`)')
    .option('--input <file>', 'a UTF-8 corpus to prepare first (default datasets/text/moby-dick.txt)')
    .option('--seq-len <n>', 'characters per training window', positiveInt)
    .option('--window-step <n>', 'stride between windows', positiveInt)
    .option('--shards <n>', 'Arrow shard files for the training split', positiveInt)
    .option('--validation-fraction <f>', 'last fraction of the corpus held out', fraction)
    .option('--checkpoint-every <n>', 'steps between checkpoints', positiveInt)
    .option('--keep-checkpoints <k>', 'checkpoints kept in the run directory (default 3; older ones are deleted)', positiveInt)
    .option('--check-replicas-every <k>', 'steps between replica-consistency checks: parameter checksums compared across ranks (default 100; 0 = off)', nonNegativeInt)
    .option('--log-every <n>', 'steps between progress lines when not on a TTY', positiveInt)
    .option('--validate-every <n>', 'steps between validation passes (default: at the end)', positiveInt)
    .option('--validation-samples <n>', 'validation samples per pass', positiveInt)
    .option('--model <name>', 'registered model name (default char-lm)')
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(['lstm', 'gru', 'simple_rnn']))
    .option('--units <n>', 'recurrent units', positiveInt)
    .option('--layers <n>', 'stacked recurrent layers', positiveInt)
    .option('--embedding-dim <n>', 'embedding size', positiveInt)
    .option('--min-workers <n>', 'elastic: fewest ranks the run goes on with after losing some (default: the world size, not elastic)', positiveInt)
    .option('--max-workers <n>', 'elastic: most ranks (default: the world size)', positiveInt)
    .option('--heartbeat-ms <ms>', 'how often the coordinator pings each rank (default 1000; SEQTRAIN_HEARTBEAT_MS)', positiveInt)
    .option('--dead-after-ms <ms>', 'a rank silent this long is dead (default 10000; SEQTRAIN_DEAD_AFTER_MS)', positiveInt)
    .option('--commit-every <n>', 'steps between in-memory commits, the rollback points (default 1)', positiveInt)
    .option('--stall-warn-ms <ms>', 'warn when ranks are missing from a collective this long (default 30000; SEQTRAIN_STALL_WARN_MS)', positiveInt)
    .option('--exclude-after-failures <n>', 'elastic: a host losing ranks this often within --cooloff-ms may not rejoin until then (default 2)', positiveInt)
    .option('--cooloff-ms <ms>', 'elastic: the cooling-off period of an excluded host (default 300000)', positiveInt)
    .option('--stall-abort-ms <ms>', 'abort when ranks are missing from a collective this long (default 120000; SEQTRAIN_STALL_ABORT_MS)', positiveInt);
}

export function loadJobFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SeqtrainError('ERR_JOB_INVALID', `Cannot read job file ${path}: ${(err as Error).message}`, { file: path });
  }
  let value: unknown;
  try {
    value = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SeqtrainError('ERR_JOB_INVALID', `Job file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { file: path });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SeqtrainError('ERR_JOB_INVALID', `Job file ${path} must hold an object of job fields.`, { file: path });
  }
  return value as Record<string, unknown>;
}

/** Precedence: defaults < SEQTRAIN_ environment < job file < flags. */
export function resolveJob(flags: JobFlags, env: NodeJS.ProcessEnv = process.env): Job {
  const e = readEnv(env);
  const fromEnv: Record<string, unknown> = {
    backend: e.SEQTRAIN_BACKEND,
    heartbeatMs: e.SEQTRAIN_HEARTBEAT_MS,
    deadAfterMs: e.SEQTRAIN_DEAD_AFTER_MS,
    stallWarnMs: e.SEQTRAIN_STALL_WARN_MS,
    stallAbortMs: e.SEQTRAIN_STALL_ABORT_MS,
  };
  const fromFile = flags.config ? loadJobFile(flags.config) : {};
  const modelConfig = { cell: flags.cell, units: flags.units, layers: flags.layers, embeddingDim: flags.embeddingDim };
  const fromFlags: Record<string, unknown> = {
    name: flags.name,
    workers: flags.workers,
    devicesPerWorker: flags.devicesPerWorker,
    globalBatch: flags.globalBatch,
    steps: flags.steps,
    epochs: flags.epochs,
    seed: flags.seed,
    optimizer: flags.optimizer,
    learningRate: flags.lr,
    clipNorm: flags.clipNorm,
    compression: flags.compression,
    bucketCapBytes: flags.bucketCap,
    accumulateSteps: flags.accumulateSteps,
    lrScaling: flags.lrScaling,
    warmupSteps: flags.warmupSteps,
    backend: flags.backend,
    host: flags.host,
    port: flags.port,
    dashboard: flags.dashboard,
    dashboardPort: flags.dashboardPort,
    out: flags.out,
    resume: flags.resume,
    checkpointEvery: flags.checkpointEvery,
    keepCheckpoints: flags.keepCheckpoints,
    checkReplicasEvery: flags.checkReplicasEvery,
    logEvery: flags.logEvery,
    validateEvery: flags.validateEvery,
    validationMaxSamples: flags.validationSamples,
    data: { dir: flags.data, input: flags.input, seqLen: flags.seqLen, step: flags.windowStep, shards: flags.shards, validationFraction: flags.validationFraction },
    model: { name: flags.model, config: modelConfig },
    minWorkers: flags.minWorkers,
    maxWorkers: flags.maxWorkers,
    heartbeatMs: flags.heartbeatMs,
    deadAfterMs: flags.deadAfterMs,
    commitEvery: flags.commitEvery,
    stallWarnMs: flags.stallWarnMs,
    stallAbortMs: flags.stallAbortMs,
    excludeAfterFailures: flags.excludeAfterFailures,
    cooloffMs: flags.cooloffMs,
  };
  // A flag given on the command line replaces the file's value for that field only.
  if (flags.steps !== undefined) delete fromFile.epochs;
  if (flags.epochs !== undefined) delete fromFile.steps;
  return parseJob(mergeJobInputs(mergeJobInputs(fromEnv, fromFile), fromFlags), flags.config ?? 'command line');
}
