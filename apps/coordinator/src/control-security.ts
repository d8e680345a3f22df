/**
 * The coordinator's side of control-plane security: which binds are allowed without a shared secret,
 * and the auth handshake every control connection passes before its first protocol message.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { DEFAULTS, SeqtrainError, authenticateIncoming, isLoopbackHost, type Logger, type SecurityConfig } from '@seqtrain/common';
import { peerAddressOf } from '@seqtrain/collective';
import { CONTROL_AUTH } from '@seqtrain/protocol';

/**
 * Without a secret anyone who reaches the port can join the run or feed it messages, so a coordinator
 * with no secret binds loopback only, unless the operator says --insecure (e.g. a closed network).
 */
export function assertSafeBind(host: string, security: SecurityConfig, insecure: boolean): void {
  if (security.secret !== null || insecure || isLoopbackHost(host)) return;
  throw new SeqtrainError(
    'ERR_INVALID_ARGUMENT',
    `Refusing to listen on ${host} without a shared secret: anyone reaching the port could join or disturb the run. Set SEQTRAIN_SECRET (or --secret-file FILE) on the coordinator and every worker, bind 127.0.0.1, or pass --insecure on a closed network.`,
    { field: 'host' }
  );
}

/** Runs the handshake on a new control connection; `accept` gets it once authenticated. Refusals are logged with the peer's address. */
export function admitControlConnection(ws: WebSocket, request: IncomingMessage, security: SecurityConfig, log: Logger, accept: (ws: WebSocket) => void, onRefused: (reason: string) => void): void {
  ws.on('error', () => undefined); // 'close' follows; refusals are logged by the handshake
  authenticateIncoming(ws, {
    secret: security.secret,
    protocol: CONTROL_AUTH.protocol,
    roles: [CONTROL_AUTH.role],
    timeoutMs: DEFAULTS.AUTH_HANDSHAKE_TIMEOUT_MS,
    peerAddress: peerAddressOf(request),
    log,
    onAuthenticated: () => accept(ws),
    onRefused: (err) => onRefused(`${err.code}: ${err.message}`),
  });
}
