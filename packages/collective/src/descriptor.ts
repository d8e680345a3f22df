/**
 * Agreement before data: every collective first relays each rank's descriptor around the ring (a
 * ring all-gather of one small msgpack frame per rank), so every rank holds all N descriptors and
 * reaches the same verdict. A disagreement therefore fails the call on EVERY rank, with the same
 * message, before any data frame moves, instead of hanging or silently reducing mismatched arrays.
 *
 * The reference value of a field is the one most ranks hold (ties: the lowest rank's); the ranks
 * holding another value are the disagreeing ones. Identity fields are checked first
 * (ERR_COLLECTIVE_MISMATCH), then shape fields (ERR_SHAPE_MISMATCH).
 */
import { SeqtrainError } from '@seqtrain/common';
import { describeCall, inContext, SendWindow, type CollectiveContext, type CollectiveKind } from './collective-context.js';
import { decodeFrameHeader, describeTag, encodeFrame, framePayload, FramePhase, FrameType, type FrameTag, type WireFrame } from './frame.js';
import { decodeValue, encodeValue } from './value-codec.js';

export type ReduceOp = 'sum' | 'mean';

export interface CollectiveDescriptor {
  kind: CollectiveKind;
  name: string;
  step: number;
  seq: number;
  op: ReduceOp | null;
  root: number | null;
  /** Element type on the wire: 'float16' / 'bfloat16' for a compressed all-reduce of float32 data. */
  dtype: 'float32' | 'float16' | 'bfloat16' | 'bytes' | null;
  /** Element (or byte) count; null where only the root knows it (broadcastBytes) or there is none. */
  length: number | null;
  chunkBytes: number;
  /** All-reduce algorithm ('ring' | 'hierarchical'); absent for the other kinds. */
  algorithm?: 'ring' | 'hierarchical' | null;
}

const IDENTITY_FIELDS = ['kind', 'seq', 'name', 'step', 'op', 'root', 'chunkBytes', 'algorithm'] as const;
const SHAPE_FIELDS = ['dtype', 'length'] as const;
type DescriptorField = (typeof IDENTITY_FIELDS)[number] | (typeof SHAPE_FIELDS)[number];

interface DescriptorMessage {
  d: CollectiveDescriptor;
  v?: unknown;
}

export interface ExchangeResult {
  /** Index = rank. */
  descriptors: CollectiveDescriptor[];
  /** The value each rank attached (allGather), index = rank. */
  values: unknown[];
}

/**
 * Relays every rank's descriptor (and optional small value) around the ring; resolves with all of
 * them. Frames are forwarded byte for byte, so each is encoded once, by its origin.
 */
export async function exchangeDescriptors(ctx: CollectiveContext, own: CollectiveDescriptor, value?: unknown): Promise<ExchangeResult> {
  const { rank, worldSize } = ctx.transport;
  const frames: WireFrame[] = new Array<WireFrame>(worldSize);
  const message: DescriptorMessage = value === undefined ? { d: own } : { d: own, v: value };
  frames[rank] = encodeFrame(controlTag(ctx.seq, rank), encodeValue(message));
  const next = (rank + 1) % worldSize;
  const prev = (rank - 1 + worldSize) % worldSize;
  const window = new SendWindow(ctx, worldSize);
  for (let s = 0; s < worldSize - 1; s++) {
    const sendOrigin = (rank - s + worldSize) % worldSize;
    const recvOrigin = (rank - s - 1 + worldSize) % worldSize;
    await window.send(next, frames[sendOrigin] as WireFrame, `sending the descriptor of rank ${sendOrigin} to rank ${next}`);
    const doing = recvOrigin === prev ? `waiting for the descriptor of rank ${prev}` : `waiting for the descriptor of rank ${recvOrigin} relayed by rank ${prev}`;
    try {
      const frame = await Promise.race([ctx.transport.recv(prev, ctx.timeoutMs), window.failed]);
      checkControlFrame(frame, recvOrigin, prev);
      frames[recvOrigin] = frame;
    } catch (err) {
      throw inContext(ctx, err, doing);
    }
  }
  await window.drain();

  const descriptors: CollectiveDescriptor[] = [];
  const values: unknown[] = [];
  for (let origin = 0; origin < worldSize; origin++) {
    const decoded = origin === rank ? message : decodeMessage(ctx, frames[origin] as WireFrame, origin);
    descriptors.push(decoded.d);
    values.push(decoded.v);
  }
  return { descriptors, values };
}

function controlTag(seq: number, origin: number): FrameTag {
  return { type: FrameType.CONTROL, phase: FramePhase.NONE, seq, segment: origin, chunk: 0 };
}

/**
 * A descriptor frame must be CONTROL and come from the expected origin. Its seq is not checked
 * here: a rank on another call number is reported by the agreement check, on every rank.
 */
