/**
 * The dashboard over real HTTP on 127.0.0.1: a real DashboardServer fed with the events a run produces,
 * read with node:http as Prometheus, a browser's fetch and an EventSource would read it.
 */
import { request, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJob } from '@seqtrain/protocol';
import type { CoordinatorEvent } from './coordinator-event.js';
import { DashboardServer } from './dashboard-server.js';
import type { DashboardSnapshot } from './dashboard-state.js';

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function http(url: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A strict reader of the Prometheus text format 0.0.4: every line is a comment, blank, or `name{labels} value`. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        expect(['gauge', 'counter', 'histogram', 'summary', 'untyped']).toContain(comment[3]);
        typed.add(comment[2] as string);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus text line: ${JSON.stringify(line)}`);
    const [, name = '', labels = '', value = ''] = sample;
    expect(typed.has(name), `${name} has no # TYPE line`).toBe(true);
    const number = value === 'NaN' ? Number.NaN : value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value);
    if (!Number.isFinite(number) && !['NaN', '+Inf', '-Inf'].includes(value)) throw new Error(`bad sample value in ${line}`);
    const key = labels ? `${name}{${labels.replace(/,$/, '').split(',').sort().join(',')}}` : name;
    samples.set(key, number);
  }
  return samples;
}

/** An /events subscription: the raw text so far, and a wait for a part of it. */
class EventStream {
  text = '';
  ended = false;
  private wake: (() => void) | undefined;

