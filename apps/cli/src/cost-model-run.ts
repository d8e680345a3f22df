/**
 * `seqtrain bench costmodel`: fits the alpha-beta model (tools/bench cost-model.ts) to a JSON-lines
 * output of `seqtrain bench allreduce --json` (loopback), checks it against every measured row: the
 * loopback ones against the fit, the shaped-namespace ones of `seqtrain bench netns --json` against its
 * prediction (cost-model-check.ts), measures the seed models' compute time per step on this machine's
 * backend, and writes the predicted step time and weak-scaling efficiency at 8..256 workers over
 * 10/25/100 Gbit links (ring and hierarchical) as a Markdown table and an SVG plot.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeqtrainError } from '@seqtrain/common';
// Static: the ring code loads no tfjs, and other CLI files import it statically (the module-boundary rule forbids mixing).
import * as collective from '@seqtrain/collective';
import type { BenchRowForModel } from '@seqtrain/bench';

export interface CostModelRunOptions {
  /** JSON lines of `seqtrain bench allreduce --json`. */
  benchFile: string;
  /** Files of JSON lines of `seqtrain bench netns --json` (shaped links), predicted from the loopback fit. */
  netnsBenchFiles?: string[];
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
  const readRows = async (file: string): Promise<BenchRowForModel[]> =>
    (await readFile(file, 'utf8'))
      .split('\n')
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => JSON.parse(line) as BenchRowForModel);
  const loopback = (await readRows(options.benchFile)).filter((row) => row.link === undefined);
  const rows = loopback.filter((row) => (row.compression ?? 'none') === 'none');
  if (rows.length === 0) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${options.benchFile} holds no fp32 rows of \`seqtrain bench allreduce --json\`; run that first and pass its output.`, { file: options.benchFile });
  }
  const netns: BenchRowForModel[] = [];
  for (const file of options.netnsBenchFiles ?? []) {
    const shaped = (await readRows(file)).filter((row) => row.link !== undefined);
    if (shaped.length === 0) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${file} holds no rows of \`seqtrain bench netns --json\` (rows with a "link"); run that first and pass its output.`, { file });
    }
    netns.push(...shaped);
  }
  const measured = bench.fitAlphaBeta(rows);
  const check = bench.checkCostModel(loopback, netns);
  const gbps = (p: { betaSecondsPerByte: number }): string => (1 / p.betaSecondsPerByte / 1e9).toFixed(3);
  for (const [compression, p] of check.software) {
    out(`software (loopback, ${compression === 'none' ? 'fp32' : compression}, ${loopback.filter((r) => (r.compression ?? 'none') === compression).length} rows): alpha ${(p.alphaSeconds * 1e6).toFixed(1)} us per ring step, ${gbps(p)} GB/s`);
  }
  for (const [rate, p] of check.shaped) {
    out(`shaped link ${rate} (fp32 namespace rows, fitted for comparison): alpha ${(p.alphaSeconds * 1e6).toFixed(1)} us, ${gbps(p)} GB/s; the wire's payload rate ${(bench.parseLinkRate(rate) * bench.TBF_TCP_PAYLOAD_FRACTION / 8e9).toFixed(3)} GB/s`);
  }
  out('measured vs model all-reduce time (loopback rows against their fit, namespace rows predicted from the loopback software and the wire):');
  const checkTable = bench.costModelCheckTable(check.rows);
  out(checkTable);

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
  await writeFile(
    join(options.outDir, 'costmodel.md'),
    `${title}\n\nEfficiency (step time) per worker count; ring = flat ring over all workers, hierarchical = 8 ranks per node.\n\n${table}\n\n` +
      `The model checked against the measured all-reduces (error = model / measured - 1):\n\n${checkTable}\n`
  );
  out(`wrote ${join(options.outDir, 'costmodel.md')} and ${join(options.outDir, 'costmodel.svg')}`);
}
