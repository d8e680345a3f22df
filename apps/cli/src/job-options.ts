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
    .option('--embedding-dim <n>', 'embedding size', positiveInt);
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
  const fromEnv: Record<string, unknown> = { backend: readEnv(env).SEQTRAIN_BACKEND };
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
  };
  // A flag given on the command line replaces the file's value for that field only.
  if (flags.steps !== undefined) delete fromFile.epochs;
  if (flags.epochs !== undefined) delete fromFile.steps;
  return parseJob(mergeJobInputs(mergeJobInputs(fromEnv, fromFile), fromFlags), flags.config ?? 'command line');
}
