import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { HeartbeatMonitor } from './heartbeat.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function pair(autoPong: boolean): Promise<{ server: WebSocket; client: WebSocket }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as { port: number }).port;
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { autoPong });
  const server = await accepted;
  cleanups.push(() => {
    client.terminate();
    wss.close();
  });
  return { server, client };
}

describe('HeartbeatMonitor', () => {
  it('reports a peer that stops answering pings, and only that one', async () => {
    const silent = await pair(false);
    const alive = await pair(true);
    const dead: WebSocket[] = [];
    const reported = new Promise<number>((resolve) => {
      const monitor = new HeartbeatMonitor(20, () => 200, (ws, silentMs) => {
        dead.push(ws);
        resolve(silentMs);
      });
      cleanups.push(() => monitor.stop());
      monitor.watch(silent.server);
      monitor.watch(alive.server);
    });
    expect(await reported).toBeGreaterThanOrEqual(200);
    expect(dead).toEqual([silent.server]);
  });
});