function checkControlFrame(frame: WireFrame, origin: number, peer: number): void {
  const header = decodeFrameHeader(frame, peer);
  if (header.type !== FrameType.CONTROL || header.segment !== origin || header.chunk !== 0) {
    throw new SeqtrainError(
      'ERR_BAD_FRAME',
      `Bad frame from rank ${peer}: expected the CONTROL descriptor of rank ${origin}, got ${describeTag(header)}. The ranks lost step with each other (a stray frame of an earlier collective); restart the job from its last checkpoint.`,
      { rank: peer, expected: `CONTROL descriptor of rank ${origin}`, got: describeTag(header) }
    );
  }
}

function decodeMessage(ctx: CollectiveContext, frame: WireFrame, origin: number): DescriptorMessage {
  let decoded: unknown;
  try {
    decoded = decodeValue(framePayload(frame), origin);
  } catch (err) {
    throw inContext(ctx, err, `decoding the descriptor of rank ${origin}`);
  }
  const d = (decoded as { d?: unknown } | null)?.d as Partial<CollectiveDescriptor> | undefined;
  if (!d || typeof d !== 'object' || typeof d.kind !== 'string' || typeof d.name !== 'string' || typeof d.step !== 'number') {
    throw inContext(
      ctx,
      new SeqtrainError('ERR_BAD_FRAME', `Bad frame from rank ${origin}: its descriptor is malformed (${JSON.stringify(decoded)?.slice(0, 200)}). Run the same seqtrain version on every rank.`, {
        rank: origin,
      }),
      `decoding the descriptor of rank ${origin}`
    );
  }
  return decoded as DescriptorMessage;
}

/** Fields compared for a kind; broadcastBytes lengths are known to the root only, so not compared. */
function comparedFields(kind: CollectiveKind): { identity: readonly DescriptorField[]; shape: readonly DescriptorField[] } {
  return { identity: IDENTITY_FIELDS, shape: kind === 'broadcastBytes' ? ['dtype'] : SHAPE_FIELDS };
}

/**
 * Throws ERR_COLLECTIVE_MISMATCH / ERR_SHAPE_MISMATCH when the descriptors disagree. Every rank calls
 * this with the same descriptors, so every rank throws the same error (worded from its own call).
 */
export function checkAgreement(own: CollectiveDescriptor, descriptors: readonly CollectiveDescriptor[]): void {
  const { identity, shape } = comparedFields(own.kind);
  for (const field of identity) checkField(own, descriptors, field, 'ERR_COLLECTIVE_MISMATCH');
  for (const field of shape) checkField(own, descriptors, field, 'ERR_SHAPE_MISMATCH');
}

function checkField(
  own: CollectiveDescriptor,
  descriptors: readonly CollectiveDescriptor[],
  field: DescriptorField,
  code: 'ERR_COLLECTIVE_MISMATCH' | 'ERR_SHAPE_MISMATCH'
): void {
  // Group ranks by value (keyed by JSON so null, numbers and strings compare exactly).
  const groups = new Map<string, { value: unknown; ranks: number[] }>();
  descriptors.forEach((descriptor, rank) => {
    const value = descriptor[field] ?? null;
    const key = JSON.stringify(value);
    const group = groups.get(key);
    if (group) group.ranks.push(rank);
    else groups.set(key, { value, ranks: [rank] });
  });
  if (groups.size <= 1) return;
  // Map iteration follows insertion, i.e. lowest rank first, so the first largest group wins ties.
  let reference: { value: unknown; ranks: number[] } | undefined;
  for (const group of groups.values()) if (!reference || group.ranks.length > reference.ranks.length) reference = group;
  const ref = reference as { value: unknown; ranks: number[] };
  const others = [...groups.values()].filter((group) => group !== ref);
  const disagreeing = others.flatMap((group) => group.ranks).sort((a, b) => a - b);
  const first = disagreeing[0] as number;
  const firstValue = descriptors[first]?.[field] ?? null;
  const parts = others.map((group) => `${ranksText(group.ranks)} ${group.ranks.length > 1 ? 'have' : 'has'} ${show(group.value)}`);
  const fix =
    code === 'ERR_SHAPE_MISMATCH'
      ? `Every rank must pass an array of the same ${field} to the same collective; fix the caller on ${ranksText(disagreeing)} (a model or parameter built with another shape).`
      : `Every rank must call the same collectives, with the same name, step, op and root, in the same order; fix the caller on ${ranksText(disagreeing)}.`;
  throw new SeqtrainError(
    code,
    `${describeCall(own)}: ranks disagree on ${field}: ${parts.join(', ')}, but ${ranksText(ref.ranks)} ${ref.ranks.length > 1 ? 'have' : 'has'} ${show(ref.value)}. ${fix}`,
    {
      rank: first,
      ranks: disagreeing,
      field,
      expected: ref.value,
      got: firstValue,
      values: descriptors.map((descriptor) => descriptor[field] ?? null),
    }
  );
}

function ranksText(ranks: readonly number[]): string {
  return ranks.length === 1 ? `rank ${ranks[0]}` : `ranks ${ranks.join(', ')}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
