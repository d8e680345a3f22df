/**
 * Verdicts and the table: one row per job, `experiment | metric | baselines (computed) | bar |
 * result | wall time | pass/fail`, as Markdown (for the README; also what the terminal shows) or as
 * JSON rows.
 */
import type { Bar, Baseline, Experiment } from './experiments.js';
import type { RunResult } from './run-summary.js';

export type Verdict = 'pass' | 'fail' | 'not run';

export interface QualityRow {
  /** The job file's name (without .yaml): the experiment's id, or a variant of it. */
  job: string;
  experimentId: string;
  experiment: string;
  metric: string;
  baselines: Baseline[];
  /** The baselines as the table writes them, e.g. "4-gram KN 2.41, trigram KN 2.89". */
  baselinesText: string;
  bar: Bar;
  result: number | null;
  resultText: string;
  wallSeconds: number | null;
  verdict: Verdict;
  /** Why a row failed (which condition, or the job's error); null when it passed or did not run. */
  reason: string | null;
  runDir: string | null;
}

export function formatWallTime(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Judges a run against its experiment's bar. `run` null = the job did not run (baselines only);
 * `failure` = why the job produced no usable run (exit code, timeout, missing job file).
 */
export function judge(
  job: string,
  experiment: Experiment,
  baselines: Baseline[],
  run: RunResult | null,
  failure: string | null = null,
  runDir: string | null = null
): QualityRow {
  const bar = experiment.bar(baselines, run);
  const { format, key, label } = experiment.metric;
  const result = run?.metrics[key] ?? null;
  const row: QualityRow = {
    job,
    experimentId: experiment.id,
    experiment: experiment.title,
    metric: label,
    baselines,
    baselinesText: baselines.map((b) => `${b.name} ${format(b.value)}`).join(', '),
    bar,
    result,
    resultText: result === null ? '' : format(result),
    wallSeconds: run?.wallSeconds ?? null,
    verdict: 'not run',
    reason: null,
    runDir,
  };
  if (run === null && failure === null) return row;
  const reasons: string[] = [];
  if (failure !== null) reasons.push(failure);
  if (run !== null && run.status !== 'completed') reasons.push(`run ${run.status}${run.error ? `: ${run.error}` : ''}`);
  if (run !== null && run.status === 'completed' && result === null) reasons.push(`summary.json has no validation ${key}`);
  if (result !== null) {
    const ok = bar.direction === '<=' ? result <= bar.threshold : result >= bar.threshold;
    if (!ok) reasons.push(`${label} ${format(result)} is not ${bar.direction} ${format(bar.threshold)}`);
  }
  if (bar.maxWallSeconds !== undefined && run !== null) {
    if (run.wallSeconds === null) reasons.push('summary.json has no wallSeconds');
    else if (run.wallSeconds > bar.maxWallSeconds) reasons.push(`ran ${formatWallTime(run.wallSeconds)}, over ${formatWallTime(bar.maxWallSeconds)}`);
  }
  row.verdict = reasons.length === 0 ? 'pass' : 'fail';
  row.reason = reasons.length === 0 ? null : reasons.join('; ');
  return row;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown table; `withResults` false leaves out the result, wall time and pass/fail columns. */
export function markdownTable(rows: readonly QualityRow[], withResults: boolean): string {
  const head = ['experiment', 'metric', 'baselines (computed)', 'bar', ...(withResults ? ['result', 'wall time', 'pass/fail'] : [])];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    const verdict = r.verdict === 'fail' && r.reason ? `fail (${r.reason})` : r.verdict;
    const title = r.job === r.experimentId ? r.experiment : `${r.experiment} (job ${r.job})`;
    const cells = [title, r.metric, r.baselinesText, r.bar.text, ...(withResults ? [r.resultText, formatWallTime(r.wallSeconds), verdict] : [])];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
