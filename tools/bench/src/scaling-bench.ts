/**
 * `seqtrain bench scaling`: weak scaling end to end. The same job (the `npm start` char-LSTM, or a
 * job file) run by `seqtrain local` with 1 worker and with 2 workers at the same per-worker batch
 * (global batch = per-worker batch x workers), one after the other in one invocation (with
 * `repeats` > 1 the two alternate, so slow drifts in the machine's load hit both). From each run's
 * metrics.jsonl, after the first `warmupSteps` steps (compilation, first allocations):
 *   samples/s        = sum(samples) / sum(stepSeconds)
 *   exposed comm     = sum(commExposedSeconds) / sum(stepSeconds): the share of step time spent in
 *                      communication that no computation overlapped (the trainer's step metrics)
 *   efficiency       = samples/s(2 workers) / (2 x samples/s(1 worker))
 * Targets (issue 5): efficiency >= 90%, exposed communication <= 5%.
 * A rank's exposed communication also holds the time it waits for slower ranks to reach the
 * all-reduce (on a shared machine, mostly that). Every rank leaves the all-reduce at about the same
 * moment, so the rank with the least exposed communication in a step is the one that arrived last
 * and waited for no one: its exposed time is the all-reduce itself. From the ranks' debug `step done`
 * log lines, `transferShare` sums that minimum over the steps; `waitShare` = exposedCommShare -
 * transferShare is the waiting for stragglers.
 * The `seqtrain` binary is passed in by the CLI (tools/bench does not depend on apps).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeqtrainError } from '@seqtrain/common';

export interface ScalingBenchOptions {
  /** Path of the seqtrain CLI entry (bin/seqtrain.js). */
  cliBin: string;
  /** Directory the runs are written under (one subdirectory per run). */
  out: string;
  /** Samples per worker per step (the `npm start` job: global batch 64 over 2 workers = 32). */
  perWorkerBatch: number;
  /** Steps of each run. */
  steps: number;
  /** Steps left out at the start of each run. */
  warmupSteps: number;
  /** World sizes to compare with the first (default [1, 2]). */
  workers: number[];
  /** Runs per world size, alternating; the figures are medians over them. */
  repeats: number;
  /** Extra job flags for every run (e.g. --config FILE, --data DIR). */
  jobArgs: string[];
  json: boolean;
  /** Where the table (or JSON lines) goes; default stdout. */
  write?: (line: string) => void;
}

export interface ScalingRunFigures {
  workers: number;
  globalBatch: number;
  /** Steps the figures cover (after the warm-up). */
  steps: number;
  samplesPerSecond: number;
  /** sum(commExposedSeconds) / sum(stepSeconds). */
  exposedCommShare: number;
  /** sum(commSeconds) / sum(stepSeconds): all communication, hidden or not. */
  commShare: number;
  /** sum(computeSeconds) / sum(stepSeconds). */
  computeShare: number;
  /** Least exposed communication of any rank (the rank that arrived last) per step, summed, over sum(stepSeconds). */
  transferShare: number;
  /** exposedCommShare - transferShare: waiting for slower ranks. */
  waitShare: number;
  meanStepSeconds: number;
}

export interface ScalingBenchRow extends ScalingRunFigures {
  /** samples/s / (workers x samples/s of the first world size); 1 for the first. */
  efficiency: number;
  /** Each repeat's samples/s, in run order. */
  runs: number[];
}

interface StepLine {
  step: number;
  samples: number;
  stepSeconds: number;
  commSeconds: number;
  commExposedSeconds: number;
  computeSeconds: number;
}

/** A rank's debug `step done` line (worker logs). */
interface RankStepLine {
  msg: string;
  step: number;
  commExposedSeconds: number;
}

/**
 * Per step (from warmupSteps on), the least exposed communication of any rank: that of the rank
 * that reached the all-reduce last. Keyed by step; `logs` are the worker log files' contents.
 */
export function minExposedPerStep(logs: string[], warmupSteps: number): Map<number, number> {
  const least = new Map<number, number>();
  for (const log of logs) {
    for (const text of log.split('\n')) {
      if (!text.includes('"step done"')) continue;
      const line = JSON.parse(text) as RankStepLine;
      if (line.msg !== 'step done' || line.step < warmupSteps || typeof line.commExposedSeconds !== 'number') continue;
      const seen = least.get(line.step);
      if (seen === undefined || line.commExposedSeconds < seen) least.set(line.step, line.commExposedSeconds);
    }
  }
  return least;
}

/**
 * The figures of one run directory's metrics.jsonl, leaving out the first warmupSteps lines;
 * `lastExposed` (minExposedPerStep) splits the exposed communication into transfer and waiting.
 */
