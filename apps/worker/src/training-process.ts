/**
 * One training process (one rank): selects the backend, opens its ring listener, joins the coordinator,
 * and then obeys it step by step (see the numbered flow in apps/coordinator/src/coordinator.ts).
 *
 * Failure handling:
 *  - A collective that fails (a peer closed, a timeout) is reported as `ringBroken`; the process keeps its
 *    model and commits and waits for the coordinator: `reform` + `membership` re-form the ring and roll
 *    back to a commit (elastic jobs), `shutdown` ends it (other jobs).
 *  - A lost coordinator connection is retried with backoff for SEQTRAIN_COORDINATOR_RETRY_MS; a
 *    coordinator that comes back (restarted with --resume) gets a fresh `hello`, and the process starts
 *    over from its `welcome`. Past the budget the process exits with ERR_COORDINATOR_UNREACHABLE naming
 *    the address.
 *  - Any other error is reported to the coordinator as `failed` (code, message, rank) before the process exits 1.
 */
import { hostname } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DEFAULTS, SeqtrainError, createLogger, readEnv, type Logger } from '@seqtrain/common';
import { selectBackend, type BackendChoice, type SelectedBackend } from '@seqtrain/backend';
import { WebSocketRingListener } from '@seqtrain/collective';
import { buildModel, chrfFromStatistics, chrfStatistics, greedyDecodeBatch, loadPretrainedEmbedding, readGloveFile, resolveModelConfig } from '@seqtrain/models';
import { CommitStore, checkReplicas, createOptimizer, loadCheckpoint, replicaCheckDue, saveCheckpoint, type TrainerState } from '@seqtrain/trainer';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { PROTOCOL_VERSION, type CoordinatorMessage, type MessageOf, type RunSpec } from '@seqtrain/protocol';
import { modelTargets, openBatchSource, type BatchSource } from './batch-source.js';
import { CoordinatorConnection } from './coordinator-connection.js';
import { RING_FAILURE_CODES, formRing, type RingPlace, type Session } from './ring-session.js';
import { collectiveDelay, sampleLog } from './test-hooks.js';
import { WeightSnapshots } from './weight-snapshots.js';

export interface TrainingProcessOptions {
  /** ws:// address of the coordinator. */
  coordinator: string;
  agentId: string;
  localRank: number;
  backend: BackendChoice;
  /** Interface the ring listener binds to and advertises. */
  ringHost: string;
  logger?: Logger;
}

type Welcome = MessageOf<CoordinatorMessage, 'welcome'>;
type Membership = MessageOf<CoordinatorMessage, 'membership'>;

/** How one conversation with the coordinator ended. */
type Outcome = { exitCode: number } | { lost: SeqtrainError };

/** Resolves with the exit code the process should use. */
export async function runTrainingProcess(options: TrainingProcessOptions): Promise<number> {
  const log = options.logger ?? createLogger({ role: 'trainer', agent: options.agentId, localRank: options.localRank });
  const env = readEnv();
  const backend: SelectedBackend = await selectBackend(options.backend);
  log.info({ backend: backend.name }, backend.description);
  let connectTimeoutMs = env.SEQTRAIN_RENDEZVOUS_TIMEOUT_MS ?? DEFAULTS.RENDEZVOUS_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    let connection: CoordinatorConnection;
    try {
      connection = await CoordinatorConnection.connect(options.coordinator, connectTimeoutMs);
    } catch (err) {
      if (attempt === 0) throw err;
      throw new SeqtrainError(
        'ERR_COORDINATOR_UNREACHABLE',
        `Lost the coordinator at ${options.coordinator} and could not reach it again within ${connectTimeoutMs} ms (${(err as Error).message}). Restart it (seqtrain coordinator --resume RUN_DIR ...) or raise SEQTRAIN_COORDINATOR_RETRY_MS.`,
        { address: options.coordinator }
      );
    }
    const outcome = await converse(connection, options, backend, log);
    if ('exitCode' in outcome) return outcome.exitCode;
    connectTimeoutMs = env.SEQTRAIN_COORDINATOR_RETRY_MS ?? DEFAULTS.COORDINATOR_RETRY_MS;
    log.warn({ err: outcome.lost.message, retryMs: connectTimeoutMs }, 'lost the coordinator; retrying with backoff');
  }
}

