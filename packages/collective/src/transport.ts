/**
 * The point-to-point layer the collectives run on. Implementations: in-memory (tests, single-process
 * runs) and WebSocket (one process per rank).
 */
import { SeqtrainError } from '@seqtrain/common';
import type { WireFrame } from './frame.js';

export interface Transport {
  readonly rank: number;
  readonly worldSize: number;
  /**
   * Sends one frame to peer. Resolves once handed to the socket. Order per (sender, receiver) pair is
   * preserved. Rejects with ERR_PEER_CLOSED when the connection to peer is closed.
   *
   * Without `payload`, `frame` is a whole frame and the transport captures its bytes before send()
   * returns, so the caller may reuse the buffer at once. With `payload`, `frame` is a 24-byte header
   * (captured at once) and `payload` its payload, sent without a copy (zero-copy framing): the caller
   * must leave the payload's bytes unchanged until the returned promise resolves. The receiver gets a
   * SplitFrame (or, from the in-memory transport, a copy of it).
   */
  send(peer: number, frame: Uint8Array, payload?: Uint8Array): Promise<void>;
  /**
   * Next frame from peer (FIFO per peer). Rejects with SeqtrainError ERR_COLLECTIVE_TIMEOUT after
   * timeoutMs, ERR_PEER_CLOSED when the peer's connection closes (naming the peer rank). Frames that
   * arrived before the close are still delivered first.
   */
  recv(peer: number, timeoutMs: number): Promise<WireFrame>;
  /** Closes every connection; pending and later recv/send calls reject with ERR_PEER_CLOSED. */
  close(): Promise<void>;
}

/** Throws ERR_INVALID_ARGUMENT unless peer is another rank of the transport's world. */
export function checkPeer(transport: Transport, peer: number): void {
  if (!Number.isInteger(peer) || peer < 0 || peer >= transport.worldSize || peer === transport.rank) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `Rank ${transport.rank} cannot exchange frames with peer ${peer}: expected an integer in [0, ${transport.worldSize}) other than its own rank.`,
      { rank: transport.rank, field: 'peer' }
    );
  }
}
