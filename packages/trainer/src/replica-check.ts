/**
 * Replica consistency. Data-parallel replicas start from rank 0's broadcast weights and apply the same
 * all-reduced gradients, so their parameters must stay bitwise identical; every K steps each rank takes
 * a cheap checksum of its parameters (a float64 sum, for the message, and a sha256 of the raw float32
 * bytes, for the comparison), the ranks all-gather them, and a rank whose hash differs from rank 0's is
 * ERR_REPLICA_DIVERGED naming it, on every rank. Causes: a rank on another backend or kernel version,
 * memory corruption, or a bug that skipped an update on one rank.
 */
import { createHash } from 'node:crypto';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';
import type { CollectiveCallLike } from './collective-like.js';

export interface ParameterChecksum {
  /** Sum of every parameter in float64 (for the message: how far apart the replicas are). */
  sum: number;
  /** sha256 of the parameters' float32 bytes in model.getWeights() order. */
  hash: string;
}

/** What the check needs of a collective: @seqtrain/collective's Collective fits. */
export interface GatherLike {
  readonly rank: number;
  allGather<T>(value: T, options: CollectiveCallLike): Promise<T[]>;
}

const REPLICA_CHECK_COLLECTIVE = 'replica-check';

export function parameterChecksum(model: LayersModel): ParameterChecksum {
  const hash = createHash('sha256');
  let sum = 0;
  for (const weight of model.getWeights()) {
    const values = weight.dataSync() as Float32Array;
    for (let i = 0; i < values.length; i++) sum += values[i] as number;
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return { sum, hash: hash.digest('hex') };
}

/** Whether the check runs after global step `step` (0-based) with the job's period (0 = never). */
export function replicaCheckDue(everySteps: number, step: number): boolean {
  return everySteps > 0 && (step + 1) % everySteps === 0;
}

/** Compares every rank's parameters with rank 0's; throws ERR_REPLICA_DIVERGED (on every rank) naming the ranks that differ. */
export async function checkReplicas(collective: GatherLike, model: LayersModel, step: number): Promise<void> {
  const all = await collective.allGather(parameterChecksum(model), { name: REPLICA_CHECK_COLLECTIVE, step });
  const reference = all[0] as ParameterChecksum;
  const diverged = all.flatMap((c, rank) => (c.hash === reference.hash ? [] : [rank]));
  if (diverged.length === 0) return;
  const sums = diverged.map((r) => `rank ${r}: ${all[r]?.sum}`).join(', ');
  throw new SeqtrainError(
    'ERR_REPLICA_DIVERGED',
    `After step ${step} the parameters of rank${diverged.length > 1 ? 's' : ''} ${diverged.join(', ')} differ from rank 0's (parameter sums: rank 0: ${reference.sum}, ${sums}). Replicas must stay identical: check that every rank runs the same seqtrain version and backend, then resume from the last checkpoint.`,
    { rank: diverged[0], ranks: diverged, step }
  );
}
