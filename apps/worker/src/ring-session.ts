/**
 * One training process's part in one ring generation, and what outlives generations. The model, the
 * optimizer, the datasets and the commits belong to the process; the listener, transport, Collective,
 * trainer and sampler belong to a generation and are rebuilt when the coordinator re-forms the ring
 * (`reform` -> `rejoin` -> `membership`): a ring listener forms exactly one transport, and a Collective
 * that failed refuses further calls, so a new ring needs new ones.
 */
import type { Logger } from '@seqtrain/common';
import { Collective, WebSocketRingListener } from '@seqtrain/collective';
import { DistributedSampler } from '@seqtrain/data';
import type * as tf from '@tensorflow/tfjs-core';
import type { WeightSnapshots } from './weight-snapshots.js';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { CommitStore, DataParallelTrainer, type TrainerState } from '@seqtrain/trainer';
import type { RunSpec } from '@seqtrain/protocol';
import type { BatchSource } from './batch-source.js';

export interface RingPlace {
  generation: number;
  rank: number;
  worldSize: number;
  peers: string[];
}

export interface Session {
  run: RunSpec;
  place: RingPlace;
  /** A generation's ring listener; replaced (a new address) at every re-formation. */
  listener: WebSocketRingListener;
  train: BatchSource;
  validation: BatchSource | undefined;
  /** The dataset's `test` split, opened at its first evaluation. */
  test: BatchSource | undefined;
  /** Weight copies of the job's restoreBest. */
  snapshots: WeightSnapshots;
  sampler: DistributedSampler;
  model: LayersModel;
  optimizer: tf.Optimizer;
  trainer: DataParallelTrainer;
  collective: Collective;
  commits: CommitStore;
  state: Omit<TrainerState, 'step' | 'epoch' | 'stepInEpoch'>;
}

export interface RingParts {
  collective: Collective;
  trainer: DataParallelTrainer;
  sampler: DistributedSampler;
}

/** Forms the ring of `place` on `listener` and the generation's trainer and sampler around the process's model and optimizer. */
export async function formRing(
  o: {
    run: RunSpec;
    place: RingPlace;
    listener: WebSocketRingListener;
    train: BatchSource;
    model: LayersModel;
    optimizer: tf.Optimizer;
    beforeCollective: (name: string, step: number) => void | Promise<void>;
    /**
     * Node index of every rank (the welcome's topology) for the hierarchical all-reduce; only the first
     * ring of a run has it: a re-formed ring runs flat, which every rank of the new generation agrees on.
     */
    nodes?: number[];
  },
  log: Logger
): Promise<RingParts> {
  const { run, place } = o;
  const sampler = new DistributedSampler({ datasetSize: o.train.length, worldSize: place.worldSize, rank: place.rank, globalBatch: run.globalBatch, seed: run.seed });
  const transport = await o.listener.connect({ rank: place.rank, worldSize: place.worldSize, peers: place.peers, timeoutMs: run.collectiveTimeoutMs });
  const collective = new Collective(transport, { timeoutMs: run.collectiveTimeoutMs, ...(o.nodes ? { nodes: o.nodes } : {}) });
  const trainer = new DataParallelTrainer({
    model: o.model,
    optimizer: o.optimizer,
    collective,
    loss: o.train.loss,
    beforeCollective: o.beforeCollective,
    dropoutSeed: run.seed,
    ...(run.clipNorm !== null ? { clipNorm: run.clipNorm } : {}),
    ...(run.compression !== undefined ? { compression: run.compression } : {}),
    ...(run.bucketCapBytes !== undefined ? { bucketCapBytes: run.bucketCapBytes } : {}),
    ...(run.accumulateSteps !== undefined ? { accumulateSteps: run.accumulateSteps } : {}),
    ...(run.lrScaling !== undefined ? { lrScaling: run.lrScaling } : {}),
    ...(run.warmupSteps !== undefined ? { warmupSteps: run.warmupSteps } : {}),
    ...(run.lrDecay !== undefined ? { lrDecay: run.lrDecay } : {}),
  });
  log.debug({ generation: place.generation, rank: place.rank, worldSize: place.worldSize }, 'ring formed');
  return { collective, trainer, sampler };
}

/** Collective failures after which the process keeps its state and waits for the coordinator's re-formation. */
export const RING_FAILURE_CODES: ReadonlySet<string> = new Set(['ERR_PEER_CLOSED', 'ERR_COLLECTIVE_TIMEOUT', 'ERR_BAD_FRAME']);
