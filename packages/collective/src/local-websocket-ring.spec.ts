import { describe, expect, it } from 'vitest';
import { createLocalWebSocketRing } from './local-websocket-ring.js';

describe('createLocalWebSocketRing', () => {
  it('forms N connected transports on distinct loopback addresses, and close() ends them all', async () => {
    const ring = await createLocalWebSocketRing(3, { timeoutMs: 5000 });
    expect(new Set(ring.listeners.map((l) => l.address)).size).toBe(3);
    expect(ring.transports.map((t) => [t.rank, t.worldSize])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    await ring.transports[2]?.send(0, new Uint8Array([1]));
    expect(((await ring.transports[0]?.recv(2, 5000)) as Uint8Array)[0]).toBe(1);
    await ring.close();
    await expect(ring.transports[0]?.send(1, new Uint8Array(1))).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
  });
});
