/** `seqtrain worker`: the node agent; starts one training process per device and joins the coordinator. */
import { Command, Option } from 'commander';
import { DEFAULTS, readEnv } from '@seqtrain/common';
import { BACKENDS } from '@seqtrain/protocol';
import { runWorkerAgent } from '@seqtrain/worker';
import type { BackendChoice } from '@seqtrain/backend';
import { positiveInt } from '../parsers.js';
import { addSecurityOptions, applySecurityFlags, type SecurityFlags } from '../security-options.js';

export function workerCommand(): Command {
  return addSecurityOptions(new Command('worker'), { insecure: false })
    .description('start a worker agent: --devices training processes that join the coordinator')
    .requiredOption('--coordinator <url>', 'the coordinator address, ws://HOST:PORT')
    .option('--devices <n>', 'training processes on this node (GPUs, or CPU slots)', positiveInt, DEFAULTS.DEVICES_PER_WORKER)
    .addOption(new Option('--backend <name>', 'compute backend (default: SEQTRAIN_BACKEND, else auto)').choices([...BACKENDS]).default(readEnv().SEQTRAIN_BACKEND ?? 'auto'))
    .option('--ring-host <host>', "this node's address for its ring listeners", DEFAULTS.HOST)
    .action(async (flags: SecurityFlags & { coordinator: string; devices: number; backend: BackendChoice; ringHost: string }) => {
      applySecurityFlags(flags);
      process.exitCode = await runWorkerAgent({
        coordinator: flags.coordinator,
        devices: flags.devices,
        backend: flags.backend,
        ringHost: flags.ringHost,
      });
    });
}
