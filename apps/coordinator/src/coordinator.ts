/**
 * The coordinator: rendezvous, rank assignment, the step loop, metrics, validation, checkpoints.
 * Gradients never pass through it: they travel over the ranks' own WebSocket ring.
 *
 * Message flow of one run (schemas: packages/protocol/src/protocol.ts):
 *  1. The coordinator listens on ws://host:port (port 0 picks a free one) and reports its address; unless
 *     the job turns it off, the dashboard (dashboard-server.ts) listens on http://host:dashboardPort and
 *     receives every event below from then on (`listening`, `dashboard`).
 *  2. Each training process connects and sends `hello` {protocolVersion, agentId, localRank, ringAddress,
 *     backend}. A wrong protocol version, a duplicate, or a full job is refused: the socket is closed with
 *     the reason (code 4000 + message) and the coordinator logs it.
 *  3. When worldSize processes have joined, ranks are assigned (agent join order, then local rank; event
 *     `ranks`) and each process gets `welcome` {rank, worldSize, peers (ring addresses by rank), run spec,
 *     startStep}.
 *  4. Each process opens the dataset, builds the model (rank 0 loads the resume checkpoint, if any), forms
 *     the ring, takes rank 0's weights and optimizer state by broadcast, and sends `ready`
 *     {parameterCount}; the counts must agree.
 *  5. For each step the coordinator sends `step` {step, epoch, stepInEpoch, globalCount}; each rank reads
 *     its strided share of the sampler's global batch, computes gradients, all-reduces them over the ring,
 *     applies them and replies `stepDone` {loss, count, times}. The coordinator averages (weighted by
 *     count), appends a line to metrics.jsonl, and reports it with each rank's own numbers (event `step`).
 *  6. Every validateEvery steps and after the last: `evaluate` to all -> `evalDone` {lossSum, count, correct};
 *     accuracy (sum correct / sum count) is reported for a classification dataset.
 *  7. Every checkpointEvery steps and after the last: `checkpoint` {dir} to rank 0 -> `checkpointDone`.
 *  8. `shutdown` {reason, failed: false} to all; summary.json is written (event `finished`); done resolves
 *     with the summary. Each rank then closes its connection (event `rankClosed`, afterShutdown true).
 *  A `failed` message, a socket closed before shutdown (event `rankClosed`, afterShutdown false), or a
 *  rendezvous timeout ends the run at any point: every rank gets `shutdown` {failed: true} with the error
 *  (naming the rank; event `failed`), summary.json records status 'failed', and done rejects with that error.
 *  close() stops both servers; the dashboard is not kept after the run.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { DEFAULTS, SeqtrainError, createLogger, errorFromJSON, readEnv, type Logger } from '@seqtrain/common';
import { readDatasetManifest, type DatasetManifest } from '@seqtrain/data';
import {
  PROTOCOL_VERSION,
  decodeWorkerMessage,
  encodeMessage,
  type CoordinatorMessage,
  type Job,
  type MessageOf,
  type RunSpec,
  type WorkerMessage,
} from '@seqtrain/protocol';
import type { CoordinatorEvent, RankStepStats } from './coordinator-event.js';
import { DashboardServer } from './dashboard-server.js';
import { modelFieldsFromManifest } from './dataset-model-fields.js';
import { ReplyCollector } from './reply-collector.js';
import { Rendezvous, type Member } from './rendezvous.js';
import { RunDirectory, type RunSummary, type StepMetrics } from './run-directory.js';
import { validationMetrics, type ValidationMetrics } from './validation-metrics.js';

export type { CoordinatorEvent } from './coordinator-event.js';

/** WebSocket close code for a refused peer (4000-4999 are application codes). */
const CLOSE_REFUSED = 4000;
const FINAL_LOSS_WINDOW_STEPS = 10;

export interface CoordinatorOptions {
  job: Job;
  /** Absolute run directory (created if missing). */
  runDir: string;
  /** Absolute prepared dataset directory (manifest.json). */
  dataDir: string;
  logger?: Logger;
  onEvent?: (event: CoordinatorEvent) => void;
}

type Ws = WebSocket;
type StepDone = MessageOf<WorkerMessage, 'stepDone'>;
type EvalDone = MessageOf<WorkerMessage, 'evalDone'>;
type CheckpointDone = MessageOf<WorkerMessage, 'checkpointDone'>;

