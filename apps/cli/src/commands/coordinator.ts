/** `seqtrain coordinator`: the coordinator alone, for workers started elsewhere (other hosts, Slurm, Kubernetes). */
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { SeqtrainError } from '@seqtrain/common';
import { addJobOptions, resolveJob, type JobFlags } from '../job-options.js';
import { addSecurityOptions, applySecurityFlags, type SecurityFlags } from '../security-options.js';
import { timestamp } from '../paths.js';
import { startJobCoordinator } from '../job-coordinator.js';

export function coordinatorCommand(): Command {
  return addSecurityOptions(addJobOptions(new Command('coordinator')), { insecure: true })
    .description('run the coordinator only; start workers with `seqtrain worker --coordinator ws://HOST:PORT`')
    .action(async (flags: JobFlags & SecurityFlags) => {
      const job = resolveJob(flags);
      const security = applySecurityFlags(flags);
      const runDir = resolve(job.out ?? join('runs', `${timestamp()}-${job.name}`));
      const say = (line: string) => process.stderr.write(line + '\n');
      const { coordinator, progress } = await startJobCoordinator(job, runDir, { say, tty: process.stderr.isTTY === true, insecure: flags.insecure });
      const needs = [security.secret !== null ? 'the same SEQTRAIN_SECRET or --secret-file' : '', security.tls ? '--tls-ca trusting this certificate' : ''].filter(Boolean).join(' and ');
      say(`waiting for ${job.workers * job.devicesPerWorker} training processes: seqtrain worker --coordinator ${coordinator.address}${needs ? ` (with ${needs})` : ''}`);
      try {
        const summary = await coordinator.done;
        progress.stop();
        process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      } catch (err) {
        progress.stop();
        say(`run failed: ${(err as SeqtrainError).code ?? ''} ${(err as Error).message}`);
        process.exitCode = 1;
      } finally {
        await coordinator.close();
      }
    });
}
