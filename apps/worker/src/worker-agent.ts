/**
 * The node agent (`seqtrain worker`): starts one training process per device, each with its local rank,
 * and, on the GPU backend, its own CUDA_VISIBLE_DEVICES (as torchrun's LOCAL_RANK and Horovod's
 * per-GPU processes). Without a GPU each process is a CPU slot: wasm runs one thread per process, so
 * one process per core is the sensible maximum.
 * The agent's exit code is the first non-zero code of its processes; SIGINT/SIGTERM reach them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '@seqtrain/common';
import type { BackendChoice } from '@seqtrain/backend';

export interface WorkerAgentOptions {
  coordinator: string;
  devices: number;
  backend: BackendChoice;
  /** Host the ring listeners bind to and advertise (default loopback; set the node's address across hosts). */
  ringHost: string;
  agentId?: string;
  logger?: Logger;
}

const TRAIN_ENTRY = fileURLToPath(new URL('./train-main.js', import.meta.url));
/** Where a Linux NVIDIA driver lists its GPUs; enough to decide per-process CUDA_VISIBLE_DEVICES. */
const NVIDIA_GPUS_DIR = '/proc/driver/nvidia/gpus';

export function visibleGpuCount(): number {
  try {
    return existsSync(NVIDIA_GPUS_DIR) ? readdirSync(NVIDIA_GPUS_DIR).length : 0;
  } catch {
    return 0;
  }
}

export async function runWorkerAgent(options: WorkerAgentOptions): Promise<number> {
  const agentId = options.agentId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const log = options.logger ?? createLogger({ role: 'agent', agent: agentId });
  const gpus = visibleGpuCount();
  const pinGpus = options.backend === 'tensorflow-gpu' || (options.backend === 'auto' && gpus > 0);
  log.info({ devices: options.devices, gpus, coordinator: options.coordinator }, 'starting training processes');

  const children: ChildProcess[] = [];
  const exits = Array.from({ length: options.devices }, (_, localRank) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SEQTRAIN_COORDINATOR: options.coordinator,
      SEQTRAIN_LOCAL_RANK: String(localRank),
      SEQTRAIN_AGENT_ID: agentId,
      SEQTRAIN_BACKEND: options.backend,
      SEQTRAIN_RING_HOST: options.ringHost,
    };
    if (pinGpus) env.CUDA_VISIBLE_DEVICES = String(gpus > 0 ? localRank % gpus : localRank);
    // The IPC channel ties each training process's life to the agent's: when the agent dies, however
    // abruptly, the channel closes and train-main exits instead of retrying the coordinator for minutes.
    const child = spawn(process.execPath, [TRAIN_ENTRY], { env, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    return new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => {
        if (code !== 0) log.error({ localRank, code, signal }, 'training process exited abnormally');
        resolve(code ?? 1);
      });
      child.once('error', (err) => {
        log.error({ localRank, err: err.message }, 'cannot start training process');
        resolve(1);
      });
    });
  });

  const forward = (signal: NodeJS.Signals) => () => {
    for (const c of children) if (c.exitCode === null) c.kill(signal);
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const codes = await Promise.all(exits);
    return codes.find((c) => c !== 0) ?? 0;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
