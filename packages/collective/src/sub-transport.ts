/**
 * A Transport over a subset of another transport's ranks (a node's local ranks, or one rank per node),
 * renumbered 0..members.length-1 in the given order, for running ring phases inside a group. Frames
 * go to and come from the underlying peers; the groups a hierarchical all-reduce uses at the same
 * time never share a peer pair, so their frames cannot interleave on one FIFO.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { WireFrame } from './frame.js';
import { checkPeer, type Transport } from './transport.js';

export class SubTransport implements Transport {
  readonly rank: number;
  readonly worldSize: number;

  constructor(
    private readonly parent: Transport,
    private readonly members: readonly number[]
  ) {
    const index = members.indexOf(parent.rank);
    if (index < 0) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Rank ${parent.rank} is not a member of the group [${members.join(', ')}].`, { rank: parent.rank });
    }
    this.rank = index;
    this.worldSize = members.length;
  }

  send(peer: number, frame: Uint8Array, payload?: Uint8Array): Promise<void> {
    try {
      checkPeer(this, peer);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.parent.send(this.members[peer] as number, frame, payload);
  }

  recv(peer: number, timeoutMs: number): Promise<WireFrame> {
    try {
      checkPeer(this, peer);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.parent.recv(this.members[peer] as number, timeoutMs);
  }

  /** A group does not own the connections; closing it is a no-op. */
  async close(): Promise<void> {}
}
