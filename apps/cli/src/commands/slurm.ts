/**
 * `seqtrain slurm`: one task per node, started by `srun --ntasks-per-node=1` inside an sbatch job (template:
 * infra/slurm/seqtrain.sbatch). Each task reads its place from the Slurm environment (slurm-env.ts), as
 * torchrun's tasks read RANK and WORLD_SIZE: task 0 runs the coordinator on the first node of the list, bound
 * to all interfaces, and a worker agent of its own; every other task runs a worker agent that dials
 * ws://<first node>:<coordinator port>. Every node runs the same command line, so the job flags, the job
 * file, the dataset and the run directory must be on a path all nodes share.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { SeqtrainError, createLogger, readEnv } from '@seqtrain/common';
import type { Job } from '@seqtrain/protocol';
import { runWorkerAgent, type WorkerAgentOptions } from '@seqtrain/worker';
import { addJobOptions, resolveJob, type JobFlags } from '../job-options.js';
import { positiveInt } from '../parsers.js';
import { addSecurityOptions, applySecurityFlags, type SecurityFlags } from '../security-options.js';
import { timestamp } from '../paths.js';
import { describeSummary, printGeneratedSample, startJobCoordinator } from '../job-coordinator.js';
import { readSlurmEnv, type SlurmEnv } from '../slurm-env.js';

/** The port torchrun's Slurm recipes use for MASTER_PORT; a fixed port is what lets other nodes find it. */
export const DEFAULT_COORDINATOR_PORT = 29500;
/** All interfaces: the other nodes reach the coordinator through whatever address the first node name resolves to. */
const BIND_ALL_HOST = '0.0.0.0';

export interface SlurmFlags extends JobFlags {
  coordinatorPort?: number;
  ringHost?: string;
  generate: boolean;
}

export function slurmCommand(): Command {
  return addSecurityOptions(addJobOptions(new Command('slurm')), { insecure: true })
    .description('run as one srun task per node (--ntasks-per-node=1): task 0 runs the coordinator and a worker, the others a worker (see infra/slurm)')
    .option('--coordinator-port <p>', `coordinator port on the first node (default ${DEFAULT_COORDINATOR_PORT}, or the job file's port)`, positiveInt)
    .option('--ring-host <host>', "this node's address for its ring listeners (default: its name in the Slurm node list)")
    .option('--no-generate', 'skip the sample of generated text at the end')
    .action(async (flags: SlurmFlags & SecurityFlags) => {
      applySecurityFlags(flags);
      process.exitCode = await runSlurmTask(flags, readSlurmEnv());
    });
}

/** Resolves the job for a Slurm step: workers = tasks, the coordinator on all interfaces at a fixed port. */
export function resolveSlurmJob(flags: SlurmFlags, slurm: SlurmEnv): Job & { out: string } {
  if (slurm.localId !== 0 || slurm.nTasks !== slurm.hosts.length) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `seqtrain slurm runs one task per node, but this step has ${slurm.nTasks} tasks on ${slurm.hosts.length} nodes (SLURM_LOCALID=${slurm.localId}); start it with \`srun --ntasks-per-node=1\` and give each node its GPUs with --devices-per-worker.`,
      { field: 'SLURM_NTASKS' }
    );
  }
  if (flags.workers !== undefined && flags.workers !== slurm.nTasks) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `--workers ${flags.workers} disagrees with the ${slurm.nTasks} Slurm tasks; under Slurm the node count sets the workers: drop --workers.`, { field: 'workers' });
  }
  const job = resolveJob({ ...flags, workers: slurm.nTasks, host: flags.host ?? BIND_ALL_HOST, port: flags.coordinatorPort ?? flags.port });
  return {
    ...job,
    // Port 0 (a free port) cannot be announced to the other nodes, so it means the fixed default here.
    port: job.port === 0 ? DEFAULT_COORDINATOR_PORT : job.port,
    out: resolve(job.out ?? `runs/slurm-${slurm.jobId ?? timestamp()}`),
  };
}

export async function runSlurmTask(flags: SlurmFlags, slurm: SlurmEnv): Promise<number> {
  const job = resolveSlurmJob(flags, slurm);
  const agent: WorkerAgentOptions = {
    coordinator: `${readEnv().SEQTRAIN_TLS_CERT !== undefined ? 'wss' : 'ws'}://${slurm.coordinatorHost}:${job.port}`,
    devices: job.devicesPerWorker,
    backend: job.backend,
    ringHost: flags.ringHost ?? slurm.host,
    agentId: `slurm-${slurm.jobId ?? 'job'}-task${slurm.procId}-${process.pid}`,
  };
  const say = (line: string) => process.stderr.write(`[task ${slurm.procId} on ${slurm.host}] ${line}\n`);
  if (slurm.procId !== 0) {
    say(`worker agent: ${agent.devices} training process(es), coordinator ${agent.coordinator}, ring host ${agent.ringHost}`);
    return runWorkerAgent(agent);
  }
  return runCoordinatorTask(job, slurm, agent, { say, generate: flags.generate, insecure: (flags as SecurityFlags).insecure });
}

async function runCoordinatorTask(job: Job & { out: string }, slurm: SlurmEnv, agentOptions: WorkerAgentOptions, options: { say: (line: string) => void; generate: boolean; insecure?: boolean }): Promise<number> {
  const { say } = options;
  const runDir = job.out;
  say(`slurm job ${slurm.jobId ?? '?'}: ${slurm.nTasks} nodes (${slurm.hosts.join(', ')}), coordinator ${agentOptions.coordinator}`);
  say(`run directory: ${runDir}`);
  const { coordinator, progress } = await startJobCoordinator(job, runDir, { say, tty: false, logger: createLogger({ role: 'coordinator' }, 'warn'), insecure: options.insecure });
  say(`worker agent: ${agentOptions.devices} training process(es), ring host ${agentOptions.ringHost}`);
  const agent = runWorkerAgent(agentOptions).then((code) => {
    if (code !== 0) coordinator.abort(new SeqtrainError('ERR_WORKER_FAILED', `The worker agent of task 0 on ${slurm.host} exited with code ${code}; see the lines above.`, { worker: 0 }));
    return code;
  });
  // scancel and the job's time limit send SIGTERM to every task; the agents forward it to their processes.
  const stop = () => coordinator.abort(new SeqtrainError('ERR_WORKER_FAILED', 'Interrupted by SIGINT/SIGTERM (scancel, or the job reached its --time limit).'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const summary = await coordinator.done;
    progress.stop();
    say(describeSummary(summary));
    const agentCode = await agent;
    if (options.generate) await printGeneratedSample(job, summary);
    say(`checkpoint: ${summary.checkpoint}`);
    say(`run directory: ${runDir}`);
    return agentCode;
  } catch (err) {
    progress.stop();
    say(`run failed: ${(err as SeqtrainError).code ?? ''} ${(err as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await coordinator.close();
  }
}
