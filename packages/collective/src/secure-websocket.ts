/**
 * WebSocket servers and clients with the security settings every seqtrain socket shares: ws:// or,
 * given a certificate, wss:// (https.createServer under ws), an explicit maxPayload, no deflate, and
 * the auth handshake (@seqtrain/common socket-auth) before the first data frame. Used by the ring
 * listener and dialer here and by the coordinator's control server and the workers' control client.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { SeqtrainError, type TlsMaterial } from '@seqtrain/common';

export interface SecureListenOptions {
  host: string;
  port: number;
  /** Serve wss:// with this certificate; null serves ws://. */
  tls: TlsMaterial | null;
  /** ws maxPayload: a larger frame closes the connection (1009) before it is buffered. */
  maxPayloadBytes: number;
  /** What to call the server in a listen error, e.g. "Ring listener". */
  what: string;
  clientTracking?: boolean;
}

export interface SecureListening {
  server: WebSocketServer;
  /** 'ws' or 'wss'. */
  scheme: 'ws' | 'wss';
  port: number;
}

const httpsOf = new WeakMap<WebSocketServer, HttpsServer>();

export async function listenWebSocketServer(options: SecureListenOptions): Promise<SecureListening> {
  const { host, port, tls, maxPayloadBytes } = options;
  const common = { perMessageDeflate: false, maxPayload: maxPayloadBytes, clientTracking: options.clientTracking ?? true };
  let server: WebSocketServer;
  let listening: { once(event: string, listener: (...args: never[]) => void): unknown; address(): AddressInfo | string | null };
  if (tls) {
    const https = createHttpsServer({ cert: tls.cert, key: tls.key });
    server = new WebSocketServer({ ...common, server: https });
    httpsOf.set(server, https);
    https.listen(port, host);
    listening = https;
  } else {
    server = new WebSocketServer({ ...common, host, port });
    listening = server as unknown as typeof listening;
  }
  await new Promise<void>((resolve, reject) => {
    listening.once('listening', resolve);
    listening.once('error', ((err: Error) =>
      reject(new SeqtrainError('ERR_INVALID_ARGUMENT', `${options.what} cannot listen on ${host}:${port}: ${err.message}. Pick another host/port (port 0 picks a free one).`, { field: 'port' }, { cause: err }))) as (...args: never[]) => void);
  });
  const bound = listening.address() as AddressInfo;
  return { server, scheme: tls ? 'wss' : 'ws', port: bound.port };
}

/** Closes the WebSocket server and, under wss://, its https server. */
export async function closeWebSocketServer(server: WebSocketServer): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const https = httpsOf.get(server);
  if (https) {
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
  }
}

/** The dialing socket's options: maxPayload, no deflate, and the CA to trust for wss:// (null: the system's). */
/**
 * `generateMask` replaces ws's random masking keys (e.g. all-zero keys on trusted ring links, so neither side
 * XORs payloads; see websocket-transport's maskFrames).
 */
export function dialWebSocket(
  address: string,
  options: { maxPayloadBytes: number; ca: Buffer | null; handshakeTimeoutMs?: number; generateMask?: (mask: Uint8Array) => void }
): WebSocket {
  return new WebSocket(address, {
    perMessageDeflate: false,
    maxPayload: options.maxPayloadBytes,
    ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeout: options.handshakeTimeoutMs } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.generateMask ? { generateMask: options.generateMask } : {}),
  });
}

/** host:port of the peer of an accepted connection, for log lines. */
export function peerAddressOf(request: IncomingMessage): string {
  return `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
}
