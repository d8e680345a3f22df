/**
 * Runs the auth handshake (auth-handshake.ts) over a WebSocket, as text frames, before the
 * connection's first data frame. Typed structurally so that this package needs no `ws` dependency;
 * a `ws` WebSocket fits.
 *
 * Contracts:
 * - Server side: the challenge goes out at once; the only frame accepted before authentication is the
 *   one text response. A binary frame, a second frame, a bad proof or silence for timeoutMs is refused:
 *   logged with the peer's address and reason, a `refuse` message sent, the socket closed with a close
 *   code of AUTH_CLOSE_CODES. onAuthenticated runs synchronously inside the handler of the response,
 *   so the caller's own 'message' listener is in place before any data frame can be emitted.
 * - Client side: the listener goes on before the socket opens (a challenge can arrive with the upgrade);
 *   the promise resolves once the server proved it holds the secret and rejects with a SeqtrainError
 *   (ERR_AUTH_FAILED, ERR_PROTOCOL_VERSION, ERR_BAD_FRAME) on a refusal, or ERR_PEER_CLOSED when the socket
 *   closes first.
 */
import type { Logger } from 'pino';
import { SeqtrainError, type ErrorCode } from './errors.js';
import { ClientHandshake, ServerHandshake, type AuthenticatedPeer, type ClientHandshakeOptions, type ServerHandshakeOptions } from './auth-handshake.js';

/** WebSocket close codes (4000-4999 are the application's) of a refused handshake. */
export const AUTH_CLOSE_CODES = {
  AUTH_FAILED: 4001,
  PROTOCOL_VERSION: 4002,
  TIMEOUT: 4003,
  BAD_FRAME: 4004,
} as const;

/** The parts of a `ws` WebSocket the handshake uses. */
export interface HandshakeSocket {
  send(data: string): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  close(code?: number, reason?: string): void;
}

type MessageListener = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void;

function closeCodeOf(code: ErrorCode): number {
  if (code === 'ERR_AUTH_FAILED') return AUTH_CLOSE_CODES.AUTH_FAILED;
  if (code === 'ERR_PROTOCOL_VERSION') return AUTH_CLOSE_CODES.PROTOCOL_VERSION;
  if (code === 'ERR_AUTH_TIMEOUT') return AUTH_CLOSE_CODES.TIMEOUT;
  return AUTH_CLOSE_CODES.BAD_FRAME;
}

function textOf(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

const MAX_CLOSE_REASON_BYTES = 123;

/**
 * `text` cut to fit a WebSocket close reason (at most 123 UTF-8 bytes, or ws throws). Cut by whole
 * characters: cutting the bytes can split a character, whose replacement character is longer again.
 */
export function closeReason(text: string): string {
  let out = '';
  let size = 0;
  for (const char of text) {
    size += Buffer.byteLength(char);
    if (size > MAX_CLOSE_REASON_BYTES) break;
    out += char;
  }
  return out;
}

export interface AuthenticateIncomingOptions extends ServerHandshakeOptions {
  timeoutMs: number;
  /** The peer's address (host:port) for the log line of a refusal. */
  peerAddress: string;
  log?: Logger;
  onAuthenticated: (peer: AuthenticatedPeer) => void;
  onRefused?: (error: SeqtrainError) => void;
}

export function authenticateIncoming(socket: HandshakeSocket, options: AuthenticateIncomingOptions): void {
  const handshake = new ServerHandshake(options);
  let settled = false;
  const refuse = (error: SeqtrainError, message?: string): void => {
    if (settled) return;
    settled = true;
    cleanup();
    options.log?.warn({ peer: options.peerAddress, code: error.code, reason: error.message }, 'refused a connection');
    options.onRefused?.(error);
    try {
      socket.send(message ?? JSON.stringify({ t: 'refuse', code: error.code, reason: error.message }));
    } catch {
      // the socket is already going away; the close below still records the reason
    }
    socket.close(closeCodeOf(error.code), closeReason(`${error.code}: ${error.message}`));
  };
  const onMessage: MessageListener = (data, isBinary) => {
    if (settled) return;
    if (isBinary) return refuse(new SeqtrainError('ERR_AUTH_FAILED', 'Binary frame before authentication; the handshake comes first.'));
    const outcome = handshake.receive(textOf(data));
    if (outcome.kind === 'accepted') {
      settled = true;
      cleanup();
      socket.send(outcome.message);
      options.onAuthenticated(outcome.peer);
    } else if (outcome.kind === 'refused') refuse(outcome.error, outcome.message);
  };
  const onClose = (): void => {
    settled = true;
    cleanup();
  };
  const timer = setTimeout(
    () => refuse(new SeqtrainError('ERR_AUTH_TIMEOUT', `No handshake response within ${options.timeoutMs} ms.`)),
    options.timeoutMs
  );
  timer.unref?.();
  const cleanup = (): void => {
    clearTimeout(timer);
    socket.removeListener('message', onMessage as (...args: never[]) => void);
    socket.removeListener('close', onClose);
  };
  socket.on('message', onMessage as (...args: never[]) => void);
  socket.on('close', onClose);
  socket.send(handshake.challenge());
}

export interface AuthenticateOutgoingOptions extends ClientHandshakeOptions {
  timeoutMs: number;
  /** Runs synchronously once the server is proven, before any later frame can be emitted: put the connection's own listeners on here. */
  onAuthenticated?: () => void;
}

/** Call right after constructing the socket, before it opens. */
export function authenticateOutgoing(socket: HandshakeSocket, options: AuthenticateOutgoingOptions): Promise<void> {
  const handshake = new ClientHandshake(options);
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: SeqtrainError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('message', onMessage as (...args: never[]) => void);
      socket.removeListener('close', onClose as (...args: never[]) => void);
      if (error) {
        socket.close(closeCodeOf(error.code), closeReason(`${error.code}: ${error.message}`));
        reject(error);
      } else {
        options.onAuthenticated?.();
        resolve();
      }
    };
    const onMessage: MessageListener = (data, isBinary) => {
      if (isBinary) return finish(new SeqtrainError('ERR_AUTH_FAILED', `${options.server} sent a binary frame before the handshake finished.`, { server: options.server }));
      const outcome = handshake.receive(textOf(data));
      if (outcome.kind === 'reply') socket.send(outcome.message);
      else if (outcome.kind === 'done') finish();
      else if (outcome.kind === 'refused') finish(outcome.error);
    };
    const onClose = (code: number, reason: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = reason.toString();
      reject(new SeqtrainError('ERR_PEER_CLOSED', `${options.server} closed the connection during the handshake (code ${code}${text ? `: ${text}` : ''}).`, { server: options.server, closeCode: code }));
    };
    const timer = setTimeout(
      () => finish(new SeqtrainError('ERR_AUTH_TIMEOUT', `${options.server} did not complete the handshake within ${options.timeoutMs} ms.`, { server: options.server })),
      options.timeoutMs
    );
    timer.unref?.();
    socket.on('message', onMessage as (...args: never[]) => void);
    socket.on('close', onClose as (...args: never[]) => void);
  });
}
