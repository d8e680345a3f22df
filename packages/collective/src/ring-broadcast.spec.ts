import { describe, expect, it } from 'vitest';
import type { CollectiveContext } from './collective-context.js';
import { createInMemoryTransports } from './in-memory-transport.js';
import { ringBroadcast, ringBroadcastBytes } from './ring-broadcast.js';
import type { Transport } from './transport.js';

function contexts(transports: Transport[], chunkBytes: number): CollectiveContext[] {
  return transports.map((transport) => ({ transport, kind: 'broadcast', name: 'b', step: 0, seq: 0, timeoutMs: 2000, chunkBytes }));
}

describe('ringBroadcast', () => {
  it('copies the root bytes to every rank through the chain, from any root, in chunks', async () => {
    for (const root of [0, 1, 2]) {
      const transports = createInMemoryTransports(3);
      const source = Uint8Array.from({ length: 1001 }, (_, i) => (i * 7 + root) & 0xff);
      const targets = transports.map((_, rank) => (rank === root ? source : new Uint8Array(source.length)));
      await Promise.all(contexts(transports, 64).map((ctx, rank) => ringBroadcastBytes(ctx, targets[rank] as Uint8Array, root)));
      for (const target of targets) expect(Buffer.from(target).equals(Buffer.from(source))).toBe(true);
      await Promise.all(transports.map((t) => t.close()));
    }
  });

  it('broadcasts a Float32Array in place', async () => {
    const transports = createInMemoryTransports(2);
    const arrays = [new Float32Array([1.25, -0, 3]), new Float32Array(3)];
    await Promise.all(contexts(transports, 4).map((ctx, rank) => ringBroadcast(ctx, arrays[rank] as Float32Array, 0)));
    expect([...(arrays[1] as Float32Array)]).toEqual([1.25, -0, 3]);
    await Promise.all(transports.map((t) => t.close()));
  });
});
