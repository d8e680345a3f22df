import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { authenticateOutgoing } from '@seqtrain/common';
import { WIRE_VERSION } from './constants.js';
import { encodeFrame, encodeHeader, expectFrame, framePayload, framePayloadFloat32, FramePhase, FrameType } from './frame.js';
import { createLocalWebSocketRing } from './local-websocket-ring.js';
import type { Transport } from './transport.js';
import { encodeValue } from './value-codec.js';
import { WebSocketRingListener } from './websocket-transport.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function listener(options: Parameters<typeof WebSocketRingListener.listen>[0] = {}): Promise<WebSocketRingListener> {
  const created = await WebSocketRingListener.listen(options);
  cleanups.push(() => created.close());
  return created;
}

function helloFrame(rank: number, worldSize: number): Uint8Array {
  return encodeFrame({ type: FrameType.HELLO, phase: FramePhase.NONE, seq: 0, segment: rank, chunk: 0 }, encodeValue({ version: WIRE_VERSION, rank, worldSize }));
}

/**
 * Dials `address` with a raw ws client, passes the auth handshake as ring rank `rank`, sends `first`,
 * and resolves with the close code and reason the listener answers with.
 */
function closeAnswerTo(address: string, first: Uint8Array | string, rank: number): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(address, { perMessageDeflate: false });
    authenticateOutgoing(socket, { secret: null, role: 'ring', rank, protocol: `ring/${WIRE_VERSION}`, server: address, timeoutMs: 5000 }).then(() => socket.send(first), reject);
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    socket.on('error', reject);
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('WebSocketRingListener', () => {
  it('has bufferutil available natively, which ws uses to mask and unmask frames', () => {
    const bufferUtil = createRequire(import.meta.url)('bufferutil') as { mask: () => void; unmask: () => void };
    expect(typeof bufferUtil.mask).toBe('function');
    expect(bufferUtil.mask.toString()).toMatch(/\[native code\]/);
  });

  it('listens on loopback by default and refuses permessage-deflate', async () => {
    const ring = await listener();
    expect(ring.address).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const extensions = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(ring.address, { perMessageDeflate: true });
      socket.on('open', () => {
        resolve(socket.extensions);
        socket.terminate();
      });
      socket.on('error', reject);
    });
    expect(extensions).toBe('');
  });

  it('moves frames both ways for N = 2 in FIFO order, and the sender may reuse its buffer once send() returns', async () => {
    const ring = await createLocalWebSocketRing(2, { timeoutMs: 5000 });
    cleanups.push(() => ring.close());
    const [a, b] = ring.transports as [Transport, Transport];
    const frame = new Uint8Array(100_000).fill(1);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      frame[0] = i;
      sends.push(a.send(1, frame)); // mutated again right after send() returns
      sends.push(b.send(0, new Uint8Array([i])));
    }
    await Promise.all(sends);
    for (let i = 0; i < 50; i++) {
      const got = (await b.recv(0, 5000)) as Uint8Array;
      expect(got.byteLength).toBe(100_000);
      expect(got[0]).toBe(i);
      expect(((await a.recv(1, 5000)) as Uint8Array)[0]).toBe(i);
    }
  });

  for (const maskFrames of [false, true]) {
    it(`delivers split frames (header, then the payload sent from the caller's memory) in order among whole frames, maskFrames ${maskFrames}`, async () => {
      const first = await listener();
      const second = await listener();
      const peers = [first.address, second.address];
      const [a, b] = await Promise.all([first.connect({ rank: 0, worldSize: 2, peers, maskFrames }), second.connect({ rank: 1, worldSize: 2, peers, maskFrames })]);
      const data = Float32Array.from({ length: 70_000 }, (_, i) => i * 0.5);
      const payload = new Uint8Array(data.buffer, 4, 40_000);
      const tag = { type: FrameType.FLOAT32, phase: FramePhase.REDUCE_SCATTER, seq: 3, segment: 1, chunk: 2 };
      await a.send(1, encodeHeader(tag, payload.byteLength), payload);
      await a.send(1, new Uint8Array([9]));
      await a.send(1, encodeHeader(tag, 4), new Uint8Array([1, 2, 3, 4]));
      const split = await b.recv(0, 5000);
      expect(expectFrame(split, tag, 0, 40_000).payloadBytes).toBe(40_000);
      expect(Array.from(framePayloadFloat32(split).subarray(0, 3))).toEqual([0.5, 1, 1.5]);
      expect(Buffer.compare(framePayload(split), payload)).toBe(0);
      expect(data[1]).toBe(0.5); // the sender's bytes were not masked in place
      expect(Array.from((await b.recv(0, 5000)) as Uint8Array)).toEqual([9]);
      expect(Array.from(framePayload(await b.recv(0, 5000)))).toEqual([1, 2, 3, 4]);
    });
  }

  it('delivers frames from a peer that connected before this rank called connect()', async () => {
    const first = await listener();
    const second = await listener();
    const peers = [first.address, second.address];
    const b = await second.connect({ rank: 1, worldSize: 2, peers });
    await b.send(0, new Uint8Array([42]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const a = await first.connect({ rank: 0, worldSize: 2, peers });
    expect(((await a.recv(1, 5000)) as Uint8Array)[0]).toBe(42);
  });

  it('drops connections with an unknown rank, a duplicate rank, another world size or no hello', async () => {
    const ring = await createLocalWebSocketRing(3, { timeoutMs: 5000 });
    cleanups.push(() => ring.close());
    const address = (ring.listeners[0] as WebSocketRingListener).address;
    expect(await closeAnswerTo(address, helloFrame(7, 3), 7)).toEqual({ code: 1008, reason: 'unknown rank 7 (world size 3)' });
    expect(await closeAnswerTo(address, helloFrame(2, 3), 2)).toEqual({ code: 1008, reason: 'duplicate rank 2' });
    expect(await closeAnswerTo(address, helloFrame(1, 4), 1)).toEqual({ code: 1008, reason: 'world size 4, expected 3' });
    expect((await closeAnswerTo(address, 'hello?', 1)).code).toBe(1008);
    // The ring still works after the refusals.
    await (ring.transports[2] as Transport).send(0, new Uint8Array([5]));
    expect(((await (ring.transports[0] as Transport).recv(2, 5000)) as Uint8Array)[0]).toBe(5);
  });

  it('rejects pending and later calls with ERR_PEER_CLOSED naming the peer whose transport closed', async () => {
    const ring = await createLocalWebSocketRing(2, { timeoutMs: 5000 });
    cleanups.push(() => ring.close());
    const [a, b] = ring.transports as [Transport, Transport];
    const waiting = expect(a.recv(1, 5000)).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED', details: { rank: 1 }, message: expect.stringMatching(/rank 1/) });
    await b.close();
    await waiting;
    await expect(a.send(1, new Uint8Array(1))).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED', details: { rank: 1 } });
  });

  it('times out a recv with ERR_COLLECTIVE_TIMEOUT naming the peer', async () => {
    const ring = await createLocalWebSocketRing(2, { timeoutMs: 5000 });
    cleanups.push(() => ring.close());
    await expect((ring.transports[0] as Transport).recv(1, 30)).rejects.toMatchObject({ code: 'ERR_COLLECTIVE_TIMEOUT', details: { rank: 1 } });
  });

  it('gives up dialing a peer that never listens with ERR_COLLECTIVE_TIMEOUT naming it', async () => {
    const own = await listener();
    const missing = `ws://127.0.0.1:${await freePort()}`;
    await expect(own.connect({ rank: 0, worldSize: 2, peers: [own.address, missing], timeoutMs: 300 })).rejects.toMatchObject({
      code: 'ERR_COLLECTIVE_TIMEOUT',
      details: { rank: 1, address: missing },
    });
  });

  it('refuses to send a frame above maxPayloadBytes', async () => {
    const ring = await createLocalWebSocketRing(2, { timeoutMs: 5000, maxPayloadBytes: 4096 });
    cleanups.push(() => ring.close());
    await expect((ring.transports[0] as Transport).send(1, new Uint8Array(4097))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'maxPayloadBytes' } });
  });

  it('validates connect() arguments and forms one transport per listener', async () => {
    const own = await listener();
    await expect(own.connect({ rank: 2, worldSize: 2, peers: ['a', 'b'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'rank' } });
    await expect(own.connect({ rank: 0, worldSize: 2, peers: ['a'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'peers' } });
    await own.connect({ rank: 0, worldSize: 1, peers: [own.address] });
    await expect(own.connect({ rank: 0, worldSize: 1, peers: [own.address] })).rejects.toThrow(/already called/);
  });
});
