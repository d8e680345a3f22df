/**
 * A user of the published packages: pack-install.spec.ts copies this file into a scratch project
 * OUTSIDE the workspace, where @seqtrain/* come from `npm pack` tarballs and everything else from the
 * npm registry, compiles it there against the shipped .d.ts files, and runs it there.
 *
 * It imports the packages by name only (their `exports` maps), prepares a tiny corpus, builds a
 * char-lm on each of two ranks with DIFFERENT seeds (so only the rank-0 broadcast can make them
 * equal), joins them by a real WebSocket ring on loopback in this one process, trains STEPS steps,
 * and prints one JSON line (TwoRankReport) on stdout. Usage: node train-two-ranks.js [backend].
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isBackendChoice, selectBackend } from '@seqtrain/backend';
import { Collective, createLocalWebSocketRing } from '@seqtrain/collective';
import { ArrowDataset, DistributedSampler, prepareText } from '@seqtrain/data';
import { CHAR_LM_MODEL_NAME, buildModel } from '@seqtrain/models';
import { DataParallelTrainer, createOptimizer, flattenTensors } from '@seqtrain/trainer';

export interface TwoRankReport {
  backend: string;
  worldSize: number;
  parameterCount: number;
  /** losses[step][rank]: each rank's mean loss over its local samples (nats). */
  losses: number[][];
  /** sha256 of each rank's weights (float32 bytes in model.weights order) before syncFromRoot. */
  checksumsBeforeSync: string[];
  /** The same after syncFromRoot, and after the last step. */
  checksumsAfterSync: string[];
  checksumsAfterTraining: string[];
  /** Sum of rank 0's final weights, for a human reading the report. */
  weightSum: number;
}

const WORLD_SIZE = 2;
const STEPS = 2;
const GLOBAL_BATCH = 16;
const SEQ_LEN = 12;
const SEED = 7;
const COLLECTIVE_TIMEOUT_MS = 60_000;
const CORPUS =
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, ' +
  'and nothing particular to interest me on shore, I thought I would sail about a little and see the watery ' +
  'part of the world. It is a way I have of driving off the spleen and regulating the circulation. ';

async function weightsOf(model: ReturnType<typeof buildModel>): Promise<Float32Array> {
  return flattenTensors(model.weights.map((w) => w.read()));
}

function sha256(values: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex');
}

async function main(): Promise<void> {
  const choice = process.argv[2] ?? 'wasm';
  if (!isBackendChoice(choice)) throw new Error(`Unknown backend ${JSON.stringify(choice)}.`);
  const backend = await selectBackend(choice);

  const dir = process.cwd();
  const input = path.join(dir, 'corpus.txt');
  const dataDir = path.join(dir, 'data');
  await writeFile(input, CORPUS.repeat(4));
  await prepareText({ input, out: dataDir, seqLen: SEQ_LEN, step: 3, shards: 2, validationFraction: 0 });

  const ring = await createLocalWebSocketRing(WORLD_SIZE, { timeoutMs: COLLECTIVE_TIMEOUT_MS });
  const ranks = await Promise.all(
    ring.transports.map(async (transport, rank) => {
      const dataset = await ArrowDataset.open(dataDir, 'train');
      const sampler = new DistributedSampler({ datasetSize: dataset.length, worldSize: WORLD_SIZE, rank, globalBatch: GLOBAL_BATCH, seed: SEED });
      const model = buildModel(CHAR_LM_MODEL_NAME, {
        vocabSize: dataset.manifest.vocab.length,
        seqLen: SEQ_LEN,
        embeddingDim: 8,
        units: 16,
        cell: 'lstm',
        seed: SEED + rank,
      });
      const collective = new Collective(transport, { timeoutMs: COLLECTIVE_TIMEOUT_MS });
      const trainer = new DataParallelTrainer({ model, optimizer: createOptimizer('adam', 0.01), collective });
      return { rank, dataset, sampler, model, collective, trainer };
    })
  );
  try {
    const checksums = async (): Promise<string[]> => Promise.all(ranks.map(async (r) => sha256(await weightsOf(r.model))));
    const checksumsBeforeSync = await checksums();
    await Promise.all(ranks.map((r) => r.trainer.syncFromRoot(0)));
    const checksumsAfterSync = await checksums();
    const losses: number[][] = [];
    for (let step = 0; step < STEPS; step++) {
      const results = await Promise.all(
        ranks.map(async (r) => {
          const batch = await r.dataset.getBatch(r.sampler.localBatch(0, step));
          return r.trainer.trainStep(batch, { step, globalCount: r.sampler.globalBatch(0, step).length });
        })
      );
      losses.push(results.map((res) => res.loss));
    }
    const checksumsAfterTraining = await checksums();
    const [first] = ranks;
    if (first === undefined) throw new Error('No ranks.');
    const report: TwoRankReport = {
      backend: backend.name,
      worldSize: WORLD_SIZE,
      parameterCount: first.model.countParams(),
      losses,
      checksumsBeforeSync,
      checksumsAfterSync,
      checksumsAfterTraining,
      weightSum: (await weightsOf(first.model)).reduce((sum, v) => sum + v, 0),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await Promise.all(ranks.map((r) => r.collective.close()));
    await ring.close();
    await Promise.all(ranks.map((r) => r.dataset.close()));
  }
}

await main();
