import { describe, expect, it } from 'vitest';
import { Collective } from './collective.js';
import { COMPRESSION_UNIT_ROUNDOFF } from './wire-codec.js';
import { createInMemoryTransports } from './in-memory-transport.js';
import { createLocalWebSocketRing } from './local-websocket-ring.js';
import type { Transport } from './transport.js';

interface World {
  collectives: Collective[];
  close(): Promise<void>;
}

type WorldFactory = (worldSize: number, options?: { timeoutMs?: number; chunkBytes?: number }) => Promise<World>;

const inMemoryWorld: WorldFactory = async (worldSize, options = {}) => {
  const transports = createInMemoryTransports(worldSize);
  return worldOf(transports, options, async () => {
    await Promise.all(transports.map((t) => t.close()));
  });
};

const webSocketWorld: WorldFactory = async (worldSize, options = {}) => {
  const ring = await createLocalWebSocketRing(worldSize, { timeoutMs: 10_000 });
  return worldOf(ring.transports, options, ring.close);
};

function worldOf(transports: Transport[], options: { timeoutMs?: number; chunkBytes?: number }, close: () => Promise<void>): World {
  return { collectives: transports.map((t) => new Collective(t, { timeoutMs: 10_000, ...options })), close };
}

/** Deterministic inputs: mulberry32, values spread over six orders of magnitude, both signs. */
function randomInputs(worldSize: number, length: number, seed: number): Float32Array[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: worldSize }, () => {
    const data = new Float32Array(length);
    for (let i = 0; i < length; i++) data[i] = (next() - 0.5) * 10 ** (next() * 6 - 3);
    return data;
  });
}

