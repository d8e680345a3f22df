import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareText } from '@seqtrain/data';
import { authenticateOutgoing } from '@seqtrain/common';
import {
  CONTROL_AUTH,
  PROTOCOL_VERSION,
  decodeCoordinatorMessage,
  encodeMessage,
  parseJob,
  type CoordinatorMessage,
  type WorkerMessageInput,
} from '@seqtrain/protocol';
import { Coordinator, type CoordinatorEvent } from './coordinator.js';

/** A scripted training process: a real WebSocket client that speaks the protocol. */
class ScriptedRank {
  readonly messages: CoordinatorMessage[] = [];
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(decodeCoordinatorMessage(data));
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** Connects and passes the auth handshake (no secret: the coordinator under test runs on loopback without one). */
  static async connect(address: string): Promise<ScriptedRank> {
    const ws = new WebSocket(address);
    const authenticated = authenticateOutgoing(ws, { secret: null, ...CONTROL_AUTH, rank: -1, server: address, timeoutMs: 5_000 });
    await new Promise((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    await authenticated;
    return new ScriptedRank(ws);
  }

  send(m: WorkerMessageInput): void {
    this.ws.send(encodeMessage(m));
  }

  hello(agentId: string, localRank = 0, protocolVersion = PROTOCOL_VERSION): void {
    this.send({
      type: 'hello',
      protocolVersion,
      agentId,
      localRank,
      hostname: 'test',
      pid: process.pid,
      ringAddress: `ws://127.0.0.1:${1000 + localRank}`,
      backend: 'cpu',
      backendDescription: 'backend: cpu',
    });
  }

  async next<T extends CoordinatorMessage['type']>(type: T): Promise<Extract<CoordinatorMessage, { type: T }>> {
    for (;;) {
      const i = this.messages.findIndex((m) => m.type === type);
      if (i >= 0) return this.messages.splice(i, 1)[0] as Extract<CoordinatorMessage, { type: T }>;
      if (this.closed) throw new Error(`closed (${this.closed.code}) while waiting for ${type}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
    return this.closed;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Two scripted ranks from two agents join and take their welcome (rank 0 = agent-a). */
async function joinTwo(address: string) {
  const a = await ScriptedRank.connect(address);
  const b = await ScriptedRank.connect(address);
  a.hello('agent-a');
  b.hello('agent-b');
  return { a, b, wa: await a.next('welcome'), wb: await b.next('welcome') };
}

let root: string;
let dataDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-coord-'));
  const text = 'It was the best of times, it was the worst of times, it was the age of wisdom. '.repeat(20);
  writeFileSync(join(root, 'corpus.txt'), text);
  dataDir = join(root, 'data');
  await prepareText({ input: join(root, 'corpus.txt'), out: dataDir, seqLen: 8, step: 3, shards: 2, validationFraction: 0.1 });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function start(jobInput: Record<string, unknown>, runName: string, events: CoordinatorEvent[] = []) {
  const job = parseJob({ workers: 2, globalBatch: 8, steps: 2, checkpointEvery: 100, ...jobInput });
  return Coordinator.start({ job, runDir: join(root, runName), dataDir, onEvent: (e) => events.push(e) });
}

describe('Coordinator', () => {
  it('runs the whole message flow and writes metrics, validation and summary', async () => {
    const events: CoordinatorEvent[] = [];
    const c = await start({}, 'ok', events);
    const { a, b, wa, wb } = await joinTwo(c.address);
    expect([wa.rank, wb.rank]).toEqual([0, 1]);
    expect(wa.worldSize).toBe(2);
    expect(wa.peers).toEqual(['ws://127.0.0.1:1000', 'ws://127.0.0.1:1000']);
    expect(wa.run.modelConfig).toMatchObject({ seqLen: 8, seed: 42 });
    a.send({ type: 'ready', rank: 0, parameterCount: 5 });
    b.send({ type: 'ready', rank: 1, parameterCount: 5 });
    for (let step = 0; step < 2; step++) {
      const sa = await a.next('step');
      await b.next('step');
      expect(sa).toMatchObject({ step, globalCount: 8 });
      a.send({ type: 'stepDone', rank: 0, step, loss: 2, count: 4, computeSeconds: 0.01, commSeconds: 0.001, dataSeconds: 0 });
      b.send({ type: 'stepDone', rank: 1, step, loss: 4, count: 4, computeSeconds: 0.01, commSeconds: 0.001, dataSeconds: 0 });
    }
    const ea = await a.next('evaluate');
    await b.next('evaluate');
    a.send({ type: 'evalDone', rank: 0, step: ea.step, lossSum: 10, count: 5 });
    b.send({ type: 'evalDone', rank: 1, step: ea.step, lossSum: 20, count: 5 });
    const ck = await a.next('checkpoint');
    expect(ck.step).toBe(2);
    a.send({ type: 'checkpointDone', rank: 0, step: 2, path: ck.dir });
    const summary = await c.done;
    expect((await a.next('shutdown')).failed).toBe(false);
    expect(summary).toMatchObject({ status: 'completed', worldSize: 2, steps: 2, initialLoss: 3, finalLoss: 3, validationLoss: 3, checkpoint: ck.dir, backend: 'cpu' });
    const metrics = readFileSync(join(root, 'ok', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics).toHaveLength(2);
    expect(metrics[0]).toMatchObject({ step: 0, epoch: 0, loss: 3, samples: 8 });
    expect(JSON.parse(readFileSync(join(root, 'ok', 'summary.json'), 'utf8')).validationLoss).toBe(3);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['listening', 'dashboard', 'joined', 'ranks', 'started', 'step', 'validation', 'checkpoint', 'finished']));
    expect(events.find((e) => e.type === 'ranks')).toMatchObject({ ranks: [{ rank: 0, agentId: 'agent-a', hostname: 'test' }, { rank: 1, agentId: 'agent-b' }] });
    expect(events.find((e) => e.type === 'step')).toMatchObject({
      ranks: [
        { rank: 0, hostname: 'test', count: 4, loss: 2, computeSeconds: 0.01, commSeconds: 0.001 },
        { rank: 1, count: 4, loss: 4 },
      ],
    });
    expect(c.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(events.find((e) => e.type === 'dashboard')).toEqual({ type: 'dashboard', url: c.dashboardUrl });
    a.ws.close();
    b.ws.close();
    await c.close();
  });

  it('refuses a peer with another protocol version, naming both versions', async () => {
    const c = await start({ workers: 1, dashboard: false }, 'version');
    expect(c.dashboardUrl).toBeNull();
    const p = await ScriptedRank.connect(c.address);
    p.hello('agent', 0, PROTOCOL_VERSION + 1);
    const closed = await p.waitClosed();
    expect(closed.code).toBe(4000);
    expect(closed.reason).toMatch(/ERR_PROTOCOL_VERSION/);
    c.abort(new Error('test over'));
    await expect(c.done).rejects.toThrow();
    await c.close();
  });

  it('refuses garbage instead of crashing, and still accepts a good peer afterwards', async () => {
    const c = await start({ workers: 1 }, 'garbage');
    const bad = await ScriptedRank.connect(c.address);
    bad.ws.send(Buffer.from([0xc1, 0x00, 0xff]));
    expect((await bad.waitClosed()).reason).toMatch(/ERR_BAD_FRAME/);
    const good = await ScriptedRank.connect(c.address);
    good.hello('agent');
    expect((await good.next('welcome')).rank).toBe(0);
    c.abort(new Error('test over'));
    await expect(c.done).rejects.toThrow('test over');
    good.ws.close();
    await c.close();
  });

  it('ends the run naming the rank when a process disconnects mid-run', async () => {
    const events: CoordinatorEvent[] = [];
    const c = await start({}, 'dies', events);
    const { a, b } = await joinTwo(c.address);
    a.send({ type: 'ready', rank: 0, parameterCount: 5 });
    b.send({ type: 'ready', rank: 1, parameterCount: 5 });
    await a.next('step');
    b.ws.terminate();
    await expect(c.done).rejects.toMatchObject({ code: 'ERR_WORKER_FAILED', details: { rank: 1 } });
    const shutdown = await a.next('shutdown');
    expect(shutdown.failed).toBe(true);
    expect(shutdown.reason).toMatch(/Rank 1/);
    const summary = JSON.parse(readFileSync(join(root, 'dies', 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
    const ends = events.filter((e) => e.type === 'rankClosed' || e.type === 'failed');
    expect(ends[0]).toMatchObject({ type: 'rankClosed', rank: 1, afterShutdown: false });
    expect(ends[1]).toMatchObject({ type: 'failed', code: 'ERR_WORKER_FAILED', rank: 1 });
    a.ws.close();
    await c.close();
  });

  it('rejects ranks whose models disagree in size', async () => {
    const c = await start({}, 'params');
    const { a, b } = await joinTwo(c.address);
    a.send({ type: 'ready', rank: 0, parameterCount: 5 });
    b.send({ type: 'ready', rank: 1, parameterCount: 6 });
    await expect(c.done).rejects.toMatchObject({ code: 'ERR_SHAPE_MISMATCH', details: { rank: 1 } });
    a.ws.close();
    b.ws.close();
    await c.close();
  });

  it('times out a rendezvous that never fills, naming the address', async () => {
    process.env.SEQTRAIN_RENDEZVOUS_TIMEOUT_MS = '300';
    try {
      const c = await start({}, 'timeout');
      await expect(c.done).rejects.toMatchObject({ code: 'ERR_RENDEZVOUS_TIMEOUT' });
      await expect(c.done).rejects.toThrow(c.address);
      await c.close();
    } finally {
      delete process.env.SEQTRAIN_RENDEZVOUS_TIMEOUT_MS;
    }
  });
});
