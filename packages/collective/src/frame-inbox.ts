/**
 * The FIFO of frames received from one peer, shared by both transports. A recv either takes the
 * oldest buffered frame or waits (in call order) for the next one, with a timeout; once the peer is
 * closed, buffered frames still drain and every later wait rejects with the close error.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { WireFrame } from './frame.js';

const EMPTY = new Uint8Array(0);
/** setTimeout fires at once for delays above 2^31-1 ms; longer timeouts are capped there (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiter {
  resolve: (frame: WireFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class FrameInbox {
  private readonly frames: WireFrame[] = [];
  private head = 0;
  private readonly waiters: Waiter[] = [];
  private closedWith: SeqtrainError | undefined;

  constructor(
    readonly peer: number,
    /** The receiving rank, for error messages (-1 until a listener learns its rank). */
    public ownRank: number
  ) {}

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Frames buffered and not yet taken. */
  get size(): number {
    return this.frames.length - this.head;
  }

  push(frame: WireFrame): void {
    if (this.closedWith) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
      return;
    }
    this.frames.push(frame);
  }

  next(timeoutMs: number): Promise<WireFrame> {
    if (this.head < this.frames.length) {
      const frame = this.frames[this.head] as WireFrame;
      this.frames[this.head] = EMPTY;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.frames.length) {
        this.frames.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve(frame);
    }
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<WireFrame>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(
            new SeqtrainError(
              'ERR_COLLECTIVE_TIMEOUT',
              `Rank ${this.ownRank} received no frame from rank ${this.peer} within ${timeoutMs} ms. Check that rank ${this.peer} is alive and runs the same collectives in the same order, or raise SEQTRAIN_COLLECTIVE_TIMEOUT_MS.`,
              { rank: this.peer, timeoutMs }
            )
          );
        }, Math.min(timeoutMs, MAX_TIMER_MS)),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Marks the peer closed: waiting recvs reject now. Buffered frames still drain first unless
   * dropBuffered (a locally closed transport delivers nothing more). Idempotent.
   */
  close(error: SeqtrainError, dropBuffered = false): void {
    if (dropBuffered) {
      this.frames.length = 0;
      this.head = 0;
    }
    if (this.closedWith) return;
    this.closedWith = error;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}


/** The ERR_PEER_CLOSED error for a peer whose connection ended, with the reason when known. */
export function peerClosedError(ownRank: number, peer: number, reason: string): SeqtrainError {
  return new SeqtrainError(
    'ERR_PEER_CLOSED',
    `Rank ${ownRank} lost its connection with rank ${peer} (${reason}). Rank ${peer} exited or closed its transport; check its log for the first error.`,
    { rank: peer }
  );
}

/** The ERR_PEER_CLOSED error for any use of a transport after its own close(). */
export function transportClosedError(ownRank: number, peer: number): SeqtrainError {
  return new SeqtrainError(
    'ERR_PEER_CLOSED',
    `The transport of rank ${ownRank} is closed, so it can no longer exchange frames with rank ${peer}. Create a new transport (and Collective) to communicate again.`,
    { rank: peer }
  );
}