export class Coordinator {
  readonly address: string;
  /** http://host:port of the live dashboard; null when the job turned it off (`dashboard: false`). */
  readonly dashboardUrl: string | null;
  /** Resolves with the summary when the run completes; rejects with the error that ended it. */
  readonly done: Promise<RunSummary>;

  private readonly server: WebSocketServer;
  private readonly dashboard: DashboardServer | null;
  private readonly job: Job;
  private readonly worldSize: number;
  private readonly runDir: RunDirectory;
  private readonly manifest: DatasetManifest;
  private readonly dataDir: string;
  private readonly log: Logger;
  private readonly emit: (event: CoordinatorEvent) => void;
  private readonly rendezvous: Rendezvous<Ws>;
  private readonly collector: ReplyCollector;
  private members: Member<Ws>[] = [];
  private readonly rankOf = new Map<Ws, number>();
  private finished = false;
  private failWith: (err: Error) => void = () => {};
  private readonly failure: Promise<never>;
  private readonly everyoneJoined: Promise<void>;
  private signalJoined: () => void = () => {};

  private constructor(server: WebSocketServer, dashboard: DashboardServer | null, options: CoordinatorOptions, manifest: DatasetManifest, address: string) {
    this.server = server;
    this.dashboard = dashboard;
    this.dashboardUrl = dashboard?.url ?? null;
    this.job = options.job;
    this.worldSize = options.job.workers * options.job.devicesPerWorker;
    this.runDir = new RunDirectory(options.runDir);
    this.manifest = manifest;
    this.dataDir = options.dataDir;
    this.address = address;
    this.log = options.logger ?? createLogger({ role: 'coordinator' });
    const onEvent = options.onEvent ?? (() => {});
    this.emit = dashboard
      ? (event) => {
          // A dashboard defect must never end a run: it loses the event, the run goes on.
          try {
            dashboard.publish(event);
          } catch (err) {
            this.log.warn({ err: (err as Error).message, event: event.type }, 'the dashboard could not take an event');
          }
          onEvent(event);
        }
      : onEvent;
    this.rendezvous = new Rendezvous<Ws>(this.worldSize);
    this.collector = new ReplyCollector(this.worldSize);
    this.failure = new Promise<never>((_, reject) => {
      this.failWith = reject;
    });
    this.failure.catch(() => {});
    this.everyoneJoined = new Promise<void>((res) => {
      this.signalJoined = res;
    });
    server.on('connection', (ws) => this.accept(ws));
    this.done = this.run();
    this.done.catch(() => {});
  }