function bytesOf(data: Float32Array | Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Largest |result - reference| measured against the float32 tolerance 1e-5 * sum(|x|), per element. */
function expectCloseToReference(result: Float32Array, inputs: Float32Array[], divisor: number): void {
  let worst = 0;
  for (let i = 0; i < result.length; i++) {
    let sum = 0;
    let sumAbs = 0;
    for (const input of inputs) {
      const x = input[i] as number;
      sum += x;
      sumAbs += Math.abs(x);
    }
    const error = Math.abs((result[i] as number) - sum / divisor) / ((1e-5 * sumAbs) / divisor + Number.MIN_VALUE);
    if (error > worst) worst = error;
  }
  expect(worst).toBeLessThanOrEqual(1);
}

/**
 * The bound stated in wire-codec.ts: u * N * sum|x| (one rounding per hop and one for the result),
 * plus float32 rounding of the additions and the 1/N scale, plus N * 2^-24 absolute for fp16
 * subnormals; divided by N for mean.
 */
function expectWithinCompressionBound(result: Float32Array, inputs: Float32Array[], divisor: number, unitRoundoff: number, subnormals: boolean): void {
  const n = inputs.length;
  for (let i = 0; i < result.length; i++) {
    let sum = 0;
    let sumAbs = 0;
    for (const input of inputs) {
      sum += input[i] as number;
      sumAbs += Math.abs(input[i] as number);
    }
    const bound = ((unitRoundoff * n + 2 ** -23 * n) * sumAbs + (subnormals ? n * 2 ** -24 : 0)) / divisor;
    const error = Math.abs((result[i] as number) - sum / divisor);
    if (!(error <= bound)) expect({ element: i, error }).toEqual({ element: i, error: `<= ${bound}` });
  }
}

async function allReduceAll(world: World, inputs: Float32Array[], op: 'sum' | 'mean', step: number): Promise<Float32Array[]> {
  return Promise.all(world.collectives.map((c, rank) => c.allReduce((inputs[rank] as Float32Array).slice(), { name: 'grads', step, op })));
}

const FACTORIES: { transport: string; create: WorldFactory }[] = [
  { transport: 'in-memory', create: inMemoryWorld },
  { transport: 'websocket', create: webSocketWorld },
];

describe.each(FACTORIES)('Collective over $transport transports', ({ create }) => {
  it('allReduce sum and mean match a float64 reference for N = 1..5, identical on every rank and across runs', async () => {
    for (let worldSize = 1; worldSize <= 5; worldSize++) {
      const world = await create(worldSize);
      try {
        const lengths = worldSize > 1 ? [1, worldSize - 1, 1_000_003] : [1, 1_000_003];
        let step = 0;
        for (const length of lengths) {
          const inputs = randomInputs(worldSize, length, 1000 * worldSize + length);
          for (const op of ['sum', 'mean'] as const) {
            const first = await allReduceAll(world, inputs, op, step++);
            const second = await allReduceAll(world, inputs, op, step++);
            const reference = first[0] as Float32Array;
            expect(reference).toHaveLength(length);
            expectCloseToReference(reference, inputs, op === 'mean' ? worldSize : 1);
            for (const result of [...first, ...second]) expect(bytesOf(result).equals(bytesOf(reference))).toBe(true);
          }
        }
      } finally {
        await world.close();
      }
    }
  });

  it('allReduce with fp16 and bf16 on the wire stays within the stated bound, identical on every rank and across runs', async () => {
    for (const worldSize of [2, 3, 4]) {
      const world = await create(worldSize, { chunkBytes: 4096 });
      try {
        let step = 0;
        for (const length of [5, 20_003]) {
          const inputs = randomInputs(worldSize, length, 77 * worldSize + length);
          for (const compression of ['fp16', 'bf16'] as const) {
            for (const op of ['sum', 'mean'] as const) {
              const run = (): Promise<Float32Array[]> => {
                const callStep = step++;
                return Promise.all(world.collectives.map((c, rank) => c.allReduce((inputs[rank] as Float32Array).slice(), { name: 'grads', step: callStep, op, compression })));
              };
              const first = await run();
              const second = await run();
              const reference = first[0] as Float32Array;
              expectWithinCompressionBound(reference, inputs, op === 'mean' ? worldSize : 1, COMPRESSION_UNIT_ROUNDOFF[compression], compression === 'fp16');
              for (const result of [...first, ...second]) expect(bytesOf(result).equals(bytesOf(reference))).toBe(true);
            }
          }
        }
      } finally {
        await world.close();
      }
    }
  });

  it('allReduce works in place and returns the same array', async () => {
    const world = await create(3);
    try {
      const arrays = [0, 1, 2].map((rank) => new Float32Array([rank, 1, 2 * rank]));
      const results = await Promise.all(world.collectives.map((c, rank) => c.allReduce(arrays[rank] as Float32Array, { name: 'w', step: 0 })));
      results.forEach((result, rank) => {
        expect(result).toBe(arrays[rank]);
        expect([...result]).toEqual([3, 3, 6]);
      });
    } finally {
      await world.close();
    }
  });

  it('broadcast, broadcastBytes, barrier and allGather work for N = 1..4', async () => {
    for (let worldSize = 1; worldSize <= 4; worldSize++) {
      const world = await create(worldSize, { chunkBytes: 64 * 1024 });
      const { collectives } = world;
      try {
        for (const root of new Set([0, worldSize - 1])) {
          const source = randomInputs(1, 300_001, root + 7)[0] as Float32Array;
          const arrays = collectives.map((_, rank) => (rank === root ? source.slice() : new Float32Array(source.length)));
          const results = await Promise.all(collectives.map((c, rank) => c.broadcast(arrays[rank] as Float32Array, { name: 'weights', step: root, root })));
          results.forEach((result, rank) => {
            expect(result).toBe(arrays[rank]);
            expect(bytesOf(result).equals(bytesOf(source))).toBe(true);
          });

          for (const size of [0, 1, 200_003]) {
            const payload = new Uint8Array(size).map((_, i) => (i * 31 + root) & 0xff);
            const received = await Promise.all(
              collectives.map((c, rank) => c.broadcastBytes(rank === root ? payload : undefined, { name: 'checkpoint', step: size, root }))
            );
            for (const bytes of received) expect(Buffer.from(bytes).equals(Buffer.from(payload))).toBe(true);
          }
        }

        // The last rank enters late; nobody may leave the barrier before it has entered.
        let lateEntered = false;
        const leftEarly: boolean[] = [];
        await Promise.all(
          collectives.map(async (c, rank) => {
            if (rank === worldSize - 1) {
              await new Promise((resolve) => setTimeout(resolve, 50));
              lateEntered = true;
            }
            await c.barrier({ name: 'sync', step: 1 });
            leftEarly.push(!lateEntered);
          })
        );
        expect(leftEarly).toEqual(new Array(worldSize).fill(false));

        const gathered = await Promise.all(
          collectives.map((c, rank) => c.allGather({ rank, label: `rank-${rank}`, values: new Float32Array([rank, -0, NaN]) }, { name: 'meta', step: 2 }))
        );
        for (const values of gathered) {
          expect(values.map((v) => v.rank)).toEqual([...Array(worldSize).keys()]);
          expect(values.map((v) => v.label)).toEqual([...Array(worldSize).keys()].map((r) => `rank-${r}`));
          values.forEach((v, rank) => {
            expect(v.values).toBeInstanceOf(Float32Array);
            expect(Object.is(v.values[1], -0)).toBe(true);
            expect(v.values[0]).toBe(rank);
          });
        }
      } finally {
        await world.close();
      }
    }
  });

  it('runs calls made without awaiting in the order they were made', async () => {
    const world = await create(2);
    try {
      const perRank = world.collectives.map((c, rank) => [
        c.allReduce(new Float32Array([rank + 1]), { name: 'a', step: 0 }),
        c.allGather(rank, { name: 'b', step: 0 }),
        c.allReduce(new Float32Array([10 * (rank + 1)]), { name: 'c', step: 0, op: 'mean' }),
      ]);
      for (const [a, b, c] of perRank) {
        expect([...((await a) as Float32Array)]).toEqual([3]);
        expect(await b).toEqual([0, 1]);
        expect([...((await c) as Float32Array)]).toEqual([15]);
      }
    } finally {
      await world.close();
    }
  });
});

describe('Collective across transports', () => {
  it('gives bitwise the same allReduce result over in-memory and WebSocket transports', async () => {
    const inputs = randomInputs(4, 100_003, 99);
    const results: Buffer[] = [];
    for (const create of [inMemoryWorld, webSocketWorld]) {
      const world = await create(4, { chunkBytes: 4096 });
      try {
        const out = await allReduceAll(world, inputs, 'sum', 0);
        results.push(bytesOf(out[0] as Float32Array));
      } finally {
        await world.close();
      }
    }
    expect((results[0] as Buffer).equals(results[1] as Buffer)).toBe(true);
  });

  it('fails every rank with ERR_SHAPE_MISMATCH naming the rank that asked for another wire compression', async () => {
    const world = await inMemoryWorld(3);
    try {
      const results = await Promise.allSettled(world.collectives.map((c, rank) => c.allReduce(new Float32Array(8), { name: 'g', step: 0, compression: rank === 2 ? 'fp16' : 'none' })));
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_SHAPE_MISMATCH', details: { rank: 2 } });
      }
    } finally {
      await world.close();
    }
  });

  it('rejects invalid arguments before touching the wire', async () => {
    const world = await inMemoryWorld(1);
    const [collective] = world.collectives as [Collective];
    await expect(collective.allReduce([1, 2] as unknown as Float32Array, { name: 'x', step: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(collective.allReduce(new Float32Array(1), { name: '', step: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(collective.allReduce(new Float32Array(1), { name: 'x', step: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(collective.allReduce(new Float32Array(1), { name: 'x', step: 0, op: 'max' as 'sum' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(collective.broadcast(new Float32Array(1), { name: 'x', step: 0, root: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(collective.broadcastBytes(undefined, { name: 'x', step: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(() => new Collective(createInMemoryTransports(1)[0] as Transport, { chunkBytes: 6 })).toThrow(/multiple of 4/);
    await expect(collective.allGather(Symbol('x'), { name: 'x', step: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'value' } });
    // N = 1 still works after the rejected calls.
    expect([...(await collective.allReduce(new Float32Array([2]), { name: 'x', step: 0, op: 'mean' }))]).toEqual([2]);
    await collective.close();
    await expect(collective.barrier({ name: 'x', step: 1 })).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
  });
});
