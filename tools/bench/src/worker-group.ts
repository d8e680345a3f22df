/**
 * The N bench worker processes of one world size: forks them, relays commands, collects their
 * reports, and turns a worker's failure or unexpected exit into a SeqtrainError naming its rank.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { errorFromJSON, SeqtrainError } from '@seqtrain/common';
import { BENCH_RANK_ENV, BENCH_TIMEOUT_MS_ENV, BENCH_WORLD_SIZE_ENV, type BenchCommand, type BenchReport } from './bench-protocol.js';

/** How one rank's process is started: node run through `execPath execArgv...` with extra environment. */
export interface WorkerLaunch {
  execPath: string;
  execArgv: string[];
  env?: Record<string, string>;
}

interface Mailbox {
  reports: BenchReport[];
  waiter: ((report: BenchReport) => void) | undefined;
  failure: SeqtrainError | undefined;
  fail: ((err: SeqtrainError) => void) | undefined;
}

export class WorkerGroup {
  private readonly mailboxes: Mailbox[];
  private stopped = false;

  private constructor(
    private readonly children: ChildProcess[],
    private readonly timeoutMs: number
  ) {
    this.mailboxes = children.map(() => ({ reports: [], waiter: undefined, failure: undefined, fail: undefined }));
    children.forEach((child, rank) => {
      const mailbox = this.mailboxes[rank] as Mailbox;
      child.on('message', (report: BenchReport) => {
        if (report.type === 'failed') {
          this.fail(errorFromJSON(report.error));
          return;
        }
        if (mailbox.waiter) {
          const waiter = mailbox.waiter;
          mailbox.waiter = undefined;
          mailbox.fail = undefined;
          waiter(report);
        } else mailbox.reports.push(report);
      });
      child.on('exit', (code, signal) => {
        if (this.stopped) return;
        this.fail(new SeqtrainError('ERR_WORKER_FAILED', `Bench worker of rank ${rank} exited unexpectedly (code ${code}, signal ${signal}); see its stderr above.`, { rank }));
      });
      child.on('error', (err) => this.fail(new SeqtrainError('ERR_WORKER_FAILED', `Bench worker of rank ${rank} could not run: ${err.message}.`, { rank }, { cause: err })));
    });
  }

  /**
   * Forks one worker per rank; resolves once all joined the ring (WebSocket and raw TCP). `launch` may
   * wrap a rank's node in another program (e.g. `ip netns exec NS node`) and add to its environment.
   */
  static async start(script: string, worldSize: number, timeoutMs: number, launch?: (rank: number) => WorkerLaunch): Promise<WorkerGroup> {
    const children = Array.from({ length: worldSize }, (_, rank) =>
      fork(script, [], {
        ...(launch ? { execPath: launch(rank).execPath, execArgv: launch(rank).execArgv } : {}),
        env: { ...process.env, ...launch?.(rank).env, [BENCH_RANK_ENV]: String(rank), [BENCH_WORLD_SIZE_ENV]: String(worldSize), [BENCH_TIMEOUT_MS_ENV]: String(timeoutMs) },
        // Workers print nothing on stdout; keep the parent's stdout for the table.
        stdio: ['ignore', 2, 'inherit', 'ipc'],
      })
    );
    const group = new WorkerGroup(children, timeoutMs);
    try {
      const listening = await group.collect('listening');
      const ringPeers = listening.map((r) => r.ringAddress);
      const pumpPeers = listening.map((r) => r.pump);
      group.broadcast({ type: 'peers', ringPeers, pumpPeers });
      await group.collect('connected');
      return group;
    } catch (err) {
      await group.stop();
      throw err;
    }
  }

  /**
   * Sends a timed command to every rank; resolves with the slowest rank's seconds per iteration and
   * the CPU seconds per iteration summed over the ranks (what the call costs the machine, whatever
   * else runs on it).
   */
  async time(command: Extract<BenchCommand, { type: 'allreduce' | 'pump' }>): Promise<{ seconds: number; cpuSeconds: number }> {
    this.broadcast(command);
    const budgetMs = this.timeoutMs * (command.iterations + command.warmup + 3);
    const reports = await this.collect('timed', budgetMs);
    for (const [rank, report] of reports.entries()) {
      if (report.id !== command.id) throw new SeqtrainError('ERR_PROTOCOL', `Bench worker of rank ${rank} answered command ${report.id}, expected ${command.id}.`, { rank });
    }
    return { seconds: Math.max(...reports.map((r) => r.seconds)), cpuSeconds: reports.reduce((total, r) => total + r.cpuSeconds, 0) };
  }

  /** Runs a reference check on every rank; resolves with the largest error and whether every rank met the bound. */
  async check(command: Extract<BenchCommand, { type: 'check' }>): Promise<{ maxAbsError: number; withinBound: boolean }> {
    this.broadcast(command);
    const reports = await this.collect('checked', this.timeoutMs * 3);
    return { maxAbsError: Math.max(...reports.map((r) => r.maxAbsError)), withinBound: reports.every((r) => r.withinBound) };
  }

  /** Asks every worker to exit, then kills any still running. */
  async stop(): Promise<void> {
    this.stopped = true;
    const exited = this.children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', () => resolve());
        })
    );
    for (const child of this.children) {
      if (child.connected) child.send({ type: 'exit' } satisfies BenchCommand, () => undefined);
    }
    const timer = setTimeout(() => this.children.forEach((child) => child.kill()), 5_000);
    await Promise.all(exited);
    clearTimeout(timer);
  }

  private broadcast(command: BenchCommand): void {
    for (const child of this.children) child.send(command);
  }

  private collect<T extends BenchReport['type']>(type: T, timeoutMs = this.timeoutMs): Promise<Extract<BenchReport, { type: T }>[]> {
    return Promise.all(this.mailboxes.map((_, rank) => this.next(rank, type, timeoutMs)));
  }

  private next<T extends BenchReport['type']>(rank: number, type: T, timeoutMs: number): Promise<Extract<BenchReport, { type: T }>> {
    const mailbox = this.mailboxes[rank] as Mailbox;
    return new Promise((resolve, reject) => {
      if (mailbox.failure) {
        reject(mailbox.failure);
        return;
      }
      const timer = setTimeout(() => {
        mailbox.waiter = undefined;
        mailbox.fail = undefined;
        reject(new SeqtrainError('ERR_COLLECTIVE_TIMEOUT', `Bench worker of rank ${rank} sent no '${type}' report within ${timeoutMs} ms.`, { rank }));
      }, timeoutMs);
      const accept = (report: BenchReport): void => {
        clearTimeout(timer);
        if (report.type === type) resolve(report as Extract<BenchReport, { type: T }>);
        else reject(new SeqtrainError('ERR_PROTOCOL', `Bench worker of rank ${rank} sent a '${report.type}' report, expected '${type}'.`, { rank }));
      };
      const queued = mailbox.reports.shift();
      if (queued) {
        accept(queued);
        return;
      }
      mailbox.waiter = accept;
      mailbox.fail = (err) => {
        clearTimeout(timer);
        reject(err);
      };
    });
  }

  private fail(error: SeqtrainError): void {
    // Every waiting rank fails with the first error, so the caller sees the cause, not a timeout.
    for (const mailbox of this.mailboxes) {
      mailbox.failure ??= error;
      const fail = mailbox.fail;
      mailbox.waiter = undefined;
      mailbox.fail = undefined;
      fail?.(error);
    }
  }
}