/** One conversation: hello, welcome, steps... until shutdown, an error, or the coordinator is lost. */
async function converse(connection: CoordinatorConnection, options: TrainingProcessOptions, backend: SelectedBackend, baseLog: Logger): Promise<Outcome> {
  let log = baseLog;
  let listener = await WebSocketRingListener.listen({ host: options.ringHost, port: 0 });
  connection.send({
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    agentId: options.agentId,
    localRank: options.localRank,
    hostname: hostname(),
    pid: process.pid,
    ringAddress: listener.address,
    backend: backend.name,
    backendDescription: backend.description,
  });
  const delay = collectiveDelay();
  let session: Session | undefined;
  /** A `reform` has arrived and not been handled yet: whatever the ring was doing is moot. */
  let superseded = false;
  const ringFailure = (err: unknown): err is SeqtrainError => err instanceof SeqtrainError && (superseded || RING_FAILURE_CODES.has(err.code));
  // A collective blocked on a dead peer would wait out its timeout; reform/shutdown end it at once.
  connection.onArrival = (msg) => {
    if (msg.type === 'reform') superseded = true;
    if ((msg.type === 'reform' || msg.type === 'shutdown') && session) {
      void session.collective.close().catch(() => {});
      // Also ends a ring formation in progress (a dial to a peer that died during the re-formation).
      void session.listener.close().catch(() => {});
    }
  };
  const beforeCollective = async (name: string, step: number): Promise<void> => {
    if (!session) return;
    const { generation, rank } = session.place;
    if (delay && delay.rank === rank && delay.step === step && generation === 0) {
      log.warn({ step, ms: delay.ms }, 'test hook: delaying the collective (SEQTRAIN_TEST_DELAY_COLLECTIVE)');
      await new Promise((r) => setTimeout(r, delay.ms));
    }
    connection.send({ type: 'collectiveEnter', generation, rank, step, name });
  };
  try {
    for (;;) {
      let msg: CoordinatorMessage;
      try {
        msg = await connection.next();
      } catch (err) {
        if (err instanceof SeqtrainError && err.code === 'ERR_PEER_CLOSED') return { lost: err };
        throw err;
      }
      if (session && msg.type !== 'welcome' && msg.type !== 'shutdown' && msg.type !== 'reform' && msg.generation !== session.place.generation) {
        log.debug({ type: msg.type, generation: msg.generation, current: session.place.generation }, 'dropped a message of another generation');
        continue;
      }
      switch (msg.type) {
        case 'welcome':
          log = baseLog.child({ rank: msg.rank });
          session = await startSession(msg, listener, beforeCollective, log);
          connection.send({ type: 'ready', generation: msg.generation, rank: msg.rank, parameterCount: session.model.countParams() });
          break;
        case 'step': {
          const s = need(session, msg.type);
          let done;
          try {
            done = await runStep(s, msg);
          } catch (err) {
            if (!ringFailure(err)) throw err;
            log.warn({ step: msg.step, code: err.code, err: err.message }, 'collective failed; waiting for the coordinator to re-form the ring');
            connection.send({ type: 'ringBroken', generation: s.place.generation, rank: s.place.rank, step: msg.step, error: err.toJSON() });
            break;
          }
          connection.send(done);
          const completed = msg.step + 1;
          const t0 = performance.now();
          if (completed % s.run.commitEvery === 0) await s.commits.commit(s.trainer, completed);
          // `log` is the rank's child logger (bound at welcome), so every step line carries rank and step.
          log.debug({ step: msg.step, loss: done.loss, count: done.count, computeSeconds: done.computeSeconds, commSeconds: done.commSeconds, commExposedSeconds: done.commExposedSeconds, dataSeconds: done.dataSeconds, commitSeconds: (performance.now() - t0) / 1000 }, 'step done');
          break;
        }
        case 'evaluate':
          connection.send(await runEvaluation(need(session, msg.type), msg));
          break;
        case 'checkpoint':
          connection.send(await writeCheckpoint(need(session, msg.type), msg));
          break;
        case 'reform': {
          const s = need(session, msg.type);
          superseded = false;
          log.warn({ generation: msg.generation, reason: msg.reason }, 'the coordinator re-forms the ring');
          await s.collective.close().catch(() => {});
          listener = await WebSocketRingListener.listen({ host: options.ringHost, port: 0 });
          s.listener = listener;
          connection.send({ type: 'rejoin', generation: msg.generation, rank: s.place.rank, ringAddress: listener.address, commits: s.commits.steps() });
          s.place = { ...s.place, generation: msg.generation };
          break;
        }
        case 'membership': {
          const s = need(session, msg.type);
          log = baseLog.child({ rank: msg.rank });
          try {
            await rejoinRing(s, msg, beforeCollective, log);
          } catch (err) {
            if (!ringFailure(err)) throw err;
            log.warn({ generation: msg.generation, code: err.code, err: err.message }, 'the re-formed ring broke while forming; waiting for the coordinator');
            connection.send({ type: 'ringBroken', generation: msg.generation, rank: msg.rank, step: msg.rollbackStep, error: err.toJSON() });
            break;
          }
          connection.send({ type: 'ready', generation: msg.generation, rank: msg.rank, parameterCount: s.model.countParams() });
          break;
        }
        case 'shutdown':
          if (msg.failed) log.error({ reason: msg.reason }, 'run aborted by the coordinator');
          return { exitCode: msg.failed ? 1 : 0 };
      }
    }
  } catch (err) {
    const e = err instanceof SeqtrainError ? err : new SeqtrainError('ERR_WORKER_FAILED', (err as Error).stack ?? String(err));
    log.error({ code: e.code, err: e.message }, 'training process failed');
    connection.send({ type: 'failed', rank: session?.place.rank ?? null, error: e.toJSON() });
    return { exitCode: 1 };
  } finally {
    connection.onArrival = undefined;
    await connection.end();
    await session?.collective.close().catch(() => {});
    await listener.close().catch(() => {});
    await session?.train.close().catch(() => {});
    await session?.validation?.close().catch(() => {});
    await session?.test?.close().catch(() => {});
    session?.snapshots.dispose();
  }
}

