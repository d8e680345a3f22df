/**
 * Resolves a job's training data: a prepared directory as given, or `data.input` prepared into the run
 * directory with the job's recipe ('text': next-character windows; 'classification': padded word ids
 * and label ids, with `data.test` as the validation split when given; 'timeseries': scaled windows of a
 * CSV series; 'pairs': character ids of sentence pairs; 'idx': IDX images (`data.input`) and labels).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SeqtrainError } from '@seqtrain/common';
import { prepareClassification, prepareIdx, preparePairs, prepareText, prepareTimeseries, readDatasetManifest, type DatasetManifest } from '@seqtrain/data';
import { modelFieldsFromManifest } from '@seqtrain/coordinator';
import type { Job } from '@seqtrain/protocol';
import { resolveInput } from './paths.js';

export async function prepareJobData(job: Job, runDir: string, say: (line: string) => void): Promise<string> {
  if (job.data.dir) {
    const dir = resolve(job.data.dir);
    if (!existsSync(join(dir, 'manifest.json'))) {
      throw new SeqtrainError('ERR_DATA_NOT_FOUND', `No manifest.json in ${dir}; give --data a directory written by \`seqtrain prepare\`.`, { file: dir, field: 'data.dir' });
    }
    return dir;
  }
  const input = resolveInput(job.data.input);
  const out = join(runDir, 'data');
  if (existsSync(join(out, 'manifest.json'))) return out;
  const t0 = performance.now();
  let lastPercent = -1;
  if (job.data.recipe === 'classification') {
    const test = job.data.test === undefined ? undefined : resolveInput(job.data.test);
    const manifest = await prepareClassification({
      input,
      out,
      seed: job.seed,
      ...(test !== undefined ? { test } : {}),
      ...(job.data.validationFraction !== undefined ? { validationFraction: job.data.validationFraction } : {}),
      ...(job.data.maxlen !== undefined ? { maxlen: job.data.maxlen } : {}),
      ...(job.data.vocabSize !== undefined ? { vocabSize: job.data.vocabSize } : {}),
      ...(job.data.tokenizer !== undefined ? { tokenizer: job.data.tokenizer } : {}),
    });
    const testRows = manifest.splits.test ? ` and ${manifest.splits.test.rows} test` : '';
    say(
      `prepared ${manifest.splits.train.rows} training and ${manifest.splits.validation.rows} validation${testRows} rows (vocabulary ${manifest.vocab.length}, labels ${manifest.labels.join('/')}, maxlen ${manifest.maxlen}) in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${out}`
    );
    return out;
  }
  const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
  const d = job.data;
  const opt = <K extends keyof typeof d>(key: K) => (d[key] === undefined ? {} : { [key]: d[key] });
  if (d.recipe === 'timeseries') {
    const manifest = await prepareTimeseries({
      input,
      out,
      window: d.window ?? 1,
      ...opt('horizon'),
      ...opt('targets'),
      ...opt('scaling'),
      ...opt('transform'),
      ...opt('difference'),
      ...opt('columns'),
      ...opt('target'),
      ...opt('timeColumn'),
      ...(d.validationLast !== undefined ? { validationLast: d.validationLast } : { validationFraction: d.validationFraction }),
    });
    say(`prepared ${manifest.splits.train.rows} training and ${manifest.splits.validation.rows} validation windows of ${manifest.window} steps (${manifest.features.join(', ')} -> ${manifest.target}, ${manifest.targets}, ${manifest.transform === 'none' ? '' : `transform ${manifest.transform}, `}${manifest.difference.length > 0 ? `difference [${manifest.difference.join(', ')}], ` : ''}scaling ${manifest.scaling.method}) in ${seconds()} s -> ${out}`);
    return out;
  }
  if (d.recipe === 'pairs') {
    const manifest = await preparePairs({ input, out, seed: job.seed, validationFraction: d.validationFraction, ...opt('maxChars'), ...opt('heldOutEvery'), ...opt('heldOutMaxChars'), ...opt('sourceColumn'), ...opt('targetColumn') });
    const held = manifest.heldOut ? `every ${manifest.heldOut.every}-th distinct pair <= ${manifest.heldOut.maxChars} chars held out, ${manifest.heldOut.overlapping} repeating a held-out text not trained on; ` : '';
    say(`prepared ${manifest.splits.train.rows} training and ${manifest.splits.validation.rows} validation pairs (${held}${manifest.dropped} longer than ${manifest.maxChars ?? '-'} chars dropped; source ${manifest.sourceVocab.length} / target ${manifest.targetVocab.length} characters) in ${seconds()} s -> ${out}`);
    return out;
  }
  if (d.recipe === 'idx') {
    const manifest = await prepareIdx({
      images: input,
      labels: resolveInput(d.labels ?? ''),
      out,
      seed: job.seed,
      ...(d.testImages !== undefined && d.testLabels !== undefined
        ? { testImages: resolveInput(d.testImages), testLabels: resolveInput(d.testLabels) }
        : { validationFraction: d.validationFraction }),
    });
    say(`prepared ${manifest.splits.train.rows} training and ${manifest.splits.validation.rows} validation images of ${manifest.itemShape.join('x')} (${manifest.classes} classes) in ${seconds()} s -> ${out}`);
    return out;
  }
  const manifest = await prepareText({
    input,
    out,
    seqLen: job.data.seqLen,
    step: job.data.step,
    ...(job.data.validationStep !== undefined ? { validationStep: job.data.validationStep } : {}),
    shards: job.data.shards,
    validationFraction: job.data.validationFraction,
    onProgress: (done, total) => {
      const percent = Math.floor((100 * done) / Math.max(1, total));
      if (percent >= lastPercent + 25) {
        lastPercent = percent;
        say(`  preparing ${input}: ${percent}%`);
      }
    },
  });
  say(
    `prepared ${manifest.splits.train.rows} training and ${manifest.splits.validation.rows} validation windows (vocabulary ${manifest.vocab.length}) in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${out}`
  );
  return out;
}

/** What checkJobModel read and resolved: the dataset's manifest and the model's full config. */
export interface CheckedModel {
  manifest: DatasetManifest;
  config: Record<string, unknown>;
}