  private constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      this.text += c;
      this.wake?.();
    });
    res.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
  }

  static open(url: string): Promise<EventStream> {
    return new Promise((resolve, reject) => {
      request(url, (res) => resolve(new EventStream(res)))
        .on('error', reject)
        .end();
    });
  }

  async until(check: (text: string) => boolean): Promise<string> {
    while (!check(this.text)) {
      if (this.ended) throw new Error(`stream ended before the expected data; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => (this.wake = r));
    }
    return this.text;
  }

  /** The events received, as {id, data}. */
  messages(): { id: number; data: CoordinatorEvent }[] {
    return this.text
      .split('\n\n')
      .filter((block) => block.includes('data: '))
      .map((block) => {
        const id = /^id: (\d+)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        return { id: Number(id), data: JSON.parse(data ?? 'null') as CoordinatorEvent };
      });
  }
}

const job = parseJob({ workers: 2, globalBatch: 8, steps: 3, name: 'spec-run' });
const servers: DashboardServer[] = [];

async function startServer(): Promise<DashboardServer> {
  const s = await DashboardServer.start({ host: '127.0.0.1', port: 0, job, runDir: '/tmp/spec-run' });
  servers.push(s);
  return s;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function step(step: number, loss: number): CoordinatorEvent {
  return {
    type: 'step',
    totalSteps: 3,
    metrics: { step, epoch: 0, loss, samples: 8, samplesPerSecond: 80 + step, stepSeconds: 0.1, commSeconds: 0.02, commExposedSeconds: 0.02, commHiddenFraction: 0, computeSeconds: 0.05, dataSeconds: 0.01 },
    ranks: [
      { rank: 0, hostname: 'node-a', count: 4, loss: loss - 0.5, computeSeconds: 0.05, commSeconds: 0.03, dataSeconds: 0.02 },
      { rank: 1, hostname: 'node-b', count: 4, loss: loss + 0.5, computeSeconds: 0.06, commSeconds: 0.01, dataSeconds: 0.01 + step * 0.01 },
    ],
  };
}

/** The events of a three-step run up to its end, as the coordinator emits them. */
function runEvents(): CoordinatorEvent[] {
  return [
    { type: 'listening', address: 'ws://127.0.0.1:1234' },
    { type: 'joined', joined: 1, expected: 2, hostname: 'node-a', backend: 'cpu', backendDescription: 'backend: cpu' },
    { type: 'joined', joined: 2, expected: 2, hostname: 'node-b', backend: 'cpu', backendDescription: 'backend: cpu' },
    {
      type: 'ranks',
      ranks: [
        { rank: 0, agentId: 'agent-a', localRank: 0, hostname: 'node-a', pid: 101, backend: 'cpu', ringAddress: 'ws://10.0.0.1:5000' },
        { rank: 1, agentId: 'agent-b', localRank: 0, hostname: 'node-b', pid: 202, backend: 'cpu', ringAddress: 'ws://10.0.0.2:5000' },
      ],
    },
    { type: 'started', worldSize: 2, startStep: 0, totalSteps: 3, stepsPerEpoch: 10, backend: 'cpu', parameterCount: 1234 },
    step(0, 4),
    step(1, 3.5),
    step(2, 3.25),
    { type: 'validation', step: 3, loss: 3.1, bitsPerToken: 3.1 / Math.LN2, samples: 64, accuracy: 0.75, metrics: { step: 3, samples: 64, loss: 3.1, accuracy: 0.75 } },
    { type: 'checkpoint', step: 3, path: '/tmp/spec-run/checkpoints/step-0000003' },
  ];
}

describe('DashboardServer', () => {
  it('serves the run as Prometheus metrics with the values of the events', async () => {
    const s = await startServer();
    for (const e of runEvents()) s.publish(e);
    const r = await http(`${s.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parsePrometheus(r.body);
    expect(m.get('seqtrain_world_size')).toBe(2);
    expect(m.get('seqtrain_step')).toBe(3);
    expect(m.get('seqtrain_total_steps')).toBe(3);
    expect(m.get('seqtrain_loss')).toBe(3.25);
    expect(m.get('seqtrain_validation_loss')).toBe(3.1);
    expect(m.get('seqtrain_samples_per_second')).toBe(82);
    expect(m.get('seqtrain_samples_total')).toBe(24);
    expect(m.get('seqtrain_checkpoint_step')).toBe(3);
    // Rank 1's last step: 4 samples over 0.06 + 0.01 + 0.03 s of its own time.
    expect(m.get('seqtrain_rank_samples_per_second{host="node-b",rank="1"}')).toBeCloseTo(40, 10);
    expect(m.get('seqtrain_rank_samples_per_second{host="node-a",rank="0"}')).toBeCloseTo(40, 10);
    expect(m.get('seqtrain_rank_compute_seconds{rank="1"}')).toBe(0.06);
    expect(m.get('seqtrain_rank_comm_seconds{rank="0"}')).toBe(0.03);
    expect(m.get('seqtrain_rank_data_seconds{rank="1"}')).toBeCloseTo(0.03, 10);
    expect(m.get('seqtrain_rank_last_step{rank="0"}')).toBe(2);
    expect(m.get('seqtrain_rank_up{host="node-a",rank="0"}')).toBe(1);
    expect(m.get('seqtrain_run_status{status="running"}')).toBe(1);
    expect(m.get('seqtrain_run_status{status="completed"}')).toBe(0);

    s.publish({ type: 'rankClosed', rank: 1, hostname: 'node-b', afterShutdown: false, code: 1006, reason: '' });
    s.publish({ type: 'failed', code: 'ERR_WORKER_FAILED', message: 'Rank 1 disconnected', rank: 1 });
    const after = parsePrometheus((await http(`${s.url}/metrics`)).body);
    expect(after.get('seqtrain_rank_up{host="node-b",rank="1"}')).toBe(0);
    expect(after.get('seqtrain_rank_up{host="node-a",rank="0"}')).toBe(1);
    expect(after.get('seqtrain_run_status{status="failed"}')).toBe(1);
    expect(after.get('seqtrain_run_status{status="running"}')).toBe(0);
  });

  it('keeps a registry per server, so two dashboards in one process report their own runs', async () => {
    const a = await startServer();
    const b = await startServer();
    a.publish(step(0, 4));
    const ma = parsePrometheus((await http(`${a.url}/metrics`)).body);
    const mb = parsePrometheus((await http(`${b.url}/metrics`)).body);
    expect(ma.get('seqtrain_loss')).toBe(4);
    expect(mb.get('seqtrain_loss')).toBe(0);
  });

  it('answers /api/state with the job, status, histories and per-rank health', async () => {
    const s = await startServer();
    for (const e of runEvents()) s.publish(e);
    s.publish({ type: 'rankClosed', rank: 0, hostname: 'node-a', afterShutdown: true, code: 1000, reason: '' });
    const r = await http(`${s.url}/api/state?ignored=1`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const state = JSON.parse(r.body) as DashboardSnapshot & { nowMs: number };
    expect(state.seq).toBe(runEvents().length + 1);
    expect(state).toMatchObject({ status: 'running', coordinator: 'ws://127.0.0.1:1234', joined: 2, totalSteps: 3, backend: 'cpu', parameterCount: 1234 });
    expect(state.job).toMatchObject({ name: 'spec-run', runDir: '/tmp/spec-run', worldSize: 2, globalBatch: 8 });
    expect(state.loss).toEqual([[0, 4], [1, 3.5], [2, 3.25]]);
    expect(state.validation).toEqual([{ step: 3, loss: 3.1, bitsPerToken: 3.1 / Math.LN2, samples: 64, figure: 'accuracy 75.0%' }]);
    expect(state.ranks.map((r) => [r.rank, r.hostname, r.pid, r.health, r.lastStep])).toEqual([
      [0, 'node-a', 101, 'exited', 2],
      [1, 'node-b', 202, 'up', 2],
    ]);
    expect(state.ranks[1]?.throughput).toHaveLength(3);
    expect(typeof state.nowMs).toBe('number');
  });

  it('pushes every published event over /events with increasing ids', async () => {
    const s = await startServer();
    s.publish({ type: 'listening', address: 'ws://127.0.0.1:1234' });
    const stream = await EventStream.open(`${s.url}/events`);
    expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
    await stream.until((t) => t.includes(': seq 1\n'));
    const events = runEvents().slice(3, 6);
    for (const e of events) s.publish(e);
    await stream.until((t) => stream.messages().length === 3 && t.endsWith('\n\n'));
    expect(stream.messages()).toEqual(events.map((data, i) => ({ id: 2 + i, data })));
    await s.close();
    await stream.until(() => stream.ended);
  });

  it('serves the self-contained page, 404 for unknown paths and 405 for other methods', async () => {
    const s = await startServer();
    const page = await http(`${s.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('<svg');
    expect(page.body).toContain("new EventSource('events')");
    expect(page.body).not.toMatch(/https?:\/\/|\/\/cdn|<link |src=/);

    const missing = await http(`${s.url}/favicon.ico`);
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('/api/state');
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) {
      const r = await http(`${s.url}/metrics`, method);
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET');
    }
  });

  it('refuses a port in use with an error naming the flag', async () => {
    const s = await startServer();
    const port = Number(new URL(s.url).port);
    await expect(DashboardServer.start({ host: '127.0.0.1', port, job, runDir: '/tmp/x' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      details: { field: 'dashboardPort' },
      message: expect.stringContaining('--dashboard-port'),
    });
  });
});
