import { describe, expect, it } from 'vitest';
import { Collective } from './collective.js';
import { hierarchicalGroups } from './hierarchical-allreduce.js';
import { createInMemoryTransports } from './in-memory-transport.js';

function inputs(worldSize: number, length: number, seed: number): Float32Array[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: worldSize }, () => Float32Array.from({ length }, () => (next() - 0.5) * 10 ** (next() * 4 - 2)));
}

describe('hierarchical all-reduce', () => {
  it('groups ranks by node, and declines uneven or single-node topologies', () => {
    expect(hierarchicalGroups([0, 0, 1, 1], 3)).toEqual({ local: [2, 3], cross: [1, 3] });
    expect(hierarchicalGroups([5, 7, 5, 7, 5, 7], 2)).toEqual({ local: [0, 2, 4], cross: [2, 3] });
    expect(hierarchicalGroups([0, 0, 1], 0)).toBeUndefined();
    expect(hierarchicalGroups([0, 0, 0], 0)).toBeUndefined();
    expect(hierarchicalGroups([0, 1, 2], 0)).toBeUndefined();
  });

  for (const nodes of [[0, 0, 1, 1], [0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2], [1, 0, 1, 0]]) {
    it(`equals the float64 reference, identical on every rank and across runs (nodes ${JSON.stringify(nodes)})`, async () => {
      const worldSize = nodes.length;
      const collectives = createInMemoryTransports(worldSize).map((t) => new Collective(t, { timeoutMs: 10_000, chunkBytes: 256, nodes }));
      let step = 0;
      for (const length of [1, 5, 10_007]) {
        const data = inputs(worldSize, length, 17 * length + worldSize);
        for (const op of ['sum', 'mean'] as const) {
          const run = (): Promise<Float32Array[]> => {
            const callStep = step++;
            return Promise.all(collectives.map((c, rank) => c.allReduce((data[rank] as Float32Array).slice(), { name: 'g', step: callStep, op })));
          };
          const [first, second] = [await run(), await run()];
          const reference = first[0] as Float32Array;
          for (let i = 0; i < length; i++) {
            let sum = 0;
            let sumAbs = 0;
            for (const d of data) {
              sum += d[i] as number;
              sumAbs += Math.abs(d[i] as number);
            }
            const divisor = op === 'mean' ? worldSize : 1;
            expect(Math.abs((reference[i] as number) - sum / divisor)).toBeLessThanOrEqual((worldSize * 2 ** -23 * sumAbs) / divisor);
          }
          for (const result of [...first, ...second]) expect(Buffer.from(result.buffer).equals(Buffer.from(reference.buffer))).toBe(true);
        }
      }
      await Promise.all(collectives.map((c) => c.close()));
    });
  }

  it('fails every rank with ERR_COLLECTIVE_MISMATCH when one rank does not know the topology', async () => {
    const collectives = createInMemoryTransports(4).map((t, rank) => new Collective(t, { timeoutMs: 10_000, ...(rank === 3 ? {} : { nodes: [0, 0, 1, 1] }) }));
    const settled = await Promise.allSettled(collectives.map((c) => c.allReduce(new Float32Array(8), { name: 'g', step: 0 })));
    for (const result of settled) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_COLLECTIVE_MISMATCH', details: { rank: 3, field: 'algorithm' } });
    }
    await Promise.all(collectives.map((c) => c.close()));
  });
});
