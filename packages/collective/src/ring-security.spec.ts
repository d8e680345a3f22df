import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AUTH_CLOSE_CODES, authenticateOutgoing, type SecurityConfig } from '@seqtrain/common';
import { WIRE_VERSION } from './constants.js';
import { frameHead } from './frame.js';
import type { Transport } from './transport.js';
import { WebSocketRingListener } from './websocket-transport.js';

const SECRET = 'ring-secret-of-sufficient-length';
const dir = mkdtempSync(join(tmpdir(), 'ring-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI. */
function selfSigned(name: string): { cert: Buffer; key: Buffer } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function listen(security: SecurityConfig): Promise<WebSocketRingListener> {
  const created = await WebSocketRingListener.listen({ security });
  cleanups.push(() => created.close());
  return created;
}

/** Two ranks with the given settings form a ring; resolves with rank 1's transport once rank 0's frame arrived. */
async function pair(a: SecurityConfig, b: SecurityConfig): Promise<void> {
  const first = await listen(a);
  const second = await listen(b);
  const peers = [first.address, second.address];
  const [t0, t1] = (await Promise.all([first.connect({ rank: 0, worldSize: 2, peers, timeoutMs: 3000 }), second.connect({ rank: 1, worldSize: 2, peers, timeoutMs: 3000 })])) as [Transport, Transport];
  await t0.send(1, new Uint8Array([7]));
  expect(frameHead(await t1.recv(0, 3000))[0]).toBe(7);
}

function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe('ring security', () => {
  it('forms the ring when every rank holds the same secret', async () => {
    await pair({ secret: SECRET, tls: null, ca: null }, { secret: SECRET, tls: null, ca: null });
  });

  it('refuses a rank with another secret, or none, at once with ERR_AUTH_FAILED (no retrying until the timeout)', async () => {
    for (const other of ['another-secret-of-sufficient-len', null]) {
      const first = await listen({ secret: SECRET, tls: null, ca: null });
      const second = await listen({ secret: other, tls: null, ca: null });
      const started = Date.now();
      await expect(second.connect({ rank: 1, worldSize: 2, peers: [first.address, second.address], timeoutMs: 20_000 })).rejects.toMatchObject({
        code: 'ERR_AUTH_FAILED',
        details: { rank: 0 },
      });
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  it('closes a connection that sends data before authenticating, and one that replays a recorded response', async () => {
    const ring = await listen({ secret: SECRET, tls: null, ca: null });
    const raw = new WebSocket(ring.address);
    raw.on('message', (data, isBinary) => {
      if (!isBinary) raw.send(new Uint8Array([1, 2, 3]));
    });
    expect((await closeOf(raw)).code).toBe(AUTH_CLOSE_CODES.AUTH_FAILED);

    // Record a valid response on one connection, replay it on another.
    let recorded = '';
    const honest = new WebSocket(ring.address);
    const send = honest.send.bind(honest);
    honest.send = ((data: string) => {
      if (recorded === '') recorded = data;
      send(data);
    }) as typeof honest.send;
    await authenticateOutgoing(honest, { secret: SECRET, role: 'ring', rank: 1, protocol: `ring/${WIRE_VERSION}`, server: ring.address, timeoutMs: 3000 });
    honest.terminate();
    const replayer = new WebSocket(ring.address);
    replayer.on('message', () => replayer.send(recorded));
    expect(await closeOf(replayer)).toMatchObject({ code: AUTH_CLOSE_CODES.AUTH_FAILED, reason: expect.stringContaining('ERR_AUTH_FAILED') });
  });

  it('serves wss:// with a certificate; a rank trusting it joins, plain ws:// and a wrong CA are refused', async () => {
    const good = selfSigned('good');
    const wrong = selfSigned('wrong');
    const tls: SecurityConfig = { secret: SECRET, tls: good, ca: good.cert };
    const first = await listen(tls);
    expect(first.address).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    await pair(tls, tls);

    const plain = new WebSocket(first.address.replace('wss://', 'ws://'));
    const plainError = await new Promise<Error>((resolve) => plain.on('error', resolve));
    expect(plainError.message).toMatch(/socket hang up|ECONNRESET|Unexpected server response/);

    const second = await listen({ secret: SECRET, tls: wrong, ca: wrong.cert });
    await expect(second.connect({ rank: 1, worldSize: 2, peers: [first.address, second.address], timeoutMs: 500 })).rejects.toMatchObject({
      code: 'ERR_COLLECTIVE_TIMEOUT',
      message: expect.stringMatching(/self[- ]signed certificate/),
    });
  });
});
