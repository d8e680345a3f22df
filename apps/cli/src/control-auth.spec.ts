/**
 * Authentication of the control plane against a real coordinator on loopback, with real worker-side
 * connections: the right secret joins; a wrong secret, no secret, a replayed response, another protocol
 * version, plain ws:// to a wss:// coordinator and an untrusted certificate are all refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_CLOSE_CODES, authenticateOutgoing, createLogger, type SecurityConfig } from '@seqtrain/common';
import { dialWebSocket } from '@seqtrain/collective';
import { Coordinator, type CoordinatorEvent } from '@seqtrain/coordinator';
import { prepareText } from '@seqtrain/data';
import { CONTROL_AUTH, parseJob } from '@seqtrain/protocol';
import { CoordinatorConnection } from '@seqtrain/worker';

const SECRET = 'control-secret-of-sufficient-length';
let root: string;
let dataDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-auth-'));
  writeFileSync(join(root, 'corpus.txt'), 'It was the best of times, it was the worst of times. '.repeat(20));
  dataDir = join(root, 'data');
  await prepareText({ input: join(root, 'corpus.txt'), out: dataDir, seqLen: 8, step: 3, shards: 2, validationFraction: 0.1 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function selfSigned(name: string): { cert: Buffer; key: Buffer } {
  const cert = join(root, `${name}.crt`);
  const key = join(root, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

async function withCoordinator(security: SecurityConfig, body: (c: Coordinator, events: CoordinatorEvent[]) => Promise<void>, host = '127.0.0.1', insecure = false): Promise<void> {
  const events: CoordinatorEvent[] = [];
  const job = parseJob({ workers: 1, globalBatch: 8, steps: 1, dashboard: false, host });
  const coordinator = await Coordinator.start({ job, runDir: join(root, `run-${Math.random().toString(36).slice(2)}`), dataDir, security, insecure, onEvent: (e) => events.push(e), logger: createLogger({}, 'silent') });
  try {
    await body(coordinator, events);
  } finally {
    coordinator.abort(new Error('test over'));
    await coordinator.close();
  }
}

const plain = (secret: string | null): SecurityConfig => ({ secret, tls: null, ca: null });

describe('control-plane authentication', () => {
  it('admits a process holding the secret, and refuses a wrong secret and no secret with ERR_AUTH_FAILED', async () => {
    await withCoordinator(plain(SECRET), async (c, events) => {
      const ok = await CoordinatorConnection.connect(c.address, 5_000, plain(SECRET));
      await ok.end();
      for (const secret of ['another-secret-of-sufficient-length', null]) {
        await expect(CoordinatorConnection.connect(c.address, 5_000, plain(secret))).rejects.toMatchObject({ code: 'ERR_AUTH_FAILED', message: expect.stringContaining(c.address) });
      }
      expect(events.filter((e) => e.type === 'refused')).toHaveLength(2);
    });
  });

  it('refuses a replayed response, and a peer speaking another control protocol version', async () => {
    await withCoordinator(plain(SECRET), async (c) => {
      let recorded = '';
      const honest = dialWebSocket(c.address, { maxPayloadBytes: 1 << 20, ca: null });
      const send = honest.send.bind(honest);
      honest.send = ((data: string) => {
        recorded ||= data;
        send(data);
      }) as typeof honest.send;
      await authenticateOutgoing(honest, { secret: SECRET, ...CONTROL_AUTH, rank: -1, server: c.address, timeoutMs: 5_000 });
      honest.terminate();
      const replayer = dialWebSocket(c.address, { maxPayloadBytes: 1 << 20, ca: null });
      replayer.on('message', () => replayer.send(recorded));
      const closed = await new Promise<{ code: number; reason: string }>((resolve) => replayer.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
      expect(closed).toMatchObject({ code: AUTH_CLOSE_CODES.AUTH_FAILED, reason: expect.stringContaining('ERR_AUTH_FAILED') });

      const old = dialWebSocket(c.address, { maxPayloadBytes: 1 << 20, ca: null });
      await expect(authenticateOutgoing(old, { secret: SECRET, role: CONTROL_AUTH.role, protocol: 'control/1', rank: -1, server: c.address, timeoutMs: 5_000 })).rejects.toMatchObject({
        code: 'ERR_PROTOCOL_VERSION',
        message: expect.stringContaining('control/1'),
      });
    });
  });

  it('serves wss:// with a certificate: a worker trusting it joins; plain ws:// and an untrusted certificate are refused', async () => {
    const good = selfSigned('good');
    const other = selfSigned('other');
    await withCoordinator({ secret: SECRET, tls: good, ca: null }, async (c) => {
      expect(c.address).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
      const ok = await CoordinatorConnection.connect(c.address, 5_000, { secret: SECRET, tls: null, ca: good.cert });
      await ok.end();
      await expect(CoordinatorConnection.connect(c.address.replace('wss://', 'ws://'), 600, plain(SECRET))).rejects.toMatchObject({
        code: 'ERR_RENDEZVOUS_TIMEOUT',
        message: expect.stringMatching(/socket hang up|ECONNRESET|closed before open/),
      });
      await expect(CoordinatorConnection.connect(c.address, 600, { secret: SECRET, tls: null, ca: other.cert })).rejects.toMatchObject({
        code: 'ERR_RENDEZVOUS_TIMEOUT',
        message: expect.stringMatching(/self[- ]signed certificate/),
      });
    });
  });

  it('refuses to bind a non-loopback address without a secret unless told --insecure', async () => {
    await expect(withCoordinator(plain(null), async () => undefined, '0.0.0.0')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('--insecure'), details: { field: 'host' } });
    await withCoordinator(plain(null), async (c) => expect(c.address).toMatch(/^ws:\/\/0\.0\.0\.0:/), '0.0.0.0', true);
  });
});
