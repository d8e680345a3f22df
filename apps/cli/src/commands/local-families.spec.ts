/**
 * End to end for the dataset kinds beyond text and classification: each shipped job file of
 * datasets/jobs trains a few steps through `seqtrain local` (coordinator, worker agents and training
 * processes on loopback, ring all-reduce), with small models. For time series, image rows and
 * seq2seq: 1 worker x B and 2 workers x B/2 (SGD, no dropout) end with the same weights (1e-5); the
 * checkpoint, reloaded in this process, predicts what the ranks validated (the summary's figure).
 * Character variants (GRU, one-hot input with window 60) train with 2 workers and generate text; the
 * many-to-many char-lm (char-lstm-moby.yaml, targets: sequence) also shows world-size invariance, scores
 * every validation character once and reloads to the figure the ranks reported.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableDataset, readDatasetManifest, toOriginalUnits } from '@seqtrain/data';
import { openBatchSource } from '@seqtrain/worker';
import { RUN_TIMEOUT_MS, maxAbsDiff, seqtrain, weightsOf } from './cli-e2e.testing.js';
import { REPO_ROOT } from '../paths.js';

const job = (name: string) => join(REPO_ROOT, 'datasets/jobs', name);
const QUIET = ['--no-progress', '--no-dashboard'];

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-families-e2e-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function summaryOf(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
}

/** Runs `args` with 1 and with 2 workers; returns both summaries after checking the weights agree. */
async function oneVsTwo(name: string, args: string[]) {
  const summaries = [];
  for (const workers of [1, 2]) {
    const out = join(root, `${name}-w${workers}`);
    const r = await seqtrain([...args, '--workers', String(workers), '--out', out, ...QUIET], root);
    expect(r.code, r.stderr).toBe(0);
    summaries.push(summaryOf(out));
  }
  const [s1, s2] = summaries;
  expect(s1).toMatchObject({ status: 'completed', worldSize: 1 });
  expect(s2).toMatchObject({ status: 'completed', worldSize: 2 });
  expect(maxAbsDiff(weightsOf(s1.checkpoint), weightsOf(s2.checkpoint))).toBeLessThanOrEqual(1e-5);
  // Not vacuous: the steps moved the weights (same seed: both start from the same initial weights).
  expect(s1.finalLoss).not.toBe(s1.initialLoss);
  return { s1, s2 };
}

/** The checkpoint reloaded here, run over the whole validation split: what the ranks reported. */
async function reloadedValidation(checkpoint: string, dataDir: string, targets: 'next' | 'sequence' = 'next') {
  const [{ selectBackend }, { loadCheckpoint, DataParallelTrainer, createOptimizer }] = await Promise.all([import('@seqtrain/backend'), import('@seqtrain/trainer')]);
  await selectBackend('cpu');
  const { model } = await loadCheckpoint(checkpoint);
  const source = await openBatchSource(dataDir, 'validation', { targets });
  const solo = { rank: 0, worldSize: 1, allReduce: async (d: Float32Array) => d, broadcast: async (d: Float32Array) => d, broadcastBytes: async (b: Uint8Array | undefined) => b ?? new Uint8Array() };
  const trainer = new DataParallelTrainer({ model, optimizer: createOptimizer('sgd', 0.1), collective: solo, loss: source.loss });
  const batch = await source.getBatch(Array.from({ length: source.length }, (_, i) => i));
  const r = { ...trainer.evaluate(batch), predictions: trainer.predict(batch) };
  await source.close();
  return r;
}

/** The validation rows' `level` column of a prepared series, row-major. */
async function seriesLevels(dataDir: string): Promise<Float32Array> {
  const ds = await TableDataset.open(dataDir, 'validation');
  const rows = await ds.getRows(Array.from({ length: ds.length }, (_, i) => i));
  await ds.close();
  return rows.columns['level']?.values as Float32Array;
}