  static async start(options: CoordinatorOptions): Promise<Coordinator> {
    const manifest = await readDatasetManifest(options.dataDir);
    // Refuses a dataset kind no job can train on yet, before anything listens.
    modelFieldsFromManifest(manifest, options.dataDir);
    const server = new WebSocketServer({
      host: options.job.host,
      port: options.job.port,
      perMessageDeflate: false,
      maxPayload: DEFAULTS.MAX_CONTROL_MESSAGE_BYTES,
    });
    await new Promise<void>((res, rej) => {
      server.once('listening', res);
      server.once('error', (err) =>
        rej(new SeqtrainError('ERR_INVALID_ARGUMENT', `Coordinator cannot listen on ${options.job.host}:${options.job.port}: ${err.message}. Pick another --port.`, { field: 'port' }))
      );
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : options.job.port;
    let dashboard: DashboardServer | null = null;
    if (options.job.dashboard) {
      try {
        dashboard = await DashboardServer.start({ host: options.job.host, port: options.job.dashboardPort, job: options.job, runDir: options.runDir });
      } catch (err) {
        await new Promise<void>((res) => server.close(() => res()));
        throw err;
      }
    }
    const coordinator = new Coordinator(server, dashboard, options, manifest, `ws://${options.job.host}:${port}`);
    coordinator.emit({ type: 'listening', address: coordinator.address });
    if (dashboard) coordinator.emit({ type: 'dashboard', url: dashboard.url });
    return coordinator;
  }

  /** Ends the run from outside (e.g. a worker agent exited): every rank is told, done rejects. */
  abort(err: Error): void {
    this.fail(err);
  }

  async close(): Promise<void> {
    for (const ws of this.server.clients) ws.terminate();
    await new Promise<void>((res) => this.server.close(() => res()));
    await this.dashboard?.close();
    this.runDir.close();
  }

  private accept(ws: Ws): void {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        if (!isBinary) throw new SeqtrainError('ERR_BAD_FRAME', 'Text frame received; the protocol uses binary msgpack frames.');
        this.onMessage(ws, decodeWorkerMessage(toBytes(data)));
      } catch (err) {
        this.onPeerError(ws, err as Error);
      }
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
    ws.on('error', (err) => this.log.warn({ err: err.message }, 'control connection error'));
  }

  private onMessage(ws: Ws, msg: WorkerMessage): void {
    const rank = this.rankOf.get(ws);
    if (msg.type === 'hello') return this.onHello(ws, msg);
    if (rank === undefined) {
      throw new SeqtrainError('ERR_PROTOCOL', `"${msg.type}" received before hello/welcome; send hello first.`);
    }
    if ('rank' in msg && msg.rank !== null && msg.rank !== rank) {
      throw new SeqtrainError('ERR_PROTOCOL', `Rank ${rank} sent a "${msg.type}" claiming rank ${msg.rank}.`, { rank });
    }
    switch (msg.type) {
      case 'failed': {
        const cause = errorFromJSON(msg.error);
        const host = this.members[rank]?.hello;
        this.fail(
          new SeqtrainError(cause.code, `Rank ${rank} (${host?.hostname}:${host?.pid}) failed: ${cause.message}`, { ...cause.details, rank })
        );
        return;
      }
      case 'ready':
        return this.collector.deliver('ready', 0, rank, msg);
      case 'stepDone':
      case 'evalDone':
      case 'checkpointDone':
        return this.collector.deliver(msg.type, msg.step, rank, msg);
    }
  }

  private onHello(ws: Ws, hello: MessageOf<WorkerMessage, 'hello'>): void {
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      return this.refuse(
        ws,
        `ERR_PROTOCOL_VERSION: process ${hello.hostname}:${hello.pid} speaks protocol ${hello.protocolVersion}, this coordinator ${PROTOCOL_VERSION}; run the same seqtrain version everywhere.`
      );
    }
    if (this.rankOf.has(ws) || this.members.length > 0) {
      return this.refuse(ws, `ERR_PROTOCOL: hello from ${hello.hostname}:${hello.pid} after ranks were assigned; the job is full.`);
    }
    try {
      this.rendezvous.add(hello, ws);
    } catch (err) {
      return this.refuse(ws, `${(err as SeqtrainError).code}: ${(err as Error).message}`);
    }
    this.emit({ type: 'joined', joined: this.rendezvous.size, expected: this.worldSize, hostname: hello.hostname, backend: hello.backend, backendDescription: hello.backendDescription });
    this.log.info({ agent: hello.agentId, localRank: hello.localRank, host: hello.hostname, backend: hello.backend }, 'process joined');
    if (this.rendezvous.size === this.worldSize) this.signalJoined();
  }

  private refuse(ws: Ws, reason: string): void {
    this.log.warn({ reason }, 'refused a peer');
    this.emit({ type: 'refused', reason });
    // Close reasons are limited to 123 bytes by the WebSocket spec.
    ws.close(CLOSE_REFUSED, Buffer.from(reason).subarray(0, 123).toString());
  }

  private onPeerError(ws: Ws, err: Error): void {
    const rank = this.rankOf.get(ws);
    if (rank === undefined) return this.refuse(ws, `${(err as SeqtrainError).code ?? 'ERR_PROTOCOL'}: ${err.message}`);
    this.fail(new SeqtrainError('ERR_PROTOCOL', `Rank ${rank} broke the protocol: ${err.message}`, { rank }));
  }

  private onClose(ws: Ws, code: number, reason: string): void {
    const rank = this.rankOf.get(ws);
    if (rank === undefined) {
      this.rendezvous.remove(ws);
      return;
    }
    const hello = this.members[rank]?.hello;
    this.emit({ type: 'rankClosed', rank, hostname: hello?.hostname ?? '', afterShutdown: this.finished, code, reason });
    if (this.finished) return;
    this.fail(
      new SeqtrainError(
        'ERR_WORKER_FAILED',
        `Rank ${rank} (${hello?.hostname}:${hello?.pid}, agent ${hello?.agentId}) disconnected before the run ended (code ${code}${reason ? `: ${reason}` : ''}). See its log for why it died.`,
        { rank }
      )
    );
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.collector.fail(err);
    this.failWith(err);
    const e = err as SeqtrainError;
    this.emit({ type: 'failed', code: e.code ?? 'ERR_WORKER_FAILED', message: err.message, rank: e.details?.rank ?? null });
    this.broadcast({ type: 'shutdown', reason: err.message, failed: true });
  }

