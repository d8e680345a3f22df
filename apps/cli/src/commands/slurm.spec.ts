import { describe, it, expect } from 'vitest';
import { resolve } from 'node:path';
import { SeqtrainError } from '@seqtrain/common';
import { readSlurmEnv } from '../slurm-env.js';
import { DEFAULT_COORDINATOR_PORT, resolveSlurmJob, type SlurmFlags } from './slurm.js';

const slurm = readSlurmEnv({
  SLURM_JOB_ID: '99',
  SLURM_PROCID: '1',
  SLURM_NTASKS: '2',
  SLURM_NODEID: '1',
  SLURM_LOCALID: '0',
  SLURM_JOB_NODELIST: 'node[01-02]',
});
const flags: SlurmFlags = { generate: false };

function errorOf(fn: () => unknown): SeqtrainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SeqtrainError) return err;
    throw err;
  }
  throw new Error('expected a SeqtrainError, nothing was thrown');
}

describe('resolveSlurmJob', () => {
  it('takes the workers from the tasks, binds all interfaces on the fixed port, and names the run after the job', () => {
    const job = resolveSlurmJob(flags, slurm);
    expect([job.workers, job.host, job.port, job.out]).toEqual([2, '0.0.0.0', DEFAULT_COORDINATOR_PORT, resolve('runs/slurm-99')]);
  });

  it('keeps the given port, bind host, run directory and per-node devices', () => {
    const job = resolveSlurmJob({ ...flags, coordinatorPort: 31000, host: '10.0.0.1', out: '/shared/run', devicesPerWorker: 4 }, slurm);
    expect([job.port, job.host, job.out, job.devicesPerWorker]).toEqual([31000, '10.0.0.1', '/shared/run', 4]);
    expect(resolveSlurmJob({ ...flags, port: 31001 }, slurm).port).toBe(31001);
  });

  it('refuses --workers that disagrees with the tasks', () => {
    expect(resolveSlurmJob({ ...flags, workers: 2 }, slurm).workers).toBe(2);
    const err = errorOf(() => resolveSlurmJob({ ...flags, workers: 3 }, slurm));
    expect([err.code, err.details.field]).toEqual(['ERR_INVALID_ARGUMENT', 'workers']);
  });

  it('refuses more than one task per node, pointing at --ntasks-per-node=1', () => {
    const err = errorOf(() => resolveSlurmJob(flags, { ...slurm, nTasks: 4, localId: 1 }));
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toContain('srun --ntasks-per-node=1');
  });
});
