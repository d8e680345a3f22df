/**
 * Hostile clients for the fuzz spec (hostile-input.spec.ts): each attempt opens its own connection to a
 * live seqtrain socket, sends one malformed thing, and reports how the server closed it. Not part of the
 * package (tsconfig.lib.json leaves *.testing.ts out of dist).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { authenticateOutgoing } from '@seqtrain/common';
import { FRAME_HEADER_BYTES, WIRE_VERSION, dialWebSocket, encodeValue } from '@seqtrain/collective';
import { CONTROL_AUTH, PROTOCOL_VERSION } from '@seqtrain/protocol';

const ATTEMPT_TIMEOUT_MS = 15_000;

/** A seeded generator (mulberry32) so a failing attempt can be replayed from its index. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Target {
  address: string;
  port: number;
  /** 'control' (coordinator) or 'ring' (a ring listener). */
  plane: 'control' | 'ring';
  /** The secret, for the attempts that authenticate and then misbehave. */
  secret: string;
}

export interface Outcome {
  kind: string;
  /** The close code the server sent (or 1006 when the TCP connection just ended). */
  code: number;
}

type Rand = () => number;
const int = (rand: Rand, n: number) => Math.floor(rand() * n);
const bytes = (rand: Rand, n: number) => Uint8Array.from({ length: n }, () => int(rand, 256));

