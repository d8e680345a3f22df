/**
 * One training process (one rank): selects the backend, opens its ring listener, joins the coordinator,
 * and then obeys it step by step (see the numbered flow in apps/coordinator/src/coordinator.ts).
 * Any error is reported to the coordinator as `failed` (code, message, rank) before the process exits 1.
 */
import { hostname } from 'node:os';
import { DEFAULTS, SeqtrainError, createLogger, readEnv, type Logger } from '@seqtrain/common';
import { selectBackend, type BackendChoice, type SelectedBackend } from '@seqtrain/backend';
import { Collective, WebSocketRingListener } from '@seqtrain/collective';
import { DistributedSampler } from '@seqtrain/data';
import { buildModel, chrfFromStatistics, chrfStatistics, greedyDecodeBatch, resolveModelConfig } from '@seqtrain/models';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DataParallelTrainer, createOptimizer, loadCheckpoint, saveCheckpoint, type TrainerState } from '@seqtrain/trainer';
import { PROTOCOL_VERSION, type CoordinatorMessage, type MessageOf } from '@seqtrain/protocol';
import { openBatchSource, type BatchSource } from './batch-source.js';
import { CoordinatorConnection } from './coordinator-connection.js';

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

interface Session {
  rank: number;
  worldSize: number;
  welcome: Welcome;
  train: BatchSource;
  validation: BatchSource | undefined;
  sampler: DistributedSampler;
  model: LayersModel;
  trainer: DataParallelTrainer;
  collective: Collective;
  state: Omit<TrainerState, 'step' | 'epoch' | 'stepInEpoch'>;
}

/** Resolves with the exit code the process should use. */
export async function runTrainingProcess(options: TrainingProcessOptions): Promise<number> {
  let log = options.logger ?? createLogger({ role: 'trainer', agent: options.agentId, localRank: options.localRank });
  const env = readEnv();
  const backend: SelectedBackend = await selectBackend(options.backend);
  log.info({ backend: backend.name }, backend.description);
  const listener = await WebSocketRingListener.listen({ host: options.ringHost, port: 0 });
  const connection = await CoordinatorConnection.connect(
    options.coordinator,
    env.SEQTRAIN_RENDEZVOUS_TIMEOUT_MS ?? DEFAULTS.RENDEZVOUS_TIMEOUT_MS
  );
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

  let session: Session | undefined;
  try {
    for (;;) {
      const msg = await connection.next();
      switch (msg.type) {
        case 'welcome':
          log = log.child({ rank: msg.rank });
          session = await startSession(msg, listener, log);
          connection.send({ type: 'ready', rank: session.rank, parameterCount: session.model.countParams() });
          break;
        case 'step': {
          const done = await runStep(need(session, msg.type), msg);
          connection.send(done);
          // `log` is the rank's child logger (bound at welcome), so every step line carries rank and step.
          log.debug({ step: msg.step, loss: done.loss, count: done.count, computeSeconds: done.computeSeconds, commSeconds: done.commSeconds, dataSeconds: done.dataSeconds }, 'step done');
          break;
        }
        case 'evaluate':
          connection.send(await runEvaluation(need(session, msg.type), msg));
          break;
        case 'checkpoint':
          connection.send(await writeCheckpoint(need(session, msg.type), msg));
          break;
        case 'shutdown':
          if (msg.failed) log.error({ reason: msg.reason }, 'run aborted by the coordinator');
          return msg.failed ? 1 : 0;
      }
    }
  } catch (err) {
    const e = err instanceof SeqtrainError ? err : new SeqtrainError('ERR_WORKER_FAILED', (err as Error).stack ?? String(err));
    log.error({ code: e.code, err: e.message }, 'training process failed');
    connection.send({ type: 'failed', rank: session?.rank ?? null, error: e.toJSON() });
    return 1;
  } finally {
    await connection.end();
    await session?.collective.close().catch(() => {});
    await listener.close().catch(() => {});
    await session?.train.close().catch(() => {});
    await session?.validation?.close().catch(() => {});
  }
}

function need(session: Session | undefined, what: string): Session {
  if (!session) throw new SeqtrainError('ERR_PROTOCOL', `"${what}" arrived before "welcome".`);
  return session;
}

