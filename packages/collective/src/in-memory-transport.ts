/**
 * Transports for N ranks inside one process: frames are copied (as a socket would) into the
 * receiver's per-peer FIFO. Used by tests and by single-process runs of the trainer.
 */
import { SeqtrainError } from '@seqtrain/common';
import { copyBytes, type WireFrame } from './frame.js';
import { FrameInbox, peerClosedError, transportClosedError } from './frame-inbox.js';
import { checkPeer, type Transport } from './transport.js';

class InMemoryTransport implements Transport {
  /** inboxes[p]: frames sent by rank p to this rank. */
  readonly inboxes: FrameInbox[];
  closed = false;

  constructor(
    readonly rank: number,
    readonly worldSize: number,
    private readonly world: InMemoryTransport[]
  ) {
    this.inboxes = Array.from({ length: worldSize }, (_, peer) => new FrameInbox(peer, rank));
  }

  async send(peer: number, frame: Uint8Array, payload?: Uint8Array): Promise<void> {
    checkPeer(this, peer);
    if (this.closed) throw transportClosedError(this.rank, peer);
    const target = this.world[peer] as InMemoryTransport;
    if (target.closed) throw peerClosedError(this.rank, peer, 'its in-memory transport was closed');
    const delivered: WireFrame = payload ? { head: copyBytes(frame), body: copyBytes(payload) } : copyBytes(frame);
    (target.inboxes[this.rank] as FrameInbox).push(delivered);
  }

  recv(peer: number, timeoutMs: number): Promise<WireFrame> {
    try {
      checkPeer(this, peer);
    } catch (err) {
      return Promise.reject(err);
    }
    return (this.inboxes[peer] as FrameInbox).next(timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const inbox of this.inboxes) inbox.close(transportClosedError(this.rank, inbox.peer), true);
    for (const other of this.world) {
      if (other !== this) (other.inboxes[this.rank] as FrameInbox).close(peerClosedError(other.rank, this.rank, 'its in-memory transport was closed'));
    }
  }
}

/** One connected transport per rank (index = rank). */
export function createInMemoryTransports(worldSize: number): Transport[] {
  if (!Number.isInteger(worldSize) || worldSize < 1) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `worldSize must be a positive integer, got ${worldSize}.`, { field: 'worldSize' });
  }
  const world: InMemoryTransport[] = [];
  for (let rank = 0; rank < worldSize; rank++) world.push(new InMemoryTransport(rank, worldSize, world));
  return world;
}