export function stepFigures(metricsJsonl: string, warmupSteps: number, workers: number, globalBatch: number, lastExposed?: Map<number, number>): ScalingRunFigures {
  const lines = metricsJsonl
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as StepLine)
    .slice(warmupSteps);
  if (lines.length === 0) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The run has no steps after the ${warmupSteps} warm-up steps; run more steps (--steps) or fewer warm-up steps (--warmup-steps).`, { field: 'steps' });
  }
  const sum = (pick: (l: StepLine) => number): number => lines.reduce((total, l) => total + pick(l), 0);
  const seconds = sum((l) => l.stepSeconds);
  const exposedCommShare = sum((l) => l.commExposedSeconds) / seconds;
  // One rank: nobody to wait for. Without the per-rank lines (an older run), all exposed time counts as transfer.
  const transferShare = workers === 1 || !lastExposed || lastExposed.size === 0 ? exposedCommShare : sum((l) => lastExposed.get(l.step) ?? l.commExposedSeconds) / seconds;
  return {
    workers,
    globalBatch,
    steps: lines.length,
    samplesPerSecond: sum((l) => l.samples) / seconds,
    exposedCommShare,
    transferShare,
    waitShare: exposedCommShare - transferShare,
    commShare: sum((l) => l.commSeconds) / seconds,
    computeShare: sum((l) => l.computeSeconds) / seconds,
    meanStepSeconds: seconds / lines.length,
  };
}

/** Rows per world size: medians (by samples/s) of the repeats, efficiency against the first world size. */
export function scalingRows(runs: ScalingRunFigures[][]): ScalingBenchRow[] {
  const medians = runs.map((repeats) => {
    const sorted = [...repeats].sort((a, b) => a.samplesPerSecond - b.samplesPerSecond);
    return { median: sorted[Math.floor((sorted.length - 1) / 2)] as ScalingRunFigures, all: repeats.map((r) => r.samplesPerSecond) };
  });
  const base = medians[0]?.median;
  if (!base) throw new SeqtrainError('ERR_INVALID_ARGUMENT', 'scalingRows needs at least one world size.');
  const perWorkerBase = base.samplesPerSecond / base.workers;
  return medians.map(({ median, all }) => ({ ...median, efficiency: median.samplesPerSecond / (median.workers * perWorkerBase), runs: all }));
}

export function scalingTable(rows: ScalingBenchRow[]): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  return [
    '| workers | global batch | steps timed | samples/s | efficiency | exposed comm / step | of which transfer | of which waiting for slower ranks | comm / step | compute / step | mean step ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.workers} | ${r.globalBatch} | ${r.steps} | ${r.samplesPerSecond.toFixed(1)} | ${pct(r.efficiency)} | ${pct(r.exposedCommShare)} | ${pct(r.transferShare)} | ${pct(r.waitShare)} | ${pct(r.commShare)} | ${pct(r.computeShare)} | ${(1000 * r.meanStepSeconds).toFixed(1)} |`
    ),
  ].join('\n');
}

export async function runScalingBench(o: ScalingBenchOptions): Promise<ScalingBenchRow[]> {
  const bad = (field: string, message: string): never => {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', message, { field });
  };
  for (const [field, value, min] of [['perWorkerBatch', o.perWorkerBatch, 1], ['steps', o.steps, 1], ['warmupSteps', o.warmupSteps, 0], ['repeats', o.repeats, 1]] as const) {
    if (!Number.isInteger(value) || value < min) bad(field, `${field} must be an integer of at least ${min}, got ${value}.`);
  }
  if (o.warmupSteps >= o.steps) bad('warmupSteps', `warmupSteps (${o.warmupSteps}) must be below steps (${o.steps}) so that some steps are timed.`);
  if (o.workers.length === 0 || o.workers.some((w) => !Number.isInteger(w) || w < 1)) bad('workers', `workers must list positive integers, got ${JSON.stringify(o.workers)}.`);
  const write = o.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  mkdirSync(o.out, { recursive: true });
  const runs: ScalingRunFigures[][] = o.workers.map(() => []);
  for (let repeat = 0; repeat < o.repeats; repeat++) {
    for (const [index, workers] of o.workers.entries()) {
      const globalBatch = o.perWorkerBatch * workers;
      const dir = join(o.out, `workers-${workers}-run-${repeat + 1}`);
      process.stderr.write(`scaling bench: ${workers} worker(s), global batch ${globalBatch}, ${o.steps} steps -> ${dir}\n`);
      await runLocal(o.cliBin, [
        'local',
        ...o.jobArgs,
        '--workers', String(workers),
        '--global-batch', String(globalBatch),
        '--steps', String(o.steps),
        '--checkpoint-every', String(o.steps),
        '--no-generate', '--no-progress', '--no-dashboard',
        '--out', dir,
      ]);
      const logsDir = join(dir, 'logs');
      const logs = existsSync(logsDir) ? readdirSync(logsDir).map((f) => readFileSync(join(logsDir, f), 'utf8')) : [];
      (runs[index] as ScalingRunFigures[]).push(stepFigures(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), o.warmupSteps, workers, globalBatch, minExposedPerStep(logs, o.warmupSteps)));
    }
  }
  const rows = scalingRows(runs);
  if (o.json) for (const row of rows) write(JSON.stringify(row));
  else write(scalingTable(rows));
  return rows;
}

async function runLocal(cliBin: string, args: string[]): Promise<void> {
  // Debug level: the ranks' `step done` lines carry their own compute and exposed communication times.
  const child = spawn(process.execPath, [cliBin, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SEQTRAIN_LOG_LEVEL: 'debug' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new SeqtrainError('ERR_WORKER_FAILED', `seqtrain ${args.join(' ')} exited with ${code}:\n${stderr.slice(-4000)}`, { field: 'cliBin' });
}
