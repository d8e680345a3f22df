/**
 * The dashboard's picture of a run, folded from coordinator events: what GET /api/state returns, and what
 * the page starts from before it applies the events of GET /events (dashboard-page.ts folds them the same
 * way). Every history is bounded: a run of any length costs at most MAX_HISTORY_POINTS points per series
 * (about 100 kB of JSON for the loss curve), thinned by halving, so the start of the curve stays.
 */
import type { Job } from '@seqtrain/protocol';
import type { CoordinatorEvent, RankInfo } from './coordinator-event.js';
import type { RunSummary, StepMetrics } from './run-directory.js';
import { validationFigure } from './validation-metrics.js';

/** Points kept per run-level series (loss, throughput, validation). */
export const MAX_HISTORY_POINTS = 5000;
/** Points kept per rank-level series (one per rank, so a 64-rank job stays small). */
export const MAX_RANK_HISTORY_POINTS = 1000;
/** Notices (refusals, lost ranks, re-formations, stalls) kept for the page. */
const MAX_NOTICES = 20;

type NoticeEvent = Extract<CoordinatorEvent, { type: 'refused' | 'rankLost' | 'membership' | 'stall' }>;

/**
 * The one-line notice the page shows for a refusal or an elastic event. Plain JavaScript on purpose:
 * dashboard-page.ts embeds this function's source, so the page and GET /api/state word notices alike.
 */
export function noticeText(event: NoticeEvent): string {
  switch (event.type) {
    case 'refused':
      return 'refused: ' + event.reason;
    case 'rankLost':
      return 'rank ' + event.rank + ' (' + event.hostname + ', pid ' + event.pid + ') lost: ' + event.reason;
    case 'membership':
      return (
        'ring re-formed (generation ' + event.generation + '): ' + event.worldSize + ' ranks, ' +
        event.lost.length + ' lost, ' + event.joined.length + ' joined, rolled back to step ' + event.rollbackStep +
        ', recovered in ' + event.recoverySeconds.toFixed(1) + ' s'
      );
    case 'stall':
      return (
        (event.aborted ? 'stalled, aborted: ' : 'stall: ') + 'ranks ' + event.missing.join(', ') + ' missing from ' +
        event.name + ' at step ' + event.step + ' for ' + (event.waitedMs / 1000).toFixed(1) + ' s'
      );
  }
}

/** A fresh rank view: up, no steps yet. */
function freshRankView(r: RankInfo): RankView {
  return {
    ...r,
    health: 'up',
    lastStep: null,
    count: 0,
    samplesPerSecond: 0,
    computeSeconds: 0,
    commSeconds: 0,
    dataSeconds: 0,
    meanComputeSeconds: 0,
    meanCommSeconds: 0,
    meanDataSeconds: 0,
    throughput: [],
  };
}
/**
 * Smoothing of the per-rank time breakdown: an exponential moving average whose weight matches a
 * 20-step mean (alpha = 2 / (20 + 1)), so one slow step does not make the bars jump.
 */
export const RANK_TIME_SMOOTHING_STEPS = 20;
const ALPHA = 2 / (RANK_TIME_SMOOTHING_STEPS + 1);

export type RunStatus = 'waiting' | 'running' | 'completed' | 'failed';
/** up: connected; exited: closed after the coordinator's shutdown; down: closed while the run went on. */
export type RankHealth = 'up' | 'down' | 'exited';
/** A [step, value] point; step is the 0-based global step, as in metrics.jsonl. */
export type Point = [number, number];
/** [step, dataSeconds, computeSeconds, commSeconds], each the mean over ranks (as in metrics.jsonl). */
export type StepTimes = [number, number, number, number];

export interface RankView extends RankInfo {
  health: RankHealth;
  /** Last global step (0-based) this rank reported done; null before its first. */
  lastStep: number | null;
  /** Latest step: local samples, and samples / the rank's own step time (data + compute + comm). */
  count: number;
  samplesPerSecond: number;
  computeSeconds: number;
  commSeconds: number;
  dataSeconds: number;
  /** The same three times smoothed over about RANK_TIME_SMOOTHING_STEPS steps. */
  meanComputeSeconds: number;
  meanCommSeconds: number;
  meanDataSeconds: number;
  /** [step, samplesPerSecond] history, bounded by MAX_RANK_HISTORY_POINTS. */
  throughput: Point[];
}

export interface DashboardSnapshot {
  /** Sequence number of the last event folded in (the `id:` of that event on /events). */
  seq: number;
  job: {
    name: string;
    runDir: string;
    worldSize: number;
    workers: number;
    devicesPerWorker: number;
    globalBatch: number;
    optimizer: string;
    learningRate: number;
    model: { name: string; config: Record<string, unknown> };
    backendChoice: string;
  };
  status: RunStatus;
  coordinator: string | null;
  error: { code: string; message: string; rank: number | null } | null;
  /** Wall-clock times (ms since the epoch) of `started` and of the end, for elapsed time and ETA. */
  startedAtMs: number | null;
  endedAtMs: number | null;
  joined: number;
  startStep: number;
  totalSteps: number | null;
  stepsPerEpoch: number | null;
  backend: string | null;
  parameterCount: number | null;
  latest: StepMetrics | null;
  checkpoint: { step: number; path: string } | null;
  /** [step, loss], [step, global samples/s] and the step's time split, bounded by MAX_HISTORY_POINTS. */
  loss: Point[];
  throughput: Point[];
  stepTimes: StepTimes[];
  /** figure: the kind's own metric beside the loss (accuracy, RMSE, chrF), null for text. */
  validation: { step: number; loss: number; bitsPerToken: number; samples: number; figure: string | null }[];
  ranks: RankView[];
  notices: string[];
  summary: RunSummary | null;
}

