/**
 * `seqtrain bench costmodel`: fits the alpha-beta model (tools/bench cost-model.ts) to a JSON-lines
 * output of `seqtrain bench allreduce --json`, measures the seed models' compute time per step on this
 * machine's backend, and writes the predicted step time and weak-scaling efficiency at 8..256 workers
 * over 10/25/100 Gbit links (ring and hierarchical) as a Markdown table and an SVG plot.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeqtrainError } from '@seqtrain/common';
// Static: the ring code loads no tfjs, and other CLI files import it statically (the module-boundary rule forbids mixing).
import * as collective from '@seqtrain/collective';

export interface CostModelRunOptions {
  /** JSON lines of `seqtrain bench allreduce --json`. */
  benchFile: string;
  /** Directory for costmodel.md and costmodel.svg. */
  outDir: string;
  /** Samples of one worker's local batch when timing the models. */
  localBatch: number;
  bucketCapBytes: number;
  /** Share of communication hidden behind compute (a measured commHiddenFraction). */
  hiddenFraction: number;
  backend: string;
  out?: (line: string) => void;
}

/** The seed models: the default job's char-lm, a wider GRU char-lm, and the sentiment LSTM on IMDB-sized input (80 tokens). */
const SEED_MODELS = [
  { name: 'char-lm (LSTM 128)', model: 'char-lm', config: { vocabSize: 80, seqLen: 40 }, seqLen: 40, vocab: 80, loss: 'sparse_categorical_crossentropy', classes: 80 },
  { name: 'char-lm (GRU 256)', model: 'char-lm', config: { vocabSize: 80, seqLen: 40, cell: 'gru', units: 256 }, seqLen: 40, vocab: 80, loss: 'sparse_categorical_crossentropy', classes: 80 },
  { name: 'sentiment-lstm (IMDB)', model: 'sentiment-lstm', config: { vocabSize: 20_000, maxlen: 80 }, seqLen: 80, vocab: 20_000, loss: 'binary_crossentropy', classes: 2 },
] as const;

export async function runCostModel(options: CostModelRunOptions): Promise<void> {
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const [bench, backend, models, trainer] = await Promise.all([
    import('@seqtrain/bench'),
    import('@seqtrain/backend'),
    import('@seqtrain/models'),
    import('@seqtrain/trainer'),
  ]);
  const rows = (await readFile(options.benchFile, 'utf8'))
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as { ranks: number; bytes: number; seconds: number; compression?: string })
    .filter((row) => (row.compression ?? 'none') === 'none');
  if (rows.length === 0) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${options.benchFile} holds no fp32 rows of \`seqtrain bench allreduce --json\`; run that first and pass its output.`, { file: options.benchFile });
  }
  const measured = bench.fitAlphaBeta(rows);
  out(`fit to ${rows.length} measured rows: alpha ${(measured.alphaSeconds * 1e6).toFixed(1)} us per ring step, software bandwidth ${(1 / measured.betaSecondsPerByte / 1e9).toFixed(3)} GB/s`);
  out('measured vs fitted all-reduce time (the model checked against the 2-4 rank runs):');
  for (const row of rows) {
    const fitted = bench.ringAllreduceSeconds(measured, row.ranks, row.bytes);
    out(`  ${row.ranks} ranks ${bench.formatSize(row.bytes).padStart(6)}: measured ${(row.seconds * 1e3).toFixed(1)} ms, model ${(fitted * 1e3).toFixed(1)} ms (${((fitted / row.seconds - 1) * 100).toFixed(0)}%)`);
  }

  const selected = await backend.selectBackend(options.backend as 'auto');
  out(`timing the seed models (backend ${selected.name}, local batch ${options.localBatch}, 1 warm-up + 2 timed steps):`);
  const specs = [];
  for (const seed of SEED_MODELS) {
    const model = models.buildModel(seed.model, { ...seed.config, seed: 1 });
    const [transport] = collective.createInMemoryTransports(1);
    const t = new trainer.DataParallelTrainer({
      model,
      optimizer: trainer.createOptimizer('sgd', 0.01),
      collective: new collective.Collective(transport as NonNullable<typeof transport>),
      loss: seed.loss,
    });
    const count = options.localBatch;
    const batch = {
      x: Int32Array.from({ length: count * seed.seqLen }, (_, i) => 1 + ((i * 7919) % (seed.vocab - 1))),
      y: Int32Array.from({ length: count }, (_, i) => (i * 31) % seed.classes),
      count,
      seqLen: seed.seqLen,
    };
    let computeSeconds = 0;
    for (let step = 0; step < 3; step++) {
      const result = await t.trainStep(batch, { step, globalCount: count });
      if (step > 0) computeSeconds += result.computeSeconds / 2;
    }
    const parameters = model.countParams();
    out(`  ${seed.name}: ${parameters.toLocaleString('en-US')} parameters, ${(computeSeconds * 1e3).toFixed(0)} ms per local batch`);
    specs.push({ name: seed.name, parameters, computeSeconds });
  }
  const predictions = bench.predict({ measured, models: specs, bucketCapBytes: options.bucketCapBytes, hiddenFraction: options.hiddenFraction });
  const table = bench.predictionTable(predictions);
  out(table);
  await mkdir(options.outDir, { recursive: true });
  const title = `predicted weak-scaling efficiency (alpha ${(measured.alphaSeconds * 1e6).toFixed(0)} us, software ${(1 / measured.betaSecondsPerByte / 1e9).toFixed(2)} GB/s, ${selected.name} compute)`;
  await writeFile(join(options.outDir, 'costmodel.svg'), bench.predictionSvg(predictions, title));
  await writeFile(join(options.outDir, 'costmodel.md'), `${title}\n\nEfficiency (step time) per worker count; ring = flat ring over all workers, hierarchical = 8 ranks per node.\n\n${table}\n`);
  out(`wrote ${join(options.outDir, 'costmodel.md')} and ${join(options.outDir, 'costmodel.svg')}`);
}
