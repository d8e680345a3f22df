/**
 * A Transport over WebSockets (`ws`), one process per rank. Each training process opens a
 * WebSocketRingListener, advertises its `address` to the coordinator, and once it knows every peer's
 * address calls connect() to get its Transport.
 *
 * Connections are one-way: rank r sends to peer p over a connection r dialed to p's listener, and
 * receives from p over the connection p dialed to r. So each ordered pair has its own socket, FIFO
 * order per pair comes from TCP, and N = 2 (next == prev) needs no special case. A ring uses N
 * connections in all. connect() dials the next rank eagerly; other peers are dialed on first send.
 * The first frame on a connection is a HELLO carrying the dialer's rank and world size; the
 * listener drops connections with a bad hello, an unknown rank, or a rank that is already connected.
 *
 * Socket settings: perMessageDeflate off on both ends (float data does not compress, and deflate
 * costs more CPU than the link saves), maxPayload set explicitly, TCP_NODELAY on (ws sets it too;
 * chunks are large but the small descriptor frames must not wait for Nagle), bufferutil present so
 * ws masks/unmasks frames natively.
 *
 * Masking: RFC 6455 masks client-to-server frames so that browser traffic cannot poison caching
 * proxies; the ring's sockets join seqtrain processes directly. By default the dialing side uses an
 * all-zero masking key (`maskFrames: false`): ws 8 then neither XORs nor copies the payload on send,
 * and the receiver skips unmasking (ws checks for a zero key), so a large payload goes from the
 * caller's memory to the socket without a copy. `maskFrames: true` restores random keys, for links
 * through HTTP intermediaries.
 *
 * Split frames (zero-copy framing): send(peer, header, payload) writes the 24-byte header and the
 * payload as two consecutive WebSocket messages; the listener pairs a header-only message that
 * declares a payload with the next message from the same connection and delivers a SplitFrame.
 */
import { WebSocket, type WebSocketServer } from 'ws';
import { DEFAULTS, authenticateIncoming, authenticateOutgoing, createLogger, isSeqtrainError, loadSecurityConfig, readEnv, SeqtrainError, type Logger, type SecurityConfig } from '@seqtrain/common';
import { DIAL_RETRY_INITIAL_MS, DIAL_RETRY_MAX_MS, HELLO_TIMEOUT_MS, WIRE_VERSION } from './constants.js';
import { FrameInbox, peerClosedError, transportClosedError } from './frame-inbox.js';
import { copyBytes, decodeFrameHeader, encodeFrame, framePayload, FramePhase, FrameType, isSplitHead, type WireFrame } from './frame.js';
import { checkPeer, type Transport } from './transport.js';
import { decodeValue, encodeValue } from './value-codec.js';
import { closeWebSocketServer, dialWebSocket, listenWebSocketServer, peerAddressOf } from './secure-websocket.js';

/** What a ring dialer proves in the auth handshake; a listener speaking another WIRE_VERSION refuses it. */
const RING_AUTH = { role: 'ring', protocol: `ring/${WIRE_VERSION}` } as const;

export interface RingListenOptions {
  /** Interface to bind (default DEFAULTS.HOST, loopback). */
  host?: string;
  /** Port to bind; 0 (default) picks a free one. */
  port?: number;
  /** Largest frame accepted (ws maxPayload), default DEFAULTS.MAX_FRAME_BYTES; larger frames close the connection. */
  maxPayloadBytes?: number;
  /** Host put into `address` when it differs from the bound one (e.g. binding 0.0.0.0). Default: host. */
  advertisedHost?: string;
  /** Shared secret and TLS material (wss:// listener, CA for dialing); default: from SEQTRAIN_SECRET / SEQTRAIN_TLS_*. */
  security?: SecurityConfig;
  /** Where refused connections are logged. */
  logger?: Logger;
}

export interface RingConnectOptions {
  rank: number;
  worldSize: number;
  /** Every rank's listener address, index = rank (this rank's own entry is not used). */
  peers: string[];
  /** How long to keep dialing a peer whose listener is not up yet, and the default recv timeout budget (default SEQTRAIN_COLLECTIVE_TIMEOUT_MS, then DEFAULTS.COLLECTIVE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Random WebSocket masking keys on the connections this rank dials (default false: zero keys, no masking work; see the file comment). */
  maskFrames?: boolean;
}