function need(session: Session | undefined, what: string): Session {
  if (!session) throw new SeqtrainError('ERR_PROTOCOL', `"${what}" arrived before "welcome".`);
  return session;
}

type BeforeCollective = (name: string, step: number) => Promise<void>;

async function startSession(welcome: Welcome, listener: WebSocketRingListener, beforeCollective: BeforeCollective, log: Logger): Promise<Session> {
  const { rank, worldSize, run } = welcome;
  const train = await openBatchSource(run.dataDir, 'train', { targets: modelTargets(run.modelConfig) });
  // Every rank builds the same architecture; rank 0's weights (fresh or from the checkpoint) win by broadcast.
  const resumed = rank === 0 && run.resumeFrom ? await loadCheckpoint(run.resumeFrom) : undefined;
  const model = resumed?.model ?? buildModel(run.modelName, run.modelConfig);
  if (run.embeddings) await applyEmbeddings(model, run.embeddings, train.vocab, resumed !== undefined);
  const optimizer = createOptimizer(run.optimizer, run.learningRate);
  const place: RingPlace = { generation: welcome.generation, rank, worldSize, peers: welcome.peers };
  const ring = await formRing({ run, place, listener, train, model, optimizer, beforeCollective, ...(welcome.nodes ? { nodes: welcome.nodes } : {}) }, log);
  if (resumed) await ring.trainer.setOptimizerState(resumed.optimizerState);
  await ring.trainer.syncFromRoot(welcome.startStep);
  const commits = new CommitStore();
  await commits.commit(ring.trainer, welcome.startStep);
  log.info({ worldSize, peers: welcome.peers.length, startStep: welcome.startStep, trainRows: train.length }, 'ready');
  return {
    run,
    place,
    listener,
    train,
    validation: undefined,
    test: undefined,
    snapshots: new WeightSnapshots(),
    model,
    optimizer,
    commits,
    ...ring,
    state: {
      seed: run.seed,
      optimizer: { name: run.optimizer, learningRate: run.learningRate },
      model: { name: run.modelName, config: resolveModelConfig(run.modelName, run.modelConfig) },
      dataset: run.dataDir,
      vocab: [...train.vocab],
      ...(train.sourceVocab ? { sourceVocab: [...train.sourceVocab] } : {}),
    },
  };
}

/**
 * The job's pretrained vectors, on every rank before the trainer sees the model: freezing takes the
 * layer out of the trainable weights, which every rank's gradient buckets must agree on. A rank that
 * resumed keeps its checkpoint's values (rank 0's weights are broadcast anyway) and only sets the flag.
 */
