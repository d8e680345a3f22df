import { describe, expect, it } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import { inContext, recvTagged, SendWindow, type CollectiveContext } from './collective-context.js';
import { encodeFrame, FramePhase, FrameType } from './frame.js';
import { createInMemoryTransports } from './in-memory-transport.js';
import type { Transport } from './transport.js';

function context(transport: Transport): CollectiveContext {
  return { transport, kind: 'allReduce', name: 'grads', step: 7, seq: 3, timeoutMs: 2000, chunkBytes: 1024 };
}

describe('inContext', () => {
  it('adds the call to transport errors once, keeping code and rank, and leaves other errors alone', () => {
    const [transport] = createInMemoryTransports(1) as [Transport];
    const ctx = context(transport);
    const wrapped = inContext(ctx, new SeqtrainError('ERR_PEER_CLOSED', 'gone', { rank: 2 }), 'waiting') as SeqtrainError;
    expect(wrapped.code).toBe('ERR_PEER_CLOSED');
    expect(wrapped.message).toBe("allReduce 'grads' step 7 (collective #3) on rank 0, waiting: gone");
    expect(wrapped.details).toMatchObject({ rank: 2, name: 'grads', step: 7, seq: 3 });
    expect(inContext(ctx, wrapped, 'again')).toBe(wrapped);
    const other = new Error('x');
    expect(inContext(ctx, other, 'waiting')).toBe(other);
  });
});

describe('SendWindow and recvTagged', () => {
  it('ends a waiting receive with the first send failure instead of waiting for the timeout', async () => {
    const transports = createInMemoryTransports(3);
    const ctx = context(transports[0] as Transport);
    await (transports[1] as Transport).close();
    const window = new SendWindow(ctx, 4);
    await window.send(1, new Uint8Array(24), 'sending to rank 1');
    const tag = { type: FrameType.FLOAT32, phase: FramePhase.REDUCE_SCATTER, seq: 3, segment: 0, chunk: 0 };
    await expect(recvTagged(ctx, 2, tag, undefined, 'waiting on rank 2', window)).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED', details: { rank: 1 } });
    await expect(window.drain()).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
    await Promise.all(transports.map((t) => t.close()));
  });

  it('checks the tag of the received frame', async () => {
    const transports = createInMemoryTransports(2);
    const ctx = context(transports[0] as Transport);
    const tag = { type: FrameType.BYTES, phase: FramePhase.BROADCAST, seq: 3, segment: 0, chunk: 0 };
    await (transports[1] as Transport).send(0, encodeFrame({ ...tag, chunk: 1 }, new Uint8Array(4)));
    await expect(recvTagged(ctx, 1, tag, 4, 'waiting')).rejects.toMatchObject({ code: 'ERR_BAD_FRAME', message: expect.stringMatching(/expected BYTES broadcast seq 3 segment 0 chunk 0, got .* chunk 1/) });
    await Promise.all(transports.map((t) => t.close()));
  });
});
