import { describe, expect, it } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import { Collective } from './collective.js';
import { decodeFrameHeader, encodeFloat32Frame, FramePhase, FrameType } from './frame.js';
import { createInMemoryTransports } from './in-memory-transport.js';
import { createLocalWebSocketRing } from './local-websocket-ring.js';
import type { Transport } from './transport.js';

/** Every test here has a short per-frame timeout, so a regression fails fast instead of hanging. */
const TIMEOUT_MS = 3_000;

type TransportsFactory = (worldSize: number) => Promise<{ transports: Transport[]; close(): Promise<void> }>;

const FACTORIES: { transport: string; create: TransportsFactory }[] = [
  {
    transport: 'in-memory',
    create: async (worldSize) => {
      const transports = createInMemoryTransports(worldSize);
      return { transports, close: async () => void (await Promise.all(transports.map((t) => t.close()))) };
    },
  },
  { transport: 'websocket', create: (worldSize) => createLocalWebSocketRing(worldSize, { timeoutMs: TIMEOUT_MS }) },
];

/** Settles every promise and returns the rejection of each (undefined where it resolved). */
async function rejections(promises: Promise<unknown>[]): Promise<(SeqtrainError | undefined)[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === 'rejected' ? (s.reason as SeqtrainError) : undefined));
}

/** A real transport that closes itself right after its first data frame goes out: a peer dying mid-collective. */
function closingAfterFirstDataFrame(transport: Transport): Transport {
  return {
    rank: transport.rank,
    worldSize: transport.worldSize,
    async send(peer, frame, payload) {
      await transport.send(peer, frame, payload);
      if (frame[3] === FrameType.FLOAT32) await transport.close();
    },
    recv: (peer, timeoutMs) => transport.recv(peer, timeoutMs),
    close: () => transport.close(),
  };
}

describe.each(FACTORIES)('Collective failures over $transport transports', ({ create }) => {
  it('fails every rank with ERR_SHAPE_MISMATCH naming the rank that passed another length, then stays usable', async () => {
    const world = await create(3);
    try {
      const collectives = world.transports.map((t) => new Collective(t, { timeoutMs: TIMEOUT_MS }));
      const errors = await rejections(collectives.map((c, rank) => c.allReduce(new Float32Array(rank === 1 ? 11 : 10), { name: 'grads', step: 4 })));
      for (const err of errors) {
        expect(err).toBeInstanceOf(SeqtrainError);
        expect(err?.code).toBe('ERR_SHAPE_MISMATCH');
        expect(err?.details.rank).toBe(1);
        expect(err?.details.field).toBe('length');
        expect(err?.message).toMatch(/rank 1 has 11/);
        expect(err?.message).toMatch(/ranks 0, 2 have 10/);
        expect(err?.message).toMatch(/allReduce 'grads' step 4/);
      }
      // A mismatch fails before any data moves, so the next call works.
      const sums = await Promise.all(collectives.map((c) => c.allReduce(new Float32Array([1, 2]), { name: 'grads', step: 5 })));
      for (const sum of sums) expect([...sum]).toEqual([3, 6]);
    } finally {
      await world.close();
    }
  });

  it('names the only other rank for N = 2 (ties go to the lowest rank)', async () => {
    const world = await create(2);
    try {
      const collectives = world.transports.map((t) => new Collective(t, { timeoutMs: TIMEOUT_MS }));
      const errors = await rejections(collectives.map((c, rank) => c.broadcast(new Float32Array(rank === 1 ? 3 : 4), { name: 'w', step: 0 })));
      for (const err of errors) {
        expect(err?.code).toBe('ERR_SHAPE_MISMATCH');
        expect(err?.details.rank).toBe(1);
        expect(err?.message).toMatch(/rank 1 has 3, but rank 0 has 4/);
      }
    } finally {
      await world.close();
    }
  });

  it('fails every rank with ERR_COLLECTIVE_MISMATCH for another name, step, op or kind', async () => {
    const world = await create(3);
    try {
      const collectives = world.transports.map((t) => new Collective(t, { timeoutMs: TIMEOUT_MS }));
      const data = (): Float32Array => new Float32Array(4);
      const cases: { field: string; odd: number; call: (c: Collective, odd: boolean) => Promise<unknown>; shows: RegExp }[] = [
        { field: 'name', odd: 2, call: (c, odd) => c.allReduce(data(), { name: odd ? 'other' : 'grads', step: 1 }), shows: /rank 2 has 'other'.*have 'grads'/ },
        { field: 'step', odd: 0, call: (c, odd) => c.allReduce(data(), { name: 'grads', step: odd ? 8 : 7 }), shows: /rank 0 has 8.*have 7/ },
        { field: 'op', odd: 1, call: (c, odd) => c.allReduce(data(), { name: 'grads', step: 9, op: odd ? 'mean' : 'sum' }), shows: /rank 1 has 'mean'/ },
        { field: 'kind', odd: 2, call: (c, odd) => (odd ? c.barrier({ name: 'grads', step: 10 }) : c.allReduce(data(), { name: 'grads', step: 10 })), shows: /rank 2 has 'barrier'/ },
      ];
      for (const { field, odd, call, shows } of cases) {
        const errors = await rejections(collectives.map((c, rank) => call(c, rank === odd)));
        for (const err of errors) {
          expect(err?.code).toBe('ERR_COLLECTIVE_MISMATCH');
          expect(err?.details.field).toBe(field);
          expect(err?.details.rank).toBe(odd);
          expect(err?.message).toMatch(shows);
        }
      }
    } finally {
      await world.close();
    }
  });

  it('fails with ERR_COLLECTIVE_TIMEOUT naming the awaited rank and the call when a rank never shows up, then refuses further calls', async () => {
    const world = await create(3);
    try {
      const collectives = world.transports.map((t) => new Collective(t, { timeoutMs: 300 }));
      // Rank 2 never calls.
      const errors = await rejections([0, 1].map((rank) => (collectives[rank] as Collective).allReduce(new Float32Array(8), { name: 'grads', step: 3 })));
      for (const err of errors) {
        expect(err?.code).toBe('ERR_COLLECTIVE_TIMEOUT');
        expect(err?.message).toMatch(/allReduce 'grads' step 3/);
        expect(err?.message).toMatch(/rank 2/);
        expect(err?.details).toMatchObject({ name: 'grads', step: 3 });
      }
      // Rank 0 waits on its ring predecessor, rank 2, directly; rank 1 waits on rank 0 to relay rank 2's descriptor.
      expect(errors[0]?.details.rank).toBe(2);
      expect(errors[1]?.details.rank).toBe(0);
      await expect((collectives[0] as Collective).barrier({ name: 'after', step: 4 })).rejects.toMatchObject({ code: 'ERR_COLLECTIVE_TIMEOUT', message: expect.stringMatching(/refused/) });
    } finally {
      await world.close();
    }
  });

  it('fails with ERR_PEER_CLOSED naming the rank whose connection closed mid-collective', async () => {
    const world = await create(3);
    try {
      const transports = world.transports.map((t, rank) => (rank === 2 ? closingAfterFirstDataFrame(t) : t));
      const collectives = transports.map((t) => new Collective(t, { timeoutMs: 1_000, chunkBytes: 1024 }));
      const errors = await rejections(collectives.map((c) => c.allReduce(new Float32Array(30_000).fill(1), { name: 'grads', step: 0 })));
      // Rank 0 receives from rank 2 and sees its connection close.
      expect(errors[0]?.code).toBe('ERR_PEER_CLOSED');
      expect(errors[0]?.details.rank).toBe(2);
      expect(errors[0]?.message).toMatch(/allReduce 'grads' step 0/);
      // Rank 1 either fails sending to rank 2 or, if all its frames to rank 2 were already out, times out waiting on rank 0.
      expect(['ERR_PEER_CLOSED', 'ERR_COLLECTIVE_TIMEOUT']).toContain(errors[1]?.code);
      expect(errors[2]?.code).toBe('ERR_PEER_CLOSED');
    } finally {
      await world.close();
    }
  });
});

