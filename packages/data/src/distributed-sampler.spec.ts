import { describe, expect, it } from 'vitest';
import { DistributedSampler, permutation } from './distributed-sampler.js';

const DATASET_SIZE = 103;
const GLOBAL_BATCH = 10;
const SEED = 42;

function samplers(worldSize: number, seed = SEED): DistributedSampler[] {
  return Array.from(
    { length: worldSize },
    (_, rank) => new DistributedSampler({ datasetSize: DATASET_SIZE, worldSize, rank, globalBatch: GLOBAL_BATCH, seed })
  );
}

function epochOrder(sampler: DistributedSampler, epoch: number): number[] {
  return Array.from({ length: sampler.stepsPerEpoch }, (_, k) => sampler.globalBatch(epoch, k)).flat();
}

describe('permutation', () => {
  it('is a permutation, and fixed for (seed, epoch) on every platform', () => {
    const perm = permutation(1000, SEED, 3);
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // Golden values, cross-checked against an independent Python port: any change to the PRNG or the shuffle changes them, and would split ranks that disagree.
    expect(Array.from(permutation(10, 42, 0))).toEqual([7, 6, 3, 8, 2, 4, 1, 5, 0, 9]);
    expect(Array.from(permutation(10, 42, 1))).toEqual([2, 7, 3, 9, 0, 4, 5, 6, 1, 8]);
    expect(Array.from(permutation(0, 1, 0))).toEqual([]);
    expect(Array.from(permutation(1, 1, 0))).toEqual([0]);
  });

  it('differs between epochs and seeds, including seeds beyond 32 bits', () => {
    const base = Array.from(permutation(200, SEED, 0));
    expect(Array.from(permutation(200, SEED, 0))).toEqual(base);
    expect(Array.from(permutation(200, SEED, 1))).not.toEqual(base);
    expect(Array.from(permutation(200, SEED + 1, 0))).not.toEqual(base);
    expect(Array.from(permutation(200, SEED + 2 ** 32, 0))).not.toEqual(base);
    expect(Array.from(permutation(200, -SEED, 0))).not.toEqual(base);
  });
});

describe('DistributedSampler', () => {
  it('has ceil(size / batch) steps, the last one smaller', () => {
    const [sampler] = samplers(1);
    expect(sampler?.stepsPerEpoch).toBe(11);
    expect(sampler?.globalBatch(0, 10)).toHaveLength(3);
    expect(() => sampler?.globalBatch(0, 11)).toThrow(/stepInEpoch/);
  });

  for (const worldSize of [1, 2, 3, 4, 5]) {
    it(`world size ${worldSize}: every row once per epoch, ranks interleave into the single-process batch`, () => {
      const ranks = samplers(worldSize);
      const [single] = samplers(1);
      if (!single) throw new Error('no sampler');
      for (const epoch of [0, 1]) {
        const seen: number[] = [];
        for (let k = 0; k < single.stepsPerEpoch; k++) {
          const expected = single.globalBatch(epoch, k);
          const locals = ranks.map((s) => s.localBatch(epoch, k));
          seen.push(...locals.flat());
          // Multiset equality.
          expect(locals.flat().sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
          // Order: position i of the global batch is rank (i % W)'s element floor(i / W).
          const interleaved = expected.map((_, i) => locals[i % worldSize]?.[Math.floor(i / worldSize)]);
          expect(interleaved).toEqual(expected);
          for (const s of ranks) expect(s.globalBatch(epoch, k)).toEqual(expected);
        }
        expect(seen).toHaveLength(DATASET_SIZE);
        expect(new Set(seen).size).toBe(DATASET_SIZE);
      }
    });
  }

  it('orders epochs differently, repeats an order for the same seed, changes it with the seed', () => {
    const [a] = samplers(1);
    const [b] = samplers(1);
    const [c] = samplers(1, SEED + 1);
    if (!a || !b || !c) throw new Error('no sampler');
    expect(epochOrder(a, 0)).not.toEqual(epochOrder(a, 1));
    expect(epochOrder(a, 1)).toEqual(epochOrder(b, 1));
    expect(epochOrder(a, 0)).toEqual(epochOrder(b, 0));
    expect(epochOrder(c, 0)).not.toEqual(epochOrder(a, 0));
  });

  it('keeps index order without shuffle', () => {
    const sampler = new DistributedSampler({ datasetSize: 7, worldSize: 2, rank: 1, globalBatch: 4, seed: 1, shuffle: false });
    expect(sampler.globalBatch(3, 1)).toEqual([4, 5, 6]);
    expect(sampler.localBatch(3, 0)).toEqual([1, 3]);
    expect(sampler.localBatch(3, 1)).toEqual([5]);
  });

  it('validates its options, naming the field', () => {
    const base = { datasetSize: 10, worldSize: 2, rank: 0, globalBatch: 4, seed: 1 };
    expect(() => new DistributedSampler({ ...base, rank: 2 })).toThrow(/"rank"/);
    expect(() => new DistributedSampler({ ...base, globalBatch: 1 })).toThrow(/"globalBatch"/);
    expect(() => new DistributedSampler({ ...base, datasetSize: 0 })).toThrow(/"datasetSize"/);
    expect(() => new DistributedSampler({ ...base, worldSize: 0 })).toThrow(/"worldSize"/);
    expect(() => new DistributedSampler({ ...base, seed: 0.5 })).toThrow(/"seed"/);
    expect(() => new DistributedSampler(base).globalBatch(-1, 0)).toThrow(/"epoch"/);
  });
});
