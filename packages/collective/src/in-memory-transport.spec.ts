import { describe, expect, it } from 'vitest';
import { createInMemoryTransports } from './in-memory-transport.js';
import type { Transport } from './transport.js';

describe('createInMemoryTransports', () => {
  it('delivers frames FIFO per pair, as copies', async () => {
    const [a, b] = createInMemoryTransports(2) as [Transport, Transport];
    const frame = new Uint8Array([1]);
    await a.send(1, frame);
    frame[0] = 2;
    await a.send(1, frame);
    expect([((await b.recv(0, 100)) as Uint8Array)[0], ((await b.recv(0, 100)) as Uint8Array)[0]]).toEqual([1, 2]);
    await Promise.all([a.close(), b.close()]);
  });

  it('rejects with ERR_PEER_CLOSED naming the rank once a transport closes', async () => {
    const transports = createInMemoryTransports(3);
    const [a, , c] = transports as [Transport, Transport, Transport];
    const waiting = expect(a.recv(2, 5000)).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED', details: { rank: 2 } });
    await c.close();
    await waiting;
    await expect(a.send(2, new Uint8Array(1))).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED', details: { rank: 2 } });
    await expect(c.recv(0, 100)).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
    await Promise.all(transports.map((t) => t.close()));
  });

  it('rejects an unknown peer or its own rank', async () => {
    const [a] = createInMemoryTransports(2) as [Transport];
    await expect(a.send(0, new Uint8Array(1))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(a.recv(2, 10)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(() => createInMemoryTransports(0)).toThrow(/positive integer/);
  });
});