describe('Collective accounting', () => {
  it('sends exactly 2(N-1)/N of the payload per rank, in chunks no larger than chunkBytes', async () => {
    const worldSize = 4;
    const length = 1003; // segments 251, 251, 251, 250
    const chunkBytes = 256;
    const transports = createInMemoryTransports(worldSize);
    const sentBytes = new Array<number>(worldSize).fill(0);
    let largestPayload = 0;
    const counted = transports.map((t) => ({
      rank: t.rank,
      worldSize: t.worldSize,
      send: (peer: number, frame: Uint8Array, payload?: Uint8Array) => {
        const header = decodeFrameHeader(payload ? { head: frame, body: payload } : frame, t.rank);
        if (header.type === FrameType.FLOAT32) {
          sentBytes[t.rank] = (sentBytes[t.rank] as number) + header.payloadBytes;
          largestPayload = Math.max(largestPayload, header.payloadBytes);
        }
        return t.send(peer, frame, payload);
      },
      recv: (peer: number, timeoutMs: number) => t.recv(peer, timeoutMs),
      close: () => t.close(),
    }));
    const collectives = counted.map((t) => new Collective(t, { timeoutMs: TIMEOUT_MS, chunkBytes }));
    await Promise.all(collectives.map((c) => c.allReduce(new Float32Array(length).fill(1), { name: 'g', step: 0 })));
    const segmentSizes = [251, 251, 251, 250];
    for (let rank = 0; rank < worldSize; rank++) {
      // Reduce-scatter sends every segment but r+1, all-gather every segment but r+2.
      const expected = 4 * (2 * length - (segmentSizes[(rank + 1) % worldSize] as number) - (segmentSizes[(rank + 2) % worldSize] as number));
      expect(sentBytes[rank]).toBe(expected);
    }
    expect(largestPayload).toBe(chunkBytes);
    await Promise.all(transports.map((t) => t.close()));
  });

  it('rejects a stray frame with ERR_BAD_FRAME instead of reducing it', async () => {
    const transports = createInMemoryTransports(2);
    const collectives = transports.map((t) => new Collective(t, { timeoutMs: TIMEOUT_MS }));
    // Rank 0 runs a normal all-reduce; rank 1's side is played by hand and sends a chunk of the wrong collective.
    const pending = (collectives[0] as Collective).allReduce(new Float32Array(4), { name: 'g', step: 0 });
    const peer = transports[1] as Transport;
    const descriptor = (await peer.recv(0, TIMEOUT_MS)) as Uint8Array;
    await peer.send(0, descriptor.map((byte, i) => (i === 12 ? 1 : byte))); // rank 0's descriptor, relabelled as rank 1's
    await peer.send(0, encodeFloat32Frame({ type: FrameType.FLOAT32, phase: FramePhase.REDUCE_SCATTER, seq: 7, segment: 1, chunk: 0 }, new Float32Array(2), 0, 2));
    await expect(pending).rejects.toMatchObject({ code: 'ERR_BAD_FRAME', details: { rank: 1 } });
    await Promise.all(transports.map((t) => t.close()));
  });
});
