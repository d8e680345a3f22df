/**
 * The data phase of ring all-reduce: reduce-scatter, then all-gather, over N segments whose sizes
 * differ by at most one element, each sent in chunks of at most chunkBytes of payload. Each rank
 * sends 2(N-1)/N of the payload (every segment but one in each phase) and receives as much.
 *
 * Pipelining: the 2(N-1) ring steps form one stream of chunks per link. A sender loop and a receiver
 * loop run side by side: the receiver reduces (or copies) each incoming chunk in place into `data`
 * and records it; the sender forwards chunk c of step t as soon as chunk c of step t - 1 has arrived
 * and been reduced (step 0 is ready at once), keeping up to SEND_WINDOW_CHUNKS chunks in flight. So
 * sending, receiving and reducing of different chunks overlap, across step boundaries too.
 *
 * Zero copy on the send side: an uncompressed chunk goes to the transport as a header plus a view of
 * `data` (Transport.send with a payload); the ring never writes a region while a send of it may be in
 * flight (a segment is written in step t - 1 and sent in step t; the all-gather writes segments only
 * after their last send), and everything is drained before the call returns.
 *
 * Compression ('fp16' | 'bf16', wire-codec.ts): chunks are encoded into per-send scratch buffers,
 * received chunks are decoded and added in float32. The owner rounds its finished segment to the
 * wire precision before the all-gather, so every rank ends with identical bits.
 *
 * Mean divides by N as a multiplication by 1/N (in double, then rounded to float32), on the owned
 * segment only, before the all-gather.
 *
 * Determinism: segment k is summed in a fixed ring order, x_k + x_(k+1) + ... + x_(k-1), one float32
 * addition at a time (a JS double sum of two float32 values rounded back to float32 is exactly the
 * IEEE float32 sum), and the all-gather copies the owner's bits. So every rank ends with identical
 * bits, and the same inputs, N and length always give the same bits, however the chunks interleave.
 */
import { SEND_WINDOW_CHUNKS } from './constants.js';
import { ChunkProgress } from './chunk-progress.js';
import { recvTagged, SendWindow, type CollectiveContext } from './collective-context.js';
import type { ReduceOp } from './descriptor.js';
import { encodeHeader, framePayloadFloat32, framePayloadUint16, FramePhase, FrameType, type WireFrame } from './frame.js';
import { chunkCount, ringSegments, type Segment } from './segments.js';
import { addDecoded, copyDecoded, encodeWire, quantizeInPlace, wireElementBytes, type WireCompression } from './wire-codec.js';

/**
 * Which part of the ring to run: both phases (an all-reduce), the reduce-scatter alone (rank r then
 * holds the plain sum, not scaled or rounded, of segment (r + 1) mod N: ownedSegment), or the
 * all-gather alone (each rank's owned segment is already final). The hierarchical all-reduce uses
 * the halves inside a node.
 */
export type RingPhases = 'both' | 'reduce-scatter' | 'all-gather';

/** The segment rank `rank` holds complete after a reduce-scatter over `worldSize` ranks. */
export function ownedSegment(rank: number, worldSize: number): number {
  return (rank + 1) % worldSize;
}

/**
 * Runs the data phase in place and returns `data`. No agreement check: every rank must already agree
 * on length, op, compression, seq and chunkBytes (Collective.allReduce checks that first). `data`
 * must not be changed by anyone else until the returned promise settles.
 */