/**
 * Checks the job's model name and config against the registry before any process starts, so a typo in
 * `model.config` is one clear error here rather than a failure reported by every rank.
 */
export async function checkJobModel(job: Job, dataDir: string): Promise<CheckedModel> {
  const { resolveModelConfig } = await import('@seqtrain/models');
  const manifest = await readDatasetManifest(dataDir);
  const fields = modelFieldsFromManifest(manifest, dataDir);
  try {
    return { manifest, config: resolveModelConfig(job.model.name, { ...job.model.config, ...fields, seed: job.seed }) };
  } catch (err) {
    const e = err as SeqtrainError;
    throw new SeqtrainError('ERR_JOB_INVALID', `model "${job.model.name}": ${e.message}`, { ...e.details, field: `model.config${e.details?.field ? `.${e.details.field}` : ''}` });
  }
}

/**
 * The job's pretrained embeddings (model.embeddings) checked before any process starts: the file found
 * (as given, else in the repository), its width equal to the model's embeddingDim, the data a word
 * vocabulary. Returns the job with the file's absolute path, and says how much of the vocabulary it covers.
 */
export async function checkJobEmbeddings(job: Job, { manifest, config }: CheckedModel, say: (line: string) => void): Promise<Job> {
  const embeddings = job.model.embeddings;
  if (!embeddings) return job;
  if (manifest.kind !== 'classification') {
    throw new SeqtrainError('ERR_JOB_INVALID', `model.embeddings needs a word vocabulary (classification data); the job's data is "${manifest.kind}". Remove model.embeddings or use a classification dataset.`, {
      field: 'model.embeddings',
    });
  }
  const { readGloveFile } = await import('@seqtrain/models');
  const dim = config['embeddingDim'];
  if (typeof dim !== 'number') {
    throw new SeqtrainError('ERR_JOB_INVALID', `model "${job.model.name}" has no embeddingDim, so it has no Embedding layer for model.embeddings. Remove model.embeddings or pick a text model.`, {
      field: 'model.embeddings',
    });
  }
  const file = resolveInput(embeddings.file);
  let glove;
  try {
    glove = await readGloveFile(file, manifest.vocab, dim);
  } catch (err) {
    const e = err as SeqtrainError;
    throw new SeqtrainError('ERR_JOB_INVALID', `model.embeddings: ${e.message}`, { ...e.details, field: 'model.embeddings.file' }, { cause: err });
  }
  say(
    `embeddings: ${glove.hits} of ${glove.rows} vocabulary words have a ${dim}-d vector in ${file} (the rest start at zero); layer "${embeddings.layer}" ${embeddings.trainable ? 'trainable' : 'frozen'}`
  );
  return { ...job, model: { ...job.model, embeddings: { ...embeddings, file } } };
}
