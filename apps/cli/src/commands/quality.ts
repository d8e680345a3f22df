/**
 * `seqtrain quality`: issue 3's quality bars (tools/quality). Computes the baselines from the shipped
 * data, runs each experiment's job file through `seqtrain local` as a child process, and prints the
 * table experiment | metric | baselines | bar | result | wall time | pass/fail. Exit code 1 when a
 * row fails. Long (the jobs train for minutes each): not part of the test suite; --baselines-only is.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULTS } from '@seqtrain/common';
import { Command } from 'commander';
import { positiveNumber } from '../parsers.js';
import { CLI_BIN, REPO_ROOT, timestamp } from '../paths.js';

interface QualityFlags {
  jobs?: string;
  jobsDir?: string;
  baselinesOnly?: boolean;
  out?: string;
  json?: boolean;
  markdown?: string;
  jobTimeoutMinutes?: number;
}

export function qualityCommand(): Command {
  return new Command('quality')
    .description("issue 3's quality bars: baselines computed from the shipped data, each job file run with `seqtrain local`, a pass/fail table")
    .option('--jobs <list>', 'job names, comma-separated (job files <jobs-dir>/<name>.yaml; a variant <experiment>-<suffix> is judged by its experiment); default: the five experiments')
    .option('--jobs-dir <dir>', 'where the job files are (default: datasets/jobs of the repository)')
    .option('--baselines-only', 'compute and print the baselines and bars; run no job')
    .option('--out <dir>', 'run directories <out>/<job> and logs <out>/<job>.log (default runs/quality-<date>)')
    .option('--json', 'print the rows as JSON instead of the table')
    .option('--markdown <file>', 'also write the table as Markdown to this file (for the README)')
    .option('--job-timeout-minutes <n>', `stop a job running longer than this (default: ${DEFAULTS.QUALITY_JOB_TIMEOUT_MS / 60_000})`, positiveNumber)
    .action(async (flags: QualityFlags) => {
      const { runQuality } = await import('@seqtrain/quality');
      const report = await runQuality({
        repoRoot: REPO_ROOT,
        seqtrain: [process.execPath, CLI_BIN],
        ...(flags.jobs !== undefined ? { jobs: flags.jobs.split(',').map((j) => j.trim()).filter((j) => j !== '') } : {}),
        jobsDir: flags.jobsDir !== undefined ? resolve(flags.jobsDir) : join(REPO_ROOT, 'datasets', 'jobs'),
        baselinesOnly: flags.baselinesOnly === true,
        out: resolve(flags.out ?? join('runs', `quality-${timestamp()}`)),
        ...(flags.jobTimeoutMinutes !== undefined ? { jobTimeoutMs: flags.jobTimeoutMinutes * 60_000 } : {}),
        tty: process.stderr.isTTY === true,
      });
      process.stdout.write(flags.json ? JSON.stringify(report.rows, null, 2) + '\n' : report.markdown);
      if (flags.markdown !== undefined) await writeFile(flags.markdown, report.markdown);
      if (!report.passed) process.exitCode = 1;
    });
}