async function startSession(welcome: Welcome, listener: WebSocketRingListener, log: Logger): Promise<Session> {
  const { rank, worldSize, run } = welcome;
  const train = await openBatchSource(run.dataDir, 'train');
  const sampler = new DistributedSampler({
    datasetSize: train.length,
    worldSize,
    rank,
    globalBatch: run.globalBatch,
    seed: run.seed,
  });
  // Every rank builds the same architecture; rank 0's weights (fresh or from the checkpoint) win by broadcast.
  const resumed = rank === 0 && run.resumeFrom ? await loadCheckpoint(run.resumeFrom) : undefined;
  const model = resumed?.model ?? buildModel(run.modelName, run.modelConfig);
  const transport = await listener.connect({ rank, worldSize, peers: welcome.peers, timeoutMs: run.collectiveTimeoutMs });
  const collective = new Collective(transport, { timeoutMs: run.collectiveTimeoutMs });
  const optimizer = createOptimizer(run.optimizer, run.learningRate);
  const trainer = new DataParallelTrainer({
    model,
    optimizer,
    collective,
    loss: train.loss,
    ...(run.clipNorm !== null ? { clipNorm: run.clipNorm } : {}),
  });
  if (resumed) await trainer.setOptimizerState(resumed.optimizerState);
  await trainer.syncFromRoot(welcome.startStep);
  log.info({ worldSize, peers: welcome.peers.length, startStep: welcome.startStep, trainRows: train.length }, 'ready');
  return {
    rank,
    worldSize,
    welcome,
    train,
    validation: undefined,
    sampler,
    model,
    trainer,
    collective,
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

async function runStep(s: Session, msg: MessageOf<CoordinatorMessage, 'step'>) {
  const t0 = performance.now();
  const indices = s.sampler.localBatch(msg.epoch, msg.stepInEpoch);
  const batch = await s.train.getBatch(indices);
  const dataSeconds = (performance.now() - t0) / 1000;
  const result = await s.trainer.trainStep(batch, { step: msg.step, globalCount: msg.globalCount });
  return {
    type: 'stepDone' as const,
    rank: s.rank,
    step: msg.step,
    loss: result.loss,
    count: result.count,
    computeSeconds: result.computeSeconds,
    commSeconds: result.commSeconds,
    dataSeconds,
  };
}

/** Rows evenly spaced over the validation split, rank r taking every N-th of them. */
async function runEvaluation(s: Session, msg: MessageOf<CoordinatorMessage, 'evaluate'>) {
  s.validation ??= await openBatchSource(s.welcome.run.dataDir, 'validation');
  const rows = s.validation.length;
  const total = Math.min(msg.maxSamples, rows);
  const mine: number[] = [];
  for (let i = s.rank; i < total; i += s.worldSize) mine.push(Math.floor((i * rows) / total));
  let lossSum = 0;
  let count = 0;
  let correct = 0;
  for (let i = 0; i < mine.length; i += msg.batchSize) {
    const batch = await s.validation.getBatch(mine.slice(i, i + msg.batchSize));
    const r = s.trainer.evaluate(batch);
    lossSum += r.lossSum;
    count += r.count;
    correct += r.correct;
  }
  const decoded = msg.decode ? await decodeHeldOut(s, s.validation, msg.step, msg.decode) : {};
  return { type: 'evalDone' as const, rank: s.rank, step: msg.step, lossSum, count, correct, ...decoded };
}

/** Pairs per batched greedy decode: bounds activation memory (tgtLen forward passes per chunk). */
const DECODE_CHUNK_PAIRS = 64;

/**
 * chrF of greedy translations of held-out pairs, split over the ranks: the first `samples` validation
 * pairs (in row order) whose source has at most `maxSourceChars` characters, rank r decoding every N-th.
 * Decoding is the costly part of evaluation (tgtLen forward passes per batch), so every rank takes a
 * share; the chrF n-gram statistics of the shares are summed by an all-reduce, so each rank computes
 * the same corpus chrF (float32 sums of integer counts below 2^24 are exact).
 */
async function decodeHeldOut(s: Session, source: BatchSource, step: number, options: { samples: number; maxSourceChars: number }) {
  if (!source.getPairs) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `chrF decoding needs a pairs dataset; ${s.welcome.run.dataDir} is not one.`, { field: 'data.dir' });
  }
  const chosen: { source: number[]; sourceText: string; targetText: string }[] = [];
  const scan = 256;
  for (let start = 0; start < source.length && chosen.length < options.samples; start += scan) {
    const rows = Array.from({ length: Math.min(scan, source.length - start) }, (_, i) => start + i);
    for (const pair of await source.getPairs(rows)) {
      if (Array.from(pair.sourceText).length <= options.maxSourceChars && chosen.length < options.samples) chosen.push(pair);
    }
  }
  const mine = chosen.filter((_, i) => i % s.worldSize === s.rank);
  const vocab = source.vocab;
  const startId = vocab.indexOf('\t');
  const endId = vocab.indexOf('\n');
  const hypotheses: string[] = [];
  for (let i = 0; i < mine.length; i += DECODE_CHUNK_PAIRS) {
    const chunk = mine.slice(i, i + DECODE_CHUNK_PAIRS);
    for (const r of greedyDecodeBatch(s.model, chunk.map((p) => p.source), { startId, endId })) {
      hypotheses.push(r.ids.filter((id) => id !== endId).map((id) => vocab[id] ?? '').join(''));
    }
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
  return { type: 'checkpointDone' as const, rank: s.rank, step: msg.step, path };
}