/** Appends, and when over `max` keeps every other point (and always the newest): amortised O(1). */
export function pushBounded<T>(series: T[], point: T, max: number): void {
  series.push(point);
  if (series.length <= max) return;
  const last = series.length - 1;
  let kept = 0;
  for (let i = 0; i <= last; i++) {
    if (i % 2 === 0 || i === last) series[kept++] = series[i] as T;
  }
  series.length = kept;
}

export class DashboardState {
  private readonly s: DashboardSnapshot;

  constructor(job: Job, runDir: string) {
    this.s = {
      seq: 0,
      job: {
        name: job.name,
        runDir,
        worldSize: job.workers * job.devicesPerWorker,
        workers: job.workers,
        devicesPerWorker: job.devicesPerWorker,
        globalBatch: job.globalBatch,
        optimizer: job.optimizer,
        learningRate: job.learningRate,
        model: { name: job.model.name, config: { ...job.model.config } },
        backendChoice: job.backend,
      },
      status: 'waiting',
      coordinator: null,
      error: null,
      startedAtMs: null,
      endedAtMs: null,
      joined: 0,
      startStep: 0,
      totalSteps: null,
      stepsPerEpoch: null,
      backend: null,
      parameterCount: null,
      latest: null,
      checkpoint: null,
      loss: [],
      throughput: [],
      stepTimes: [],
      validation: [],
      ranks: [],
      notices: [],
      summary: null,
    };
  }

  get seq(): number {
    return this.s.seq;
  }

  /** The live snapshot (not a copy): serialise it, do not keep it across events. */
  get snapshot(): Readonly<DashboardSnapshot> {
    return this.s;
  }

  /** Folds one event in and returns its sequence number. */
  apply(event: CoordinatorEvent, nowMs = Date.now()): number {
    const s = this.s;
    s.seq += 1;
    switch (event.type) {
      case 'listening':
        s.coordinator = event.address;
        break;
      case 'joined':
        s.joined = event.joined;
        break;
      case 'refused':
      case 'stall':
        pushBounded(s.notices, noticeText(event), MAX_NOTICES);
        break;
      case 'ranks':
        s.ranks = event.ranks.map(freshRankView);
        break;
      case 'rankLost': {
        const view = s.ranks[event.rank];
        if (view) view.health = 'down';
        pushBounded(s.notices, noticeText(event), MAX_NOTICES);
        break;
      }
      case 'membership':
        // The new generation's rank table replaces the old one: ranks are renumbered 0..worldSize-1.
        s.ranks = event.ranks.map(freshRankView);
        s.job.worldSize = event.worldSize;
        pushBounded(s.notices, noticeText(event), MAX_NOTICES);
        break;
      case 'started':
        s.status = 'running';
        s.startedAtMs = nowMs;
        s.startStep = event.startStep;
        s.totalSteps = event.totalSteps;
        s.stepsPerEpoch = event.stepsPerEpoch;
        s.backend = event.backend;
        s.parameterCount = event.parameterCount;
        break;
      case 'step': {
        const m = event.metrics;
        s.latest = m;
        s.totalSteps = event.totalSteps;
        pushBounded(s.loss, [m.step, m.loss], MAX_HISTORY_POINTS);
        pushBounded(s.throughput, [m.step, m.samplesPerSecond], MAX_HISTORY_POINTS);
        pushBounded(s.stepTimes, [m.step, m.dataSeconds, m.computeSeconds, m.commSeconds], MAX_HISTORY_POINTS);
        for (const r of event.ranks) {
          const view = s.ranks[r.rank];
          if (!view) continue;
          const busy = r.dataSeconds + r.computeSeconds + r.commSeconds;
          const first = view.lastStep === null;
          view.lastStep = m.step;
          view.count = r.count;
          view.samplesPerSecond = busy > 0 ? r.count / busy : 0;
          view.computeSeconds = r.computeSeconds;
          view.commSeconds = r.commSeconds;
          view.dataSeconds = r.dataSeconds;
          view.meanComputeSeconds = first ? r.computeSeconds : view.meanComputeSeconds + ALPHA * (r.computeSeconds - view.meanComputeSeconds);
          view.meanCommSeconds = first ? r.commSeconds : view.meanCommSeconds + ALPHA * (r.commSeconds - view.meanCommSeconds);
          view.meanDataSeconds = first ? r.dataSeconds : view.meanDataSeconds + ALPHA * (r.dataSeconds - view.meanDataSeconds);
          pushBounded(view.throughput, [m.step, view.samplesPerSecond], MAX_RANK_HISTORY_POINTS);
        }
        break;
      }
      case 'validation':
        pushBounded(
          s.validation,
          { step: event.step, loss: event.loss, bitsPerToken: event.bitsPerToken, samples: event.samples, figure: event.metrics ? validationFigure(event.metrics) : null },
          MAX_HISTORY_POINTS
        );
        break;
      case 'checkpoint':
        s.checkpoint = { step: event.step, path: event.path };
        break;
      case 'rankClosed': {
        const view = s.ranks[event.rank];
        // A rank named by `failed` stays down even though it then exits when told.
        if (view && view.health !== 'down') view.health = event.afterShutdown ? 'exited' : 'down';
        break;
      }
      case 'finished':
        s.status = 'completed';
        s.endedAtMs = nowMs;
        s.summary = event.summary;
        break;
      case 'failed':
        s.status = 'failed';
        s.endedAtMs = nowMs;
        s.error = { code: event.code, message: event.message, rank: event.rank };
        if (event.rank !== null && s.ranks[event.rank]) (s.ranks[event.rank] as RankView).health = 'down';
        break;
      case 'dashboard':
        break;
    }
    return s.seq;
  }
}
