/**
 * End to end for a classifier: the shipped sentiment job file (datasets/jobs/sentiment-lstm.yaml) through
 * `seqtrain local` as child processes, on a slice of the shipped food reviews prepared with the
 * classification recipe; a coordinator, worker agents and training processes on loopback.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-sentiment-e2e-'));
  writeFileSync(join(root, 'train.tsv'), slice('datasets/sentiment/train.tsv', TRAIN_REVIEWS));
  writeFileSync(join(root, 'test.tsv'), slice('datasets/sentiment/test.tsv', TEST_REVIEWS));
  dataDir = join(root, 'data');
  const r = await seqtrain(['prepare', 'classification', '--input', 'train.tsv', '--test', 'test.tsv', '--out', dataDir, '--maxlen', '40', '--vocab-size', '2000'], root);
  expect(r.code, r.stderr).toBe(0);
}, RUN_TIMEOUT_MS);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('seqtrain local --config datasets/jobs/sentiment-lstm.yaml', () => {
  it('trains the sentiment LSTM data-parallel, reports validation accuracy, and gives the same weights with 1 and 2 workers (SGD)', async () => {
    const common = ['local', '--config', JOB_FILE, '--data', dataDir, '--steps', '5', '--seed', '7', '--optimizer', 'sgd', '--lr', '0.5', '--units', '16', '--embedding-dim', '8', '--no-progress', '--no-dashboard'];
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
});

