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
 *
 *  Liveness and elasticity (protocol 3; every message after `hello` carries the membership `generation`,
 *  and a message of another generation is dropped on both sides):
 *  9. From `hello` on, the coordinator pings every control connection each heartbeatMs (heartbeat.ts); a
 *     rank silent for deadAfterMs is dropped (its socket terminated), as is one whose socket closes.
 *  10. Before each step's gradient all-reduce every rank sends `collectiveEnter` {step, name}; the stall
 *     inspector (stall-inspector.ts) warns after stallWarnMs naming the ranks that have not entered (event
 *     `stall`), and aborts the run with ERR_STALLED naming them after stallAbortMs.
 *  11. A rank whose collective fails sends `ringBroken` {step, error} and waits. Without elasticity
 *     (minWorkers = world size) a lost rank or a broken ring ends the run as above.
 *  12. Elastic (minWorkers below the world size): a lost rank or a broken ring interrupts whatever is in
 *     flight (ERR_MEMBERSHIP_CHANGED, event `rankLost`). The generation goes up by one; each survivor gets
 *     `reform` {generation, reason}, aborts its collective, closes its ring, opens a new listener and
 *     answers `rejoin` {ringAddress, commits}; a survivor silent for deadAfterMs is dropped too and the
 *     round starts again; fewer than minWorkers survivors end the run. Survivors keep their rank order
 *     and are renumbered 0..N-1; each gets `membership` {rank, worldSize, peers, rollbackStep}, where
 *     rollbackStep is the last commit point (every commitEvery steps) that every rank completed; it
 *     restores its in-memory commit of that step, forms the new ring, takes rank 0's weights and
 *     optimizer state by broadcast and answers `ready`. The step loop resumes at rollbackStep with the
 *     same global batch, now split over N ranks (event `membership`; summary.json `membershipChanges`).
 */
import type { WebSocketServer, WebSocket, RawData } from 'ws';
import { DEFAULTS, SeqtrainError, closeReason, createLogger, errorFromJSON, isSeqtrainError, loadSecurityConfig, readEnv, type Logger, type SecurityConfig } from '@seqtrain/common';
import { closeWebSocketServer, listenWebSocketServer } from '@seqtrain/collective';
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
import { HeartbeatMonitor } from './heartbeat.js';
import { changeSignal, toBytes, withTimeout } from './step-loop-signals.js';
import { HostExclusion } from './host-exclusion.js';
import { admitControlConnection, assertSafeBind } from './control-security.js';
import { ReplyCollector } from './reply-collector.js';
import { Rendezvous, rankInfo, type Member } from './rendezvous.js';
import { RunDirectory, type MembershipChange, type RunSummary } from './run-directory.js';
import { readResumePoint } from './resume-point.js';
import { RunTracker, aggregateStep, type ValidationResult } from './run-tracker.js';
import { StallInspector, type Stall } from './stall-inspector.js';
import { StepTasks } from './step-tasks.js';
import { buildRunSpec } from './run-spec.js';

export type { CoordinatorEvent } from './coordinator-event.js';

/** WebSocket close code for a refused peer (4000-4999 are application codes). */
const CLOSE_REFUSED = 4000;

export interface CoordinatorOptions {
  job: Job;
  /** Absolute run directory (created if missing). */
  runDir: string;
  /** Absolute prepared dataset directory (manifest.json). */
  dataDir: string;
  logger?: Logger;
  onEvent?: (event: CoordinatorEvent) => void;
  /** Shared secret (every connection must prove it) and TLS certificate (wss://); default: SEQTRAIN_SECRET / SEQTRAIN_TLS_*. */
  security?: SecurityConfig;
  /** Allow a non-loopback bind without a secret (--insecure). */
  insecure?: boolean;
}

type Ws = WebSocket;
type StepDone = MessageOf<WorkerMessage, 'stepDone'>;
type Rejoin = MessageOf<WorkerMessage, 'rejoin'>;
type Ready = MessageOf<WorkerMessage, 'ready'>;