/** One attempt of the kind picked by `i`; resolves with the server's close code. */
export function attempt(target: Target, i: number): Promise<Outcome> {
  const rand = prng(i * 7919 + (target.plane === 'ring' ? 1 : 0));
  const kinds = [preAuthBinary, preAuthText, preAuthWrongVersion, preAuthForgedProof, rawFrame, postAuthGarbage];
  const pick = kinds[i % kinds.length] as (t: Target, r: Rand) => Promise<Outcome>;
  return withTimeout(pick(target, rand), `attempt ${i} (${pick.name}) on ${target.address}`);
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not refused within ${ATTEMPT_TIMEOUT_MS} ms`)), ATTEMPT_TIMEOUT_MS)))]).finally(() => clearTimeout(timer));
}

/** Dials, hands every server message to onMessage, resolves with the close code. */
function session(target: Target, kind: string, onMessage: (send: (data: Uint8Array | string) => void, text: string, first: boolean) => void): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = dialWebSocket(target.address, { maxPayloadBytes: 1 << 20, ca: null });
    let first = true;
    ws.on('message', (data) => {
      onMessage((d) => ws.send(d), data.toString(), first);
      first = false;
    });
    ws.on('close', (code) => resolve({ kind, code }));
    ws.on('error', (err) => (ws.readyState === ws.CLOSED ? undefined : reject(err)));
  });
}

function preAuthBinary(target: Target, rand: Rand): Promise<Outcome> {
  const payload = bytes(rand, int(rand, 2048));
  return session(target, 'pre-auth random bytes', (send, _t, first) => first && send(payload));
}

function preAuthText(target: Target, rand: Rand): Promise<Outcome> {
  const choices = [
    () => String.fromCharCode(...Array.from({ length: int(rand, 300) + 1 }, () => 32 + int(rand, 95))),
    () => JSON.stringify({ t: 'response', v: 1, nonce: 'zz', role: 1, rank: 'x', protocol: null, proof: [] }),
    () => JSON.stringify([1, 2, 3]),
    () => '{"t":"response","v":1,"nonce":"' + 'a'.repeat(int(rand, 70)),
    () => 'x'.repeat(5000 + int(rand, 5000)),
    () => JSON.stringify({ t: 'accept', proof: 'ab'.repeat(32) }),
  ];
  const text = (choices[int(rand, choices.length)] as () => string)();
  return session(target, 'pre-auth malformed text', (send, _t, first) => first && send(text));
}

function preAuthWrongVersion(target: Target, rand: Rand): Promise<Outcome> {
  const protocol = target.plane === 'control' ? CONTROL_AUTH.protocol : `ring/${WIRE_VERSION}`;
  const role = target.plane === 'control' ? CONTROL_AUTH.role : 'ring';
  const wrong = rand() < 0.5 ? { v: 2 + int(rand, 100), protocol } : { v: 1, protocol: `${protocol.split('/')[0]}/${PROTOCOL_VERSION + 1 + int(rand, 50)}` };
  return session(target, 'pre-auth wrong version', (send, text, first) => {
    if (!first) return;
    const nonce = (JSON.parse(text) as { nonce: string }).nonce;
    send(JSON.stringify({ t: 'response', nonce, role, rank: 0, proof: randomBytes(32).toString('hex'), ...wrong }));
  });
}

function preAuthForgedProof(target: Target, rand: Rand): Promise<Outcome> {
  const protocol = target.plane === 'control' ? CONTROL_AUTH.protocol : `ring/${WIRE_VERSION}`;
  const role = target.plane === 'control' ? CONTROL_AUTH.role : 'ring';
  return session(target, 'pre-auth forged proof', (send, _t, first) => {
    if (first) send(JSON.stringify({ t: 'response', v: 1, nonce: Buffer.from(bytes(rand, 32)).toString('hex'), role, rank: int(rand, 4), protocol, proof: Buffer.from(bytes(rand, 32)).toString('hex') }));
  });
}

/** Raw WebSocket frames no conforming client sends: huge length claims, unmasked, bad opcodes, reserved bits. */
function rawFrame(target: Target, rand: Rand): Promise<Outcome> {
  const mask = bytes(rand, 4);
  const header64 = (length: bigint) => {
    const b = Buffer.alloc(10);
    b[0] = 0x82;
    b[1] = 0x80 | 127;
    b.writeBigUInt64BE(length, 2);
    return Buffer.concat([b, mask]);
  };
  const frames = [
    () => header64(BigInt(2) ** BigInt(40) + BigInt(int(rand, 1000))), // a terabyte: above maxPayload
    () => header64(BigInt(2) ** BigInt(62)), // above 2^53: unsupported
    () => Buffer.from([0x82, 0x05, ...bytes(rand, 5)]), // unmasked client frame
    () => Buffer.from([0x80 | (3 + int(rand, 5)), 0x80, ...mask]), // reserved opcode 3-7
    () => Buffer.from([0xc2, 0x80, ...mask]), // RSV1 without a negotiated extension
  ];
  const frame = (frames[int(rand, frames.length)] as () => Buffer)();
  return rawSession(target, frame);
}

function rawSession(target: Target, frame: Buffer): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(target.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let upgraded = false;
    socket.on('connect', () =>
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
    );
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        upgraded = true;
        received = received.subarray(end + 4);
        socket.write(frame);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (upgraded ? resolve({ kind: 'raw frame', code: closeCodeIn(received) }) : reject(new Error('upgrade failed'))));
  });
}

/** The status code of the first close frame among the server's (unmasked) frames, or 1006. */
function closeCodeIn(data: Buffer): number {
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = (data[at] as number) & 0x0f;
    let length = (data[at + 1] as number) & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      length = data.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      length = Number(data.readBigUInt64BE(offset));
      offset += 8;
    }
    if (opcode === 8) return length >= 2 ? data.readUInt16BE(offset) : 1005;
    at = offset + length;
  }
  return 1006;
}

/** Passes the handshake with the right secret, then breaks the protocol that follows it. */
function postAuthGarbage(target: Target, rand: Rand): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = dialWebSocket(target.address, { maxPayloadBytes: 1 << 20, ca: null });
    const control = target.plane === 'control';
    const auth = control
      ? { ...CONTROL_AUTH, rank: -1 }
      : { role: 'ring', protocol: `ring/${WIRE_VERSION}`, rank: int(rand, 2) };
    ws.on('close', (code) => resolve({ kind: 'post-auth garbage', code }));
    ws.on('error', () => undefined);
    authenticateOutgoing(ws, { secret: target.secret, ...auth, server: target.address, timeoutMs: ATTEMPT_TIMEOUT_MS }).then(
      () => ws.send(control ? controlGarbage(rand) : ringGarbage(rand, auth.rank)),
      reject
    );
  });
}

function controlGarbage(rand: Rand): Uint8Array | string {
  const hello = { type: 'hello', protocolVersion: PROTOCOL_VERSION, agentId: 'fuzz', localRank: 0, hostname: 'fuzz', pid: 1, ringAddress: 'ws://127.0.0.1:1', backend: 'cpu', backendDescription: 'x' };
  const choices: (() => Uint8Array | string)[] = [
    () => bytes(rand, int(rand, 512) + 1),
    () => encodeValue(hello).subarray(0, int(rand, 60) + 1), // truncated msgpack
    () => encodeValue({ ...hello, protocolVersion: PROTOCOL_VERSION + 1 + int(rand, 9) }), // wrong version
    () => encodeValue({ ...hello, localRank: 'zero', pid: -5 }), // wrong shapes
    () => encodeValue({ type: 'stepDone', rank: 0, step: 3, loss: 1, count: 1, computeSeconds: 0, commSeconds: 0, dataSeconds: 0 }), // before hello
    () => encodeValue({ type: ['ready', 'evalDone', 'checkpointDone', 'failed', 'bogus'][int(rand, 5)], rank: int(rand, 3) }),
    () => encodeValue([1, 'two', { three: 3 }]),
    () => 'a text frame',
  ];
  return (choices[int(rand, choices.length)] as () => Uint8Array | string)();
}

function ringGarbage(rand: Rand, rank: number): Uint8Array | string {
  const choices: (() => Uint8Array | string)[] = [
    () => bytes(rand, int(rand, 512) + 1),
    () => new Uint8Array(0),
    () => 'a text frame',
    () => helloFrame(bytes(rand, int(rand, 64))), // a HELLO header over a payload that is not one
    () => helloFrame(encodeValue({ version: WIRE_VERSION, rank: rank + 1 + int(rand, 3), worldSize: 2 })), // another rank than authenticated
    () => helloFrame(encodeValue({ version: WIRE_VERSION, rank, worldSize: 3 + int(rand, 60) })), // another world size
    () => helloFrame(encodeValue({ version: WIRE_VERSION, rank, worldSize: 2 })), // own rank or already connected
    () => helloFrame(encodeValue({ version: WIRE_VERSION + 1, rank, worldSize: 2 })).subarray(0, FRAME_HEADER_BYTES + int(rand, 8)), // truncated
  ];
  return (choices[int(rand, choices.length)] as () => Uint8Array | string)();
}

/** A ring frame header (frame.ts layout) of type HELLO around `payload`. */
function helloFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  const view = new DataView(frame.buffer);
  frame.set([0x53, 0x54, WIRE_VERSION, 1]);
  view.setUint32(20, payload.byteLength, true);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}
