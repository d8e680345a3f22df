/**
 * Collectives over a Transport: allReduce, broadcast, broadcastBytes, barrier, allGather. Every call
 * first checks that all ranks agree on what is being done (descriptor.ts), then moves data around
 * the ring. Calls on one Collective run one at a time, in the order they were made.
 *
 * After any other failure (timeout, closed peer, bad frame, ...) the Collective refuses further calls,
 * with the first failure's code: frames of the failed call may still be in flight, so the ranks can
 * no longer be kept in step.
 * A mismatch (ERR_SHAPE_MISMATCH / ERR_COLLECTIVE_MISMATCH) fails cleanly on every rank before any
 * data moves, so the Collective stays usable after one.
 */
import { DEFAULTS, readEnv, SeqtrainError } from '@seqtrain/common';
import { CHUNK_BYTES } from './constants.js';
import { describeCall, type CollectiveContext, type CollectiveKind } from './collective-context.js';
import { checkAgreement, exchangeDescriptors, type CollectiveDescriptor, type ReduceOp } from './descriptor.js';
import { HOST_IS_LITTLE_ENDIAN } from './frame.js';
import { hierarchicalAllReduce, hierarchicalGroups, type HierarchicalGroups } from './hierarchical-allreduce.js';
import { ringAllReduce } from './ring-allreduce.js';
import { ringBroadcast, ringBroadcastBytes } from './ring-broadcast.js';
import { WIRE_COMPRESSIONS, type WireCompression } from './wire-codec.js';
import type { Transport } from './transport.js';
import { encodeValue } from './value-codec.js';

export type { ReduceOp };

export interface CollectiveCallOptions {
  /** What is being reduced/broadcast (e.g. 'gradients'); must match on every rank. */
  name: string;
  /** Training step; must match on every rank. */
  step: number;
}

export interface CollectiveOptions {
  /** Per-frame receive timeout (default SEQTRAIN_COLLECTIVE_TIMEOUT_MS, then DEFAULTS.COLLECTIVE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Largest data payload per frame (default CHUNK_BYTES); a positive multiple of 4, the same on every rank. */
  chunkBytes?: number;
  /**
   * Node of each rank (index = rank), e.g. from the worker agents the coordinator knows. When every node
   * holds the same number (>= 2) of ranks and there are >= 2 nodes, uncompressed allReduce runs the
   * hierarchical algorithm (hierarchical-allreduce.ts); otherwise the flat ring. Same on every rank.
   */
  nodes?: readonly number[];
}

export interface AllReduceOptions extends CollectiveCallOptions {
  op?: ReduceOp;
  /** Element encoding on the wire (default 'none': float32). */
  compression?: WireCompression;
}

const WIRE_DTYPES = { none: 'float32', fp16: 'float16', bf16: 'bfloat16' } as const;

/** Failures every rank detects together before data moves; any other failure leaves frames in flight. */
const CLEAN_FAILURE_CODES = new Set(['ERR_SHAPE_MISMATCH', 'ERR_COLLECTIVE_MISMATCH']);

