import { describe, expect, it } from 'vitest';
import type { CollectiveContext } from './collective-context.js';
import { createInMemoryTransports } from './in-memory-transport.js';
import { addInto, addIntoScaled, ringAllReduce } from './ring-allreduce.js';
import type { Transport } from './transport.js';

function contexts(transports: Transport[], chunkBytes: number): CollectiveContext[] {
  return transports.map((transport) => ({ transport, kind: 'allReduce', name: 'g', step: 0, seq: 0, timeoutMs: 2000, chunkBytes }));
}

describe('ringAllReduce', () => {
  it('sums exactly (small integers) for every length from 0 to 2N+1, with chunks smaller than a segment', async () => {
    for (const worldSize of [2, 3, 5]) {
      for (let length = 0; length <= 2 * worldSize + 1; length++) {
        const transports = createInMemoryTransports(worldSize);
        const arrays = transports.map((_, rank) => Float32Array.from({ length }, (_, i) => rank * 100 + i));
        await Promise.all(contexts(transports, 4).map((ctx, rank) => ringAllReduce(ctx, arrays[rank] as Float32Array, 'sum')));
        const expected = Array.from({ length }, (_, i) => worldSize * i + 100 * ((worldSize * (worldSize - 1)) / 2));
        for (const array of arrays) expect([...array]).toEqual(expected);
        await Promise.all(transports.map((t) => t.close()));
      }
    }
  });

  it('scales by 1/N for mean and leaves N = 1 untouched', async () => {
    const transports = createInMemoryTransports(4);
    const arrays = transports.map((_, rank) => new Float32Array([rank, 2 * rank, 8]));
    await Promise.all(contexts(transports, 1024).map((ctx, rank) => ringAllReduce(ctx, arrays[rank] as Float32Array, 'mean')));
    for (const array of arrays) expect([...array]).toEqual([1.5, 3, 8]);
    const [single] = createInMemoryTransports(1) as [Transport];
    const alone = new Float32Array([3]);
    expect(await ringAllReduce(contexts([single], 1024)[0] as CollectiveContext, alone, 'mean')).toBe(alone);
    expect([...alone]).toEqual([3]);
  });

  it('reduces with the unrolled loops exactly as one float32 addition per element, for every tail length', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648 - 0.5;
    };
    for (let length = 0; length <= 19; length++) {
      const base = Float32Array.from({ length: length + 5 }, () => random() * 1000);
      const incoming = Float32Array.from({ length }, () => random());
      const summed = base.slice();
      addInto(summed, 3, incoming);
      const scaled = base.slice();
      addIntoScaled(scaled, 3, incoming, 1 / 3);
      for (let i = 0; i < base.length; i++) {
        const inside = i >= 3 && i < 3 + length;
        const sum = inside ? Math.fround((base[i] as number) + (incoming[i - 3] as number)) : (base[i] as number);
        expect(summed[i]).toBe(sum);
        expect(scaled[i]).toBe(inside ? Math.fround(sum * (1 / 3)) : base[i]);
      }
    }
  });
});