describe('seqtrain local on every dataset kind', () => {
  it('time series (timeseries-airline-lstm.yaml): same weights with 1 and 2 workers, RMSE in thousands, the reloaded checkpoint predicts the same', async () => {
    const { s2 } = await oneVsTwo('airline', ['local', '--config', job('timeseries-airline-lstm.yaml'), '--steps', '4', '--units', '8', '--optimizer', 'sgd', '--lr', '0.5', '--seed', '3']);
    expect(s2.validation).toMatchObject({ step: 4, samples: 24 });
    expect(s2.validation.rmse).toBeGreaterThan(0);
    expect(s2.validation.mse).toBeCloseTo(s2.validation.rmse ** 2, 6);
    const lines = readFileSync(join(root, 'airline-w2', 'validation.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ rmse: s2.validation.rmse, loss: s2.validation.loss });
    const again = await reloadedValidation(s2.checkpoint, s2.dataDir);
    expect(again.count).toBe(24);
    expect(again.lossSum / again.count).toBeCloseTo(s2.validation.loss, 5);
    // The job models log + (1 - B)(1 - B^12): its RMSE is of forecasts mapped back to passengers, against
    // the last 24 months of the CSV itself.
    const manifest = await readDatasetManifest(s2.dataDir);
    if (manifest.kind !== 'timeseries') throw new Error(`expected a timeseries dataset, got ${manifest.kind}`);
    expect(manifest).toMatchObject({ transform: 'log', difference: [1, 12] });
    const csv = readFileSync(join(REPO_ROOT, 'datasets/timeseries/airline-passengers.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    const forecasts = toOriginalUnits(manifest, again.predictions, await seriesLevels(s2.dataDir));
    const rmse = Math.sqrt(forecasts.reduce((sum, f, k) => sum + (f - (csv[120 + k] as number)) ** 2, 0) / 24);
    expect(rmse).toBeCloseTo(s2.validation.rmse, 2);
  }, 3 * RUN_TIMEOUT_MS);

  it('image rows (mnist-rows.yaml on the generated IDX digits): same weights with 1 and 2 workers, accuracy, reload', async () => {
    const { s2 } = await oneVsTwo('digits', ['local', '--config', job('mnist-rows.yaml'), '--steps', '3', '--units', '8', '--global-batch', '16', '--validation-samples', '100', '--optimizer', 'sgd', '--lr', '0.5']);
    expect(s2.validation.samples).toBe(100);
    expect(s2.validation.accuracy).toBeGreaterThanOrEqual(0);
    expect(s2.validation.accuracy).toBeLessThanOrEqual(1);
    const again = await reloadedValidation(s2.checkpoint, s2.dataDir);
    expect(again.count).toBe(1000);
  }, 3 * RUN_TIMEOUT_MS);

  it('seq2seq (seq2seq-eng-spa.yaml on short verses): same weights with 1 and 2 workers, chrF and the copy baseline', async () => {
    const data = join(root, 'pairs');
    const prepared = await seqtrain(['prepare', 'pairs', '--input', join(REPO_ROOT, 'datasets/translation/eng-spa-bible.tsv'), '--out', data, '--max-chars', '48', '--held-out-every', '10', '--held-out-max-chars', '40'], root);
    expect(prepared.code, prepared.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(data, 'manifest.json'), 'utf8'));
    expect(manifest.heldOut).toMatchObject({ every: 10, maxChars: 40 });
    const { s1, s2 } = await oneVsTwo('verses', ['local', '--config', job('seq2seq-eng-spa.yaml'), '--data', data, '--steps', '3', '--units', '8', '--embedding-dim', '4', '--global-batch', '16', '--optimizer', 'sgd', '--lr', '0.5', '--validation-samples', '64']);
    // The job decodes every held-out pair (chrf.samples covers them, all within maxSourceChars).
    expect(s2.validation.decoded).toBe(manifest.splits.validation.rows);
    expect(s2.validation.chrf).toBeGreaterThanOrEqual(0);
    expect(s2.validation.copyChrf).toBeGreaterThan(0);
    // The copy baseline does not depend on the model, nor does the split of decoding over the ranks change the corpus score.
    expect(s2.validation.copyChrf).toBeCloseTo(s1.validation.copyChrf, 4);
    expect(s2.validation.decoded).toBe(s1.validation.decoded);
    // seqtrain translate reads the checkpoint's source characters and decodes with a beam.
    const state = JSON.parse(readFileSync(join(s2.checkpoint, 'trainer-state.json'), 'utf8'));
    const text = (state.sourceVocab as string[]).slice(1, 8).join('');
    const translated = await seqtrain(['translate', '--checkpoint', s2.checkpoint, '--text', text, '--beam', '2', '--backend', 'cpu'], root);
    expect(translated.code, translated.stderr).toBe(0);
    const refused = await seqtrain(['translate', '--checkpoint', s2.checkpoint, '--text', `${text[0]}\u2603`, '--backend', 'cpu'], root);
    expect(refused.stderr).toMatch(/Character "☃" at position 1 of --text never occurs/);
  }, 3 * RUN_TIMEOUT_MS);

  it('many-to-many char LSTM (char-lstm-moby.yaml): same weights with 1 and 2 workers, every validation char scored once, reload, generate', async () => {
    const text = join(root, 'text-seq.txt');
    const chars = readFileSync(join(REPO_ROOT, 'datasets/text/moby-dick.txt'), 'utf8').slice(0, 20_000);
    writeFileSync(text, chars);
    const { s2 } = await oneVsTwo('char-seq', ['local', '--config', job('char-lstm-moby.yaml'), '--input', text, '--steps', '3', '--units', '8', '--embedding-dim', '4', '--global-batch', '8', '--optimizer', 'sgd', '--lr', '0.5', '--no-generate']);
    const resolved = JSON.parse(readFileSync(join(root, 'char-seq-w2', 'job.json'), 'utf8'));
    const { seqLen, validationStep } = resolved.data as { seqLen: number; validationStep: number };
    // The last 10% by characters (all of them one UTF-16 unit here): windows every validationStep; the
    // first scores seqLen characters, each later one validationStep.
    const part = chars.length - Math.floor(chars.length * (1 - 0.1));
    const windows = Math.floor((part - seqLen - 1) / validationStep) + 1;
    expect(s2.validation.samples).toBe(seqLen + (windows - 1) * validationStep);
    expect(s2.validation.bitsPerChar).toBeGreaterThan(0);
    const again = await reloadedValidation(s2.checkpoint, s2.dataDir, 'sequence');
    expect(again.count).toBe(s2.validation.samples);
    expect(again.lossSum / again.count).toBeCloseTo(s2.validation.loss, 4);
    const generated = await seqtrain(['generate', '--checkpoint', s2.checkpoint, '--prime', 'Call me ', '--length', '20', '--backend', 'cpu'], root);
    expect(generated.code, generated.stderr).toBe(0);
    expect(Array.from(generated.stdout.trimEnd()).length).toBeGreaterThanOrEqual(20);
  }, 3 * RUN_TIMEOUT_MS);

  it('character variants: GRU and one-hot LSTM on windows of 60 train with 2 workers and generate', async () => {
    const text = join(root, 'text.txt');
    writeFileSync(text, readFileSync(join(REPO_ROOT, 'datasets/text/moby-dick.txt'), 'utf8').slice(0, 30_000));
    const gru = await seqtrain(['local', '--config', job('char-gru-moby.yaml'), '--input', text, '--steps', '3', '--units', '8', '--out', join(root, 'gru'), '--validation-samples', '64', ...QUIET], root);
    expect(gru.code, gru.stderr).toBe(0);
    expect(summaryOf(join(root, 'gru')).validation.bitsPerChar).toBeGreaterThan(0);
    const onehot = await seqtrain(['local', '--config', job('char-lstm-onehot-window60.yaml'), '--input', text, '--steps', '3', '--units', '8', '--out', join(root, 'onehot'), '--validation-samples', '64', '--no-generate', ...QUIET], root);
    expect(onehot.code, onehot.stderr).toBe(0);
    const s = summaryOf(join(root, 'onehot'));
    expect(s.validation.bitsPerChar).toBeGreaterThan(0);
    const state = JSON.parse(readFileSync(join(s.checkpoint, 'trainer-state.json'), 'utf8'));
    expect(state.model.config).toMatchObject({ input: 'onehot', seqLen: 60, units: 8 });
    const generated = await seqtrain(['generate', '--checkpoint', s.checkpoint, '--prime', 'Call me ', '--length', '20', '--backend', 'cpu'], root);
    expect(generated.code, generated.stderr).toBe(0);
    expect(Array.from(generated.stdout.trimEnd()).length).toBeGreaterThanOrEqual(20);
  }, 3 * RUN_TIMEOUT_MS);
});