async function applyEmbeddings(model: LayersModel, embeddings: NonNullable<RunSpec['embeddings']>, vocab: readonly string[], resumed: boolean): Promise<void> {
  const layer = model.layers.find((l) => l.name === embeddings.layer);
  if (!layer) {
    throw new SeqtrainError(
      'ERR_JOB_INVALID',
      `model.embeddings.layer "${embeddings.layer}" is not a layer of this model (its layers: ${model.layers.map((l) => l.name).join(', ')}). Name its Embedding layer.`,
      { field: 'model.embeddings.layer' }
    );
  }
  if (resumed) {
    layer.trainable = embeddings.trainable;
    return;
  }
  const dim = layer.weights[0]?.shape[1] ?? 0;
  const glove = await readGloveFile(embeddings.file, vocab, dim);
  loadPretrainedEmbedding(model, glove, { layerName: embeddings.layer, trainable: embeddings.trainable });
}

/** A survivor's side of a re-formation: back to the agreed commit, the new ring, rank 0's state by broadcast. */
async function rejoinRing(s: Session, msg: Membership, beforeCollective: BeforeCollective, log: Logger): Promise<void> {
  const t0 = performance.now();
  await s.commits.restore(s.trainer, msg.rollbackStep, s.place.rank);
  s.place = { generation: msg.generation, rank: msg.rank, worldSize: msg.worldSize, peers: msg.peers };
  const ring = await formRing({ run: s.run, place: s.place, listener: s.listener, train: s.train, model: s.model, optimizer: s.optimizer, beforeCollective }, log);
  Object.assign(s, ring);
  // Survivors already agree; the broadcast makes that a checked fact, and is what a joining rank needs.
  await s.trainer.syncFromRoot(msg.rollbackStep);
  log.info({ generation: msg.generation, worldSize: msg.worldSize, rollbackStep: msg.rollbackStep, seconds: (performance.now() - t0) / 1000 }, 'rejoined the re-formed ring');
}

const logSamples = sampleLog();

async function runStep(s: Session, msg: MessageOf<CoordinatorMessage, 'step'>) {
  const t0 = performance.now();
  const indices = s.sampler.localBatch(msg.epoch, msg.stepInEpoch);
  logSamples?.({ generation: s.place.generation, step: msg.step, epoch: msg.epoch, rank: s.place.rank, worldSize: s.place.worldSize, indices });
  const batch = await s.train.getBatch(indices);
  const dataSeconds = (performance.now() - t0) / 1000;
  const result = await s.trainer.trainStep(batch, { step: msg.step, globalCount: msg.globalCount });
  if (replicaCheckDue(s.run.checkReplicasEvery, msg.step)) await checkReplicas(s.collective, s.model, msg.step);
  return {
    type: 'stepDone' as const,
    generation: s.place.generation,
    rank: s.place.rank,
    step: msg.step,
    loss: result.loss,
    count: result.count,
    computeSeconds: result.computeSeconds,
    commSeconds: result.commSeconds,
    commExposedSeconds: result.commExposedSeconds,
    dataSeconds,
  };
}

/**
 * Rows evenly spaced over the split (validation unless the message names test), rank r taking every
 * N-th of them. restoreBest: `restoreStep` first sets the weights to that kept copy; `snapshot` keeps
 * a copy of the weights evaluated here, and only the steps in `retain` survive besides it.
 */
async function runEvaluation(s: Session, msg: MessageOf<CoordinatorMessage, 'evaluate'>) {
  if (msg.restoreStep !== undefined) s.snapshots.restore(msg.restoreStep, s.model, s.place.rank);
  const targets = { targets: modelTargets(s.run.modelConfig) };
  const source =
    msg.split === 'test' ? (s.test ??= await openBatchSource(s.run.dataDir, 'test', targets)) : (s.validation ??= await openBatchSource(s.run.dataDir, 'validation', targets));
  const rows = source.length;
  const total = Math.min(msg.maxSamples, rows);
  const { rank, worldSize } = s.place;
  const mine: number[] = [];
  for (let i = rank; i < total; i += worldSize) mine.push(Math.floor((i * rows) / total));
  let lossSum = 0;
  let count = 0;
  let correct = 0;
  const original = { sum: 0, count: 0 };
  for (let i = 0; i < mine.length; i += msg.batchSize) {
    const indices = mine.slice(i, i + msg.batchSize);
    const batch = await source.getBatch(indices);
    const r = s.trainer.evaluate(batch, { outputs: source.originalSquaredError !== undefined });
    lossSum += r.lossSum;
    count += r.count;
    correct += r.correct;
    if (source.originalSquaredError && r.outputs) {
      const e = await source.originalSquaredError(indices, r.outputs);
      original.sum += e.sum;
      original.count += e.count;
    }
  }
  const decoded = msg.decode ? await decodeHeldOut(s, source, msg.step, msg.decode) : {};
  const series = source.originalSquaredError ? { originalSquaredErrorSum: original.sum, originalTargets: original.count } : {};
  if (msg.snapshot) {
    s.snapshots.take(msg.step, s.model);
    s.snapshots.retainOnly([msg.step, ...(msg.retain ?? [])]);
  }
  return { type: 'evalDone' as const, generation: s.place.generation, rank, step: msg.step, lossSum, count, correct, ...series, ...decoded };
}

