/**
 * Where `--resume PATH` continues from. PATH is a checkpoint directory (holds trainer-state.json) or a
 * run directory, whose latest complete checkpoint is taken (checkpoints/step-NNNNNNN with a
 * trainer-state.json, which saveCheckpoint writes last): so a coordinator restarted after a crash
 * needs only `--resume RUN_DIR`.
 *
 * The sampler's position is part of the checkpoint (epoch, stepInEpoch) and must be the one the step
 * implies under this job's global batch: the step loop derives the position from the step, so a
 * resume with another global batch would silently start the epoch at another row. That is refused.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SeqtrainError } from '@seqtrain/common';

const STATE_FILE = 'trainer-state.json';
const CHECKPOINT_DIR = /^step-(\d+)$/;

export interface ResumePoint {
  /** Absolute checkpoint directory. */
  dir: string;
  /** Steps completed at the checkpoint. */
  step: number;
}

export function latestCheckpoint(runDir: string): string | undefined {
  const root = join(runDir, 'checkpoints');
  if (!existsSync(root)) return undefined;
  const steps = readdirSync(root)
    .map((name) => ({ name, m: CHECKPOINT_DIR.exec(name) }))
    .filter((e) => e.m !== null && existsSync(join(root, e.name, STATE_FILE)))
    .sort((a, b) => Number(b.m?.[1]) - Number(a.m?.[1]));
  return steps[0] ? join(root, steps[0].name) : undefined;
}

export function readResumePoint(path: string, stepsPerEpoch: number): ResumePoint {
  const given = resolve(path);
  const dir = existsSync(join(given, STATE_FILE)) ? given : latestCheckpoint(given);
  if (!dir) {
    throw new SeqtrainError('ERR_CHECKPOINT_INVALID', `Cannot resume from ${given}: it is neither a checkpoint directory (with ${STATE_FILE}) nor a run directory with a complete checkpoint under checkpoints/.`, { file: given });
  }
  const file = join(dir, STATE_FILE);
  let state: { step?: unknown; epoch?: unknown; stepInEpoch?: unknown };
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as typeof state;
  } catch (err) {
    throw new SeqtrainError('ERR_CHECKPOINT_INVALID', `Cannot resume from ${file}: ${(err as Error).message}.`, { file });
  }
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!int(state.step)) {
    throw new SeqtrainError('ERR_CHECKPOINT_INVALID', `Cannot resume from ${file}: field "step" is not a non-negative integer. Point --resume at a checkpoint directory (runs/<run>/checkpoints/step-NNNNNNN) or a run directory.`, { file, field: 'step' });
  }
  const epoch = Math.floor(state.step / stepsPerEpoch);
  const stepInEpoch = state.step % stepsPerEpoch;
  if (int(state.epoch) && int(state.stepInEpoch) && (state.epoch !== epoch || state.stepInEpoch !== stepInEpoch)) {
    throw new SeqtrainError(
      'ERR_JOB_INVALID',
      `${file} is at epoch ${state.epoch}, step ${state.stepInEpoch} of it; with this job's global batch (${stepsPerEpoch} steps per epoch) step ${state.step} would be epoch ${epoch}, step ${stepInEpoch}. Resume with the global batch the checkpoint was trained with.`,
      { file, field: 'globalBatch' }
    );
  }
  return { dir, step: state.step };
}
