/**
 * The point-to-point layer the collectives run on. Implementations: in-memory (tests, single-process
 * runs) and WebSocket (one process per rank).
 */
import { SeqtrainError } from '@seqtrain/common';

export interface Transport {
  readonly rank: number;
  readonly worldSize: number;
  /**
   * Sends one frame to peer. Resolves once handed to the socket. Order per (sender, receiver) pair is
   * preserved. The transport captures the frame's bytes before send() returns, so the caller may
   * reuse the buffer afterwards. Rejects with ERR_PEER_CLOSED when the connection to peer is closed.
   */
  send(peer: number, frame: Uint8Array): Promise<void>;
  /**
   * Next frame from peer (FIFO per peer). Rejects with SeqtrainError ERR_COLLECTIVE_TIMEOUT after
   * timeoutMs, ERR_PEER_CLOSED when the peer's connection closes (naming the peer rank). Frames that
   * arrived before the close are still delivered first.
   */
  recv(peer: number, timeoutMs: number): Promise<Uint8Array>;
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
