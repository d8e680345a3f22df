import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
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

  it('keeps one ping in flight, so a peer whose event loop was blocked does not find a backlog of pings', async () => {
    // The peer runs in a worker thread so that blocking its event loop leaves the monitor's running. It
    // lowers ws's maxPendingAutoPongs (60 by default) to 3: a socket that finds 3 unanswered pings on
    // waking terminates itself, which is what a backlog of 25 pings (500 ms blocked, a ping per 20 ms) did.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    cleanups.push(() => wss.close());
    const port = (wss.address() as { port: number }).port;
    const dead: number[] = [];
    const monitor = new HeartbeatMonitor(20, () => 60_000, (_ws, silentMs) => dead.push(silentMs));
    cleanups.push(() => monitor.stop());
    wss.on('connection', (ws) => monitor.watch(ws));
    const peer = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const { WebSocket } = require(workerData.ws);
       const ws = new WebSocket('ws://127.0.0.1:' + workerData.port, { maxPendingAutoPongs: 3 });
       let closed = null;
       ws.on('close', (code) => { closed = code; });
       ws.on('open', () => setTimeout(() => {
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
         setTimeout(() => { parentPort.postMessage({ closed }); ws.terminate(); }, 300);
       }, 100));`,
      { eval: true, workerData: { port, ws: createRequire(import.meta.url).resolve('ws') } }
    );
    cleanups.push(() => void peer.terminate());
    const report = await new Promise<{ closed: number | null }>((resolve, reject) => {
      peer.once('message', resolve);
      peer.once('error', reject);
    });
    expect(report.closed).toBeNull();
    expect(dead).toEqual([]);
  });
});
