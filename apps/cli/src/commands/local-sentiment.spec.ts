/**
 * End to end for a classifier: the shipped sentiment job file (datasets/jobs/sentiment-lstm.yaml) through
 * `seqtrain local` as child processes, on a slice of the shipped food reviews prepared with the
 * classification recipe; a coordinator, worker agents and training processes on loopback. The
 * world-size check runs the file's model with its dropout off (masks differ per rank by design); the
 * restoreBest check runs the file as shipped: validation carved from train, test split, kept weights.
 * The embeddings check loads a GloVe-format file into the Embedding layer on every rank.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RUN_TIMEOUT_MS, maxAbsDiff, seqtrain, weightsOf } from './cli-e2e.testing.js';
import { REPO_ROOT } from '../paths.js';

const JOB_FILE = join(REPO_ROOT, 'datasets/jobs/sentiment-lstm.yaml');
const TRAIN_REVIEWS = 400;
const TEST_REVIEWS = 100;

/** The header and the first `rows` reviews of a shipped TSV. */
function slice(file: string, rows: number): string {
  return readFileSync(join(REPO_ROOT, file), 'utf8').split('\n').slice(0, rows + 1).join('\n') + '\n';
}

let root: string;
let dataDir: string;
let plainJob: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-sentiment-e2e-'));
  writeFileSync(join(root, 'train.tsv'), slice('datasets/sentiment/train.tsv', TRAIN_REVIEWS));
  writeFileSync(join(root, 'test.tsv'), slice('datasets/sentiment/test.tsv', TEST_REVIEWS));
  dataDir = join(root, 'data');
  // The shipped file with its regularisation and selection off: the family's world-size invariance.
  // Its GloVe vectors are left out too: they need embeddingDim 100 (the embeddings test below loads a file on 2 ranks).
  const shipped = parseYaml(readFileSync(JOB_FILE, 'utf8')) as { model: { config: Record<string, unknown>; embeddings?: unknown }; validateEvery?: number; restoreBest?: string };
  shipped.model.config = { ...shipped.model.config, embeddingDropout: 0, dropout: 0 };
  delete shipped.model.embeddings;
  delete shipped.validateEvery;
  delete shipped.restoreBest;
  plainJob = join(root, 'plain.json');
  writeFileSync(plainJob, JSON.stringify(shipped));
  const r = await seqtrain(['prepare', 'classification', '--input', 'train.tsv', '--test', 'test.tsv', '--out', dataDir, '--maxlen', '40', '--vocab-size', '2000'], root);
  expect(r.code, r.stderr).toBe(0);
}, RUN_TIMEOUT_MS);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('seqtrain local --config datasets/jobs/sentiment-lstm.yaml', () => {
  it('trains the sentiment LSTM data-parallel, reports validation accuracy, and gives the same weights with 1 and 2 workers (SGD)', async () => {
    const common = ['local', '--config', plainJob, '--data', dataDir, '--steps', '5', '--seed', '7', '--optimizer', 'sgd', '--lr', '0.5', '--units', '16', '--embedding-dim', '8', '--no-progress', '--no-dashboard'];
    const one = await seqtrain([...common, '--workers', '1', '--out', join(root, 'w1')], root);
    expect(one.code, one.stderr).toBe(0);
    const two = await seqtrain([...common, '--workers', '2', '--out', join(root, 'w2')], root);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).toMatch(/validation after step 5: loss [\d.]+ nats, accuracy [\d.]+% on 100 samples/);

    const s1 = JSON.parse(readFileSync(join(root, 'w1', 'summary.json'), 'utf8'));
    const s2 = JSON.parse(readFileSync(join(root, 'w2', 'summary.json'), 'utf8'));
    expect(s1).toMatchObject({ status: 'completed', worldSize: 1, globalBatch: 32, steps: 5, validationSamples: TEST_REVIEWS });
    expect(s2).toMatchObject({ status: 'completed', worldSize: 2, globalBatch: 32, steps: 5, validationSamples: TEST_REVIEWS });
    for (const s of [s1, s2]) {
      expect(s.validationAccuracy).toBeGreaterThanOrEqual(0);
      expect(s.validationAccuracy).toBeLessThanOrEqual(1);
      // Accuracy is a count over the 100 validation reviews.
      expect(Math.abs(s.validationAccuracy * TEST_REVIEWS - Math.round(s.validationAccuracy * TEST_REVIEWS))).toBeLessThan(1e-9);
    }
    expect(s2.validationAccuracy).toBe(s1.validationAccuracy);
    const validation = readFileSync(join(root, 'w2', 'validation.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(validation).toEqual([expect.objectContaining({ step: 5, samples: TEST_REVIEWS, accuracy: s2.validationAccuracy })]);

    const state = JSON.parse(readFileSync(join(s2.checkpoint, 'trainer-state.json'), 'utf8'));
    expect(state.model).toMatchObject({ name: 'sentiment-lstm', config: { maxlen: 40, numClasses: 2, units: 16, embeddingDim: 8 } });
    const a = weightsOf(s1.checkpoint);
    const b = weightsOf(s2.checkpoint);
    expect(a.length).toBe(b.length);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-5);
    // Guard against a vacuous pass: the steps really trained (binary cross-entropy starts near ln 2, same on both).
    expect(s1.initialLoss).toBeGreaterThan(0.5);
    expect(s2.initialLoss).toBeCloseTo(s1.initialLoss, 4);
    expect(s1.finalLoss).toBeLessThan(s1.initialLoss);
  }, 2 * RUN_TIMEOUT_MS);

  it('as shipped: GloVe vectors loaded, selects on the validation split carved from train, restores those weights, scores them on the test split', async () => {
    const out = join(root, 'best');
    const steps = 8;
    const r = await seqtrain(
      ['local', '--config', JOB_FILE, '--input', 'train.tsv', '--steps', String(steps), '--validate-every', '1', '--checkpoint-every', '1', '--keep-checkpoints', '20',
        '--optimizer', 'sgd', '--lr', '20', '--units', '8', '--no-progress', '--no-dashboard', '--out', out],
      root
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/embeddings: \d+ of \d+ vocabulary words have a 100-d vector in \S+glove-6b-100d-sentiment\.txt/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const lines = readFileSync(join(out, 'validation.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const passes = lines.filter((l) => l.split === 'validation');
    // 400 reviews: 20% (80) validation; the shipped test.tsv (1,000 reviews) only in the one test pass.
    expect(passes.map((p) => p.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    expect(passes.every((p) => p.samples === 80)).toBe(true);
    const best = passes.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(summary.validation).toMatchObject({ split: 'test', samples: 1000, selection: { monitor: 'loss', split: 'validation', step: best.step, value: best.loss } });
    expect(lines.at(-1)).toEqual(summary.validation.step === steps ? expect.objectContaining({ split: 'test', selection: summary.validation.selection }) : null);
    // The big learning rate makes the validation loss jump, so the last step is not the best one and
    // the final checkpoint (written after the restore) must hold the best step's weights, not the last's.
    expect(best.step).toBeLessThan(steps);
    const stepDir = (n: number) => join(out, 'checkpoints', `step-${String(n).padStart(7, '0')}`);
    expect(maxAbsDiff(weightsOf(summary.checkpoint), weightsOf(stepDir(best.step)))).toBe(0);
    expect(maxAbsDiff(weightsOf(stepDir(steps - 1)), weightsOf(stepDir(best.step)))).toBeGreaterThan(0);
  }, RUN_TIMEOUT_MS);

  it('model.embeddings: every rank loads the GloVe-format vectors; frozen, they are the checkpoint\'s embedding exactly and 1 or 2 workers agree; trainable, they move', async () => {
    const dim = 8;
    const vocab = (JSON.parse(readFileSync(join(dataDir, 'manifest.json'), 'utf8')) as { vocab: string[] }).vocab;
    // Vectors for every other real word (ids 2, 4, ...); the rest of the rows must stay zero.
    const expected = new Float32Array(vocab.length * dim);
    const lines: string[] = [];
    for (let id = 2; id < vocab.length; id += 2) {
      const v = Array.from({ length: dim }, (_, j) => Math.round(1000 * Math.sin(id * 7 + j)) / 1000);
      v.forEach((x, j) => (expected[id * dim + j] = x));
      lines.push(`${vocab[id]} ${v.join(' ')}`);
    }
    writeFileSync(join(root, 'vectors.txt'), lines.join('\n') + '\n');
    const withEmbeddings = (trainable: boolean) => {
      const job = JSON.parse(readFileSync(plainJob, 'utf8')) as { model: Record<string, unknown> };
      job.model['embeddings'] = { file: 'vectors.txt', trainable };
      const file = join(root, `embeddings-${trainable}.json`);
      writeFileSync(file, JSON.stringify(job));
      return file;
    };
    const common = ['--data', dataDir, '--steps', '3', '--checkpoint-every', '1', '--workers', '2', '--optimizer', 'sgd', '--lr', '0.5', '--units', '8', '--no-progress', '--no-dashboard'];

    const frozen = await seqtrain(['local', '--config', withEmbeddings(false), ...common, '--embedding-dim', String(dim), '--out', join(root, 'frozen')], root);
    expect(frozen.code, frozen.stderr).toBe(0);
    const hits = Math.floor((vocab.length - 1) / 2);
    expect(frozen.stdout + frozen.stderr).toContain(`embeddings: ${hits} of ${vocab.length} vocabulary words have a ${dim}-d vector in ${join(root, 'vectors.txt')}`);
    const frozenCheckpoint = JSON.parse(readFileSync(join(root, 'frozen', 'summary.json'), 'utf8')).checkpoint as string;
    expect(maxAbsDiff(embeddingOf(frozenCheckpoint), expected)).toBe(0);
    // World-size invariance with the layer frozen (SGD, dropout off): one worker with the whole batch ends where two do.
    const single = await seqtrain(['local', '--config', withEmbeddings(false), ...common, '--workers', '1', '--embedding-dim', String(dim), '--out', join(root, 'frozen-1')], root);
    expect(single.code, single.stderr).toBe(0);
    const singleCheckpoint = JSON.parse(readFileSync(join(root, 'frozen-1', 'summary.json'), 'utf8')).checkpoint as string;
    expect(maxAbsDiff(weightsOf(singleCheckpoint), weightsOf(frozenCheckpoint))).toBeLessThanOrEqual(1e-5);
    // Not vacuous: the other layers did train between step 1 and step 3.
    expect(maxAbsDiff(weightsOf(frozenCheckpoint), weightsOf(join(root, 'frozen', 'checkpoints', 'step-0000001')))).toBeGreaterThan(0);
    const frozenModel = JSON.parse(readFileSync(join(frozenCheckpoint, 'model.json'), 'utf8'));
    expect(JSON.stringify(frozenModel.modelTopology)).toMatch(/"name":"embedding","trainable":false|"trainable":false,[^}]*"name":"embedding"/);

    const trainable = await seqtrain(['local', '--config', withEmbeddings(true), ...common, '--embedding-dim', String(dim), '--out', join(root, 'trainable')], root);
    expect(trainable.code, trainable.stderr).toBe(0);
    const trainableCheckpoint = JSON.parse(readFileSync(join(root, 'trainable', 'summary.json'), 'utf8')).checkpoint as string;
    const moved = maxAbsDiff(embeddingOf(trainableCheckpoint), expected);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(1);

    // A layer name the model lacks: every rank refuses it, naming the model's layers.
    const named = JSON.parse(readFileSync(withEmbeddings(false), 'utf8')) as { model: { embeddings: Record<string, unknown> } };
    named.model.embeddings['layer'] = 'embeddings';
    writeFileSync(join(root, 'bad-layer.json'), JSON.stringify(named));
    const badLayer = await seqtrain(['local', '--config', join(root, 'bad-layer.json'), ...common, '--embedding-dim', String(dim), '--out', join(root, 'bad-layer')], root);
    expect(badLayer.code).not.toBe(0);
    expect(badLayer.stderr).toMatch(/model\.embeddings\.layer "embeddings" is not a layer of this model \(its layers: [^)]*\bembedding\b/);

    // A file of another width than the model's embeddingDim: refused before any process starts, naming the line.
    const wrong = await seqtrain(['local', '--config', withEmbeddings(false), ...common, '--embedding-dim', '16', '--out', join(root, 'wrong')], root);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`${join(root, 'vectors.txt')}:1: expected a word and 16 numbers, got ${dim} numbers`);
  }, 3 * RUN_TIMEOUT_MS);
});

/** The values of the checkpoint's Embedding matrix (the weight named embedding/embeddings), from weights.bin by its manifest. */
function embeddingOf(checkpoint: string): Float32Array {
  const model = JSON.parse(readFileSync(join(checkpoint, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
  const all = weightsOf(checkpoint);
  let offset = 0;
  for (const w of model.weightsManifest.flatMap((g) => g.weights)) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.name === 'embedding/embeddings') return all.slice(offset, offset + size);
    offset += size;
  }
  throw new Error(`No embedding/embeddings weight in ${checkpoint}/model.json.`);
}

