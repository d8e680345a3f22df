import { describe, expect, it } from 'vitest';
import { ClientHandshake, ServerHandshake, type HandshakeOutcome } from './auth-handshake.js';
import { closeReason } from './socket-auth.js';

const SECRET = 'a-shared-secret-of-enough-length';
const server = (secret: string | null = SECRET, protocol = 'control/2') => new ServerHandshake({ secret, protocol, roles: ['trainer'] });
const client = (secret: string | null = SECRET, protocol = 'control/2', role = 'trainer') => new ClientHandshake({ secret, role, rank: -1, protocol, server: 'ws://test' });

function messageOf(outcome: HandshakeOutcome): string {
  if (outcome.kind === 'reply' || outcome.kind === 'accepted') return outcome.message;
  throw new Error(`expected a message, got ${JSON.stringify(outcome)}`);
}

/** Runs a whole exchange; returns the server's and the client's last outcomes. */
function exchange(s: ServerHandshake, c: ClientHandshake): { atServer: HandshakeOutcome; atClient: HandshakeOutcome } {
  const response = c.receive(s.challenge());
  if (response.kind !== 'reply') return { atServer: { kind: 'done' }, atClient: response };
  const atServer = s.receive(response.message);
  const atClient = c.receive(atServer.kind === 'refused' ? (atServer.message ?? '') : messageOf(atServer));
  return { atServer, atClient };
}

describe('auth handshake', () => {
  it('authenticates both sides when they share the secret, and tells the server who connected', () => {
    const { atServer, atClient } = exchange(server(), client());
    expect(atServer).toMatchObject({ kind: 'accepted', peer: { role: 'trainer', rank: -1, protocol: 'control/2' } });
    expect(atClient).toEqual({ kind: 'done' });
  });

  it('never puts the secret on the wire', () => {
    const s = server();
    const c = client();
    const challenge = s.challenge();
    const response = messageOf(c.receive(challenge));
    const accept = messageOf(s.receive(response));
    for (const text of [challenge, response, accept]) expect(text).not.toContain(SECRET);
  });

  it('refuses a wrong secret, and a client with no secret, with ERR_AUTH_FAILED on both sides', () => {
    for (const clientSecret of ['another-secret-of-enough-length', null]) {
      const { atServer, atClient } = exchange(server(), client(clientSecret));
      expect(atServer).toMatchObject({ kind: 'refused', error: { code: 'ERR_AUTH_FAILED' } });
      expect(atClient).toMatchObject({ kind: 'refused', error: { code: 'ERR_AUTH_FAILED', message: expect.stringContaining('Wrong or missing shared secret') } });
    }
  });

  it('refuses a replayed response: it was bound to another connection\'s nonce', () => {
    const c = client();
    const first = server();
    const recorded = messageOf(c.receive(first.challenge()));
    expect(first.receive(recorded).kind).toBe('accepted');
    // the same response again, on the same handshake and on a fresh one
    expect(first.receive(recorded)).toMatchObject({ kind: 'refused', error: { code: 'ERR_PROTOCOL' } });
    const second = server();
    second.challenge();
    expect(second.receive(recorded)).toMatchObject({ kind: 'refused', error: { code: 'ERR_AUTH_FAILED' } });
  });

  it('lets a client refuse an impostor server that cannot prove the secret', () => {
    const c = client();
    const impostor = server('not-the-shared-secret-at-all');
    c.receive(impostor.challenge());
    const forged = JSON.stringify({ t: 'accept', proof: 'ab'.repeat(32) });
    expect(c.receive(forged)).toMatchObject({ kind: 'refused', error: { code: 'ERR_AUTH_FAILED', message: expect.stringContaining('could not prove') } });
  });

  it('lets a client holding a secret refuse a server running without one', () => {
    const { atClient } = exchange(server(null), client());
    expect(atClient).toMatchObject({ kind: 'refused', error: { code: 'ERR_AUTH_FAILED', message: expect.stringContaining('without a shared secret') } });
  });

  it('still checks versions without a secret (insecure mode)', () => {
    expect(exchange(server(null), client(null)).atClient).toEqual({ kind: 'done' });
    const { atServer, atClient } = exchange(server(null, 'control/2'), client(null, 'control/3'));
    expect(atServer).toMatchObject({ kind: 'refused', error: { code: 'ERR_PROTOCOL_VERSION', message: expect.stringContaining('control/3') } });
    expect(atClient).toMatchObject({ kind: 'refused', error: { code: 'ERR_PROTOCOL_VERSION' } });
  });

  it('refuses a role that may not connect, and a challenge of another handshake version', () => {
    expect(exchange(server(), client(SECRET, 'control/2', 'ring')).atServer).toMatchObject({ kind: 'refused', error: { code: 'ERR_AUTH_FAILED', message: expect.stringContaining('role "ring"') } });
    const c = client();
    expect(c.receive(JSON.stringify({ t: 'challenge', v: 99, nonce: 'ab'.repeat(32), secured: true }))).toMatchObject({ kind: 'refused', error: { code: 'ERR_PROTOCOL_VERSION' } });
  });

  it('refuses malformed messages with ERR_BAD_FRAME naming the field', () => {
    const s = server();
    s.challenge();
    expect(s.receive('{not json')).toMatchObject({ kind: 'refused', error: { code: 'ERR_BAD_FRAME' } });
    const t = server();
    t.challenge();
    expect(t.receive(JSON.stringify({ t: 'response', v: 1, nonce: 'zz', role: 'trainer', rank: -1, protocol: 'control/2', proof: '00' }))).toMatchObject({
      kind: 'refused',
      error: { code: 'ERR_BAD_FRAME', details: { field: 'nonce' } },
    });
    const u = server();
    u.challenge();
    expect(u.receive('x'.repeat(10_000))).toMatchObject({ kind: 'refused', error: { code: 'ERR_BAD_FRAME', message: expect.stringContaining('largest') } });
  });
});

describe('closeReason', () => {
  it('fits any text into 123 UTF-8 bytes without splitting a character', () => {
    for (const text of ['é'.repeat(200), 'a' + '€'.repeat(100), '\u{1F600}'.repeat(50), 'plain']) {
      const reason = closeReason(text);
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
      expect(text.startsWith(reason)).toBe(true);
    }
  });
});
