import { describe, it, expect } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import { expandHostlist, readSlurmEnv } from './slurm-env.js';

function errorOf(fn: () => unknown): SeqtrainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SeqtrainError) return err;
    throw err;
  }
  throw new Error('expected a SeqtrainError, nothing was thrown');
}

/** What srun sets in the task of rank `procId` of a 3-node step with --ntasks-per-node=1. */
function taskEnv(procId: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    SLURM_JOB_ID: '4711',
    SLURM_PROCID: String(procId),
    SLURM_NTASKS: '3',
    SLURM_NODEID: String(procId),
    SLURM_LOCALID: '0',
    SLURM_NNODES: '3',
    SLURM_JOB_NODELIST: 'gpu[07-09]',
    ...extra,
  };
}

describe('expandHostlist', () => {
  it('expands ranges and single numbers, keeps zero padding and the order of the list', () => {
    expect(expandHostlist('node[01-03,07],gpu5')).toEqual(['node01', 'node02', 'node03', 'node07', 'gpu5']);
    expect(expandHostlist('n[8-10]')).toEqual(['n8', 'n9', 'n10']);
    expect(expandHostlist('n[098-101]')).toEqual(['n098', 'n099', 'n100', 'n101']);
    expect(expandHostlist('127.0.0.[1-2]')).toEqual(['127.0.0.1', '127.0.0.2']);
  });

  it('takes plain names, suffixes after a range and the product of several ranges', () => {
    expect(expandHostlist('login1')).toEqual(['login1']);
    expect(expandHostlist('a[1-2]-ib,b')).toEqual(['a1-ib', 'a2-ib', 'b']);
    expect(expandHostlist('rack[1-2]-gpu[0-1]')).toEqual(['rack1-gpu0', 'rack1-gpu1', 'rack2-gpu0', 'rack2-gpu1']);
  });

  it.each([
    ['', 'empty'],
    ['node[1-3', 'never closed'],
    ['node1-3]', 'without "["'],
    ['node[[1-2]]', 'nested'],
    ['node[3-1]', 'backwards'],
    ['node[a-b]', 'expected a number'],
    ['node[]', 'expected a number'],
    ['node[1-2-3]', 'expected a number'],
    ['a,,b', 'empty host name'],
    ['a,', 'empty host name'],
    ['a b', 'whitespace'],
    ['n[0-99999999]', 'more than'],
  ])('rejects %j naming the variable (%s)', (list, why) => {
    const err = errorOf(() => expandHostlist(list, 'SLURM_STEP_NODELIST'));
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.details.field).toBe('SLURM_STEP_NODELIST');
    expect(err.message).toContain('SLURM_STEP_NODELIST=');
    expect(err.message).toContain(why);
  });
});

describe('readSlurmEnv', () => {
  it('reads rank, size and node, with the first host as the coordinator', () => {
    expect(readSlurmEnv(taskEnv(0))).toEqual({
      jobId: '4711',
      procId: 0,
      nTasks: 3,
      nodeId: 0,
      localId: 0,
      hosts: ['gpu07', 'gpu08', 'gpu09'],
      nodeListVariable: 'SLURM_JOB_NODELIST',
      coordinatorHost: 'gpu07',
      host: 'gpu07',
    });
    const last = readSlurmEnv(taskEnv(2));
    expect([last.procId, last.host, last.coordinatorHost]).toEqual([2, 'gpu09', 'gpu07']);
  });

  it('prefers the step node list, which SLURM_NODEID indexes, over the job node list', () => {
    const env = readSlurmEnv(taskEnv(1, { SLURM_STEP_NODELIST: 'gpu[08-09],gpu07', SLURM_NNODES: undefined }));
    expect([env.nodeListVariable, env.host, env.coordinatorHost]).toEqual(['SLURM_STEP_NODELIST', 'gpu09', 'gpu08']);
  });

  it.each(['SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODEID', 'SLURM_LOCALID'])('without %s says to run under srun', (name) => {
    const err = errorOf(() => readSlurmEnv(taskEnv(0, { [name]: undefined })));
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.details.field).toBe(name);
    expect(err.message).toMatch(/must run as a Slurm task, started by srun/);
  });

  it('without any node list says to run under srun', () => {
    const err = errorOf(() => readSlurmEnv(taskEnv(0, { SLURM_JOB_NODELIST: undefined })));
    expect(err.details.field).toBe('SLURM_JOB_NODELIST');
    expect(err.message).toContain('srun');
  });

  it('outside Slurm (this process) fails the same way', () => {
    expect(errorOf(() => readSlurmEnv({})).message).toContain('SLURM_PROCID is not set');
  });

  it.each([
    [{ SLURM_PROCID: '-1' }, 'SLURM_PROCID', 'not an integer'],
    [{ SLURM_NTASKS: '0' }, 'SLURM_NTASKS', 'not an integer >= 1'],
    [{ SLURM_NODEID: '1.5' }, 'SLURM_NODEID', 'not an integer'],
    [{ SLURM_PROCID: '3' }, 'SLURM_PROCID', 'below SLURM_NTASKS=3'],
    [{ SLURM_NODEID: '3', SLURM_PROCID: '0' }, 'SLURM_NODEID', 'outside SLURM_JOB_NODELIST'],
    [{ SLURM_NNODES: '2' }, 'SLURM_NNODES', 'lists 3 hosts'],
    [{ SLURM_JOB_NODELIST: 'gpu[07-09' }, 'SLURM_JOB_NODELIST', 'never closed'],
  ] as const)('rejects an inconsistent environment %j', (extra, field, why) => {
    const err = errorOf(() => readSlurmEnv(taskEnv(0, extra)));
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.details.field).toBe(field);
    expect(err.message).toContain(why);
  });
});
