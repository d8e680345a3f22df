/**
 * The coordinator <-> training-process protocol: one WebSocket per training process, one msgpack-encoded
 * message per binary frame, validated with these schemas on receipt. The message flow is the numbered
 * comment at the top of apps/coordinator/src/coordinator.ts.
 *
 * Compatibility: PROTOCOL_VERSION changes whenever a message or field changes meaning or is removed;
 * a peer with another version is refused at `hello` with ERR_PROTOCOL_VERSION, never half-understood.
 */
import { Packr } from 'msgpackr';
import { z } from 'zod';
import { SeqtrainError } from '@seqtrain/common';
import { CheckpointDirPath, SafeAbsolutePath } from './safe-path.js';

/**
 * 2: `evalDone` carries `correct` (classification accuracy).
 * 3: elastic membership: `generation` on every message after `welcome`, `ringBroken`, `rejoin`,
 *    `collectiveEnter` (worker -> coordinator), `reform`, `membership` (coordinator -> worker), and the
 *    elastic fields of the run spec (`commitEvery`).
 * 4: `evaluate` may ask for `decode` (greedy decoding of held-out pairs), `evalDone` then carries `chrf`, `copyChrf`, `decoded`.
 * 5: `evalDone` of a timeseries dataset carries `originalSquaredErrorSum` and `originalTargets` (the RMSE
 *    in original units; no longer derived from the scaled loss).
 * 6: `evaluate` may name its `split` and carry `snapshot`, `retain`, `restoreStep` (the job's restoreBest).
 * 7: the run spec may carry `embeddings` (pretrained vectors every rank loads; an older worker would
 *    train without them, and with other trainable weights than its peers).
 */
export const PROTOCOL_VERSION = 7;

/**
 * The membership generation a message belongs to: 0 for the ranks formed at rendezvous, +1 at every
 * re-formation of the ring (a rank lost, a ring broken, a rank joining). A receiver drops a message of
 * another generation (it was sent before the sender learnt of the change), so a late `stepDone` of a
 * step that is being rolled back can never be counted. Absent on encode = 0.
 */
const generation = z.number().int().nonnegative().default(0);

/** zod's number() refuses NaN; a rank with no samples, or a diverged run, reports NaN and must get through. */
const numberOrNaN = z.union([z.number(), z.nan()]);

/** A SeqtrainError as it crosses the wire (SeqtrainError.toJSON()). */
const WireError = z.object({
  /** Stable error code, e.g. ERR_SHAPE_MISMATCH. */
  code: z.string(),
  /** Human-readable message: expected, got, where, fix. */
  message: z.string(),
  /** rank / file / field and any other context. */
  details: z.record(z.string(), z.unknown()).default({}),
});

/** Everything a training process needs to run its share of the job, resolved by the coordinator. */
export const RunSpecSchema = z.object({
  /** Model registry name. */
  modelName: z.string(),
  /** Model config, including vocabSize/seqLen taken from the dataset and the job's seed. */
  modelConfig: z.record(z.string(), z.unknown()),
  /**
   * Pretrained vectors every rank loads into the Embedding layer `layer` after building the model, and
   * freezes it unless `trainable` (all ranks must agree: freezing changes the trainable weights, so the
   * gradient buckets); absent: none.
   */
  embeddings: z.object({ file: SafeAbsolutePath, trainable: z.boolean(), layer: z.string().min(1) }).optional(),
  /** Absolute path of the prepared dataset directory (holds manifest.json); every rank reads it. */
  dataDir: SafeAbsolutePath,
  /** Samples per step across all ranks. */
  globalBatch: z.number().int().positive(),
  /** Seed of the sampler's permutation and of the model's initialisers. */
  seed: z.number().int().nonnegative(),
  optimizer: z.enum(['sgd', 'adam', 'rmsprop']),
  learningRate: z.number().positive(),
  /** Global-norm clip applied after the all-reduce; null for none. */
  clipNorm: z.number().positive().nullable(),
  /** Communication options of the job (absent: the defaults). */
  compression: z.enum(['none', 'fp16', 'bf16']).optional(),
  bucketCapBytes: z.number().int().positive().optional(),
  accumulateSteps: z.number().int().positive().optional(),
  lrScaling: z.enum(['none', 'linear']).optional(),
  warmupSteps: z.number().int().nonnegative().optional(),
  /** Linear decay of the rate over steps [startStep, endStep) down to finalFraction of it (absent: none). */
  lrDecay: z.object({ startStep: z.number().int().nonnegative(), endStep: z.number().int().positive(), finalFraction: z.number().gt(0).max(1) }).optional(),
  /** Backend choice the job asked for ('auto' lets each process pick). */
  backend: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']),
  /** Checkpoint to resume from (rank 0 loads it and broadcasts); null for a fresh start. */
  resumeFrom: SafeAbsolutePath.nullable(),
  /** Collective timeout for this job (ms). */
  collectiveTimeoutMs: z.number().int().positive(),
  /**
   * Every rank keeps an in-memory commit (weights, optimizer slots, step; the sampler position is a
   * function of the step) after every commitEvery-th completed step, and the two latest; after a rank
   * is lost the survivors roll back to the last step every one of them committed.
   */
  commitEvery: z.number().int().positive().default(1),
  /** Steps between replica-consistency checks (0 = never). */
  checkReplicasEvery: z.number().int().nonnegative().default(0),
});
export type RunSpec = z.infer<typeof RunSpecSchema>;

