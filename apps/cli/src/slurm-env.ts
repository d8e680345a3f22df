/**
 * The Slurm task environment, read the way torchrun reads RANK/LOCAL_RANK/WORLD_SIZE: srun sets these
 * variables in every task it starts, so a task knows its place in the job without any other rendezvous.
 * The first host of the node list hosts the coordinator (the MASTER_ADDR convention of torchrun's Slurm
 * recipes); every other task dials it.
 */
import { SeqtrainError } from '@seqtrain/common';

export interface SlurmEnv {
  /** SLURM_JOB_ID, when set (names the default run directory). */
  jobId: string | undefined;
  /** SLURM_PROCID: this task's rank among all tasks of the step. */
  procId: number;
  /** SLURM_NTASKS: tasks in the step (one per node with --ntasks-per-node=1). */
  nTasks: number;
  /** SLURM_NODEID: this node's index in `hosts`. */
  nodeId: number;
  /** SLURM_LOCALID: this task's index among the tasks of its node. */
  localId: number;
  /** The expanded node list (SLURM_STEP_NODELIST, else SLURM_JOB_NODELIST), in Slurm's order. */
  hosts: string[];
  /** The variable `hosts` was read from, for error messages. */
  nodeListVariable: string;
  /** hosts[0]: where the coordinator runs. */
  coordinatorHost: string;
  /** hosts[nodeId]: this node's name in the list. */
  host: string;
}

/**
 * A bound on one expanded list: a typo such as `node[1-1000000000]` is an error, not an out-of-memory.
 * 1,048,576 is far above the largest Slurm clusters (tens of thousands of nodes).
 */
const MAX_HOSTLIST_HOSTS = 1 << 20;

/**
 * srun sets SLURM_STEP_NODELIST for the step, and SLURM_NODEID counts within the step; SLURM_JOB_NODELIST
 * (the whole allocation) is the same list when the step spans the allocation, as `srun` in sbatch does.
 */
const NODE_LIST_VARIABLES = ['SLURM_STEP_NODELIST', 'SLURM_JOB_NODELIST', 'SLURM_NODELIST'] as const;

export function readSlurmEnv(env: NodeJS.ProcessEnv = process.env): SlurmEnv {
  const procId = readInt(env, 'SLURM_PROCID');
  const nTasks = readInt(env, 'SLURM_NTASKS', 1);
  const nodeId = readInt(env, 'SLURM_NODEID');
  const localId = readInt(env, 'SLURM_LOCALID');
  const nodeListVariable = NODE_LIST_VARIABLES.find((name) => (env[name] ?? '') !== '');
  if (nodeListVariable === undefined) throw notUnderSrun('SLURM_JOB_NODELIST');
  const hosts = expandHostlist(env[nodeListVariable] ?? '', nodeListVariable);
  const nNodes = env.SLURM_NNODES === undefined ? hosts.length : readInt(env, 'SLURM_NNODES', 1);
  if (procId >= nTasks) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `SLURM_PROCID=${procId} must be below SLURM_NTASKS=${nTasks}; the Slurm environment is inconsistent.`, { field: 'SLURM_PROCID' });
  }
  if (nNodes !== hosts.length) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `SLURM_NNODES=${nNodes} but ${nodeListVariable}=${env[nodeListVariable]} lists ${hosts.length} hosts; the Slurm environment is inconsistent.`,
      { field: 'SLURM_NNODES' }
    );
  }
  const host = hosts[nodeId];
  if (host === undefined) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `SLURM_NODEID=${nodeId} is outside ${nodeListVariable}=${env[nodeListVariable]} (${hosts.length} hosts); the Slurm environment is inconsistent.`,
      { field: 'SLURM_NODEID' }
    );
  }
  const jobId = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  return { jobId: jobId === '' ? undefined : jobId, procId, nTasks, nodeId, localId, hosts, nodeListVariable, coordinatorHost: hosts[0] ?? host, host };
}

/**
 * Expands Slurm hostlist syntax: comma-separated items, each a name with any number of bracketed range
 * lists (`node[01-03,07]`, `rack[1-2]-gpu[0-1]`, their cartesian product in Slurm's order). A range keeps
 * the zero padding of its lower bound (`[08-10]` -> 08, 09, 10). `variable` names the source in errors.
 */
export function expandHostlist(list: string, variable = 'SLURM_JOB_NODELIST'): string[] {
  const fail = (why: string) =>
    new SeqtrainError('ERR_INVALID_ARGUMENT', `${variable}=${JSON.stringify(list)} is not a Slurm host list: ${why}. Expected e.g. "node[01-03,07],gpu5".`, { field: variable });
  const hosts: string[] = [];
  for (const item of splitTopLevel(list, fail)) {
    if (item === '') throw fail('an empty host name (two commas in a row, or a comma at an end)');
    let expanded = [''];
    for (const part of item.split(/(\[[^\]]*\])/)) {
      if (part.startsWith('[')) {
        const values = expandRanges(part.slice(1, -1), fail);
        if (expanded.length * values.length > MAX_HOSTLIST_HOSTS) throw fail(`more than ${MAX_HOSTLIST_HOSTS} hosts`);
        expanded = expanded.flatMap((prefix) => values.map((v) => prefix + v));
      } else {
        if (/[[\]\s]/.test(part)) throw fail(`unbalanced brackets or whitespace in "${item}"`);
        expanded = expanded.map((prefix) => prefix + part);
      }
    }
    hosts.push(...expanded);
    if (hosts.length > MAX_HOSTLIST_HOSTS) throw fail(`more than ${MAX_HOSTLIST_HOSTS} hosts`);
  }
  return hosts;
}

function splitTopLevel(list: string, fail: (why: string) => SeqtrainError): string[] {
  if (list.trim() === '') throw fail('it is empty');
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (depth < 0 || depth > 1) throw fail(depth < 0 ? `"]" without "[" at character ${i + 1}` : `nested "[" at character ${i + 1}`);
    if (c === ',' && depth === 0) {
      items.push(list.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw fail('a "[" is never closed');
  items.push(list.slice(start));
  return items;
}

function expandRanges(body: string, fail: (why: string) => SeqtrainError): string[] {
  const values: string[] = [];
  for (const range of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!m) throw fail(`"[${body}]" holds "${range}", expected a number or a range LOW-HIGH of numbers`);
    const [low = '', high = low] = [m[1], m[2]];
    const from = Number(low);
    const to = Number(high);
    if (to < from) throw fail(`the range "${range}" runs backwards`);
    if (to - from + 1 + values.length > MAX_HOSTLIST_HOSTS) throw fail(`more than ${MAX_HOSTLIST_HOSTS} hosts`);
    for (let n = from; n <= to; n++) values.push(String(n).padStart(low.length, '0'));
  }
  return values;
}

function readInt(env: NodeJS.ProcessEnv, name: string, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') throw notUnderSrun(name);
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${name}=${JSON.stringify(raw)} is not an integer >= ${min}; the Slurm environment is inconsistent.`, { field: name });
  }
  return n;
}

function notUnderSrun(name: string): SeqtrainError {
  return new SeqtrainError(
    'ERR_INVALID_ARGUMENT',
    `${name} is not set: \`seqtrain slurm\` must run as a Slurm task, started by srun (inside an sbatch script or salloc), e.g. \`srun --ntasks-per-node=1 seqtrain slurm ...\`; see infra/slurm/README.md.`,
    { field: name }
  );
}
