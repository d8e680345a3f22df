/**
 * The binary frame every message of the collective layer travels in: a fixed 24-byte little-endian
 * header, then the payload. Data payloads are raw bytes (float32 in host order, which the layer
 * requires to be little-endian), never msgpack, so a chunk costs one copy to build and none to parse
 * when aligned.
 *
 *   offset  size  field
 *        0     2  magic "ST" (0x53 0x54)
 *        2     1  wire version (WIRE_VERSION)
 *        3     1  type   (FrameType)
 *        4     1  phase  (FramePhase)
 *        5     3  reserved, zero
 *        8     4  seq      u32: the collective's sequence number on its Collective
 *       12     4  segment  u32: ring segment; for CONTROL frames the rank whose descriptor it carries
 *       16     4  chunk    u32: chunk index inside the segment
 *       20     4  payload  u32: payload byte length (must equal frame length - 24)
 *
 * The header length is a multiple of 8 so a payload that starts at an aligned frame offset can be
 * viewed as a Float32Array without a copy.
 *
 * Large payloads travel split (SplitFrame): the header as one transport message, the payload as the
 * next, sent from the caller's memory. Saves the copy of the payload behind its header on the sender;
 * the receiver gets the payload in its own buffer either way.
 */
import { SeqtrainError } from '@seqtrain/common';
import { WIRE_VERSION } from './constants.js';

export const FRAME_HEADER_BYTES = 24;
const MAGIC_0 = 0x53;
const MAGIC_1 = 0x54;

