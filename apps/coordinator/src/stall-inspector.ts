/**
 * The stall inspector (after Horovod's): every rank reports `collectiveEnter` right before it enters a
 * step's collective. When the first rank of a (generation, step, collective) has entered and others
 * have not, a warning names the missing ranks after warnMs, and the run is aborted with ERR_STALLED
 * naming them after abortMs. Ranks that disagree on what they run are caught by the collective's own
 * agreement check; this catches the ones that never arrive (a hung data read, a deadlocked rank, a
 * rank stuck in a long compute), which would otherwise leave the others waiting out the collective
 * timeout with no word on who is missing.
 */

export interface Stall {
  /** The collective's name and step. */
  name: string;
  step: number;
  /** Ranks that have entered, and the ones still missing. */
  entered: number[];
  missing: number[];
  /** Time since the first rank entered (ms). */
  waitedMs: number;
}

interface Watch {
  key: string;
  name: string;
  step: number;
  started: number;
  entered: Set<number>;
  timers: NodeJS.Timeout[];
}

export class StallInspector {
  private watch: Watch | undefined;

  constructor(
    private readonly warnMs: number,
    private readonly abortMs: number,
    private readonly onWarn: (stall: Stall) => void,
    private readonly onAbort: (stall: Stall) => void
  ) {}

  /** A rank of a `worldSize`-rank generation entered collective `name` of `step`. */
  enter(rank: number, step: number, name: string, worldSize: number): void {
    const key = `${step}:${name}`;
    if (this.watch?.key !== key) {
      this.clear();
      const watch: Watch = { key, name, step, started: Date.now(), entered: new Set(), timers: [] };
      const report = (fn: (s: Stall) => void) => () => fn(this.describe(watch, worldSize));
      watch.timers.push(setTimeout(report(this.onWarn), this.warnMs), setTimeout(report(this.onAbort), this.abortMs));
      for (const t of watch.timers) t.unref();
      this.watch = watch;
    }
    this.watch.entered.add(rank);
    if (this.watch.entered.size >= worldSize) this.clear();
  }

  /** Forgets the current watch (every rank arrived, the step ended, or the ring is being re-formed). */
  clear(): void {
    for (const t of this.watch?.timers ?? []) clearTimeout(t);
    this.watch = undefined;
  }

  private describe(watch: Watch, worldSize: number): Stall {
    const entered = [...watch.entered].sort((a, b) => a - b);
    const missing = Array.from({ length: worldSize }, (_, r) => r).filter((r) => !watch.entered.has(r));
    return { name: watch.name, step: watch.step, entered, missing, waitedMs: Date.now() - watch.started };
  }
}
