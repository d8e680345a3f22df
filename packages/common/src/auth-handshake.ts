/**
 * The challenge-response handshake every seqtrain connection runs before its first data frame
 * (coordinator <-> training process, and rank <-> rank on the ring). Pure state machines: no sockets
 * here (socket-auth.ts drives them over a WebSocket).
 *
 *   server -> client  {t: 'challenge', v, nonce: S, secured}
 *   client -> server  {t: 'response', v, nonce: C, role, rank, protocol, proof: HMAC(secret, client|S|C|role|rank|protocol)}
 *   server -> client  {t: 'accept', proof: HMAC(secret, server|S|C|role|rank|protocol)}   or   {t: 'refuse', code, reason}
 *
 * Contracts:
 * - The secret never crosses the wire; only HMAC-SHA256 proofs over fresh 32-byte nonces do.
 * - Mutual: the client checks the server's proof, so a client with a secret never talks to an impostor.
 * - Single use: a server handshake takes exactly one response and its nonce S is fresh, so a response
 *   recorded from one connection (a replay) fails on any other; the client binds its own fresh C, so a
 *   recorded `accept` proves nothing to another client either.
 * - Without a secret (insecure mode, loopback only) the same messages flow with an empty key and
 *   `secured: false`, so versions are still checked; a client holding a secret refuses such a server.
 * - Proofs are compared with timingSafeEqual.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SeqtrainError } from './errors.js';

/** Version of this handshake's messages; a peer with another is refused with ERR_PROTOCOL_VERSION. */
export const AUTH_HANDSHAKE_VERSION = 1;
const NONCE_BYTES = 32;
/** Largest handshake message accepted (they are ~300 bytes); anything larger is refused unread. */
export const MAX_HANDSHAKE_MESSAGE_BYTES = 4096;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));

const ChallengeSchema = z.strictObject({
  t: z.literal('challenge'),
  v: z.number().int(),
  nonce: hex(NONCE_BYTES),
  secured: z.boolean(),
});
const ResponseSchema = z.strictObject({
  t: z.literal('response'),
  v: z.number().int(),
  nonce: hex(NONCE_BYTES),
  /** What the client is: 'trainer' (control connection), 'ring' (a rank dialing a ring peer), ... */
  role: z.string().min(1).max(32),
  /** The client's rank where it has one (ring), else -1. */
  rank: z.number().int().min(-1),
  /** The application protocol the client speaks after the handshake, e.g. "control/2", "ring/1". */
  protocol: z.string().min(1).max(64),
  proof: hex(32),
});
const AcceptSchema = z.strictObject({ t: z.literal('accept'), proof: hex(32) });
const RefuseSchema = z.strictObject({ t: z.literal('refuse'), code: z.string().max(64), reason: z.string().max(1024) });

/** Who authenticated: what the server learns from an accepted response. */
export interface AuthenticatedPeer {
  role: string;
  rank: number;
  protocol: string;
}

export type HandshakeOutcome =
  | { kind: 'reply'; message: string }
  | { kind: 'accepted'; message: string; peer: AuthenticatedPeer }
  | { kind: 'done' }
  | { kind: 'refused'; error: SeqtrainError; message?: string };

