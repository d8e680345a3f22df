/**
 * `seqtrain bench chaos`: what a worker failure costs an elastic run. Two `seqtrain local` runs of the
 * same char-LSTM job, side by side: a clean one, and one whose worker agent K has its training process
 * killed with SIGKILL at step killStep (mid-epoch). Reported: the final validation loss of both and
 * their ratio (target: within 5%), how long the loss took to be seen after the kill, the recovery
 * (loss seen -> new ring ready, from summary.json), the wall time of both, and the cost of the
 * in-memory commits (debug `commitSeconds` of the step lines against the mean step time).
 * The `seqtrain` binary is passed in by the CLI (tools/bench does not depend on apps).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ChaosBenchOptions {
  /** Path of the seqtrain CLI entry (bin/seqtrain.js). */
  cliBin: string;
  /** Directory the two runs are written under. */
  out: string;
  workers: number;
  steps: number;
  killStep: number;
  /** Index (start order) of the worker agent whose training process is killed. */
  victim: number;
  /** Extra job flags for both runs (e.g. --data DIR). */
  jobArgs: string[];
  json: boolean;
}

export interface ChaosBenchResult {
  clean: { wallSeconds: number; validationLoss: number; finalLoss: number };
  killed: { wallSeconds: number; validationLoss: number; finalLoss: number; detectSeconds: number; recoverySeconds: number; rollbackStep: number; atStep: number };
  validationRatio: number;
  meanStepSeconds: number;
  meanCommitSeconds: number;
}

interface Summary {
  wallSeconds: number;
  validationLoss: number;
  finalLoss: number;
  membershipChanges: { recoverySeconds: number; rollbackStep: number; atStep: number }[];
}

export async function runChaosBench(o: ChaosBenchOptions): Promise<ChaosBenchResult> {
  mkdirSync(o.out, { recursive: true });
  const common = ['local', '--workers', String(o.workers), '--min-workers', String(o.workers - 1), '--steps', String(o.steps), '--no-generate', '--no-progress', '--no-dashboard', '--log-every', '1', ...o.jobArgs];
  const say = (line: string) => process.stderr.write(line + '\n');
  say(`chaos bench: clean run (${o.workers} workers, ${o.steps} steps)`);
  const cleanDir = join(o.out, 'clean');
  await runLocal(o.cliBin, [...common, '--out', cleanDir]);
  say(`chaos bench: run with the training process of worker ${o.victim} killed (SIGKILL) after step ${o.killStep}`);
  const killedDir = join(o.out, 'killed');
  const detectSeconds = await runLocal(o.cliBin, [...common, '--out', killedDir], { killStep: o.killStep, steps: o.steps, victim: o.victim });
  const clean = readSummary(cleanDir);
  const killed = readSummary(killedDir);
  const change = killed.membershipChanges[0];
  if (!change) throw new Error(`the killed run ${killedDir} records no membership change; the kill missed`);
  const commits = commitSeconds(cleanDir);
  const steps = readFileSync(join(cleanDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { stepSeconds: number }).stepSeconds);
  const result: ChaosBenchResult = {
    clean: { wallSeconds: clean.wallSeconds, validationLoss: clean.validationLoss, finalLoss: clean.finalLoss },
    killed: { wallSeconds: killed.wallSeconds, validationLoss: killed.validationLoss, finalLoss: killed.finalLoss, detectSeconds: detectSeconds ?? NaN, recoverySeconds: change.recoverySeconds, rollbackStep: change.rollbackStep, atStep: change.atStep },
    validationRatio: killed.validationLoss / clean.validationLoss,
    meanStepSeconds: mean(steps),
    meanCommitSeconds: mean(commits),
  };
  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    const f = (x: number, d = 3) => x.toFixed(d);
    process.stdout.write(
      [
        `| run | wall s | final train loss | validation loss (nats) |`,
        `| --- | --- | --- | --- |`,
        `| clean | ${f(clean.wallSeconds, 1)} | ${f(clean.finalLoss)} | ${f(clean.validationLoss, 4)} |`,
        `| worker ${o.victim} killed after step ${o.killStep} | ${f(killed.wallSeconds, 1)} | ${f(killed.finalLoss)} | ${f(killed.validationLoss, 4)} |`,
        '',
        `validation loss killed / clean: ${f(result.validationRatio, 4)} (target within 5%)`,
        `loss seen ${f(result.killed.detectSeconds, 2)} s after the kill; ring re-formed ${f(change.recoverySeconds, 2)} s later (step ${change.atStep} in flight, rolled back to step ${change.rollbackStep})`,
        `in-memory commit: ${f(1000 * result.meanCommitSeconds, 1)} ms per step against a mean step of ${f(1000 * result.meanStepSeconds, 1)} ms`,
        '',
      ].join('\n')
    );
  }
  return result;
}

/** Runs `seqtrain local`; with a kill plan, kills the victim's training process after killStep and returns seconds from the kill to the loss being reported. */
async function runLocal(cliBin: string, args: string[], kill?: { killStep: number; steps: number; victim: number }): Promise<number | undefined> {
  const child = spawn(process.execPath, [cliBin, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SEQTRAIN_LOG_LEVEL: 'debug' } });
  let stderr = '';
  let killedAt = 0;
  let seenAt = 0;
  let killing = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (kill && !killing && stderr.includes(`step ${kill.killStep}/${kill.steps}`)) {
      killing = true;
      const address = /coordinator listening on (ws:\/\/\S+)/.exec(stderr)?.[1] ?? '';
      void trainerOf(address, kill.victim).then((pid) => {
        killedAt = performance.now();
        process.kill(pid, 'SIGKILL');
      });
    }
    if (killedAt > 0 && seenAt === 0 && /rank \d+ \(\S+\) lost/.test(stderr)) seenAt = performance.now();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`seqtrain ${args.join(' ')} exited with ${code}:\n${stderr.slice(-4000)}`);
  return kill ? (seenAt - killedAt) / 1000 : undefined;
}

async function trainerOf(address: string, victim: number): Promise<number> {
  const ps = await new Promise<string>((resolve) => {
    const p = spawn('ps', ['-eo', 'pid=,ppid=,args='], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.once('exit', () => resolve(out));
  });
  const rows = ps.split('\n').map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const agents = rows.filter((m) => (m[3] ?? '').includes(`--coordinator ${address}`)).map((m) => Number(m[1])).sort((a, b) => a - b);
  const agent = agents[victim];
  const trainer = rows.find((m) => Number(m[2]) === agent && (m[3] ?? '').includes('train-main'));
  if (!trainer) throw new Error(`no training process of worker agent ${victim} (agents ${agents.join(', ')})`);
  return Number(trainer[1]);
}

function readSummary(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

/** commitSeconds of every debug `step done` line in the run's worker logs. */
function commitSeconds(dir: string): number[] {
  const logs = join(dir, 'logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs).flatMap((f) =>
    readFileSync(join(logs, f), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"commitSeconds"'))
      .map((l) => (JSON.parse(l) as { commitSeconds: number }).commitSeconds)
  );
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
