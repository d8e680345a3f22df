/**
 * The data phase of ring all-reduce: reduce-scatter, then all-gather, over N segments whose sizes
 * differ by at most one element, each sent in chunks of at most chunkBytes. Each rank sends
 * 2(N-1)/N of the payload (every segment but one in each phase) and receives as much.
 *
 * Mean divides by N as a multiplication by 1/N (in double, then rounded to float32), on the owned
 * segment only, before the all-gather.
 *
 * Determinism: segment k is summed in a fixed ring order, x_k + x_(k+1) + ... + x_(k-1), one float32
 * addition at a time (a JS double sum of two float32 values rounded back to float32 is exactly the
 * IEEE float32 sum), and the all-gather copies the owner's bits. So every rank ends with identical
 * bits, and the same inputs, N and length always give the same bits.
 */
import { SEND_WINDOW_CHUNKS } from './constants.js';
import { recvTagged, SendWindow, type CollectiveContext } from './collective-context.js';
import type { ReduceOp } from './descriptor.js';
import { encodeFloat32Frame, framePayloadFloat32, FramePhase, frameScratch, FrameType } from './frame.js';
import { chunkCount, ringSegments, type Segment } from './segments.js';

/**
 * Runs the data phase in place and returns `data`. No agreement check: every rank must already agree
 * on length, op, seq and chunkBytes (Collective.allReduce checks that first).
 */
export async function ringAllReduce(ctx: CollectiveContext, data: Float32Array, op: ReduceOp): Promise<Float32Array> {
  const { rank, worldSize } = ctx.transport;
  if (worldSize === 1) return data;
  const segments = ringSegments(data.length, worldSize);
  const scratch = frameScratch(Math.min(ctx.chunkBytes, (segments[0] as Segment).end * 4));
  for (let s = 0; s < worldSize - 1; s++) {
    const sendSegment = (rank - s + worldSize) % worldSize;
    const recvSegment = (rank - s - 1 + worldSize) % worldSize;
    await ringStep(ctx, data, segments, FramePhase.REDUCE_SCATTER, sendSegment, recvSegment, addInto, scratch);
  }
  // Rank r now holds the complete sum of segment r+1.
  const owned = segments[(rank + 1) % worldSize] as Segment;
  if (op === 'mean') {
    // Scaling only the owned segment (the all-gather copies it) keeps every rank's bits identical.
    const scale = 1 / worldSize;
    const target = data.subarray(owned.start, owned.end);
    for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) * scale;
  }
  for (let s = 0; s < worldSize - 1; s++) {
    const sendSegment = (rank + 1 - s + worldSize) % worldSize;
    const recvSegment = (rank - s + worldSize) % worldSize;
    await ringStep(ctx, data, segments, FramePhase.ALL_GATHER, sendSegment, recvSegment, copyInto, scratch);
  }
  return data;
}

type Apply = (data: Float32Array, offset: number, incoming: Float32Array) => void;

function addInto(data: Float32Array, offset: number, incoming: Float32Array): void {
  const target = data.subarray(offset, offset + incoming.length);
  const n = incoming.length;
  for (let i = 0; i < n; i++) target[i] = (target[i] as number) + (incoming[i] as number);
}

function copyInto(data: Float32Array, offset: number, incoming: Float32Array): void {
  data.set(incoming, offset);
}

/**
 * One ring step: send segment `sendSegment` to the next rank while receiving `recvSegment` from the
 * previous one, chunk by chunk, so the outgoing link stays busy while incoming chunks are applied.
 */
async function ringStep(
  ctx: CollectiveContext,
  data: Float32Array,
  segments: readonly Segment[],
  phase: FramePhase,
  sendSegment: number,
  recvSegment: number,
  apply: Apply,
  scratch: Uint8Array
): Promise<void> {
  const { rank, worldSize } = ctx.transport;
  const next = (rank + 1) % worldSize;
  const prev = (rank - 1 + worldSize) % worldSize;
  const chunkElements = ctx.chunkBytes / 4;
  const out = segments[sendSegment] as Segment;
  const into = segments[recvSegment] as Segment;
  const sendChunks = chunkCount(out.end - out.start, chunkElements);
  const recvChunks = chunkCount(into.end - into.start, chunkElements);
  const phaseName = phase === FramePhase.REDUCE_SCATTER ? 'reduce-scatter' : 'all-gather';
  const window = new SendWindow(ctx, SEND_WINDOW_CHUNKS);
  for (let chunk = 0; chunk < Math.max(sendChunks, recvChunks); chunk++) {
    if (chunk < sendChunks) {
      const start = out.start + chunk * chunkElements;
      const end = Math.min(out.end, start + chunkElements);
      const frame = encodeFloat32Frame({ type: FrameType.FLOAT32, phase, seq: ctx.seq, segment: sendSegment, chunk }, data, start, end, scratch);
      await window.send(next, frame, `sending ${phaseName} segment ${sendSegment} chunk ${chunk} to rank ${next}`);
    }
    if (chunk < recvChunks) {
      const start = into.start + chunk * chunkElements;
      const end = Math.min(into.end, start + chunkElements);
      const tag = { type: FrameType.FLOAT32, phase, seq: ctx.seq, segment: recvSegment, chunk };
      const frame = await recvTagged(ctx, prev, tag, (end - start) * 4, `waiting for ${phaseName} segment ${recvSegment} chunk ${chunk} from rank ${prev}`, window);
      apply(data, start, framePayloadFloat32(frame));
    }
  }
  await window.drain();
}
