/**
 * The data phase of broadcast: a pipelined chain around the ring starting at the root. The root cuts
 * the payload into chunks of at most chunkBytes; every other rank stores each chunk and forwards the
 * very same frame to the next rank (unless that is the root), so a chunk is on all links at once
 * rather than the whole payload crossing one link after another.
 */
import { SEND_WINDOW_CHUNKS } from './constants.js';
import { recvTagged, SendWindow, type CollectiveContext } from './collective-context.js';
import { encodeFrame, framePayload, FramePhase, frameScratch, FrameType, type WireFrame } from './frame.js';
import { chunkCount } from './segments.js';

/**
 * Copies the root's `bytes` into `bytes` on every other rank (same byteLength everywhere). No
 * agreement check: Collective.broadcast / broadcastBytes check root and length first.
 */
export async function ringBroadcastBytes(ctx: CollectiveContext, bytes: Uint8Array, root: number, frameType: FrameType = FrameType.BYTES): Promise<Uint8Array> {
  const { rank, worldSize } = ctx.transport;
  if (worldSize === 1) return bytes;
  const next = (rank + 1) % worldSize;
  const prev = (rank - 1 + worldSize) % worldSize;
  const position = (rank - root + worldSize) % worldSize;
  const forwards = position < worldSize - 1;
  const chunks = chunkCount(bytes.byteLength, ctx.chunkBytes);
  const window = new SendWindow(ctx, SEND_WINDOW_CHUNKS);
  const scratch = position === 0 ? frameScratch(Math.min(ctx.chunkBytes, bytes.byteLength)) : undefined;
  for (let chunk = 0; chunk < chunks; chunk++) {
    const start = chunk * ctx.chunkBytes;
    const end = Math.min(bytes.byteLength, start + ctx.chunkBytes);
    const tag = { type: frameType, phase: FramePhase.BROADCAST, seq: ctx.seq, segment: root, chunk };
    let frame: WireFrame;
    if (position === 0) {
      frame = encodeFrame(tag, bytes.subarray(start, end), scratch);
    } else {
      frame = await recvTagged(ctx, prev, tag, end - start, `waiting for broadcast chunk ${chunk} of ${chunks} from rank ${prev}`, window);
      bytes.set(framePayload(frame), start);
    }
    if (forwards) await window.send(next, frame, `forwarding broadcast chunk ${chunk} to rank ${next}`);
  }
  await window.drain();
  return bytes;
}

/** ringBroadcastBytes over a Float32Array's bytes, in place on non-roots. */
export async function ringBroadcast(ctx: CollectiveContext, data: Float32Array, root: number): Promise<Float32Array> {
  await ringBroadcastBytes(ctx, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), root, FrameType.FLOAT32);
  return data;
}