export async function ringAllReduce(ctx: CollectiveContext, data: Float32Array, op: ReduceOp, compression: WireCompression = 'none', phases: RingPhases = 'both'): Promise<Float32Array> {
  const { rank, worldSize } = ctx.transport;
  if (worldSize === 1) return data;
  const mod = (value: number): number => ((value % worldSize) + worldSize) % worldSize;
  const segments = ringSegments(data.length, worldSize);
  const elementBytes = wireElementBytes(compression);
  const chunkElements = Math.floor(ctx.chunkBytes / elementBytes);
  const steps = 2 * (worldSize - 1);
  const reduceSteps = worldSize - 1;
  const sendSegment = (t: number): number => (t < reduceSteps ? mod(rank - t) : mod(rank + 1 - (t - reduceSteps)));
  const recvSegment = (t: number): number => (t < reduceSteps ? mod(rank - t - 1) : mod(rank - (t - reduceSteps)));
  const phaseOf = (t: number): FramePhase => (t < reduceSteps ? FramePhase.REDUCE_SCATTER : FramePhase.ALL_GATHER);
  const frameType = compression === 'none' ? FrameType.FLOAT32 : compression === 'fp16' ? FrameType.FLOAT16 : FrameType.BFLOAT16;
  const next = mod(rank + 1);
  const prev = mod(rank - 1);
  // The steps this call runs: [firstStep, endStep) of the 2(N-1) (reduce-scatter, then all-gather).
  const firstStep = phases === 'all-gather' ? reduceSteps : 0;
  const endStep = phases === 'reduce-scatter' ? reduceSteps : steps;
  const progress = new ChunkProgress(steps);
  const window = new SendWindow(ctx, SEND_WINDOW_CHUNKS);
  // One encode buffer per send that can be in flight, plus the one being filled.
  const largestChunk = Math.min(chunkElements, (segments[0] as Segment).end);
  const encodeBuffers = compression === 'none' ? [] : Array.from({ length: SEND_WINDOW_CHUNKS + 1 }, () => new Uint16Array(largestChunk));

  const sender = async (): Promise<void> => {
    let sent = 0;
    for (let t = firstStep; t < endStep; t++) {
      const segment = sendSegment(t);
      const { start: first, end: last } = segments[segment] as Segment;
      const chunks = chunkCount(last - first, chunkElements);
      for (let chunk = 0; chunk < chunks; chunk++) {
        if (t > firstStep && !progress.has(t - 1, chunk + 1)) await progress.wait(t - 1, chunk + 1);
        const start = first + chunk * chunkElements;
        const end = Math.min(last, start + chunkElements);
        const payloadBytes = (end - start) * elementBytes;
        const header = encodeHeader({ type: frameType, phase: phaseOf(t), seq: ctx.seq, segment, chunk }, payloadBytes);
        let payload: Uint8Array;
        if (compression === 'none') {
          payload = new Uint8Array(data.buffer, data.byteOffset + start * 4, payloadBytes);
        } else {
          const words = encodeBuffers[sent % encodeBuffers.length] as Uint16Array;
          encodeWire(compression, data, start, end, words);
          payload = new Uint8Array(words.buffer, 0, payloadBytes);
        }
        sent++;
        await window.send(next, header, `sending ${phaseName(phaseOf(t))} segment ${segment} chunk ${chunk} to rank ${next}`, payload);
      }
    }
  };

  const receiver = async (): Promise<void> => {
    for (let t = firstStep; t < endStep; t++) {
      const segment = recvSegment(t);
      const { start: first, end: last } = segments[segment] as Segment;
      const chunks = chunkCount(last - first, chunkElements);
      const reducing = t < reduceSteps;
      for (let chunk = 0; chunk < chunks; chunk++) {
        const start = first + chunk * chunkElements;
        const end = Math.min(last, start + chunkElements);
        const tag = { type: frameType, phase: phaseOf(t), seq: ctx.seq, segment, chunk };
        const doing = `waiting for ${phaseName(tag.phase)} segment ${segment} chunk ${chunk} from rank ${prev}`;
        const frame = await recvTagged(ctx, prev, tag, (end - start) * elementBytes, doing, window);
        if (phases === 'reduce-scatter') {
          apply(frame, start, reducing);
        } else if (t === reduceSteps - 1 && op === 'mean' && compression === 'none') {
          // The last addition and the 1/N scale in one pass over the owned chunk.
          addIntoScaled(data, start, framePayloadFloat32(frame), 1 / worldSize);
        } else {
          apply(frame, start, reducing);
          if (t === reduceSteps - 1) finishOwned(start, end);
        }
        progress.advance(t, chunk + 1);
      }
    }
  };

  const apply = (frame: WireFrame, start: number, reducing: boolean): void => {
    if (compression === 'none') {
      const incoming = framePayloadFloat32(frame);
      if (reducing) addInto(data, start, incoming);
      else data.set(incoming, start);
    } else {
      const words = framePayloadUint16(frame);
      if (reducing) addDecoded(compression, data, start, words);
      else copyDecoded(compression, data, start, words);
    }
  };

  /** The last reduce-scatter step completed data[start, end) of this rank's own segment. */
  const finishOwned = (start: number, end: number): void => {
    if (op === 'mean') {
      // Scaling only the owned segment (the all-gather copies it) keeps every rank's bits identical.
      const scale = 1 / worldSize;
      for (let i = start; i < end; i++) data[i] = (data[i] as number) * scale;
    }
    if (compression !== 'none') quantizeInPlace(compression, data, start, end);
  };

  const sending = sender().catch((err: unknown) => {
    progress.fail(err);
    throw err;
  });
  const receiving = receiver().catch((err: unknown) => {
    progress.fail(err);
    throw err;
  });
  sending.catch(() => undefined);
  receiving.catch(() => undefined);
  await Promise.all([sending, receiving]);
  await window.drain();
  return data;
}