// ---- training process -> coordinator ----

export const HelloSchema = z.object({
  type: z.literal('hello'),
  /** The sender's PROTOCOL_VERSION; must equal the coordinator's. */
  protocolVersion: z.number().int(),
  /** Id of the worker agent (node) that started the process; ranks are grouped by it. */
  agentId: z.string().min(1),
  /** Index of the process on its node (its GPU / CPU slot). */
  localRank: z.number().int().nonnegative(),
  /** Host name of the node, for logs and the summary. */
  hostname: z.string(),
  pid: z.number().int().positive(),
  /** ws:// address of the process's ring listener, which its ring neighbours dial. */
  ringAddress: z.string().min(1),
  /** The compute backend the process selected, and the one-line description it printed. */
  backend: z.string(),
  backendDescription: z.string(),
});

export const ReadySchema = z.object({
  type: z.literal('ready'),
  generation,
  rank: z.number().int().nonnegative(),
  /** Number of trainable parameters (all ranks must agree; checked by the coordinator). */
  parameterCount: z.number().int().nonnegative(),
});

export const StepDoneSchema = z.object({
  type: z.literal('stepDone'),
  generation,
  rank: z.number().int().nonnegative(),
  /** Global step just completed (0-based). */
  step: z.number().int().nonnegative(),
  /** Mean loss over this rank's local samples (nats); NaN when it had none. */
  loss: numberOrNaN,
  /** Local samples this step. */
  count: z.number().int().nonnegative(),
  /** Forward + backward time (s). */
  computeSeconds: z.number().nonnegative(),
  /** Time from the first gradient bucket's all-reduce start to the last one's end (s). */
  commSeconds: z.number().nonnegative(),
  /** The part of commSeconds nothing overlapped (after the gradients were all read back) (s); absent = all of it. */
  commExposedSeconds: z.number().nonnegative().optional(),
  /** Time reading the batch from the Arrow shards (s). */
  dataSeconds: z.number().nonnegative(),
});

export const EvalDoneSchema = z.object({
  type: z.literal('evalDone'),
  generation,
  rank: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  /** Sum of per-sample losses on this rank's share of the validation samples (nats). */
  lossSum: numberOrNaN,
  count: z.number().int().nonnegative(),
  /** Samples whose predicted class (argmax, or p >= 0.5 for a one-unit sigmoid head) equals the label. */
  correct: z.number().int().nonnegative().optional(),
  /**
   * With `decode`: corpus chrF (0..100) of greedy translations of the decoded held-out pairs, and of
   * copying each source (the baseline), over all ranks (each rank decodes a share; the n-gram
   * statistics are summed over the ring, so every rank reports the same figures), and how many pairs.
   */
  chrf: numberOrNaN.optional(),
  copyChrf: numberOrNaN.optional(),
  decoded: z.number().int().nonnegative().optional(),
  /**
   * Timeseries: sum of squared errors of this rank's validation predictions in the series' original
   * units (after inverting scaling, differencing and transform), and how many target values it covers.
   */
  originalSquaredErrorSum: numberOrNaN.optional(),
  originalTargets: z.number().int().nonnegative().optional(),
});