/** ws `generateMask` that writes an all-zero key, which ws 8 treats as "no masking work" on both ends. */
function zeroMask(mask: Uint8Array): void {
  mask.fill(0);
}

interface Hello {
  version: number;
  rank: number;
  worldSize: number;
}

interface Incoming {
  socket: WebSocket;
  worldSize: number;
}

/** WebSocket close code for a connection refused by policy (bad hello, unknown or duplicate rank). */
const CLOSE_POLICY = 1008;
/** How long close() waits for a graceful close handshake before dropping the socket. */
const CLOSE_GRACE_MS = 2_000;

export class WebSocketRingListener {
  /** e.g. "ws://127.0.0.1:43121": what a training process advertises to the coordinator. */
  readonly address: string;
  private readonly inboxes = new Map<number, FrameInbox>();
  private readonly incoming = new Map<number, Incoming>();
  private readonly accepted = new Set<WebSocket>();
  private world: { rank: number; worldSize: number } | undefined;
  private transport: WebSocketTransport | undefined;
  private closed = false;

  private constructor(
    private readonly server: WebSocketServer,
    address: string,
    readonly maxPayloadBytes: number,
    readonly security: SecurityConfig,
    log: Logger
  ) {
    this.address = address;
    server.on('connection', (socket, request) => {
      request.socket.setNoDelay(true);
      // Every connection first proves the shared secret; only then is its HELLO (and data) read.
      this.accepted.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => this.accepted.delete(socket));
      authenticateIncoming(socket, {
        secret: security.secret,
        protocol: RING_AUTH.protocol,
        roles: [RING_AUTH.role],
        timeoutMs: HELLO_TIMEOUT_MS,
        peerAddress: peerAddressOf(request),
        log,
        onAuthenticated: (peer) => this.accept(socket, peer.rank),
      });
    });
  }

  static async listen(options: RingListenOptions = {}): Promise<WebSocketRingListener> {
    const host = options.host ?? DEFAULTS.HOST;
    const port = options.port ?? 0;
    const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULTS.MAX_FRAME_BYTES;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Ring listener port must be an integer in [0, 65535], got ${port}.`, { field: 'port' });
    }
    if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1024) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `maxPayloadBytes must be an integer of at least 1024, got ${maxPayloadBytes}.`, { field: 'maxPayloadBytes' });
    }
    const security = options.security ?? loadSecurityConfig();
    const { server, scheme, port: boundPort } = await listenWebSocketServer({ host, port, tls: security.tls, maxPayloadBytes, what: 'Ring listener', clientTracking: false });
    const advertised = options.advertisedHost ?? host;
    const hostPart = advertised.includes(':') ? `[${advertised}]` : advertised;
    const log = options.logger ?? createLogger({ role: 'ring-listener' });
    return new WebSocketRingListener(server, `${scheme}://${hostPart}:${boundPort}`, maxPayloadBytes, security, log);
  }

  /**
   * Forms this rank's transport once every rank's address is known. Dials the next rank in the ring
   * now (retrying until timeoutMs while its listener comes up); accepts peers whenever they dial.
   */
  async connect(options: RingConnectOptions): Promise<Transport> {
    const { rank, worldSize, peers } = options;
    if (this.closed) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The ring listener at ${this.address} is closed; listen again.`);
    if (this.world) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `connect() was already called on the ring listener at ${this.address} (as rank ${this.world.rank}); a listener forms one transport.`);
    if (!Number.isInteger(worldSize) || worldSize < 1) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `worldSize must be a positive integer, got ${worldSize}.`, { field: 'worldSize' });
    }
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `rank must be an integer in [0, ${worldSize}), got ${rank}.`, { field: 'rank' });
    }
    if (!Array.isArray(peers) || peers.length !== worldSize || peers.some((peer) => typeof peer !== 'string')) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `peers must list one ws:// address per rank (${worldSize}), got ${JSON.stringify(peers)}.`, { field: 'peers', rank });
    }
    const timeoutMs = options.timeoutMs ?? readEnv().SEQTRAIN_COLLECTIVE_TIMEOUT_MS ?? DEFAULTS.COLLECTIVE_TIMEOUT_MS;
    this.world = { rank, worldSize };
    // Peers that dialed before the world was known: drop the ones that do not fit it.
    for (const [peer, entry] of [...this.incoming]) {
      const problem = this.helloProblem({ version: WIRE_VERSION, rank: peer, worldSize: entry.worldSize });
      if (problem) {
        this.incoming.delete(peer);
        this.inboxes.delete(peer);
        entry.socket.close(CLOSE_POLICY, problem);
      }
    }
    for (const inbox of this.inboxes.values()) inbox.ownRank = rank;
    for (let peer = 0; peer < worldSize; peer++) if (peer !== rank) this.inbox(peer);
    const transport = new WebSocketTransport(this, rank, worldSize, peers, timeoutMs, options.maskFrames ?? false);
    this.transport = transport;
    if (worldSize > 1) await transport.dial((rank + 1) % worldSize);
    return transport;
  }

  /**
   * Closes the transport (if formed), every connection and the server. Closing the transport does
   * the same: a listener forms one transport, so neither outlives the other.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.transport?.shutdown();
    await Promise.all([...this.accepted].map((socket) => closeGracefully(socket)));
    await closeWebSocketServer(this.server);
  }

  /** The frames received from peer (created on first use, before or after connect()). */
  inbox(peer: number): FrameInbox {
    let inbox = this.inboxes.get(peer);
    if (!inbox) {
      inbox = new FrameInbox(peer, this.world?.rank ?? -1);
      this.inboxes.set(peer, inbox);
    }
    return inbox;
  }

  /** An authenticated connection from the ring dialer of rank authenticatedRank; its HELLO must name that rank. */
  private accept(socket: WebSocket, authenticatedRank: number): void {
    let peer: number | undefined;
    const helloTimer = setTimeout(() => socket.close(CLOSE_POLICY, 'no hello frame'), HELLO_TIMEOUT_MS);
    socket.on('close', (code, reason) => {
      clearTimeout(helloTimer);
      if (peer !== undefined && this.incoming.get(peer)?.socket === socket) {
        const why = `connection closed, code ${code}${reason.length ? `: ${reason.toString()}` : ''}`;
        this.inbox(peer).close(peerClosedError(this.world?.rank ?? -1, peer, why));
      }
    });
    /** The header half of a split frame, waiting for its payload message. */
    let head: Uint8Array | undefined;
    socket.on('message', (data) => {
      const frame = toBytes(data);
      if (peer !== undefined) {
        if (head) {
          this.inbox(peer).push({ head, body: frame });
          head = undefined;
        } else if (isSplitHead(frame)) {
          head = frame;
        } else {
          this.inbox(peer).push(frame);
        }
        return;
      }
      clearTimeout(helloTimer);
      const hello = parseHello(frame);
      const problem =
        typeof hello === 'string'
          ? hello
          : hello.rank !== authenticatedRank
            ? `hello claims rank ${hello.rank}, the handshake authenticated rank ${authenticatedRank}`
            : this.helloProblem(hello);
      if (typeof hello === 'string' || problem !== undefined) {
        socket.close(CLOSE_POLICY, (problem ?? 'bad hello').slice(0, 120));
        return;
      }
      if (this.incoming.has(hello.rank)) {
        socket.close(CLOSE_POLICY, `duplicate rank ${hello.rank}`);
        return;
      }
      peer = hello.rank;
      this.incoming.set(peer, { socket, worldSize: hello.worldSize });
      this.inbox(peer);
    });
  }

  /** Why a hello is refused, or undefined when it fits the world known so far. */
  private helloProblem(hello: Hello): string | undefined {
    if (hello.version !== WIRE_VERSION) return `wire version ${hello.version}, expected ${WIRE_VERSION}`;
    if (!Number.isInteger(hello.rank) || hello.rank < 0) return `invalid rank ${hello.rank}`;
    if (!this.world) return undefined;
    if (hello.worldSize !== this.world.worldSize) return `world size ${hello.worldSize}, expected ${this.world.worldSize}`;
    if (hello.rank >= this.world.worldSize) return `unknown rank ${hello.rank} (world size ${this.world.worldSize})`;
    if (hello.rank === this.world.rank) return `rank ${hello.rank} is this listener's own rank`;
    return undefined;
  }
}