/**
 * Pairs per batched greedy decode. Each chunk is synchronous compute; between chunks the event loop
 * turns (decodeHeldOut awaits setImmediate), so the rank answers the coordinator's pings and control
 * messages at least once per chunk. One chunk of the seq2seq-eng-spa job (64 verses, tgtLen 102,
 * 128 units) decodes in 2.3-3.3 s on wasm with other load (`seqtrain bench decode`), inside the
 * coordinator's silence limits (deadAfterMs 10 s; stallAbortMs while a command is pending).
 */
const DECODE_CHUNK_PAIRS = 64;

/**
 * chrF of greedy translations of held-out pairs, split over the ranks: the first `samples` validation
 * pairs (in row order) whose source has at most `maxSourceChars` characters, rank r decoding every N-th.
 * Decoding is the costly part of evaluation (tgtLen decoder steps per chunk), so every rank takes a
 * share; the chrF n-gram statistics of the shares are summed by an all-reduce, so each rank computes
 * the same corpus chrF (float32 sums of integer counts below 2^24 are exact).
 */
async function decodeHeldOut(s: Session, source: BatchSource, step: number, options: { samples: number; maxSourceChars: number }) {
  if (!source.getPairs) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `chrF decoding needs a pairs dataset; ${s.run.dataDir} is not one.`, { field: 'data.dir' });
  }
  const chosen: { source: number[]; sourceText: string; targetText: string }[] = [];
  const scan = 256;
  for (let start = 0; start < source.length && chosen.length < options.samples; start += scan) {
    const rows = Array.from({ length: Math.min(scan, source.length - start) }, (_, i) => start + i);
    for (const pair of await source.getPairs(rows)) {
      if (Array.from(pair.sourceText).length <= options.maxSourceChars && chosen.length < options.samples) chosen.push(pair);
    }
  }
  const mine = chosen.filter((_, i) => i % s.place.worldSize === s.place.rank);
  const vocab = source.vocab;
  const startId = vocab.indexOf('\t');
  const endId = vocab.indexOf('\n');
  const hypotheses: string[] = [];
  for (let i = 0; i < mine.length; i += DECODE_CHUNK_PAIRS) {
    const chunk = mine.slice(i, i + DECODE_CHUNK_PAIRS);
    for (const r of greedyDecodeBatch(s.model, chunk.map((p) => p.source), { startId, endId })) {
      hypotheses.push(r.ids.filter((id) => id !== endId).map((id) => vocab[id] ?? '').join(''));
    }
    await nextTurn();
  }
  const references = mine.map((p) => p.targetText);
  const stats = [...chrfStatistics(hypotheses, references), ...chrfStatistics(mine.map((p) => p.sourceText), references), mine.length];
  const summed = await s.collective.allReduce(Float32Array.from(stats), { name: 'eval-chrf', step, op: 'sum' });
  const half = (summed.length - 1) / 2;
  return {
    chrf: chrfFromStatistics(Array.from(summed.subarray(0, half))),
    copyChrf: chrfFromStatistics(Array.from(summed.subarray(half, 2 * half))),
    decoded: Math.round(summed[2 * half] ?? 0),
  };
}

async function writeCheckpoint(s: Session, msg: MessageOf<CoordinatorMessage, 'checkpoint'>) {
  const state: TrainerState = { ...s.state, step: msg.step, epoch: msg.epoch, stepInEpoch: msg.stepInEpoch };
  const path = await saveCheckpoint(msg.dir, {
    model: s.model,
    optimizerState: await s.trainer.getOptimizerState(),
    state,
  });
  return { type: 'checkpointDone' as const, generation: s.place.generation, rank: s.place.rank, step: msg.step, path };
}