export const CheckpointDoneSchema = z.object({
  type: z.literal('checkpointDone'),
  generation,
  rank: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  /** Absolute path of the checkpoint directory written. */
  path: z.string(),
});

export const FailedSchema = z.object({
  type: z.literal('failed'),
  /** The failing process's rank, or null before it was assigned one. */
  rank: z.number().int().nonnegative().nullable(),
  error: WireError,
});

/**
 * A collective of this rank failed (a peer closed, a timeout): the rank keeps its state and its last
 * commits and waits for the coordinator's `reform` (elastic) or `shutdown` (not elastic), instead of exiting.
 */
export const RingBrokenSchema = z.object({
  type: z.literal('ringBroken'),
  generation,
  rank: z.number().int().nonnegative(),
  /** The step whose collective failed. */
  step: z.number().int().nonnegative(),
  error: WireError,
});

/** Answer to `reform`: the rank has torn its ring down and listens on a new ring address. */
export const RejoinSchema = z.object({
  type: z.literal('rejoin'),
  /** The new generation announced by `reform`. */
  generation,
  /** The rank the process held in the previous generation. */
  rank: z.number().int().nonnegative(),
  /** ws:// address of the process's new ring listener (a listener forms one ring). */
  ringAddress: z.string().min(1),
  /** Steps-completed counts of the in-memory commits the process holds (newest last). */
  commits: z.array(z.number().int().nonnegative()),
});

/**
 * Sent right before a rank enters a collective of the step loop, for the coordinator's stall
 * inspector (a few dozen bytes per step per rank).
 */
export const CollectiveEnterSchema = z.object({
  type: z.literal('collectiveEnter'),
  generation,
  rank: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  /** The collective's name, e.g. 'grads'. */
  name: z.string(),
});

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  HelloSchema,
  ReadySchema,
  StepDoneSchema,
  EvalDoneSchema,
  CheckpointDoneSchema,
  FailedSchema,
  RingBrokenSchema,
  RejoinSchema,
  CollectiveEnterSchema,
]);
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;
/** What a sender builds: fields with defaults (`generation`) may be left out. */
export type WorkerMessageInput = z.input<typeof WorkerMessageSchema>;

// ---- coordinator -> training process ----

export const WelcomeSchema = z.object({
  type: z.literal('welcome'),
  generation,
  protocolVersion: z.number().int(),
  /** Global rank, 0..worldSize-1; rank 0 broadcasts initial weights and writes checkpoints. */
  rank: z.number().int().nonnegative(),
  worldSize: z.number().int().positive(),
  /** Ring listener address of every rank, index = rank. */
  peers: z.array(z.string()),
  /**
   * Node (worker agent) of every rank, index = rank, numbered in order of first appearance. Several
   * ranks per node on every node select the hierarchical all-reduce. Absent: the flat ring.
   */
  nodes: z.array(z.number().int().nonnegative()).optional(),
  run: RunSpecSchema,
  /** First step to run (non-zero after --resume). */
  startStep: z.number().int().nonnegative(),
});

export const StepSchema = z.object({
  type: z.literal('step'),
  generation,
  /** Global step (0-based) across epochs. */
  step: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  /** Step within the epoch: selects the sampler's batch. */
  stepInEpoch: z.number().int().nonnegative(),
  /** Samples in this step's global batch (smaller on an epoch's last step). */
  globalCount: z.number().int().positive(),
});

export const EvaluateSchema = z.object({
  type: z.literal('evaluate'),
  generation,
  step: z.number().int().nonnegative(),
  /** Evaluate the first maxSamples validation rows, rank r taking rows r, r+N, ... */
  maxSamples: z.number().int().positive(),
  /** Rows per forward pass on each rank. */
  batchSize: z.number().int().positive(),
  /**
   * A pairs dataset: also greedy-decode at most `samples` validation pairs whose source has at most
   * `maxSourceChars` characters (the first ones in validation order, rank r taking every N-th) and
   * report chrF against the references.
   */
  decode: z.object({ samples: z.number().int().positive(), maxSourceChars: z.number().int().positive() }).optional(),
  /** The split evaluated (default validation); `test` exists only in datasets prepared with one. */
  split: z.enum(['validation', 'test']).optional(),
  /**
   * restoreBest: before evaluating, set the weights to the copy kept at `restoreStep` (for good: the
   * checkpoint after it holds them); after evaluating, with `snapshot`, keep a copy of the weights under
   * this step and drop every copy whose step is not in `retain` (the best step so far).
   */
  restoreStep: z.number().int().nonnegative().optional(),
  snapshot: z.boolean().optional(),
  retain: z.array(z.number().int().nonnegative()).optional(),
});

