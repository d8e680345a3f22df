/**
 * A training process's control connection to the coordinator: dials with retry and backoff (workers
 * may start before the coordinator), then yields decoded messages in order. A refusal (close code
 * 4000) or exhausted retries is an error naming the coordinator's address.
 */
import WebSocket from 'ws';
import { DEFAULTS, SeqtrainError, authenticateOutgoing, isSeqtrainError, loadSecurityConfig, type SecurityConfig } from '@seqtrain/common';
import { dialWebSocket } from '@seqtrain/collective';
import { CONTROL_AUTH, decodeCoordinatorMessage, encodeMessage, type CoordinatorMessage, type WorkerMessageInput } from '@seqtrain/protocol';

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5_000;
const CLOSE_REFUSED = 4000;

export class CoordinatorConnection {
  private readonly queue: CoordinatorMessage[] = [];
  private waiter: { resolve: (m: CoordinatorMessage) => void; reject: (e: Error) => void } | undefined;
  private closedWith: Error | undefined;
  /**
   * Called with every message as it arrives, before it is queued: the training process uses it to abort a
   * collective in flight when `reform` or `shutdown` comes while it is inside a step.
   */
  onArrival: ((message: CoordinatorMessage) => void) | undefined;

  /** Built on an open, authenticated socket. */
  private constructor(private readonly ws: WebSocket, readonly address: string) {
    ws.on('message', (data: WebSocket.RawData) => {
      try {
        this.push(decodeCoordinatorMessage(toBytes(data)));
      } catch (err) {
        this.close(err as Error);
      }
    });
    ws.on('close', (code, reason) => {
      const text = reason.toString();
      this.close(
        code === CLOSE_REFUSED
          ? new SeqtrainError('ERR_PROTOCOL', `The coordinator at ${address} refused this process: ${text}`)
          : new SeqtrainError('ERR_PEER_CLOSED', `The coordinator at ${address} closed the connection (code ${code}${text ? `: ${text}` : ''}).`)
      );
    });
    ws.on('error', () => {});
  }

  /**
   * Dials until connected and authenticated (the shared-secret handshake, mutual) or timeoutMs has passed.
   * A refusal by the handshake (wrong secret, other version) is thrown at once: retrying cannot heal it.
   * security defaults to SEQTRAIN_SECRET / SEQTRAIN_TLS_CA from the environment.
   */
  static async connect(address: string, timeoutMs: number, security: SecurityConfig = loadSecurityConfig()): Promise<CoordinatorConnection> {
    const deadline = Date.now() + timeoutMs;
    let delay = FIRST_RETRY_MS;
    let lastError = '';
    for (;;) {
      const ws = dialWebSocket(address, { maxPayloadBytes: DEFAULTS.MAX_CONTROL_MESSAGE_BYTES, ca: security.ca });
      ws.on('error', () => undefined); // a failed dial is reported through opened() and retried
      // The handshake's listener goes on before the socket opens; the connection's own listeners go on
      // synchronously when it succeeds, so a frame that follows the server's `accept` is never missed.
      let connection: CoordinatorConnection | undefined;
      const authenticated = authenticateOutgoing(ws, {
        secret: security.secret,
        ...CONTROL_AUTH,
        rank: -1,
        server: address,
        timeoutMs: DEFAULTS.AUTH_HANDSHAKE_TIMEOUT_MS,
        onAuthenticated: () => {
          connection = new CoordinatorConnection(ws, address);
        },
      });
      authenticated.catch(() => undefined);
      try {
        await opened(ws);
        await authenticated;
        if (connection) return connection;
      } catch (err) {
        if (isSeqtrainError(err, 'ERR_AUTH_FAILED') || isSeqtrainError(err, 'ERR_PROTOCOL_VERSION')) throw err;
        ws.terminate();
        lastError = (err as Error).message;
      }
      if (Date.now() + delay > deadline) {
        throw new SeqtrainError(
          'ERR_RENDEZVOUS_TIMEOUT',
          `Cannot reach the coordinator at ${address} within ${timeoutMs} ms (last error: ${lastError}). Check that it runs and that --coordinator names its host and port.`
        );
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }

  send(message: WorkerMessageInput): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeMessage(message));
  }

  /** The next message; rejects once the connection is closed and the queue is drained. */
  next(): Promise<CoordinatorMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Waits until the socket has flushed (so a last `failed` message is not lost) and closes it. */
  async end(): Promise<void> {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    await new Promise<void>((res) => {
      this.ws.once('close', () => res());
      this.ws.close(1000, 'done');
      setTimeout(res, 2_000).unref();
    });
  }

  private push(message: CoordinatorMessage): void {
    this.onArrival?.(message);
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(message);
    } else this.queue.push(message);
  }

  private close(err: Error): void {
    this.closedWith ??= err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.closedWith);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
  }
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.OPEN) return resolve();
    ws.once('open', () => resolve());
    ws.once('error', (err) => reject(err));
    ws.once('close', () => reject(new Error('closed before open')));
  });
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