function phaseName(phase: FramePhase): string {
  return phase === FramePhase.REDUCE_SCATTER ? 'reduce-scatter' : 'all-gather';
}

/*
 * The reduction loops are unrolled by 8: V8 does not vectorise typed-array loops, and the unrolled
 * form does the same float32 additions in the same order (so the same bits) with less loop overhead.
 * Measured by CPU time on the 2-core development machine, 1 MiB chunks (`node` micro-benchmark,
 * repeated): plain loop 1.7-1.9 GB/s of incoming data, unrolled by 4 2.2-2.9, by 8 3.1-3.3.
 */

/** data[offset + i] = float32(data[offset + i] + incoming[i]) * scale: the same two roundings as adding, then scaling. */
export function addIntoScaled(data: Float32Array, offset: number, incoming: Float32Array, scale: number): void {
  const f = Math.fround;
  const d = data.subarray(offset, offset + incoming.length);
  const x = incoming;
  const n = x.length;
  const unrolled = n - (n & 7);
  let i = 0;
  for (; i < unrolled; i += 8) {
    d[i] = f((d[i] as number) + (x[i] as number)) * scale;
    d[i + 1] = f((d[i + 1] as number) + (x[i + 1] as number)) * scale;
    d[i + 2] = f((d[i + 2] as number) + (x[i + 2] as number)) * scale;
    d[i + 3] = f((d[i + 3] as number) + (x[i + 3] as number)) * scale;
    d[i + 4] = f((d[i + 4] as number) + (x[i + 4] as number)) * scale;
    d[i + 5] = f((d[i + 5] as number) + (x[i + 5] as number)) * scale;
    d[i + 6] = f((d[i + 6] as number) + (x[i + 6] as number)) * scale;
    d[i + 7] = f((d[i + 7] as number) + (x[i + 7] as number)) * scale;
  }
  for (; i < n; i++) d[i] = f((d[i] as number) + (x[i] as number)) * scale;
}

/** data[offset + i] += incoming[i], in float32. */
export function addInto(data: Float32Array, offset: number, incoming: Float32Array): void {
  const d = data.subarray(offset, offset + incoming.length);
  const x = incoming;
  const n = x.length;
  const unrolled = n - (n & 7);
  let i = 0;
  for (; i < unrolled; i += 8) {
    d[i] = (d[i] as number) + (x[i] as number);
    d[i + 1] = (d[i + 1] as number) + (x[i + 1] as number);
    d[i + 2] = (d[i + 2] as number) + (x[i + 2] as number);
    d[i + 3] = (d[i + 3] as number) + (x[i + 3] as number);
    d[i + 4] = (d[i + 4] as number) + (x[i + 4] as number);
    d[i + 5] = (d[i + 5] as number) + (x[i + 5] as number);
    d[i + 6] = (d[i + 6] as number) + (x[i + 6] as number);
    d[i + 7] = (d[i + 7] as number) + (x[i + 7] as number);
  }
  for (; i < n; i++) d[i] = (d[i] as number) + (x[i] as number);
}