class WebSocketTransport implements Transport {
  private readonly dials = new Map<number, Promise<WebSocket>>();
  private readonly open = new Map<number, WebSocket>();
  /** Last send still waiting for its peer's dial; later sends queue behind it to keep FIFO order. */
  private readonly queued = new Map<number, Promise<void>>();
  private readonly closeReasons = new Map<number, string>();
  private readonly dialed = new Set<WebSocket>();
  private closed = false;

  constructor(
    private readonly listener: WebSocketRingListener,
    readonly rank: number,
    readonly worldSize: number,
    private readonly peers: readonly string[],
    private readonly timeoutMs: number,
    private readonly maskFrames: boolean
  ) {}

  send(peer: number, frame: Uint8Array, payload?: Uint8Array): Promise<void> {
    try {
      checkPeer(this, peer);
      if (this.closed) throw transportClosedError(this.rank, peer);
      const largest = Math.max(frame.byteLength, payload?.byteLength ?? 0);
      if (largest > this.listener.maxPayloadBytes) {
        throw new SeqtrainError(
          'ERR_INVALID_ARGUMENT',
          `Rank ${this.rank} cannot send a ${largest}-byte frame to rank ${peer}: the largest frame is ${this.listener.maxPayloadBytes} bytes (maxPayloadBytes). Send it in smaller chunks or raise maxPayloadBytes on every rank.`,
          { rank: peer, field: 'maxPayloadBytes' }
        );
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const socket = this.open.get(peer);
    if (socket && !this.queued.has(peer)) return this.write(socket, peer, frame, payload);
    // Queued behind a dial: the frame (or header) must be captured now; the payload is the caller's until the send resolves.
    const copy = copyBytes(frame);
    const previous = this.queued.get(peer) ?? Promise.resolve();
    const sent = previous
      .catch(() => undefined)
      .then(() => this.dial(peer))
      .then((dialedSocket) => this.write(dialedSocket, peer, copy, payload));
    this.queued.set(peer, sent);
    const clear = (): void => {
      if (this.queued.get(peer) === sent) this.queued.delete(peer);
    };
    sent.then(clear, clear);
    return sent;
  }

  recv(peer: number, timeoutMs: number): Promise<WireFrame> {
    try {
      checkPeer(this, peer);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.closed) return Promise.reject(transportClosedError(this.rank, peer));
    return this.listener.inbox(peer).next(timeoutMs);
  }

  /** Closes this transport and its listener (connections both ways, and the server). */
  close(): Promise<void> {
    return this.listener.close();
  }

  /** The transport's part of closing: fail pending recvs, close the connections this rank dialed. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (let peer = 0; peer < this.worldSize; peer++) {
      if (peer !== this.rank) this.listener.inbox(peer).close(transportClosedError(this.rank, peer), true);
    }
    await Promise.all([...this.dialed].map((socket) => closeGracefully(socket)));
  }

  /** The open connection to peer, dialing it (once) if needed. */
  dial(peer: number): Promise<WebSocket> {
    let dialing = this.dials.get(peer);
    if (!dialing) {
      dialing = this.openConnection(peer);
      dialing.catch(() => undefined);
      this.dials.set(peer, dialing);
    }
    return dialing;
  }

  /**
   * Hands a frame (or a header, then its payload) to ws. With a zero masking key ws queues the
   * caller's buffer itself, so a whole frame is copied first unless it is the header of a split send
   * (a header is small; the copy keeps the "captured on return" contract). The payload is not copied.
   */
  private write(socket: WebSocket, peer: number, frame: Uint8Array, payload?: Uint8Array): Promise<void> {
    if (socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(peerClosedError(this.rank, peer, this.closeReasons.get(peer) ?? 'connection closing'));
    }
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        if (err) reject(peerClosedError(this.rank, peer, this.closeReasons.get(peer) ?? err.message));
        else resolve();
      };
      if (payload) {
        socket.send(copyBytes(frame), { binary: true });
        socket.send(payload, { binary: true }, done);
      } else {
        socket.send(this.maskFrames ? frame : copyBytes(frame), { binary: true }, done);
      }
    });
  }

  private async openConnection(peer: number): Promise<WebSocket> {
    const address = this.peers[peer] as string;
    const deadline = Date.now() + this.timeoutMs;
    let delayMs = DIAL_RETRY_INITIAL_MS;
    let socket: WebSocket | undefined;
    for (;;) {
      if (this.closed) throw transportClosedError(this.rank, peer);
      try {
        socket = await this.tryOpen(address, Math.max(1, deadline - Date.now()));
        break;
      } catch (err) {
        // A refusal by policy (wrong secret, other version) does not heal by retrying.
        if (isSeqtrainError(err, 'ERR_AUTH_FAILED') || isSeqtrainError(err, 'ERR_PROTOCOL_VERSION')) {
          throw new SeqtrainError((err as SeqtrainError).code, `Rank ${this.rank} cannot join rank ${peer}'s ring listener: ${(err as Error).message}`, { rank: peer, address }, { cause: err });
        }
        if (Date.now() + delayMs >= deadline) {
          throw new SeqtrainError(
            'ERR_COLLECTIVE_TIMEOUT',
            `Rank ${this.rank} could not connect to rank ${peer} at ${address} within ${this.timeoutMs} ms (last error: ${(err as Error).message}). Check that rank ${peer} is running and its advertised address is reachable from this host.`,
            { rank: peer, address, timeoutMs: this.timeoutMs },
            { cause: err }
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, DIAL_RETRY_MAX_MS);
      }
    }
    if (this.closed) {
      socket.terminate();
      throw transportClosedError(this.rank, peer);
    }
    socket.on('close', (code, reason) => {
      const why = `connection closed, code ${code}${reason.length ? `: ${reason.toString()}` : ''}`;
      this.closeReasons.set(peer, why);
      this.open.delete(peer);
      this.dialed.delete(socket);
      // A dialed connection ends when the peer goes away, so nothing more will come from it either.
      this.listener.inbox(peer).close(peerClosedError(this.rank, peer, why));
    });
    const hello: Hello = { version: WIRE_VERSION, rank: this.rank, worldSize: this.worldSize };
    socket.send(encodeFrame({ type: FrameType.HELLO, phase: FramePhase.NONE, seq: 0, segment: this.rank, chunk: 0 }, encodeValue(hello)), { binary: true });
    this.open.set(peer, socket);
    return socket;
  }

  private async tryOpen(address: string, handshakeTimeoutMs: number): Promise<WebSocket> {
    const socket = dialWebSocket(address, {
      maxPayloadBytes: this.listener.maxPayloadBytes,
      ca: this.listener.security.ca,
      handshakeTimeoutMs,
      ...(this.maskFrames ? {} : { generateMask: zeroMask }),
    });
    const authenticated = authenticateOutgoing(socket, { secret: this.listener.security.secret, ...RING_AUTH, rank: this.rank, server: address, timeoutMs: handshakeTimeoutMs });
    authenticated.catch(() => undefined);
    await this.opened(socket);
    await authenticated;
    return socket;
  }

  private opened(socket: WebSocket): Promise<WebSocket> {
    return new Promise<WebSocket>((resolve, reject) => {
      this.dialed.add(socket);
      socket.on('upgrade', (response) => response.socket.setNoDelay(true));
      socket.once('open', () => {
        socket.removeListener('error', onError);
        socket.on('error', () => undefined); // 'close' follows and does the bookkeeping
        resolve(socket);
      });
      const onError = (err: Error): void => {
        this.dialed.delete(socket);
        reject(err);
      };
      socket.once('error', onError);
    });
  }
}

function parseHello(frame: Uint8Array): Hello | string {
  try {
    const header = decodeFrameHeader(frame, -1);
    if (header.type !== FrameType.HELLO) return `expected a HELLO frame first, got type ${header.type}`;
    const value = decodeValue(framePayload(frame), -1) as Partial<Hello> | null;
    if (!value || typeof value.rank !== 'number' || typeof value.worldSize !== 'number' || typeof value.version !== 'number') return 'malformed hello';
    return { version: value.version, rank: value.rank, worldSize: value.worldSize };
  } catch {
    return 'undecodable hello';
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

function closeGracefully(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(1000, 'transport closed');
  });
}
