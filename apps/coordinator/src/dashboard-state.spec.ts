import { describe, expect, it } from 'vitest';
import { parseJob } from '@seqtrain/protocol';
import { DASHBOARD_PAGE_HTML } from './dashboard-page.js';
import { DashboardState, MAX_HISTORY_POINTS, noticeText, pushBounded } from './dashboard-state.js';

const job = parseJob({ workers: 2, globalBatch: 8 });
const ranks = [0, 1].map((rank) => ({ rank, agentId: `agent-${rank}`, localRank: 0, hostname: `host-${rank}`, pid: 100 + rank, backend: 'cpu', ringAddress: `ws://h${rank}:1` }));

function stepEvent(step: number, loss = 3) {
  return {
    type: 'step' as const,
    totalSteps: 100_000,
    metrics: { step, epoch: 0, loss, samples: 8, samplesPerSecond: 100, stepSeconds: 0.08, commSeconds: 0.01, commExposedSeconds: 0.01, commHiddenFraction: 0, computeSeconds: 0.05, dataSeconds: 0.02 },
    ranks: ranks.map((r) => ({ rank: r.rank, hostname: r.hostname, count: 4, loss, computeSeconds: 0.05, commSeconds: 0.01, dataSeconds: 0.02 })),
  };
}

describe('pushBounded', () => {
  it('never holds more than max points, keeps the first and the newest, and stays in step order', () => {
    const series: number[] = [];
    let longest = 0;
    for (let i = 0; i < 10_000; i++) {
      pushBounded(series, i, 100);
      longest = Math.max(longest, series.length);
    }
    expect(longest).toBe(100);
    expect(series[0]).toBe(0);
    expect(series[series.length - 1]).toBe(9_999);
    expect(series.length).toBeGreaterThan(50);
    for (let i = 1; i < series.length; i++) expect(series[i]).toBeGreaterThan(series[i - 1] as number);
  });
});

describe('DashboardState', () => {
  it('bounds the loss history of a long run and keeps its start', () => {
    const state = new DashboardState(job, '/run');
    state.apply({ type: 'ranks', ranks });
    for (let step = 0; step < 3 * MAX_HISTORY_POINTS; step++) state.apply(stepEvent(step, 5 - step / 10_000));
    const s = state.snapshot;
    expect(s.loss.length).toBeLessThanOrEqual(MAX_HISTORY_POINTS);
    expect(s.loss[0]).toEqual([0, 5]);
    expect(s.loss[s.loss.length - 1]?.[0]).toBe(3 * MAX_HISTORY_POINTS - 1);
    expect(s.ranks[0]?.lastStep).toBe(3 * MAX_HISTORY_POINTS - 1);
    // 4 samples over 0.08 s of the rank's own time.
    expect(s.ranks[1]?.samplesPerSecond).toBeCloseTo(50, 10);
    expect(s.seq).toBe(3 * MAX_HISTORY_POINTS + 1);
  });

  it('tells a rank that died (down) from one that exited when told (exited)', () => {
    const state = new DashboardState(job, '/run');
    state.apply({ type: 'ranks', ranks });
    state.apply({ type: 'started', worldSize: 2, startStep: 0, totalSteps: 10, stepsPerEpoch: 5, backend: 'cpu', parameterCount: 9 });
    expect(state.snapshot.ranks.map((r) => r.health)).toEqual(['up', 'up']);
    state.apply({ type: 'failed', code: 'ERR_WORKER_FAILED', message: 'Rank 1 failed: boom', rank: 1 });
    state.apply({ type: 'rankClosed', rank: 0, hostname: 'host-0', afterShutdown: true, code: 1000, reason: '' });
    state.apply({ type: 'rankClosed', rank: 1, hostname: 'host-1', afterShutdown: true, code: 1000, reason: '' });
    const s = state.snapshot;
    expect(s.status).toBe('failed');
    expect(s.error).toEqual({ code: 'ERR_WORKER_FAILED', message: 'Rank 1 failed: boom', rank: 1 });
    expect(s.ranks.map((r) => r.health)).toEqual(['exited', 'down']);
    expect(s.endedAtMs).not.toBeNull();
  });

  it('marks a lost rank down, then takes the re-formed ring as the new rank table with a notice for each', () => {
    const state = new DashboardState(parseJob({ workers: 3, globalBatch: 12 }), '/run');
    const three = [0, 1, 2].map((rank) => ({ ...ranks[0]!, rank, hostname: `host-${rank}`, pid: 100 + rank }));
    state.apply({ type: 'ranks', ranks: three });
    state.apply({ type: 'started', worldSize: 3, startStep: 0, totalSteps: 40, stepsPerEpoch: 10, backend: 'cpu', parameterCount: 9 });
    state.apply({ type: 'rankLost', rank: 1, hostname: 'host-1', pid: 101, reason: 'socket closed', generation: 0 });
    expect(state.snapshot.ranks.map((r) => r.health)).toEqual(['up', 'down', 'up']);
    const survivors = [three[0]!, { ...three[2]!, rank: 1 }];
    state.apply({
      type: 'membership',
      ranks: survivors,
      generation: 1,
      lost: [{ rank: 1, hostname: 'host-1', pid: 101, reason: 'socket closed' }],
      joined: [],
      atStep: 21,
      rollbackStep: 20,
      worldSize: 2,
      recoverySeconds: 3.72,
    });
    state.apply({ type: 'stall', step: 30, name: 'grad:0', missing: [1], waitedMs: 12_500, aborted: false });
    const s = state.snapshot;
    expect(s.ranks.map((r) => [r.rank, r.hostname, r.health])).toEqual([[0, 'host-0', 'up'], [1, 'host-2', 'up']]);
    expect(s.job.worldSize).toBe(2);
    expect(s.notices).toEqual([
      'rank 1 (host-1, pid 101) lost: socket closed',
      'ring re-formed (generation 1): 2 ranks, 1 lost, 0 joined, rolled back to step 20, recovered in 3.7 s',
      'stall: ranks 1 missing from grad:0 at step 30 for 12.5 s',
    ]);
  });

  it('gives the page the same notice wording (the page embeds noticeText as plain JavaScript)', () => {
    const start = DASHBOARD_PAGE_HTML.indexOf('function noticeText');
    expect(start).toBeGreaterThan(0);
    const body = DASHBOARD_PAGE_HTML.slice(start, DASHBOARD_PAGE_HTML.indexOf('\nfunction now()', start));
    const pageNotice = new Function(`${body}; return noticeText;`)() as typeof noticeText;
    const lost = { type: 'rankLost' as const, rank: 3, hostname: 'h', pid: 7, reason: 'silent for 10.0 s', generation: 2 };
    expect(pageNotice(lost)).toBe(noticeText(lost));
    expect(pageNotice({ type: 'refused', reason: 'bad secret' })).toBe('refused: bad secret');
  });
});