export class Coordinator {
  readonly address: string;
  /** http://host:port of the live dashboard; null when the job turned it off (`dashboard: false`). */
  readonly dashboardUrl: string | null;
  /** Resolves with the summary when the run completes; rejects with the error that ended it. */
  readonly done: Promise<RunSummary>;

  private readonly server: WebSocketServer;
  private readonly dashboard: DashboardServer | null;
  private readonly job: Job;
  /** Validation and checkpoints between steps (flow 6, 7). */
  private readonly tasks: StepTasks;
  private readonly worldSize: number;
  private readonly runDir: RunDirectory;
  private readonly manifest: DatasetManifest;
  private readonly dataDir: string;
  private readonly log: Logger;
  private readonly emit: (event: CoordinatorEvent) => void;
  private readonly rendezvous: Rendezvous<Ws>;
  private collector: ReplyCollector;
  private members: Member<Ws>[] = [];
  /** Membership generation: 0 at rendezvous, +1 per re-formation (flow 12). */
  private generation = 0;
  /** Ranks in the current generation. */
  private world: number;
  /** Lowest world size the run goes on with; equal to worldSize when the job is not elastic. */
  private readonly minWorld: number;
  private change = changeSignal();
  /** Connections of the current generation found dead, with why; dropped at the next re-formation. */
  private readonly lost = new Map<Ws, string>();
  private readonly membershipChanges: MembershipChange[] = [];
  /** Elastic: processes that said hello after the ranks were assigned; they join at the next commit boundary. */
  private joiners: { hello: Member<Ws>['hello']; connection: Ws }[] = [];
  /** Largest world size (maxWorkers, default the initial world size). */
  private readonly maxWorld: number;
  private readonly hosts: HostExclusion;
  /** The checkpoint directory --resume resolved to (a run directory's latest checkpoint). */
  private resumeDir: string | null = null;
  /** The run's last step (exclusive), fixed in run() before any run spec is built (the learning-rate decay ends there). */
  private totalSteps = 0;
  private readonly heartbeat: HeartbeatMonitor;
  private readonly stalls: StallInspector;
  /** Why a connection's socket was terminated by the coordinator (heartbeat), for its close message. */
  private readonly terminated = new Map<Ws, string>();
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
    this.world = this.worldSize;
    this.minWorld = Math.min(options.job.minWorkers ?? this.worldSize, this.worldSize);
    this.maxWorld = Math.max(options.job.maxWorkers ?? this.worldSize, this.worldSize);
    this.hosts = new HostExclusion(options.job.excludeAfterFailures, options.job.cooloffMs);
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
    this.tasks = new StepTasks({
      job: this.job,
      manifest,
      runDir: this.runDir,
      log: this.log,
      emit: this.emit,
      collector: () => this.collector,
      generation: () => this.generation,
      world: () => this.world,
      guard: (p) => this.guard(p),
      broadcast: (msg) => this.broadcast(msg),
      send: (rank, msg) => this.send(rank, msg),
    });
    const { deadAfterMs, stallAbortMs } = options.job;
    // A rank busy with a command (a step's synchronous compute blocks its event loop) may be silent longer.
    const limitMs = (ws: Ws): number => {
      const rank = this.rankOf.get(ws);
      return rank !== undefined && this.collector.awaits(rank) ? Math.max(deadAfterMs, stallAbortMs) : deadAfterMs;
    };
    this.heartbeat = new HeartbeatMonitor(options.job.heartbeatMs, limitMs, (ws, silentMs) => {
      const reason = `silent for ${silentMs} ms (--dead-after-ms ${deadAfterMs}, --stall-abort-ms ${stallAbortMs} while busy)`;
      this.terminated.set(ws, reason);
      ws.terminate();
    });
    this.stalls = new StallInspector(options.job.stallWarnMs, options.job.stallAbortMs, (s) => this.onStall(s, false), (s) => this.onStall(s, true));
    this.failure = new Promise<never>((_, reject) => {
      this.failWith = reject;
    });
    this.failure.catch(() => {});
    this.everyoneJoined = new Promise<void>((res) => {
      this.signalJoined = res;
    });
    const security = options.security ?? loadSecurityConfig();
    server.on('connection', (ws, request) =>
      admitControlConnection(ws, request, security, this.log, (authenticated) => this.accept(authenticated), (reason) => this.emit({ type: 'refused', reason }))
    );
    this.done = this.run();
    this.done.catch(() => {});
  }

  static async start(options: CoordinatorOptions): Promise<Coordinator> {
    const manifest = await readDatasetManifest(options.dataDir);
    // Refuses a dataset kind no job can train on yet, before anything listens.
    modelFieldsFromManifest(manifest, options.dataDir);
    const security = options.security ?? loadSecurityConfig();
    assertSafeBind(options.job.host, security, options.insecure ?? false);
    const { server, scheme, port } = await listenWebSocketServer({
      host: options.job.host,
      port: options.job.port,
      tls: security.tls,
      maxPayloadBytes: DEFAULTS.MAX_CONTROL_MESSAGE_BYTES,
      what: 'Coordinator',
    });
    let dashboard: DashboardServer | null = null;
    if (options.job.dashboard) {
      try {
        dashboard = await DashboardServer.start({ host: options.job.host, port: options.job.dashboardPort, job: options.job, runDir: options.runDir });
      } catch (err) {
        await closeWebSocketServer(server);
        throw err;
      }
    }
    const coordinator = new Coordinator(server, dashboard, { ...options, security }, manifest, `${scheme}://${options.job.host}:${port}`);
    coordinator.emit({ type: 'listening', address: coordinator.address });
    if (dashboard) coordinator.emit({ type: 'dashboard', url: dashboard.url });
    return coordinator;
  }

  /** Whether a lost rank is dropped (minWorkers below the world size) rather than ending the run. */
  get elastic(): boolean {
    return this.minWorld < this.worldSize;
  }

  /** Ends the run from outside (e.g. a worker agent exited): every rank is told, done rejects. */
  abort(err: Error): void {
    this.fail(err);
  }

  async close(): Promise<void> {
    this.heartbeat.stop();
    this.stalls.clear();
    for (const ws of this.server.clients) ws.terminate();
    await closeWebSocketServer(this.server);
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
    if ('generation' in msg && msg.generation !== this.generation) {
      // Sent before the rank learnt of a re-formation (e.g. the stepDone of a step being rolled back).
      this.log.debug({ rank, type: msg.type, generation: msg.generation, current: this.generation }, 'dropped a message of another generation');
      return;
    }
    if (this.lost.has(ws)) return;
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
        return this.collector.deliver('ready', this.generation, rank, msg);
      case 'rejoin':
        return this.collector.deliver('rejoin', this.generation, rank, msg);
      case 'collectiveEnter':
        return this.stalls.enter(rank, msg.step, msg.name, this.world);
      case 'ringBroken': {
        const cause = errorFromJSON(msg.error);
        const why = `Rank ${rank}'s ring broke at step ${msg.step}: ${cause.code} ${cause.message}`;
        if (!this.elastic) return this.fail(new SeqtrainError(cause.code, why, { ...cause.details, rank }));
        this.log.warn({ rank, step: msg.step, code: cause.code }, 'a rank reports its ring broken');
        this.change.fire(why);
        return;
      }
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
      const problem = this.admissionProblem(hello);
      if (problem) return this.refuse(ws, problem);
      // Flow 13: a new or restarted process joins at the next commit boundary.
      this.joiners.push({ hello, connection: ws });
      this.heartbeat.watch(ws);
      this.log.warn({ host: hello.hostname, pid: hello.pid, agent: hello.agentId }, 'a process asks to join; it joins at the next step boundary');
      this.emit({ type: 'joined', joined: this.world + this.joiners.length, expected: this.maxWorld, hostname: hello.hostname, backend: hello.backend, backendDescription: hello.backendDescription });
      return;
    }
    try {
      this.rendezvous.add(hello, ws);
    } catch (err) {
      return this.refuse(ws, `${(err as SeqtrainError).code}: ${(err as Error).message}`);
    }
    this.heartbeat.watch(ws);
    this.emit({ type: 'joined', joined: this.rendezvous.size, expected: this.worldSize, hostname: hello.hostname, backend: hello.backend, backendDescription: hello.backendDescription });
    this.log.info({ agent: hello.agentId, localRank: hello.localRank, host: hello.hostname, backend: hello.backend }, 'process joined');
    if (this.rendezvous.size === this.worldSize) this.signalJoined();
  }

  /** Why a process may not join a running job, or undefined when it may (flow 13). */
  private admissionProblem(hello: Member<Ws>['hello']): string | undefined {
    const full = `ERR_PROTOCOL: hello from ${hello.hostname}:${hello.pid} after ranks were assigned; the job is full`;
    if (!this.elastic && this.maxWorld === this.worldSize) return `${full}.`;
    if (this.finished) return `ERR_PROTOCOL: hello from ${hello.hostname}:${hello.pid} after the run ended.`;
    const alive = this.members.filter((m) => !this.lost.has(m.connection)).length;
    if (alive + this.joiners.length >= this.maxWorld) return `${full} (--max-workers ${this.maxWorld}).`;
    const until = this.hosts.excludedUntil(hello.hostname);
    if (until !== undefined) {
      return `ERR_WORKER_FAILED: host ${hello.hostname} lost ranks ${this.hosts.failureCount(hello.hostname)} times in the last ${this.job.cooloffMs} ms; excluded until ${new Date(until).toISOString()}.`;
    }
    return undefined;
  }

  private refuse(ws: Ws, reason: string): void {
    this.log.warn({ reason }, 'refused a peer');
    this.emit({ type: 'refused', reason });
    ws.close(CLOSE_REFUSED, closeReason(reason));
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
      this.joiners = this.joiners.filter((j) => j.connection !== ws);
      return;
    }
    const hello = this.members[rank]?.hello;
    this.emit({ type: 'rankClosed', rank, hostname: hello?.hostname ?? '', afterShutdown: this.finished, code, reason });
    if (this.finished) return;
    const silent = this.terminated.get(ws);
    if (this.elastic) {
      if (this.lost.has(ws)) return;
      const why = silent ?? `connection closed (code ${code}${reason ? `: ${reason}` : ''})`;
      this.lost.set(ws, why);
      this.log.warn({ rank, host: hello?.hostname, pid: hello?.pid, why }, 'rank lost');
      this.emit({ type: 'rankLost', rank, hostname: hello?.hostname ?? '', pid: hello?.pid ?? 0, reason: why, generation: this.generation });
      this.change.fire(`Rank ${rank} (${hello?.hostname}:${hello?.pid}) lost: ${why}`);
      return;
    }
    if (silent) {
      this.fail(new SeqtrainError('ERR_WORKER_FAILED', `Rank ${rank} (${hello?.hostname}:${hello?.pid}, agent ${hello?.agentId}) was ${silent}; it is hung or cut off. See its log.`, { rank }));
      return;
    }
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
    this.stalls.clear();
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

  /** Races a step of the run against the first failure and (elastic) the next membership change. */
  private guard<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.failure, this.change.promise]);
  }

  private onStall(stall: Stall, abort: boolean): void {
    const missing = stall.missing.map((r) => `${r} (${this.members[r]?.hello.hostname}:${this.members[r]?.hello.pid})`).join(', ');
    const what = `collective "${stall.name}" of step ${stall.step}: ranks ${stall.entered.join(', ')} entered it ${stall.waitedMs} ms ago, ranks ${missing} have not`;
    this.emit({ type: 'stall', step: stall.step, name: stall.name, missing: stall.missing, waitedMs: stall.waitedMs, aborted: abort });
    if (!abort) {
      this.log.warn({ step: stall.step, name: stall.name, missing: stall.missing, waitedMs: stall.waitedMs }, `stall: ${what}`);
      return;
    }
    if (this.elastic && this.world - stall.missing.length >= this.minWorld) {
      // Elastic: the missing ranks are dropped like dead ones, and the others go on without them.
      for (const r of stall.missing) {
        const m = this.members[r];
        if (m) this.markLost(m, `missing from ${stall.name} of step ${stall.step} for ${stall.waitedMs} ms (--stall-abort-ms ${this.job.stallAbortMs})`);
      }
      this.change.fire(`Stalled ${what}`);
      return;
    }
    this.fail(
      new SeqtrainError('ERR_STALLED', `Stalled ${what} (--stall-abort-ms ${this.job.stallAbortMs}). Look at the missing ranks' logs: a hung data read, a deadlock, or a rank far slower than the others.`, {
        rank: stall.missing[0],
        missing: stall.missing,
        step: stall.step,
        collective: stall.name,
      })
    );
  }

  private async run(): Promise<RunSummary> {
    const started = performance.now();
    const job = this.job;
    const trainRows = this.manifest.splits.train.rows;
    const stepsPerEpoch = Math.ceil(trainRows / job.globalBatch);
    const resumePoint = job.resume ? readResumePoint(job.resume, stepsPerEpoch) : null;
    this.resumeDir = resumePoint?.dir ?? null;
    const startStep = resumePoint?.step ?? 0;
    const totalSteps = job.steps ?? (job.epochs !== undefined ? job.epochs * stepsPerEpoch : DEFAULTS.STEPS);
    this.totalSteps = totalSteps;
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
        finalWorldSize: this.world,
        membershipChanges: this.membershipChanges,
      });
    this.runDir.writeJob(job);
    try {
      if (startStep >= totalSteps) {
        throw new SeqtrainError('ERR_JOB_INVALID', `The checkpoint ${job.resume} is at step ${startStep}, already at or past --steps ${totalSteps}; raise --steps to train further.`, { field: 'steps' });
      }
      // Guard inside the timeout: an abort settles the race at once, which clears the timer (a pending
      // rendezvous timer kept an aborted `seqtrain local` alive for the whole timeout).
      await withTimeout(Promise.race([this.everyoneJoined, this.failure]), rendezvousTimeoutMs(), () =>
        new SeqtrainError('ERR_RENDEZVOUS_TIMEOUT', `Only ${this.rendezvous.size} of ${this.worldSize} training processes joined ${this.address} within ${rendezvousTimeoutMs()} ms. Start the missing workers (seqtrain worker --coordinator ${this.address}) or lower --workers.`)
      );
      this.members = this.rendezvous.assign();
      for (const m of this.members) this.rankOf.set(m.connection, m.rank);
      this.emit({ type: 'ranks', ranks: rankInfo(this.members) });
      const peers = this.members.map((m) => m.hello.ringAddress);
      const agents = [...new Set(this.members.map((m) => m.hello.agentId))];
      const nodes = this.members.map((m) => agents.indexOf(m.hello.agentId));
      const run = this.runSpec();
      const ready = this.collector.expect<Ready>('ready', this.generation);
      for (const m of this.members) {
        this.send(m.rank, { type: 'welcome', generation: this.generation, protocolVersion: PROTOCOL_VERSION, rank: m.rank, worldSize: this.worldSize, peers, nodes, run, startStep });
      }
      // A rank lost before the first ring is formed ends the run even when elastic: nothing is committed yet.
      const readies = await Promise.race([ready, this.failure, this.change.promise.catch((err: Error) => Promise.reject(new SeqtrainError('ERR_WORKER_FAILED', `${err.message} (before the first ring was formed)`)))]);
      parameterCount = readies[0]?.parameterCount ?? 0;
      const odd = readies.findIndex((r) => r.parameterCount !== parameterCount);
      if (odd >= 0) {
        throw new SeqtrainError('ERR_SHAPE_MISMATCH', `Rank ${odd} built a model with ${readies[odd]?.parameterCount} parameters, rank 0 with ${parameterCount}. All ranks must run the same seqtrain version and job.`, { rank: odd });
      }
      this.emit({ type: 'started', worldSize: this.worldSize, startStep, totalSteps, stepsPerEpoch, backend: this.members[0]?.hello.backend ?? 'unknown', parameterCount });

      let step = startStep;
      // Steps completed at the last commit point every rank has reached (the rollback point).
      let lastCommit = startStep;
      // Steps completed whose validation/checkpoint are still to do (a re-formation may interrupt them).
      let pendingAfter: number | null = null;
      for (;;) {
        try {
          if (pendingAfter !== null) {
            const result = await this.tasks.after(pendingAfter, totalSteps, stepsPerEpoch);
            validation = result.validation ?? validation;
            checkpoint = result.checkpoint ?? checkpoint;
            pendingAfter = null;
          }
          if (step >= totalSteps) break;
          if (this.joiners.length > 0 && step === lastCommit) await this.reform(`${this.joiners.length} process(es) joining`, step, lastCommit);
          const epoch = Math.floor(step / stepsPerEpoch);
          const stepInEpoch = step % stepsPerEpoch;
          const globalCount = Math.min(job.globalBatch, trainRows - stepInEpoch * job.globalBatch);
          const t0 = performance.now();
          const replies = this.collector.expect<StepDone>('stepDone', step);
          this.broadcast({ type: 'step', generation: this.generation, step, epoch, stepInEpoch, globalCount });
          const done = await this.guard(replies);
          this.stalls.clear();
          const metrics = aggregateStep(done, step, epoch, (performance.now() - t0) / 1000);
          tracker.add(metrics);
          this.runDir.appendMetrics(metrics);
          this.emit({ type: 'step', metrics, totalSteps, ranks: this.rankStats(done) });
          step += 1;
          if (step % job.commitEvery === 0) lastCommit = step;
          pendingAfter = step;
        } catch (err) {
          if (!isSeqtrainError(err, 'ERR_MEMBERSHIP_CHANGED')) throw err;
          await this.reform(err.message, step, lastCommit);
          // Steps after the commit are re-done; their validation/checkpoint come again with them.
          if (pendingAfter !== null && pendingAfter > lastCommit) pendingAfter = null;
          tracker.rollback(lastCommit);
          step = lastCommit;
        }
      }
      this.finished = true;
      this.stalls.clear();
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
    } finally {
      this.heartbeat.stop();
    }
  }

  /**
   * Flow 12: drops the lost ranks, re-forms the ring of the survivors and rolls them back to
   * `rollbackStep`. Repeats while ranks keep failing during the re-formation; throws when fewer than
   * minWorkers remain.
   */
  private async reform(reason: string, atStep: number, rollbackStep: number): Promise<void> {
    const t0 = performance.now();
    this.stalls.clear();
    const lostRecords: MembershipChange['lost'] = [];
    const joined: MembershipChange['joined'] = [];
    for (;;) {
      for (const m of this.members) {
        const why = this.lost.get(m.connection);
        if (why !== undefined && !lostRecords.some((l) => l.pid === m.hello.pid && l.hostname === m.hello.hostname)) {
          lostRecords.push({ rank: m.rank, hostname: m.hello.hostname, pid: m.hello.pid, reason: why });
          this.hosts.recordFailure(m.hello.hostname);
        }
      }
      const survivors = this.members.filter((m) => !this.lost.has(m.connection));
      if (survivors.length < this.minWorld) {
        throw new SeqtrainError(
          'ERR_WORKER_FAILED',
          `Only ${survivors.length} rank(s) left, below --min-workers ${this.minWorld}: ${lostRecords.map((l) => `rank ${l.rank} (${l.hostname}:${l.pid}) ${l.reason}`).join('; ')}. Restart the run from its last checkpoint with --resume.`,
          { rank: lostRecords[0]?.rank }
        );
      }
      this.generation += 1;
      this.change = changeSignal();
      this.collector.fail(new SeqtrainError('ERR_MEMBERSHIP_CHANGED', reason));
      this.collector = new ReplyCollector(this.members.length);
      const rejoinWait = this.collector.expect<Rejoin>('rejoin', this.generation, survivors.map((m) => m.rank));
      for (const m of survivors) this.send(m.rank, { type: 'reform', generation: this.generation, reason });
      let rejoins: Rejoin[];
      try {
        rejoins = await withTimeout(this.guard(rejoinWait), this.job.deadAfterMs, () => new SeqtrainError('ERR_COLLECTIVE_TIMEOUT', 'no rejoin'));
      } catch (err) {
        if (isSeqtrainError(err, 'ERR_MEMBERSHIP_CHANGED')) continue;
        if (!isSeqtrainError(err, 'ERR_COLLECTIVE_TIMEOUT')) throw err;
        // Survivors that did not answer within deadAfterMs are dropped as well.
        for (const m of survivors) if (!this.collector.hasReply('rejoin', this.generation, m.rank)) this.markLost(m, `did not answer reform within ${this.job.deadAfterMs} ms`);
        continue;
      }
      const next: Member<Ws>[] = survivors.map((m, rank) => {
        const r = rejoins[m.rank] as Rejoin;
        if (!r.commits.includes(rollbackStep)) {
          throw new SeqtrainError('ERR_CHECKPOINT_INVALID', `Rank ${m.rank} holds commits [${r.commits.join(', ')}], not step ${rollbackStep} every rank completed; the ranks disagree on commitEvery.`, { rank: m.rank });
        }
        return { hello: { ...m.hello, ringAddress: r.ringAddress }, connection: m.connection, rank };
      });
      // Joiners take the ranks after the survivors and get rank 0's weights by the same broadcast.
      const joining = this.joiners.splice(0).filter((j) => j.connection.readyState === j.connection.OPEN);
      for (const j of joining) next.push({ hello: j.hello, connection: j.connection, rank: next.length });
      for (const j of joining) joined.push({ hostname: j.hello.hostname, pid: j.hello.pid });
      for (const m of this.members) this.rankOf.delete(m.connection);
      this.members = next;
      for (const m of next) this.rankOf.set(m.connection, m.rank);
      this.world = next.length;
      this.collector = new ReplyCollector(this.world);
      const ready = this.collector.expect<Ready>('ready', this.generation);
      const peers = next.map((m) => m.hello.ringAddress);
      const run = { ...this.runSpec(), resumeFrom: null };
      for (const m of next) {
        if (joining.some((j) => j.connection === m.connection)) {
          this.send(m.rank, { type: 'welcome', generation: this.generation, protocolVersion: PROTOCOL_VERSION, rank: m.rank, worldSize: this.world, peers, run, startStep: rollbackStep });
        } else {
          this.send(m.rank, { type: 'membership', generation: this.generation, rank: m.rank, worldSize: this.world, peers, rollbackStep });
        }
      }
      try {
        await this.guard(ready);
      } catch (err) {
        if (isSeqtrainError(err, 'ERR_MEMBERSHIP_CHANGED')) continue;
        throw err;
      }
      break;
    }
    const change: MembershipChange = { generation: this.generation, lost: lostRecords, joined, atStep, rollbackStep, worldSize: this.world, recoverySeconds: (performance.now() - t0) / 1000 };
    this.membershipChanges.push(change);
    this.log.warn(change, 'ring re-formed');
    this.emit({ type: 'membership', ...change, ranks: rankInfo(this.members) });
  }

  private markLost(m: Member<Ws>, why: string): void {
    if (this.lost.has(m.connection)) return;
    this.lost.set(m.connection, why);
    this.emit({ type: 'rankLost', rank: m.rank, hostname: m.hello.hostname, pid: m.hello.pid, reason: why, generation: this.generation });
    m.connection.terminate();
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

  private runSpec(): RunSpec {
    return buildRunSpec(this.job, { manifest: this.manifest, dataDir: this.dataDir, totalSteps: this.totalSteps, resumeDir: this.resumeDir });
  }

}

function rendezvousTimeoutMs(): number {
  return readEnv().SEQTRAIN_RENDEZVOUS_TIMEOUT_MS ?? DEFAULTS.RENDEZVOUS_TIMEOUT_MS;
}
