import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Collective, createInMemoryTransports } from '@seqtrain/collective';
import { buildModel, resolveModelConfig } from '@seqtrain/models';
import { checkReplicas, parameterChecksum, replicaCheckDue } from './replica-check.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CONFIG = resolveModelConfig('char-lm', { vocabSize: 6, seqLen: 4, embeddingDim: 2, units: 4, seed: 5 });

function ranks(n: number) {
  return createInMemoryTransports(n).map((t) => ({ collective: new Collective(t, { timeoutMs: 5_000 }), model: buildModel('char-lm', CONFIG) }));
}

describe('replica check', () => {
  it('passes identical replicas, and names the perturbed rank on every rank', async () => {
    const world = ranks(3);
    await Promise.all(world.map((r) => checkReplicas(r.collective, r.model, 0)));

    const perturbed = world[2]!.model;
    const [first, ...rest] = perturbed.getWeights();
    perturbed.setWeights([tf.add(first!, 1e-7), ...rest]);
    expect(parameterChecksum(perturbed).hash).not.toBe(parameterChecksum(world[0]!.model).hash);
    const results = await Promise.allSettled(world.map((r) => checkReplicas(r.collective, r.model, 99)));
    for (const result of results) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'ERR_REPLICA_DIVERGED', details: { rank: 2, ranks: [2], step: 99 }, message: expect.stringContaining('rank 2') } });
    }
  });

  it('runs every K steps, never with K = 0', () => {
    expect([0, 1, 2, 3, 4, 5].filter((s) => replicaCheckDue(3, s))).toEqual([2, 5]);
    expect(replicaCheckDue(0, 99)).toBe(false);
  });
});
