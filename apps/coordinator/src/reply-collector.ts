/**
 * Gathers one reply per rank for a (type, step) the coordinator asked for. The coordinator registers
 * the expectation before it sends the command, so every reply has a waiter; a reply nobody expects
 * (duplicate, wrong step) is a protocol error naming the rank. fail() rejects every waiter at once, so
 * a dead or failed rank ends the wait instead of hanging it.
 */
import { SeqtrainError } from '@seqtrain/common';

interface Pending {
  /** Ranks a reply is expected from. */
  from: ReadonlySet<number>;
  replies: unknown[];
  remaining: number;
  resolve: (replies: unknown[]) => void;
  reject: (err: Error) => void;
}

export class ReplyCollector {
  private readonly pending = new Map<string, Pending>();
  private failure: Error | undefined;

  constructor(private readonly worldSize: number) {}

  /** Replies indexed by rank; ranks outside `from` stay undefined. */
  expect<T>(type: string, step: number, from?: readonly number[]): Promise<T[]> {
    if (this.failure) return Promise.reject(this.failure);
    const key = `${type}:${step}`;
    const ranks = new Set(from ?? Array.from({ length: this.worldSize }, (_, r) => r));
    return new Promise<T[]>((resolve, reject) => {
      this.pending.set(key, {
        from: ranks,
        replies: new Array<unknown>(this.worldSize),
        remaining: ranks.size,
        resolve: resolve as (r: unknown[]) => void,
        reject,
      });
    });
  }

  deliver(type: string, step: number, rank: number, reply: unknown): void {
    const key = `${type}:${step}`;
    const entry = this.pending.get(key);
    if (!entry || !entry.from.has(rank)) {
      throw new SeqtrainError('ERR_PROTOCOL', `Rank ${rank} sent an unexpected "${type}" for step ${step}.`, { rank });
    }
    if (entry.replies[rank] !== undefined) {
      throw new SeqtrainError('ERR_PROTOCOL', `Rank ${rank} sent "${type}" for step ${step} twice.`, { rank });
    }
    entry.replies[rank] = reply;
    entry.remaining -= 1;
    if (entry.remaining === 0) {
      this.pending.delete(key);
      entry.resolve(entry.replies);
    }
  }

  /** Whether a reply of `rank` is pending (the coordinator sent it a command and waits for its answer). */
  awaits(rank: number): boolean {
    for (const entry of this.pending.values()) if (entry.from.has(rank) && entry.replies[rank] === undefined) return true;
    return false;
  }

  /** Whether `rank` has replied to a pending (type, step). */
  hasReply(type: string, step: number, rank: number): boolean {
    return this.pending.get(`${type}:${step}`)?.replies[rank] !== undefined;
  }

  fail(err: Error): void {
    this.failure ??= err;
    for (const entry of this.pending.values()) entry.reject(err);
    this.pending.clear();
  }
}
