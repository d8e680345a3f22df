/**
 * Hosts that keep failing are kept out for a cooling-off period (as Horovod Elastic's blacklist with
 * its cooldown): every rank lost on a host counts as one failure of that host; a host with
 * `afterFailures` failures within the last `cooloffMs` may not join, until the oldest of them is
 * cooloffMs old.
 */
export class HostExclusion {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly afterFailures: number,
    private readonly cooloffMs: number,
    private readonly now: () => number = Date.now
  ) {}

  recordFailure(host: string): void {
    const list = this.recent(host);
    list.push(this.now());
    this.failures.set(host, list);
  }

  /** When the host may join again (ms since the epoch), or undefined when it may join now. */
  excludedUntil(host: string): number | undefined {
    const list = this.recent(host);
    if (list.length < this.afterFailures) return undefined;
    return (list[list.length - this.afterFailures] as number) + this.cooloffMs;
  }

  failureCount(host: string): number {
    return this.recent(host).length;
  }

  private recent(host: string): number[] {
    const since = this.now() - this.cooloffMs;
    return (this.failures.get(host) ?? []).filter((t) => t > since);
  }
}
