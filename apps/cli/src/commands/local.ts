/**
 * `seqtrain local`: the whole system on this machine, as real processes on loopback: this process runs
 * the coordinator, and starts `--workers` worker agents, each starting `--devices-per-worker` training
 * processes. Prints progress, then a sample of generated text and the run directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { SeqtrainError, createLogger } from '@seqtrain/common';
import type { Job } from '@seqtrain/protocol';
import { addJobOptions, resolveJob, type JobFlags } from '../job-options.js';
import { addSecurityOptions, applySecurityFlags, type SecurityFlags } from '../security-options.js';
import { CLI_BIN, timestamp } from '../paths.js';
import { describeSummary, printGeneratedSample, startJobCoordinator } from '../job-coordinator.js';

const LOG_TAIL_LINES = 15;

export function localCommand(): Command {
  return addSecurityOptions(addJobOptions(new Command('local')), { insecure: true })
    .description('train on this machine: a coordinator and --workers worker processes on loopback (the main job)')
    .option('--no-progress', 'plain progress lines even on a TTY')
    .option('--no-generate', 'skip the sample of generated text at the end')
    .action(async (flags: JobFlags & SecurityFlags & { progress: boolean; generate: boolean }) => {
      const job = resolveJob(flags);
      // A random per-run secret unless one is given: the workers are this process's children and inherit it.
      applySecurityFlags(flags, { generateSecret: true });
      process.exitCode = await runLocal(job, { progress: flags.progress, generate: flags.generate, insecure: flags.insecure });
    });
}

export async function runLocal(job: Job, options: { progress: boolean; generate: boolean; insecure?: boolean }): Promise<number> {
  const runDir = resolve(job.out ?? join('runs', `${timestamp()}-${job.name}`));
  const say = (line: string) => process.stderr.write(line + '\n');
  say(`run directory: ${runDir}`);
  const { coordinator, progress } = await startJobCoordinator(job, runDir, {
    say,
    tty: options.progress && process.stderr.isTTY === true,
    logger: createLogger({ role: 'coordinator' }, 'warn'),
    insecure: options.insecure,
  });

  const agents: ChildProcess[] = [];
  const logFiles: string[] = [];
  for (let i = 0; i < job.workers; i++) {
    const logFile = join(runDir, 'logs', `worker-${i}.log`);
    logFiles.push(logFile);
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(
      process.execPath,
      [CLI_BIN, 'worker', '--coordinator', coordinator.address, '--devices', String(job.devicesPerWorker), '--backend', job.backend, '--ring-host', job.host],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    child.once('exit', (code, signal) => {
      // Elastic: the coordinator drops the agent's ranks itself (their sockets close) and goes on without them.
      if (code !== 0 && coordinator.elastic) {
        say(`worker ${i} (pid ${child.pid}) exited with ${signal ?? `code ${code}`}; the run goes on without its ranks (log: ${logFile})`);
      } else if (code !== 0) {
        coordinator.abort(
          new SeqtrainError('ERR_WORKER_FAILED', `Worker ${i} (pid ${child.pid}) exited with ${signal ?? `code ${code}`}; its log: ${logFile}`, { worker: i })
        );
      }
    });
    agents.push(child);
  }
  const stopAll = () => {
    coordinator.abort(new SeqtrainError('ERR_WORKER_FAILED', 'Interrupted by the user (SIGINT/SIGTERM).'));
    for (const a of agents) if (a.exitCode === null) a.kill('SIGTERM');
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);

  try {
    const summary = await coordinator.done;
    progress.stop();
    say(describeSummary(summary));
    await Promise.all(agents.map((a) => (a.exitCode === null ? new Promise((r) => a.once('exit', r)) : undefined)));
    if (options.generate) await printGeneratedSample(job, summary);
    say(`checkpoint: ${summary.checkpoint}`);
    say(`run directory: ${runDir}`);
    return 0;
  } catch (err) {
    progress.stop();
    const e = err as SeqtrainError;
    say(`run failed: ${e.code ?? ''} ${e.message}`);
    for (const file of logFiles) printTail(file, say);
    for (const a of agents) if (a.exitCode === null) a.kill('SIGTERM');
    return 1;
  } finally {
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
    await coordinator.close();
  }
}

function printTail(file: string, say: (line: string) => void): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8').trimEnd();
  if (text === '') return;
  const lines = text.split('\n').slice(-LOG_TAIL_LINES);
  say(`--- last ${lines.length} lines of ${file} ---`);
  for (const line of lines) say(line);
}
