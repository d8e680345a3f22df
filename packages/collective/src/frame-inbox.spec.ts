import { describe, expect, it } from 'vitest';
import { FrameInbox, peerClosedError } from './frame-inbox.js';

const frame = (n: number): Uint8Array => new Uint8Array([n]);

describe('FrameInbox', () => {
  it('delivers frames in arrival order, to waiters in call order', async () => {
    const inbox = new FrameInbox(1, 0);
    inbox.push(frame(1));
    const waiting = [inbox.next(1000), inbox.next(1000), inbox.next(1000)];
    inbox.push(frame(2));
    inbox.push(frame(3));
    expect((await Promise.all(waiting)).map((f) => (f as Uint8Array)[0])).toEqual([1, 2, 3]);
  });

  it('times out with ERR_COLLECTIVE_TIMEOUT naming the peer, and a timed-out wait takes no later frame', async () => {
    const inbox = new FrameInbox(3, 0);
    await expect(inbox.next(20)).rejects.toMatchObject({ code: 'ERR_COLLECTIVE_TIMEOUT', details: { rank: 3 }, message: expect.stringMatching(/rank 3 within 20 ms/) });
    inbox.push(frame(9));
    expect(((await inbox.next(1000)) as Uint8Array)[0]).toBe(9);
  });

  it('rejects waiting and later receives once closed, after draining buffered frames', async () => {
    const inbox = new FrameInbox(2, 0);
    const waiting = inbox.next(1000);
    inbox.close(peerClosedError(0, 2, 'test'));
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED', details: { rank: 2 } });

    const draining = new FrameInbox(2, 0);
    draining.push(frame(5));
    draining.close(peerClosedError(0, 2, 'test'));
    draining.push(frame(6)); // ignored: the peer is gone
    expect(((await draining.next(1000)) as Uint8Array)[0]).toBe(5);
    await expect(draining.next(1000)).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
  });

  it('drops buffered frames when closed locally', async () => {
    const inbox = new FrameInbox(1, 0);
    inbox.push(frame(1));
    inbox.close(peerClosedError(0, 1, 'closed here'), true);
    await expect(inbox.next(1000)).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
  });
});