  private send(rank: number, msg: CoordinatorMessage): void {
    const ws = this.members[rank]?.connection;
    if (ws && ws.readyState === ws.OPEN) ws.send(encodeMessage(msg));
  }

  private broadcast(msg: CoordinatorMessage): void {
    for (const m of this.members) this.send(m.rank, msg);
  }

  /** Races a step of the run against the first failure. */
  private guard<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.failure]);
  }

  private async run(): Promise<RunSummary> {
    const started = performance.now();
    const job = this.job;
    const trainRows = this.manifest.splits.train.rows;
    const stepsPerEpoch = Math.ceil(trainRows / job.globalBatch);
    const startStep = this.resumeStep();
    const totalSteps = job.steps ?? (job.epochs !== undefined ? job.epochs * stepsPerEpoch : DEFAULTS.STEPS);
    const tracker = new RunTracker();
    // What the summary reports; a failed run's summary keeps the last good validation and checkpoint.
    let validation: ValidationResult | null = null;
    let checkpoint: string | null = null;
    let parameterCount = 0;
    const summarize = (): RunSummary =>
      tracker.summary({
        backends: this.members.map((m) => m.hello.backend),
        job,
        worldSize: this.worldSize,
        startStep,
        totalSteps,
        stepsPerEpoch,
        wallSeconds: (performance.now() - started) / 1000,
        validation,
        checkpoint,
        parameterCount,
        dataDir: this.dataDir,
      });
    this.runDir.writeJob(job);
    try {
      if (startStep >= totalSteps) {
        throw new SeqtrainError('ERR_JOB_INVALID', `The checkpoint ${job.resume} is at step ${startStep}, already at or past --steps ${totalSteps}; raise --steps to train further.`, { field: 'steps' });
      }
      // Guard inside the timeout: an abort settles the race at once, which clears the timer (a pending
      // rendezvous timer kept an aborted `seqtrain local` alive for the whole timeout).
      await withTimeout(this.guard(this.everyoneJoined), rendezvousTimeoutMs(), () =>
        new SeqtrainError('ERR_RENDEZVOUS_TIMEOUT', `Only ${this.rendezvous.size} of ${this.worldSize} training processes joined ${this.address} within ${rendezvousTimeoutMs()} ms. Start the missing workers (seqtrain worker --coordinator ${this.address}) or lower --workers.`)
      );
      this.members = this.rendezvous.assign();
      for (const m of this.members) this.rankOf.set(m.connection, m.rank);
      this.emit({ type: 'ranks', ranks: this.members.map(({ rank, hello: h }) => ({ rank, agentId: h.agentId, localRank: h.localRank, hostname: h.hostname, pid: h.pid, backend: h.backend, ringAddress: h.ringAddress })) });
      const peers = this.members.map((m) => m.hello.ringAddress);
      const run = this.runSpec();
      const ready = this.collector.expect<MessageOf<WorkerMessage, 'ready'>>('ready', 0);
      for (const m of this.members) {
        this.send(m.rank, { type: 'welcome', protocolVersion: PROTOCOL_VERSION, rank: m.rank, worldSize: this.worldSize, peers, run, startStep });
      }
      const readies = await this.guard(ready);
      parameterCount = readies[0]?.parameterCount ?? 0;
      const odd = readies.findIndex((r) => r.parameterCount !== parameterCount);
      if (odd >= 0) {
        throw new SeqtrainError('ERR_SHAPE_MISMATCH', `Rank ${odd} built a model with ${readies[odd]?.parameterCount} parameters, rank 0 with ${parameterCount}. All ranks must run the same seqtrain version and job.`, { rank: odd });
      }
      this.emit({ type: 'started', worldSize: this.worldSize, startStep, totalSteps, stepsPerEpoch, backend: this.members[0]?.hello.backend ?? 'unknown', parameterCount });

      for (let step = startStep; step < totalSteps; step++) {
        const epoch = Math.floor(step / stepsPerEpoch);
        const stepInEpoch = step % stepsPerEpoch;
        const globalCount = Math.min(job.globalBatch, trainRows - stepInEpoch * job.globalBatch);
        const t0 = performance.now();
        const replies = this.collector.expect<StepDone>('stepDone', step);
        this.broadcast({ type: 'step', step, epoch, stepInEpoch, globalCount });
        const done = await this.guard(replies);
        const metrics = aggregateStep(done, step, epoch, (performance.now() - t0) / 1000);
        tracker.add(metrics);
        this.runDir.appendMetrics(metrics);
        this.emit({ type: 'step', metrics, totalSteps, ranks: this.rankStats(done) });
        const completed = step + 1;
        const last = completed === totalSteps;
        if (last || (job.validateEvery !== undefined && completed % job.validateEvery === 0)) {
          validation = await this.validate(completed);
        }
        if (last || completed % job.checkpointEvery === 0) {
          checkpoint = await this.checkpoint(completed, epoch, stepInEpoch + 1);
        }
      }
      this.finished = true;
      this.broadcast({ type: 'shutdown', reason: 'completed', failed: false });
      const summary = summarize();
      this.runDir.writeSummary(summary);
      this.emit({ type: 'finished', summary });
      return summary;
    } catch (err) {
      this.fail(err as Error);
      const e = err as SeqtrainError;
      const summary = summarize();
      this.runDir.writeSummary({ ...summary, status: 'failed', error: { code: e.code ?? 'ERR_WORKER_FAILED', message: e.message } });
      throw err;
    }
  }

  private rankStats(replies: StepDone[]): RankStepStats[] {
    return replies.map((r, rank) => ({
      rank,
      hostname: this.members[rank]?.hello.hostname ?? '',
      count: r.count,
      loss: r.loss,
      computeSeconds: r.computeSeconds,
      commSeconds: r.commSeconds,
      dataSeconds: r.dataSeconds,
    }));
  }

  private resumeStep(): number {
    if (!this.job.resume) return 0;
    const file = join(resolve(this.job.resume), 'trainer-state.json');
    try {
      const state = JSON.parse(readFileSync(file, 'utf8')) as { step?: unknown };
      if (typeof state.step !== 'number' || !Number.isInteger(state.step) || state.step < 0) {
        throw new Error('field "step" is not a non-negative integer');
      }
      return state.step;
    } catch (err) {
      throw new SeqtrainError('ERR_CHECKPOINT_INVALID', `Cannot resume from ${file}: ${(err as Error).message}. Point --resume at a checkpoint directory (runs/<run>/checkpoints/step-NNNNNNN).`, { file });
    }
  }

  private runSpec(): RunSpec {
    const job = this.job;
    return {
      modelName: job.model.name,
      modelConfig: { ...job.model.config, ...modelFieldsFromManifest(this.manifest, this.dataDir), seed: job.seed },
      dataDir: this.dataDir,
      globalBatch: job.globalBatch,
      seed: job.seed,
      optimizer: job.optimizer,
      learningRate: job.learningRate,
      clipNorm: job.clipNorm ?? null,
      backend: job.backend,
      resumeFrom: job.resume ? resolve(job.resume) : null,
      collectiveTimeoutMs: readEnv().SEQTRAIN_COLLECTIVE_TIMEOUT_MS ?? DEFAULTS.COLLECTIVE_TIMEOUT_MS,
    };
  }

  private async validate(step: number): Promise<ValidationResult> {
    const maxSamples = Math.min(this.job.validationMaxSamples, this.manifest.splits.validation.rows);
    const batchSize = Math.max(32, Math.ceil(this.job.globalBatch / this.worldSize));
    const replies = this.collector.expect<EvalDone>('evalDone', step);
    const decode = this.manifest.kind === 'pairs' ? { samples: this.job.chrf.samples, maxSourceChars: this.job.chrf.maxSourceChars } : undefined;
    this.broadcast({ type: 'evaluate', step, maxSamples, batchSize, ...(decode ? { decode } : {}) });
    const all = await this.guard(replies);
    const metrics = validationMetrics(this.manifest, step, all);
    const { loss, samples } = metrics;
    const bitsPerToken = loss / Math.LN2;
    // Accuracy is a classification figure; a text run's next-character accuracy is not reported.
    const accuracy = metrics.accuracy ?? null;
    this.runDir.appendValidation({ ...metrics, bitsPerToken, accuracy });
    this.emit({ type: 'validation', step, loss, bitsPerToken, samples, accuracy, metrics });
    return { loss, samples, accuracy, metrics };
  }

  private async checkpoint(stepsCompleted: number, epoch: number, stepInEpoch: number): Promise<string> {
    const dir = this.runDir.checkpointDir(stepsCompleted);
    const stepsPerEpoch = Math.ceil(this.manifest.splits.train.rows / this.job.globalBatch);
    // A checkpoint taken at an epoch's end resumes at the next epoch's first step.
    const atEpochEnd = stepInEpoch >= stepsPerEpoch;
    const reply = this.collector.expect<CheckpointDone>('checkpointDone', stepsCompleted, [0]);
    this.send(0, {
      type: 'checkpoint',
      step: stepsCompleted,
      dir,
      epoch: atEpochEnd ? epoch + 1 : epoch,
      stepInEpoch: atEpochEnd ? 0 : stepInEpoch,
    });
    const [done] = await this.guard(reply);
    if (!done) throw new SeqtrainError('ERR_PROTOCOL', `Rank 0 did not report checkpoint ${dir}.`, { rank: 0 });
    this.emit({ type: 'checkpoint', step: stepsCompleted, path: done.path });
    return done.path;
  }
}

