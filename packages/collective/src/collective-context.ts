/**
 * What one running collective carries through its frames (who, which call, which sequence number),
 * and the two I/O helpers every algorithm uses: a receive that checks the frame's tag and names the
 * collective in its errors, and a bounded window of in-flight sends whose first failure also ends
 * any receive waiting alongside it.
 */
import { SeqtrainError } from '@seqtrain/common';
import { expectFrame, type FrameTag, type WireFrame } from './frame.js';
import type { Transport } from './transport.js';

export type CollectiveKind = 'allReduce' | 'broadcast' | 'broadcastBytes' | 'barrier' | 'allGather';

export interface CollectiveContext {
  transport: Transport;
  kind: CollectiveKind;
  name: string;
  step: number;
  /** Sequence number of this call on its Collective; tags every frame. */
  seq: number;
  /** Per-frame receive timeout. */
  timeoutMs: number;
  /** Largest data payload per frame; a multiple of 4. */
  chunkBytes: number;
}

export function describeCall(ctx: Pick<CollectiveContext, 'kind' | 'name' | 'step'>): string {
  return `${ctx.kind} '${ctx.name}' step ${ctx.step}`;
}

const CONTEXTUAL_CODES = new Set(['ERR_COLLECTIVE_TIMEOUT', 'ERR_PEER_CLOSED', 'ERR_BAD_FRAME']);

/**
 * Re-throws a transport or frame error with the collective's name/step and what the rank was doing,
 * keeping its code and details (rank = the peer concerned).
 */
export function inContext(ctx: CollectiveContext, err: unknown, doing: string): unknown {
  if (!(err instanceof SeqtrainError) || !CONTEXTUAL_CODES.has(err.code)) return err;
  if (err.details.seq === ctx.seq && err.details.kind === ctx.kind) return err; // already in context
  return new SeqtrainError(
    err.code,
    `${describeCall(ctx)} (collective #${ctx.seq}) on rank ${ctx.transport.rank}, ${doing}: ${err.message}`,
    { ...err.details, kind: ctx.kind, name: ctx.name, step: ctx.step, seq: ctx.seq },
    { cause: err }
  );
}

/**
 * Receives the next frame from peer and checks it carries `tag` (and payloadBytes, when given).
 * When a window is given, a failed send in it ends the wait at once instead of after the timeout.
 */
export async function recvTagged(
  ctx: CollectiveContext,
  peer: number,
  tag: FrameTag,
  payloadBytes: number | undefined,
  doing: string,
  window?: SendWindow
): Promise<WireFrame> {
  try {
    const pending = ctx.transport.recv(peer, ctx.timeoutMs);
    const frame = window ? await Promise.race([pending, window.failed]) : await pending;
    expectFrame(frame, tag, peer, payloadBytes);
    return frame;
  } catch (err) {
    throw inContext(ctx, err, doing);
  }
}

/**
 * Keeps at most `limit` sends in flight: send() waits for the oldest to be handed to the socket
 * before issuing another. Sends resolve in order per peer, so waiting on the oldest is enough.
 */
export class SendWindow {
  private readonly inFlight: Promise<void>[] = [];
  private rejectFailed!: (err: unknown) => void;
  private failedAlready = false;
  /** Rejects with the first send failure (never resolves). */
  readonly failed: Promise<never>;

  constructor(
    private readonly ctx: CollectiveContext,
    private readonly limit: number
  ) {
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    // The failure is reported through send()/drain() or a receive's race; this keeps Node from
    // flagging it as unhandled when no receive is waiting.
    this.failed.catch(() => undefined);
  }

  /**
   * Sends a whole frame, a split frame, or a header with its payload (zero-copy: the payload must
   * stay unchanged until drain() or the send's turn in the window has passed; see Transport.send).
   */
  async send(peer: number, frame: WireFrame, doing: string, payload?: Uint8Array): Promise<void> {
    while (this.inFlight.length >= this.limit) await this.inFlight.shift();
    const pending = frame instanceof Uint8Array ? this.ctx.transport.send(peer, frame, payload) : this.ctx.transport.send(peer, frame.head, frame.body);
    const sent = pending.catch((err: unknown) => {
      const wrapped = inContext(this.ctx, err, doing);
      if (!this.failedAlready) {
        this.failedAlready = true;
        this.rejectFailed(wrapped);
      }
      throw wrapped;
    });
    sent.catch(() => undefined);
    this.inFlight.push(sent);
  }

  /** Waits for every send to be handed to the socket; throws the first failure. */
  async drain(): Promise<void> {
    const all = this.inFlight.splice(0);
    await Promise.all(all);
  }
}
