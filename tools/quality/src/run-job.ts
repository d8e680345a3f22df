/**
 * Runs one job file as `node <seqtrain bin> local --config FILE --out DIR` in a child process: its
 * stdout and stderr go to a log file, each of its lines is handed to `onLine` (for the one-line
 * progress), and a job running past `timeoutMs` gets SIGTERM (which `seqtrain local` answers by
 * stopping its workers), then SIGKILL after KILL_GRACE_MS. Never throws for a failing job: the
 * outcome says what happened.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { formatWallTime } from './quality-table.js';

export const KILL_GRACE_MS = 10_000;
const TAIL_LINES = 5;

export interface JobRunOptions {
  /** The executable and leading arguments, e.g. [process.execPath, 'apps/cli/bin/seqtrain.js']. */
  command: readonly string[];
  jobFile: string;
  outDir: string;
  logFile: string;
  cwd: string;
  timeoutMs: number;
  /** Extra flags after `--out DIR` (the quality command passes --no-generate, --no-progress). */
  extraArgs?: readonly string[];
  onLine?: (line: string) => void;
}

export interface JobOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The last lines the job printed, for the row of a failed job. */
  tail: string[];
  /** Could not start (e.g. the executable is missing). */
  spawnError: string | null;
}

export async function runJob(options: JobRunOptions): Promise<JobOutcome> {
  await mkdir(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const [exe, ...leading] = options.command;
  const args = [...leading, 'local', '--config', options.jobFile, '--out', options.outDir, ...(options.extraArgs ?? [])];
  log.write(`$ ${[exe, ...args].join(' ')}\n`);
  const tail: string[] = [];
  let timedOut = false;
  let spawnError: string | null = null;
  const outcome = await new Promise<{ exitCode: number | null; signal: string | null }>((resolve) => {
    const child = spawn(exe as string, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      stream.pipe(log, { end: false });
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        options.onLine?.(line);
      });
    }
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);
    child.once('error', (err) => {
      spawnError = err.message;
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      resolve({ exitCode, signal });
    });
  });
  await new Promise<void>((resolve) => log.end(resolve));
  return { ...outcome, timedOut, tail, spawnError };
}

/** Why a job's outcome is a failure, or null when it exited 0. */
export function describeFailure(outcome: JobOutcome, timeoutMs: number): string | null {
  if (outcome.spawnError !== null) return `could not start: ${outcome.spawnError}`;
  if (outcome.timedOut) return `timed out after ${formatWallTime(timeoutMs / 1000)}`;
  if (outcome.exitCode === 0) return null;
  const last = outcome.tail.filter((l) => l.trim() !== '').at(-1);
  return `exited with ${outcome.signal ?? `code ${outcome.exitCode}`}${last ? `: ${last.trim()}` : ''}`;
}