interface ValidationResult {
  loss: number;
  samples: number;
  /** Share of validation samples classified right; null for a text dataset. */
  accuracy: number | null;
  /** The kind's figures (validation-metrics.ts): summary.json's `validation`. */
  metrics: ValidationMetrics;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

function rendezvousTimeoutMs(): number {
  return readEnv().SEQTRAIN_RENDEZVOUS_TIMEOUT_MS ?? DEFAULTS.RENDEZVOUS_TIMEOUT_MS;
}

function withTimeout<T>(p: Promise<T>, ms: number, makeError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(makeError()), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function aggregateStep(replies: StepDone[], step: number, epoch: number, stepSeconds: number): StepMetrics {
  let samples = 0;
  let lossSum = 0;
  let comm = 0;
  let compute = 0;
  let data = 0;
  for (const r of replies) {
    if (r.count > 0) lossSum += r.loss * r.count;
    samples += r.count;
    comm += r.commSeconds;
    compute += r.computeSeconds;
    data += r.dataSeconds;
  }
  const n = replies.length;
  return {
    step,
    epoch,
    loss: lossSum / samples,
    samples,
    samplesPerSecond: samples / stepSeconds,
    stepSeconds,
    commSeconds: comm / n,
    computeSeconds: compute / n,
    dataSeconds: data / n,
  };
}

/** Accumulates what summary.json reports about the steps. */
class RunTracker {
  private readonly losses: number[] = [];
  private samples = 0;
  private seconds = 0;
  private comm = 0;
  private lastEpoch = 0;

  add(m: StepMetrics): void {
    this.losses.push(m.loss);
    this.samples += m.samples;
    this.seconds += m.stepSeconds;
    this.comm += m.commSeconds;
    this.lastEpoch = m.epoch;
  }

  summary(o: {
    backends: string[];
    job: Job;
    worldSize: number;
    startStep: number;
    totalSteps: number;
    stepsPerEpoch: number;
    wallSeconds: number;
    validation: ValidationResult | null;
    checkpoint: string | null;
    parameterCount: number;
    dataDir: string;
  }): RunSummary {
    const tail = this.losses.slice(-FINAL_LOSS_WINDOW_STEPS);
    return {
      backend: o.backends[0] ?? 'unknown',
      backends: o.backends,
      worldSize: o.worldSize,
      workers: o.job.workers,
      devicesPerWorker: o.job.devicesPerWorker,
      globalBatch: o.job.globalBatch,
      steps: this.losses.length,
      finalStep: o.startStep + this.losses.length,
      startStep: o.startStep,
      epochs: this.losses.length ? this.lastEpoch + 1 : 0,
      wallSeconds: o.wallSeconds,
      samplesPerSecond: this.seconds > 0 ? this.samples / this.seconds : 0,
      initialLoss: this.losses[0] ?? Number.NaN,
      finalLoss: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : Number.NaN,
      validationLoss: o.validation?.loss ?? null,
      validationBitsPerToken: o.validation ? o.validation.loss / Math.LN2 : null,
      validationSamples: o.validation?.samples ?? 0,
      validationAccuracy: o.validation?.accuracy ?? null,
      validation: o.validation?.metrics ?? null,
      checkpoint: o.checkpoint,
      parameterCount: o.parameterCount,
      seed: o.job.seed,
      optimizer: o.job.optimizer,
      learningRate: o.job.learningRate,
      dataDir: o.dataDir,
      resumedFrom: o.job.resume ? resolve(o.job.resume) : null,
      commFraction: this.seconds > 0 ? this.comm / this.seconds : 0,
      status: 'completed',
    };
  }
}
