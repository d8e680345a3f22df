import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '@seqtrain/common';
import { mergeJobInputs, parseJob } from './job.js';

describe('job schema', () => {
  it('fills every default', () => {
    const job = parseJob({});
    expect(job.workers).toBe(DEFAULTS.WORKERS);
    expect(job.data.seqLen).toBe(DEFAULTS.SEQ_LEN);
    expect(job.model.name).toBe('char-lm');
  });

  it('reads the communication options (compression, buckets, accumulation, learning-rate scaling and warm-up)', () => {
    expect(parseJob({})).toMatchObject({ compression: 'none', bucketCapBytes: DEFAULTS.BUCKET_CAP_BYTES, accumulateSteps: 1, lrScaling: 'none', warmupSteps: 0 });
    const job = parseJob({ compression: 'bf16', bucketCapBytes: 1 << 20, accumulateSteps: 4, lrScaling: 'linear', warmupSteps: 50 });
    expect(job).toMatchObject({ compression: 'bf16', bucketCapBytes: 1 << 20, accumulateSteps: 4, lrScaling: 'linear', warmupSteps: 50 });
    expect(() => parseJob({ compression: 'int8' })).toThrow(/compression/);
    expect(() => parseJob({ accumulateSteps: 0 })).toThrow(/accumulateSteps/);
  });

  it('names the bad field and the file', () => {
    expect(() => parseJob({ globalBatch: -1 }, 'job.yaml')).toThrow(/job\.yaml: field "globalBatch"/);
    expect(() => parseJob({ data: { seqLen: 'x' } })).toThrow(/data\.seqLen/);
    expect(() => parseJob({ wokers: 2 })).toThrow(/wokers|Unrecognized/);
    expect(() => parseJob({ steps: 1, epochs: 1 })).toThrow(/either/);
    expect(() => parseJob({ workers: 4, globalBatch: 2 })).toThrow(/world size/);
  });

  it('reads model.embeddings: frozen in layer "embedding" unless told otherwise, and no unknown keys', () => {
    expect(parseJob({}).model.embeddings).toBeUndefined();
    expect(parseJob({ model: { name: 'sentiment-lstm', embeddings: { file: 'glove.txt' } } }).model.embeddings).toEqual({ file: 'glove.txt', trainable: false, layer: 'embedding' });
    expect(parseJob({ model: { name: 'sentiment-lstm', embeddings: { file: 'g.txt', trainable: true, layer: 'emb' } } }).model.embeddings).toEqual({ file: 'g.txt', trainable: true, layer: 'emb' });
    expect(() => parseJob({ model: { name: 'sentiment-lstm', embeddings: { file: 'g.txt', frozen: true } } })).toThrow(/frozen|Unrecognized/);
    expect(() => parseJob({ model: { name: 'sentiment-lstm', embeddings: {} } })).toThrow(/model\.embeddings\.file/);
  });

  it('takes classification data options only with recipe classification', () => {
    const job = parseJob({ data: { recipe: 'classification', input: 'train.tsv', test: 'test.tsv', maxlen: 100 } });
    expect(job.data).toMatchObject({ recipe: 'classification', test: 'test.tsv', maxlen: 100 });
    expect(parseJob({}).data.recipe).toBe('text');
    expect(() => parseJob({ data: { maxlen: 100 } }, 'job.yaml')).toThrow(/job\.yaml: data\.maxlen is a classification option/);
    expect(() => parseJob({ data: { recipe: 'images' } })).toThrow(/data\.recipe/);
    expect(() => parseJob({ data: { recipe: 'pairs', window: 12 } }, 'job.yaml')).toThrow(/job\.yaml: data\.window is a timeseries option, but data\.recipe is "pairs"/);
    expect(() => parseJob({ data: { recipe: 'timeseries' } })).toThrow(/needs data\.window/);
    expect(() => parseJob({ data: { recipe: 'idx', input: 'x-images.idx' } })).toThrow(/needs data\.labels/);
    expect(parseJob({ data: { recipe: 'timeseries', window: 12, validationLast: 24 } }).data).toMatchObject({ window: 12, validationLast: 24 });
    expect(parseJob({ data: { recipe: 'timeseries', window: 12, transform: 'log', difference: [1, 12] } }).data).toMatchObject({ transform: 'log', difference: [1, 12] });
    expect(() => parseJob({ data: { recipe: 'timeseries', window: 12, transform: 'sqrt' } }, 'job.yaml')).toThrow(/job\.yaml: field "data\.transform" is invalid/);
    expect(() => parseJob({ data: { recipe: 'timeseries', window: 12, difference: [1, 0] } }, 'job.yaml')).toThrow(/job\.yaml: field "data\.difference\.1" is invalid/);
    expect(() => parseJob({ data: { recipe: 'text', difference: [12] } }, 'job.yaml')).toThrow(/data\.difference is a timeseries option/);
    expect(parseJob({}).chrf).toEqual({ samples: 200, maxSourceChars: 80 });
  });

  it('checks the many-to-many char-lm against its data: text windows, validation stride at most seqLen', () => {
    const seq = { name: 'char-lm', config: { targets: 'sequence' } };
    expect(parseJob({ model: seq, data: { seqLen: 64, step: 32, validationStep: 32 } }).data).toMatchObject({ seqLen: 64, validationStep: 32 });
    expect(() => parseJob({ model: seq, data: { seqLen: 64, step: 32, validationStep: 65 } }, 'job.yaml')).toThrow(
      /job\.yaml: with model\.config\.targets sequence .* data\.validationStep is 65\. Set data\.validationStep to at most 64/
    );
    // Without validationStep the validation windows take the training stride.
    expect(() => parseJob({ model: seq, data: { seqLen: 10, step: 20 } })).toThrow(/data\.step is 20/);
    expect(() => parseJob({ model: seq, data: { recipe: 'classification', input: 'a.tsv' } })).toThrow(/needs text windows, but data\.recipe is "classification"/);
    expect(() => parseJob({ data: { recipe: 'pairs', validationStep: 3 } })).toThrow(/data\.validationStep is a text option/);
    // The many-to-one model keeps any stride.
    expect(parseJob({ data: { seqLen: 10, step: 20 } }).data.step).toBe(20);
  });

  it('defaults to no learning-rate decay and bounds its final fraction', () => {
    expect(parseJob({})).toMatchObject({ lrDecaySteps: 0, lrDecayTo: 0.1 });
    expect(parseJob({ lrDecaySteps: 400, lrDecayTo: 0.05 })).toMatchObject({ lrDecaySteps: 400, lrDecayTo: 0.05 });
    expect(() => parseJob({ lrDecayTo: 0 })).toThrow(/lrDecayTo/);
    expect(() => parseJob({ lrDecayTo: 1.5 })).toThrow(/lrDecayTo/);
  });

  it('takes a validation fraction beside a test file, refuses one outside (0, 1), and restoreBest only with validateEvery', () => {
    const job = parseJob({ data: { recipe: 'classification', input: 'train.tsv', test: 'test.tsv', validationFraction: 0.2 }, validateEvery: 25, restoreBest: 'loss' });
    expect(job).toMatchObject({ data: { test: 'test.tsv', validationFraction: 0.2 }, restoreBest: 'loss' });
    for (const bad of [0, 1, 1.5]) expect(() => parseJob({ data: { validationFraction: bad } }, 'job.yaml')).toThrow(/job\.yaml: field "data\.validationFraction" is invalid/);
    expect(() => parseJob({ restoreBest: 'accuracy' }, 'job.yaml')).toThrow(/restoreBest "accuracy" needs validateEvery/);
    expect(() => parseJob({ restoreBest: 'auc', validateEvery: 5 })).toThrow(/restoreBest/);
  });

  it('lets flags override a file field by field', () => {
    const merged = mergeJobInputs({ data: { seqLen: 10, step: 2 }, workers: 3 }, { data: { seqLen: 20 }, workers: undefined });
    expect(parseJob(merged).data).toMatchObject({ seqLen: 20, step: 2 });
    expect(parseJob(merged).workers).toBe(3);
  });

  it('checks the elastic bounds against the world size and the stall thresholds against each other', () => {
    const job = parseJob({ workers: 3, minWorkers: 2, maxWorkers: 4 });
    expect(job).toMatchObject({ minWorkers: 2, maxWorkers: 4, heartbeatMs: 1000, deadAfterMs: 10000, commitEvery: 1 });
    expect(() => parseJob({ workers: 2, minWorkers: 3 }, 'job.yaml')).toThrow(/job\.yaml: minWorkers 3 is above the world size 2/);
    expect(() => parseJob({ workers: 2, devicesPerWorker: 2, maxWorkers: 3 })).toThrow(/maxWorkers 3 is below the world size 4/);
    expect(() => parseJob({ stallWarnMs: 5000, stallAbortMs: 5000 })).toThrow(/stallAbortMs 5000 must be above stallWarnMs 5000/);
  });
});
