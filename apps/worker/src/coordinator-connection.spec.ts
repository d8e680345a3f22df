import { createServer } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { authenticateIncoming } from '@seqtrain/common';
import { CONTROL_AUTH, decodeWorkerMessage, encodeMessage } from '@seqtrain/protocol';
import { CoordinatorConnection } from './coordinator-connection.js';

/** The coordinator's side of the auth handshake (no secret), then `then` on the authenticated socket. */
function admit(ws: WebSocket, then: (ws: WebSocket) => void): void {
  authenticateIncoming(ws, { secret: null, protocol: CONTROL_AUTH.protocol, roles: [CONTROL_AUTH.role], timeoutMs: 5_000, peerAddress: 'test', onAuthenticated: () => then(ws) });
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('CoordinatorConnection', () => {
  it('keeps dialling until a late coordinator is up, then exchanges messages in order', async () => {
    const port = await freePort();
    const connecting = CoordinatorConnection.connect(`ws://127.0.0.1:${port}`, 10_000);
    await new Promise((r) => setTimeout(r, 600));
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    const got: string[] = [];
    wss.on('connection', (socket) => admit(socket, (ws) => {
      ws.on('message', (data: Buffer) => got.push(decodeWorkerMessage(data).type));
      ws.send(encodeMessage({ type: 'evaluate', step: 1, maxSamples: 4, batchSize: 2 }));
      ws.send(encodeMessage({ type: 'shutdown', reason: 'completed', failed: false }));
    }));
    const conn = await connecting;
    expect((await conn.next()).type).toBe('evaluate');
    expect(await conn.next()).toMatchObject({ type: 'shutdown', failed: false });
    conn.send({ type: 'ready', rank: 0, parameterCount: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['ready']);
    await conn.end();
    await new Promise((r) => wss.close(r));
  });

  it('surfaces a refusal with the coordinator address and its reason', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const address = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
    wss.on('connection', (socket) => admit(socket, (ws) => ws.close(4000, 'ERR_PROTOCOL_VERSION: speaks 9')));
    const conn = await CoordinatorConnection.connect(address, 5_000);
    await expect(conn.next()).rejects.toThrow(new RegExp(`${address} refused this process: ERR_PROTOCOL_VERSION`));
    await new Promise((r) => wss.close(r));
  });

  it('gives up after the timeout, naming the address', async () => {
    const port = await freePort();
    await expect(CoordinatorConnection.connect(`ws://127.0.0.1:${port}`, 500)).rejects.toMatchObject({
      code: 'ERR_RENDEZVOUS_TIMEOUT',
      message: expect.stringContaining(`ws://127.0.0.1:${port}`),
    });
  });
});
