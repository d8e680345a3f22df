/**
 * `seqtrain quality`: computes the baselines of the chosen experiments, then (unless baselinesOnly)
 * runs each job file in turn with `seqtrain local`, reads its summary.json and judges it. One job's
 * failure becomes its row's verdict; the others still run.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { EXPERIMENTS, experimentOf, type Baseline, type Experiment } from './experiments.js';
import { markdownTable, judge, formatWallTime, type QualityRow } from './quality-table.js';
import { describeFailure, runJob } from './run-job.js';
import { readRunSummary } from './run-summary.js';

/** Without a TTY, a job's progress line is printed at most this often. */
export const PROGRESS_INTERVAL_MS = 30_000;

export interface QualityOptions {
  repoRoot: string;
  /** How to start seqtrain, e.g. [process.execPath, '/repo/apps/cli/bin/seqtrain.js']. */
  seqtrain: readonly string[];
  /** Job names (job files `<jobsDir>/<name>.yaml`); default: the five experiments. */
  jobs?: readonly string[];
  jobsDir?: string;
  baselinesOnly?: boolean;
  /** Run directories go to <out>/<job>, logs to <out>/<job>.log. */
  out: string;
  /** A job running longer is stopped (default DEFAULTS.QUALITY_JOB_TIMEOUT_MS). */
  jobTimeoutMs?: number;
  /** Progress lines (stderr in the CLI). */
  say?: (line: string) => void;
  /** Rewrite one line in place (a TTY); otherwise lines are printed every PROGRESS_INTERVAL_MS. */
  tty?: boolean;
}

export interface QualityReport {
  rows: QualityRow[];
  baselinesOnly: boolean;
  /** The table as Markdown. */
  markdown: string;
  passed: boolean;
}

function resolveJobs(names: readonly string[]): { job: string; experiment: Experiment }[] {
  return names.map((job) => {
    const experiment = experimentOf(job);
    if (!experiment) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Job "${job}" belongs to no quality experiment; give one of ${EXPERIMENTS.map((e) => e.id).join(', ')} or a variant named <experiment>-<suffix>.`,
        { field: 'jobs' }
      );
    }
    return { job, experiment };
  });
}

export async function runQuality(options: QualityOptions): Promise<QualityReport> {
  const say = options.say ?? ((line: string) => process.stderr.write(line + '\n'));
  const jobs = resolveJobs(options.jobs ?? EXPERIMENTS.map((e) => e.id));
  const jobsDir = resolve(options.repoRoot, options.jobsDir ?? 'datasets/jobs');
  const timeoutMs = options.jobTimeoutMs ?? DEFAULTS.QUALITY_JOB_TIMEOUT_MS;

  // Each experiment's baselines once, before any job runs (so they never share the CPU with one).
  const baselines = new Map<string, Baseline[]>();
  for (const { experiment } of jobs) {
    if (baselines.has(experiment.id)) continue;
    const started = performance.now();
    baselines.set(experiment.id, await experiment.baselines(options.repoRoot));
    say(`baselines ${experiment.id}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  const rows: QualityRow[] = [];
  for (const { job, experiment } of jobs) {
    const computed = baselines.get(experiment.id) ?? [];
    if (options.baselinesOnly) {
      rows.push(judge(job, experiment, computed, null));
      continue;
    }
    const jobFile = join(jobsDir, `${job}.yaml`);
    const runDir = resolve(options.out, job);
    if (!existsSync(jobFile)) {
      rows.push(judge(job, experiment, computed, null, `no job file ${jobFile}`, null));
      say(`[${job}] no job file ${jobFile}`);
      continue;
    }
    await mkdir(options.out, { recursive: true });
    const progress = progressLine(job, say, options.tty === true);
    const outcome = await runJob({
      command: options.seqtrain,
      jobFile,
      outDir: runDir,
      logFile: resolve(options.out, `${job}.log`),
      cwd: options.repoRoot,
      timeoutMs,
      extraArgs: ['--no-progress', '--no-generate'],
      onLine: progress.update,
    });
    const failure = describeFailure(outcome, timeoutMs);
    const run = await readRunSummary(join(runDir, 'summary.json'));
    const usable = run.status !== 'missing' && run.status !== 'unreadable';
    const row = judge(job, experiment, computed, usable ? run : null, failure ?? (usable ? null : run.error), runDir);
    rows.push(row);
    progress.done(`${row.verdict}${row.resultText ? ` (${row.metric} ${row.resultText}, ${formatWallTime(row.wallSeconds)})` : ''}${row.reason ? `: ${row.reason}` : ''}`);
  }
  const baselinesOnly = options.baselinesOnly === true;
  return { rows, baselinesOnly, markdown: markdownTable(rows, !baselinesOnly), passed: rows.every((r) => r.verdict !== 'fail') };
}

/** One line per job: rewritten in place on a TTY, else printed at most every PROGRESS_INTERVAL_MS. */
function progressLine(job: string, say: (line: string) => void, tty: boolean): { update: (line: string) => void; done: (text: string) => void } {
  const started = performance.now();
  let lastPrinted = -Infinity;
  const prefix = () => `[${job} ${formatWallTime((performance.now() - started) / 1000) || '0s'}]`;
  return {
    update: (line) => {
      const text = line.trim();
      if (text === '') return;
      if (tty) process.stderr.write(`\r\x1b[2K${`${prefix()} ${text}`.slice(0, (process.stderr.columns ?? 120) - 1)}`);
      else if (performance.now() - lastPrinted >= PROGRESS_INTERVAL_MS) {
        lastPrinted = performance.now();
        say(`${prefix()} ${text}`);
      }
    },
    done: (text) => {
      if (tty) process.stderr.write('\r\x1b[2K');
      say(`${prefix()} ${text}`);
    },
  };
}

export async function writeMarkdown(file: string, report: QualityReport): Promise<void> {
  await writeFile(file, report.markdown);
}
