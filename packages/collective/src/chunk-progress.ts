/**
 * How far the receiving side of a pipelined ring collective has got, step by step, so the sending
 * side can forward chunk c of step t as soon as step t - 1 delivered it (instead of waiting for the
 * whole step). One waiter at a time (the ring's sender); a failure on either side releases it.
 */
export class ChunkProgress {
  private readonly done: Int32Array;
  private waiter: { step: number; count: number; resolve: () => void; reject: (err: unknown) => void } | undefined;
  private error: { value: unknown } | undefined;

  constructor(steps: number) {
    this.done = new Int32Array(steps);
  }

  /** True when at least `count` chunks of `step` are done. */
  has(step: number, count: number): boolean {
    return (this.done[step] as number) >= count;
  }

  /** Resolves once `count` chunks of `step` are done; rejects with the first failure. */
  wait(step: number, count: number): Promise<void> {
    if (this.error) return Promise.reject(this.error.value);
    if (this.has(step, count)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiter = { step, count, resolve, reject };
    });
  }

  /** Records that `count` chunks of `step` are done (counts only grow). */
  advance(step: number, count: number): void {
    this.done[step] = count;
    const waiter = this.waiter;
    if (waiter && this.has(waiter.step, waiter.count)) {
      this.waiter = undefined;
      waiter.resolve();
    }
  }

  /** Ends any wait (now and later) with `err`. */
  fail(err: unknown): void {
    if (!this.error) this.error = { value: err };
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
  }
}