export const FrameType = {
  /** First frame on a new connection: msgpack {version, rank, worldSize}. */
  HELLO: 1,
  /** A collective descriptor (msgpack), relayed around the ring before any data moves. */
  CONTROL: 2,
  /** Raw float32 elements. */
  FLOAT32: 3,
  /** Raw bytes (broadcastBytes). */
  BYTES: 4,
  /** IEEE binary16 elements (all-reduce with fp16 wire compression). */
  FLOAT16: 5,
  /** bfloat16 elements (the upper half of a float32; all-reduce with bf16 wire compression). */
  BFLOAT16: 6,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const FramePhase = {
  NONE: 0,
  REDUCE_SCATTER: 1,
  ALL_GATHER: 2,
  BROADCAST: 3,
} as const;
export type FramePhase = (typeof FramePhase)[keyof typeof FramePhase];

/** What a receiver expects of the next frame; a frame that carries another tag is ERR_BAD_FRAME. */
export interface FrameTag {
  type: FrameType;
  phase: FramePhase;
  seq: number;
  segment: number;
  chunk: number;
}

export interface FrameHeader extends FrameTag {
  payloadBytes: number;
}

/**
 * A frame whose header and payload travelled as two transport messages, so that a large payload is
 * written to the socket straight from the caller's memory instead of being copied behind its header
 * (see Transport.send). `head` is the 24-byte header, `body` the payload it declares.
 */
export interface SplitFrame {
  readonly head: Uint8Array;
  readonly body: Uint8Array;
}

/** What a Transport delivers: one contiguous buffer (header + payload) or a split frame. */
export type WireFrame = Uint8Array | SplitFrame;

/** The header bytes of a frame (a view, no copy). */
export function frameHead(frame: WireFrame): Uint8Array {
  return frame instanceof Uint8Array ? frame.subarray(0, FRAME_HEADER_BYTES) : frame.head;
}

/** Total bytes of a frame (header + payload). */
export function frameByteLength(frame: WireFrame): number {
  return frame instanceof Uint8Array ? frame.byteLength : frame.head.byteLength + frame.body.byteLength;
}

/**
 * True when `message` is the header half of a split frame: exactly a header whose declared payload
 * is not empty (a contiguous frame of header length declares 0 payload bytes, so the two never mix).
 */
export function isSplitHead(message: Uint8Array): boolean {
  if (message.byteLength !== FRAME_HEADER_BYTES || message[0] !== MAGIC_0 || message[1] !== MAGIC_1) return false;
  return new DataView(message.buffer, message.byteOffset, FRAME_HEADER_BYTES).getUint32(20, true) > 0;
}

/** A 24-byte header declaring payloadBytes, for a split send; written into `scratch` when given. */
export function encodeHeader(tag: FrameTag, payloadBytes: number, scratch?: Uint8Array): Uint8Array {
  const head = scratch && scratch.byteLength >= FRAME_HEADER_BYTES ? scratch.subarray(0, FRAME_HEADER_BYTES) : Buffer.allocUnsafeSlow(FRAME_HEADER_BYTES);
  writeHeader(head, tag, payloadBytes);
  return head;
}

const TYPE_NAMES: Record<number, string> = { 1: 'HELLO', 2: 'CONTROL', 3: 'FLOAT32', 4: 'BYTES', 5: 'FLOAT16', 6: 'BFLOAT16' };
const PHASE_NAMES: Record<number, string> = { 0: 'none', 1: 'reduce-scatter', 2: 'all-gather', 3: 'broadcast' };

export function describeTag(tag: FrameTag): string {
  const type = TYPE_NAMES[tag.type] ?? `type ${tag.type}`;
  const phase = PHASE_NAMES[tag.phase] ?? `phase ${tag.phase}`;
  return `${type} ${phase} seq ${tag.seq} segment ${tag.segment} chunk ${tag.chunk}`;
}

/** True on little-endian hosts, the only ones whose float32 payloads this layout describes. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeHeader(frame: Uint8Array, tag: FrameTag, payloadBytes: number): void {
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES);
  frame[0] = MAGIC_0;
  frame[1] = MAGIC_1;
  frame[2] = WIRE_VERSION;
  frame[3] = tag.type;
  frame[4] = tag.phase;
  frame[5] = 0;
  frame[6] = 0;
  frame[7] = 0;
  view.setUint32(8, tag.seq >>> 0, true);
  view.setUint32(12, tag.segment >>> 0, true);
  view.setUint32(16, tag.chunk >>> 0, true);
  view.setUint32(20, payloadBytes, true);
}

/**
 * A frame: header, then a copy of `payload`. Written into `scratch` when given (and large enough),
 * returning a view of it: safe to reuse for the next frame because a Transport captures a frame's
 * bytes before send() returns. Otherwise a new buffer.
 */
export function encodeFrame(tag: FrameTag, payload: Uint8Array, scratch?: Uint8Array): Uint8Array {
  const frame = frameBuffer(payload.byteLength, scratch);
  writeHeader(frame, tag, payload.byteLength);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** A FLOAT32 frame carrying a copy of data[start, end); `scratch` as for encodeFrame. */
export function encodeFloat32Frame(tag: FrameTag, data: Float32Array, start: number, end: number, scratch?: Uint8Array): Uint8Array {
  const payloadBytes = (end - start) * 4;
  const frame = frameBuffer(payloadBytes, scratch);
  writeHeader(frame, tag, payloadBytes);
  frame.set(new Uint8Array(data.buffer, data.byteOffset + start * 4, payloadBytes), FRAME_HEADER_BYTES);
  return frame;
}

/** Room for a frame of payloadBytes: a view of scratch, or a new uninitialised (not zero-filled) buffer. */
function frameBuffer(payloadBytes: number, scratch: Uint8Array | undefined): Uint8Array {
  const frameBytes = FRAME_HEADER_BYTES + payloadBytes;
  if (scratch && scratch.byteLength >= frameBytes) return scratch.subarray(0, frameBytes);
  return Buffer.allocUnsafeSlow(frameBytes);
}

/** A scratch buffer for frames of up to payloadBytes, for encodeFrame / encodeFloat32Frame. */
export function frameScratch(payloadBytes: number): Uint8Array {
  return Buffer.allocUnsafeSlow(FRAME_HEADER_BYTES + payloadBytes);
}

function badFrame(peer: number, message: string, extra: Record<string, unknown> = {}): SeqtrainError {
  return new SeqtrainError('ERR_BAD_FRAME', `Bad frame from rank ${peer}: ${message}`, { rank: peer, ...extra });
}

/** Parses and validates the header (magic, version, declared length); does not check the tag. */
export function decodeFrameHeader(wire: WireFrame, peer: number): FrameHeader {
  const total = frameByteLength(wire);
  if (!(wire instanceof Uint8Array) && wire.head.byteLength !== FRAME_HEADER_BYTES) {
    throw badFrame(peer, `expected a ${FRAME_HEADER_BYTES}-byte header before a split payload, got ${wire.head.byteLength} bytes. The peer's stream is corrupted.`);
  }
  const frame = wire instanceof Uint8Array ? wire : wire.head;
  if (frame.byteLength < FRAME_HEADER_BYTES) {
    throw badFrame(peer, `expected at least ${FRAME_HEADER_BYTES} header bytes, got ${frame.byteLength}. The peer is not a seqtrain collective endpoint or its stream is corrupted.`);
  }
  if (frame[0] !== MAGIC_0 || frame[1] !== MAGIC_1) {
    throw badFrame(peer, `expected magic "ST", got bytes ${frame[0]} ${frame[1]}. The peer is not a seqtrain collective endpoint.`);
  }
  if (frame[2] !== WIRE_VERSION) {
    throw badFrame(peer, `expected wire version ${WIRE_VERSION}, got ${frame[2]}. Run the same seqtrain version on every rank.`, {
      expected: WIRE_VERSION,
      got: frame[2],
    });
  }
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES);
  const header: FrameHeader = {
    type: frame[3] as FrameType,
    phase: frame[4] as FramePhase,
    seq: view.getUint32(8, true),
    segment: view.getUint32(12, true),
    chunk: view.getUint32(16, true),
    payloadBytes: view.getUint32(20, true),
  };
  if (header.payloadBytes !== total - FRAME_HEADER_BYTES) {
    throw badFrame(peer, `header declares ${header.payloadBytes} payload bytes but the frame carries ${total - FRAME_HEADER_BYTES}.`);
  }
  return header;
}

/**
 * Checks that `frame` carries exactly the expected tag (and, when given, payload size); anything else
 * (a stray frame of an earlier collective, an out-of-order chunk) is ERR_BAD_FRAME naming the peer.
 */
export function expectFrame(frame: WireFrame, expected: FrameTag, peer: number, payloadBytes?: number): FrameHeader {
  const got = decodeFrameHeader(frame, peer);
  const sameTag =
    got.type === expected.type &&
    got.phase === expected.phase &&
    got.seq === expected.seq >>> 0 &&
    got.segment === expected.segment >>> 0 &&
    got.chunk === expected.chunk >>> 0;
  if (!sameTag) {
    throw badFrame(peer, `expected ${describeTag(expected)}, got ${describeTag(got)}. The ranks lost step with each other (a stray or out-of-order frame); restart the job from its last checkpoint.`, {
      expected: describeTag(expected),
      got: describeTag(got),
    });
  }
  if (payloadBytes !== undefined && got.payloadBytes !== payloadBytes) {
    throw badFrame(peer, `expected ${payloadBytes} payload bytes for ${describeTag(expected)}, got ${got.payloadBytes}.`, {
      expected: payloadBytes,
      got: got.payloadBytes,
    });
  }
  return got;
}

/** The payload bytes (a view, no copy). */
export function framePayload(frame: WireFrame): Uint8Array {
  return frame instanceof Uint8Array ? frame.subarray(FRAME_HEADER_BYTES) : frame.body;
}

/** The payload as float32: a view when it is 4-byte aligned in memory, otherwise an aligned copy. */
export function framePayloadFloat32(frame: WireFrame): Float32Array {
  const payload = framePayload(frame);
  const count = payload.byteLength >>> 2;
  if (payload.byteOffset % 4 === 0) return new Float32Array(payload.buffer, payload.byteOffset, count);
  const aligned = new Float32Array(count);
  new Uint8Array(aligned.buffer).set(payload.subarray(0, count * 4));
  return aligned;
}

/** The payload as 16-bit words (float16 / bfloat16 bits): a view when 2-byte aligned, otherwise an aligned copy. */
export function framePayloadUint16(frame: WireFrame): Uint16Array {
  const payload = framePayload(frame);
  const count = payload.byteLength >>> 1;
  if (payload.byteOffset % 2 === 0) return new Uint16Array(payload.buffer, payload.byteOffset, count);
  const aligned = new Uint16Array(count);
  new Uint8Array(aligned.buffer).set(payload.subarray(0, count * 2));
  return aligned;
}

/**
 * A copy of `bytes` in a fresh ArrayBuffer. (Not `.slice()`: on a Node Buffer, which is what ws
 * delivers, slice() is a view into a shared pool, not a copy.)
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
  copy.set(bytes);
  return copy;
}