export class Collective {
  readonly rank: number;
  readonly worldSize: number;
  private readonly timeoutMs: number;
  private readonly chunkBytes: number;
  private readonly groups: HierarchicalGroups | undefined;
  private seq = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private failure: { error: unknown; call: string } | undefined;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    options: CollectiveOptions = {}
  ) {
    if (!HOST_IS_LITTLE_ENDIAN) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', 'The collective layer sends float32 in host byte order and requires a little-endian host; this one is big-endian.');
    }
    this.rank = transport.rank;
    this.worldSize = transport.worldSize;
    this.timeoutMs = options.timeoutMs ?? readEnv().SEQTRAIN_COLLECTIVE_TIMEOUT_MS ?? DEFAULTS.COLLECTIVE_TIMEOUT_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `timeoutMs must be a positive number of milliseconds, got ${this.timeoutMs}.`, { field: 'timeoutMs' });
    }
    this.chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
    if (options.nodes !== undefined && (options.nodes.length !== this.worldSize || options.nodes.some((n) => !Number.isInteger(n) || n < 0))) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `nodes must list one non-negative integer node id per rank (${this.worldSize}), got ${JSON.stringify(options.nodes)}.`, { field: 'nodes' });
    }
    this.groups = options.nodes ? hierarchicalGroups(options.nodes, this.rank) : undefined;
    if (!Number.isInteger(this.chunkBytes) || this.chunkBytes <= 0 || this.chunkBytes % 4 !== 0) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `chunkBytes must be a positive multiple of 4, got ${this.chunkBytes}.`, { field: 'chunkBytes' });
    }
  }

  /**
   * In place; returns the same array, which must stay untouched until the promise settles (its
   * memory is sent without a copy). Ring reduce-scatter then all-gather, pipelined; mean = sum then
   * scale by 1/N. `compression` 'fp16' | 'bf16' sends values in 16 bits and adds in float32 (error
   * bound in wire-codec.ts); every rank must pass the same compression.
   */
  allReduce(data: Float32Array, options: AllReduceOptions): Promise<Float32Array> {
    const op = options.op ?? 'sum';
    const compression = options.compression ?? 'none';
    return this.run('allReduce', options, () => {
      checkFloat32(data, 'data');
      if (op !== 'sum' && op !== 'mean') invalid(`op must be 'sum' or 'mean', got ${JSON.stringify(op)}.`, 'op');
      if (!WIRE_COMPRESSIONS.includes(compression)) invalid(`compression must be one of ${WIRE_COMPRESSIONS.join(', ')}, got ${JSON.stringify(compression)}.`, 'compression');
      return { op, dtype: WIRE_DTYPES[compression], length: data.length, algorithm: this.groups && compression === 'none' ? 'hierarchical' : 'ring' };
    }, (ctx) => (this.groups && compression === 'none' ? hierarchicalAllReduce(ctx, data, op, this.groups) : ringAllReduce(ctx, data, op, compression)));
  }

  /** In place on non-roots; all ranks pass arrays of the same length. */
  broadcast(data: Float32Array, options: CollectiveCallOptions & { root?: number }): Promise<Float32Array> {
    const root = options.root ?? 0;
    return this.run('broadcast', options, () => {
      checkFloat32(data, 'data');
      this.checkRoot(root);
      return { root, dtype: 'float32', length: data.length };
    }, (ctx) => ringBroadcast(ctx, data, root));
  }

  /** Variable-size payload: root passes bytes, others pass undefined (anything passed is ignored) and receive them. */
  broadcastBytes(bytes: Uint8Array | undefined, options: CollectiveCallOptions & { root?: number }): Promise<Uint8Array> {
    const root = options.root ?? 0;
    const isRoot = this.rank === root;
    return this.run('broadcastBytes', options, () => {
      this.checkRoot(root);
      if (isRoot && !(bytes instanceof Uint8Array)) invalid(`broadcastBytes on the root (rank ${root}) needs a Uint8Array, got ${typeName(bytes)}.`, 'bytes');
      return { root, dtype: 'bytes', length: isRoot ? (bytes as Uint8Array).byteLength : null };
    }, (ctx, descriptors) => {
      const target = isRoot ? (bytes as Uint8Array) : new Uint8Array((descriptors[root] as CollectiveDescriptor).length ?? 0);
      return ringBroadcastBytes(ctx, target, root);
    });
  }

  /** Resolves once every rank has entered the barrier with the same name and step. */
  barrier(options: CollectiveCallOptions): Promise<void> {
    return this.run('barrier', options, () => ({}), async () => undefined);
  }

  /** Small structured values (msgpack), index = rank. */
  allGather<T>(value: T, options: CollectiveCallOptions): Promise<T[]> {
    return this.run('allGather', options, () => {
      try {
        encodeValue(value);
      } catch (err) {
        invalid(`allGather needs a value msgpack can encode: ${(err as Error).message}.`, 'value');
      }
      return {};
    }, async (_ctx, _descriptors, values) => values as T[], value);
  }

  /** Closes the transport (for a WebSocket transport, its listener too); later calls reject with ERR_PEER_CLOSED. */
  async close(): Promise<void> {
    this.closed = true;
    await this.transport.close();
  }

  private checkRoot(root: number): void {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) {
      invalid(`root must be a rank in [0, ${this.worldSize}), got ${root}.`, 'root');
    }
  }

  /**
   * Validates the call, queues it behind earlier calls, exchanges descriptors, checks agreement, then
   * runs the data phase. Invalid arguments throw before a sequence number is taken, so they do not
   * desynchronise the ranks' call numbering.
   */
  private run<T>(
    kind: CollectiveKind,
    options: CollectiveCallOptions,
    validate: () => Partial<Pick<CollectiveDescriptor, 'op' | 'root' | 'dtype' | 'length' | 'algorithm'>>,
    body: (ctx: CollectiveContext, descriptors: CollectiveDescriptor[], values: unknown[]) => Promise<T>,
    value?: unknown
  ): Promise<T> {
    let descriptor: CollectiveDescriptor;
    try {
      checkCallOptions(options);
      const fields = validate();
      descriptor = {
        kind,
        name: options.name,
        step: options.step,
        seq: this.seq,
        op: fields.op ?? null,
        root: fields.root ?? null,
        dtype: fields.dtype ?? null,
        length: fields.length ?? null,
        chunkBytes: this.chunkBytes,
        ...(fields.algorithm ? { algorithm: fields.algorithm } : {}),
      };
    } catch (err) {
      return Promise.reject(err);
    }
    this.seq = (this.seq + 1) >>> 0;
    const ctx: CollectiveContext = {
      transport: this.transport,
      kind,
      name: descriptor.name,
      step: descriptor.step,
      seq: descriptor.seq,
      timeoutMs: this.timeoutMs,
      chunkBytes: this.chunkBytes,
    };
    const result = this.tail.then(async () => {
      this.checkUsable(ctx);
      try {
        const { descriptors, values } = await exchangeDescriptors(ctx, descriptor, value);
        checkAgreement(descriptor, descriptors);
        return await body(ctx, descriptors, values);
      } catch (err) {
        const clean = err instanceof SeqtrainError && CLEAN_FAILURE_CODES.has(err.code);
        if (!clean && !this.failure) this.failure = { error: err, call: describeCall(ctx) };
        throw err;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  private checkUsable(ctx: CollectiveContext): void {
    if (this.closed) {
      throw new SeqtrainError('ERR_PEER_CLOSED', `${describeCall(ctx)} on rank ${this.rank}: this Collective was closed. Create a new transport and Collective.`, { rank: this.rank });
    }
    if (this.failure) {
      const { error, call } = this.failure;
      const known = error instanceof SeqtrainError ? error : undefined;
      throw new SeqtrainError(
        known?.code ?? 'ERR_PROTOCOL',
        `${describeCall(ctx)} on rank ${this.rank} refused: the earlier ${call} failed (${(error as Error)?.message ?? String(error)}), so the ranks may be out of step. Restart the job (from its last checkpoint) with new transports.`,
        { ...known?.details },
        { cause: error }
      );
    }
  }
}

function checkCallOptions(options: CollectiveCallOptions | undefined): void {
  if (!options || typeof options.name !== 'string' || options.name.length === 0) {
    invalid(`A collective call needs a non-empty string name, got ${JSON.stringify(options?.name)}.`, 'name');
  }
  if (!Number.isSafeInteger(options.step) || options.step < 0) {
    invalid(`A collective call needs a non-negative integer step, got ${JSON.stringify(options.step)}.`, 'step');
  }
}

function checkFloat32(data: unknown, field: string): void {
  if (!(data instanceof Float32Array)) invalid(`Expected a Float32Array, got ${typeName(data)}.`, field);
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return (value as object).constructor?.name ?? typeof value;
}

function invalid(message: string, field: string): never {
  throw new SeqtrainError('ERR_INVALID_ARGUMENT', message, { field });
}