function parseFrame<T>(schema: z.ZodType<T>, text: string, expected: string): T | SeqtrainError {
  if (text.length > MAX_HANDSHAKE_MESSAGE_BYTES) {
    return new SeqtrainError('ERR_BAD_FRAME', `Handshake message of ${text.length} bytes, the largest is ${MAX_HANDSHAKE_MESSAGE_BYTES}; expected "${expected}".`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return new SeqtrainError('ERR_BAD_FRAME', `Undecodable handshake message (not JSON); expected "${expected}".`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    return new SeqtrainError('ERR_BAD_FRAME', `Invalid handshake message: expected "${expected}", field "${field}" ${issue?.message}.`, { field });
  }
  return parsed.data;
}

function proofOf(secret: string, side: 'client' | 'server', serverNonce: string, clientNonce: string, peer: AuthenticatedPeer): Buffer {
  return createHmac('sha256', secret)
    .update(['seqtrain-auth', AUTH_HANDSHAKE_VERSION, side, serverNonce, clientNonce, peer.role, peer.rank, peer.protocol].join('|'))
    .digest();
}

function sameProof(expected: Buffer, givenHex: string): boolean {
  const given = Buffer.from(givenHex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface ServerHandshakeOptions {
  /** The shared secret; null runs the handshake unsecured (versions still checked). */
  secret: string | null;
  /** The application protocol this server speaks; a response naming another is ERR_PROTOCOL_VERSION. */
  protocol: string;
  /** Roles allowed to connect (e.g. ['trainer']). */
  roles: readonly string[];
}

/** The listening side: challenge() once, then receive() the one response. */
export class ServerHandshake {
  private readonly nonce = randomBytes(NONCE_BYTES).toString('hex');
  private state: 'new' | 'challenged' | 'finished' = 'new';

  constructor(private readonly options: ServerHandshakeOptions) {}

  challenge(): string {
    if (this.state !== 'new') throw new SeqtrainError('ERR_PROTOCOL', 'A server handshake issues one challenge.');
    this.state = 'challenged';
    return JSON.stringify({ t: 'challenge', v: AUTH_HANDSHAKE_VERSION, nonce: this.nonce, secured: this.options.secret !== null });
  }

  receive(text: string): HandshakeOutcome {
    if (this.state !== 'challenged') {
      return this.refuse('ERR_PROTOCOL', `Handshake message after the handshake was ${this.state === 'new' ? 'not started' : 'finished'}; a nonce is used once.`);
    }
    this.state = 'finished';
    const response = parseFrame(ResponseSchema, text, 'response');
    if (response instanceof SeqtrainError) return this.refuse(response.code, response.message, response.details);
    if (response.v !== AUTH_HANDSHAKE_VERSION) {
      return this.refuse('ERR_PROTOCOL_VERSION', `Peer speaks handshake version ${response.v}, this process ${AUTH_HANDSHAKE_VERSION}; run the same seqtrain version everywhere.`);
    }
    if (response.protocol !== this.options.protocol) {
      return this.refuse('ERR_PROTOCOL_VERSION', `Peer speaks ${response.protocol}, this process ${this.options.protocol}; run the same seqtrain version everywhere.`);
    }
    if (!this.options.roles.includes(response.role)) {
      return this.refuse('ERR_AUTH_FAILED', `Peer role "${response.role}" may not connect here (expected ${this.options.roles.join(' or ')}).`);
    }
    const peer: AuthenticatedPeer = { role: response.role, rank: response.rank, protocol: response.protocol };
    const key = this.options.secret ?? '';
    if (!sameProof(proofOf(key, 'client', this.nonce, response.nonce, peer), response.proof)) {
      return this.refuse(
        'ERR_AUTH_FAILED',
        this.options.secret === null
          ? 'Peer holds a secret but this process has none; give both the same SEQTRAIN_SECRET (or --secret-file).'
          : 'Wrong or missing shared secret (or a replayed response); give every process the same SEQTRAIN_SECRET (or --secret-file).'
      );
    }
    const accept = { t: 'accept', proof: proofOf(key, 'server', this.nonce, response.nonce, peer).toString('hex') };
    return { kind: 'accepted', message: JSON.stringify(accept), peer };
  }

  private refuse(code: SeqtrainError['code'], reason: string, details: SeqtrainError['details'] = {}): HandshakeOutcome {
    const error = new SeqtrainError(code, reason, details);
    return { kind: 'refused', error, message: JSON.stringify({ t: 'refuse', code, reason }) };
  }
}

export interface ClientHandshakeOptions {
  secret: string | null;
  role: string;
  rank: number;
  protocol: string;
  /** Names the server in errors, e.g. its address. */
  server: string;
}

/** The dialing side: receive() the challenge (-> a reply to send), then the accept (-> done). */
export class ClientHandshake {
  private readonly nonce = randomBytes(NONCE_BYTES).toString('hex');
  private serverNonce: string | undefined;
  private state: 'awaiting-challenge' | 'awaiting-accept' | 'finished' = 'awaiting-challenge';

  constructor(private readonly options: ClientHandshakeOptions) {}

  private get peer(): AuthenticatedPeer {
    return { role: this.options.role, rank: this.options.rank, protocol: this.options.protocol };
  }

  receive(text: string): HandshakeOutcome {
    const server = this.options.server;
    if (this.state === 'finished') return this.fail('ERR_PROTOCOL', `${server} sent a handshake message after the handshake finished.`);
    const refusal = RefuseSchema.safeParse(safeJson(text));
    if (refusal.success) {
      this.state = 'finished';
      const code = refusal.data.code === 'ERR_PROTOCOL_VERSION' ? 'ERR_PROTOCOL_VERSION' : 'ERR_AUTH_FAILED';
      return { kind: 'refused', error: new SeqtrainError(code, `${server} refused this process: ${refusal.data.code}: ${refusal.data.reason}`, { server }) };
    }
    if (this.state === 'awaiting-challenge') {
      const challenge = parseFrame(ChallengeSchema, text, 'challenge');
      if (challenge instanceof SeqtrainError) return this.fail(challenge.code, `${server}: ${challenge.message}`);
      if (challenge.v !== AUTH_HANDSHAKE_VERSION) {
        return this.fail('ERR_PROTOCOL_VERSION', `${server} speaks handshake version ${challenge.v}, this process ${AUTH_HANDSHAKE_VERSION}; run the same seqtrain version everywhere.`);
      }
      if (this.options.secret !== null && !challenge.secured) {
        return this.fail('ERR_AUTH_FAILED', `${server} runs without a shared secret but this process has one; refusing an unauthenticated peer. Give it the same SEQTRAIN_SECRET (or --secret-file).`);
      }
      this.serverNonce = challenge.nonce;
      this.state = 'awaiting-accept';
      const proof = proofOf(this.options.secret ?? '', 'client', challenge.nonce, this.nonce, this.peer).toString('hex');
      return { kind: 'reply', message: JSON.stringify({ t: 'response', v: AUTH_HANDSHAKE_VERSION, nonce: this.nonce, ...this.peer, proof }) };
    }
    const accept = parseFrame(AcceptSchema, text, 'accept');
    if (accept instanceof SeqtrainError) return this.fail(accept.code, `${server}: ${accept.message}`);
    this.state = 'finished';
    const expected = proofOf(this.options.secret ?? '', 'server', this.serverNonce ?? '', this.nonce, this.peer);
    if (!sameProof(expected, accept.proof)) {
      return this.fail('ERR_AUTH_FAILED', `${server} could not prove it holds the shared secret; refusing it (an impostor, or a different SEQTRAIN_SECRET).`);
    }
    return { kind: 'done' };
  }

  private fail(code: SeqtrainError['code'], message: string): HandshakeOutcome {
    this.state = 'finished';
    return { kind: 'refused', error: new SeqtrainError(code, message, { server: this.options.server }) };
  }
}

function safeJson(text: string): unknown {
  if (text.length > MAX_HANDSHAKE_MESSAGE_BYTES) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