export const CheckpointSchema = z.object({
  type: z.literal('checkpoint'),
  generation,
  step: z.number().int().nonnegative(),
  /** Absolute directory rank 0 writes the checkpoint to: <run directory>/checkpoints/step-NNNNNNN. */
  dir: CheckpointDirPath,
  /** Trainer state to record alongside the weights. */
  epoch: z.number().int().nonnegative(),
  stepInEpoch: z.number().int().nonnegative(),
});

export const ShutdownSchema = z.object({
  type: z.literal('shutdown'),
  /** Why the run ended ('completed', or the error that aborted it). */
  reason: z.string(),
  /** Whether the process should exit non-zero. */
  failed: z.boolean(),
});

/**
 * Elastic: the membership changes. Each receiver aborts any collective in flight, closes its ring,
 * opens a new ring listener and answers `rejoin`; it keeps its model and its commits.
 */
export const ReformSchema = z.object({
  type: z.literal('reform'),
  /** The new generation; the `rejoin` answer and every later message carry it. */
  generation,
  /** Why (the lost ranks and the cause), for the logs. */
  reason: z.string(),
});

/** Elastic: the new ring. Each rank restores its commit of rollbackStep, forms the ring, syncs from rank 0, and answers `ready`. */
export const MembershipSchema = z.object({
  type: z.literal('membership'),
  generation,
  /** The receiver's rank in the new generation. */
  rank: z.number().int().nonnegative(),
  worldSize: z.number().int().positive(),
  /** Ring listener address of every rank of the new generation, index = rank. */
  peers: z.array(z.string()),
  /** Steps completed at the commit every rank rolls back to; the step loop resumes at this step. */
  rollbackStep: z.number().int().nonnegative(),
});

export const CoordinatorMessageSchema = z.discriminatedUnion('type', [
  WelcomeSchema,
  StepSchema,
  EvaluateSchema,
  CheckpointSchema,
  ShutdownSchema,
  ReformSchema,
  MembershipSchema,
]);
export type CoordinatorMessage = z.infer<typeof CoordinatorMessageSchema>;
/** What a sender builds: fields with defaults (`generation`) may be left out. */
export type CoordinatorMessageInput = z.input<typeof CoordinatorMessageSchema>;

export type MessageOf<U extends { type: string }, T extends U['type']> = Extract<U, { type: T }>;

/**
 * msgpack with moreTypes: the default Packr silently turns typed arrays into plain objects;
 * control messages carry no typed arrays today, but the codec must never corrupt one if they do.
 */
const packr = new Packr({ moreTypes: true, useRecords: false });

export function encodeMessage(message: WorkerMessageInput | CoordinatorMessageInput): Uint8Array {
  return packr.pack(message);
}

/** Decodes and validates; anything malformed is ERR_BAD_FRAME with the reason (the peer is then refused). */
export function decodeWorkerMessage(bytes: Uint8Array): WorkerMessage {
  return decodeWith(WorkerMessageSchema, bytes, 'worker');
}

export function decodeCoordinatorMessage(bytes: Uint8Array): CoordinatorMessage {
  return decodeWith(CoordinatorMessageSchema, bytes, 'coordinator');
}

function decodeWith<T>(schema: z.ZodType<T>, bytes: Uint8Array, from: string): T {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (err) {
    throw new SeqtrainError('ERR_BAD_FRAME', `Undecodable ${from} message (${bytes.byteLength} bytes): ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SeqtrainError(
      'ERR_BAD_FRAME',
      `Invalid ${from} message: field "${issue?.path.join('.') || '(root)'}" ${issue?.message}.`,
      { field: issue?.path.join('.') }
    );
  }
  return parsed.data;
}
