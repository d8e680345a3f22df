/**
 * `prepare idx`: IDX image + label files (MNIST) -> `x` FixedSizeList<Float32>[rows × cols], pixel
 * bytes / 255 (so in [0, 1]), and `y` Int32 (the label byte). Test files, when given, are the
 * validation split; otherwise a seeded shuffle's last `validationFraction` is.
 */
import path from 'node:path';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { permutation } from './distributed-sampler.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from './idx.js';
import { MANIFEST_VERSION, type ColumnSpec, type IdxManifest } from './manifest.js';
import { badOption, readSourceBytes, requireFraction, requireInt, requirePath, sourceInfo, type SourceInfo } from './recipe-options.js';
import { describeTableSchema } from './table-columns.js';
import { writeManifestFile, writeTableSplits } from './table-writer.js';

export interface PrepareIdxOptions {
  images: string;
  labels: string;
  testImages?: string;
  testLabels?: string;
  out: string;
  validationFraction?: number;
  seed?: number;
  shards?: number;
  rowsPerBatch?: number;
  onProgress?: (rowsWritten: number, rowsTotal: number) => void;
}

const RECIPE = 'idx';
const PIXEL_MAX = 255;

async function readPair(imagesFile: string, labelsFile: string, field: string): Promise<{ dims: number[]; pixels: Uint8Array; labels: Uint8Array; info: SourceInfo }> {
  const rawImages = await readSourceBytes(RECIPE, field, imagesFile);
  const rawLabels = await readSourceBytes(RECIPE, field, labelsFile);
  const images = parseIdx(rawImages, IDX_IMAGES_MAGIC, imagesFile);
  const labels = parseIdx(rawLabels, IDX_LABELS_MAGIC, labelsFile);
  if (images.dims[0] !== labels.dims[0]) {
    throw new SeqtrainError('ERR_DATA_CORRUPT', `${imagesFile} holds ${images.dims[0]} images but ${labelsFile} holds ${labels.dims[0]} labels; they must be a pair.`, {
      file: labelsFile,
    });
  }
  return { dims: images.dims, pixels: images.data, labels: labels.data, info: sourceInfo(imagesFile, rawImages) };
}

export async function prepareIdx(options: PrepareIdxOptions): Promise<IdxManifest> {
  const images = requirePath(RECIPE, 'images', options.images);
  const labels = requirePath(RECIPE, 'labels', options.labels);
  const out = path.resolve(requirePath(RECIPE, 'out', options.out));
  if ((options.testImages === undefined) !== (options.testLabels === undefined)) throw badOption(RECIPE, 'testLabels', 'and "testImages" go together: give both or neither.');
  if (options.testImages !== undefined && options.validationFraction !== undefined) {
    throw badOption(RECIPE, 'validationFraction', 'cannot be combined with test files: they are the validation split.');
  }
  const fraction = requireFraction(RECIPE, 'validationFraction', options.validationFraction ?? DEFAULTS.VALIDATION_FRACTION);
  const seed = requireInt(RECIPE, 'seed', options.seed ?? DEFAULTS.SEED, 0, 0xffff_ffff);
  const shards = requireInt(RECIPE, 'shards', options.shards ?? 1, 1, 99_999);
  const rowsPerBatch = requireInt(RECIPE, 'rowsPerBatch', options.rowsPerBatch ?? DEFAULTS.ROWS_PER_RECORD_BATCH, 1);

  const train = await readPair(images, labels, 'images');
  const test = options.testImages !== undefined ? await readPair(options.testImages, options.testLabels as string, 'testImages') : null;
  const itemShape = train.dims.slice(1);
  const width = itemShape.reduce((a, b) => a * b, 1);
  if (test && test.dims.slice(1).join('x') !== itemShape.join('x')) {
    throw badOption(RECIPE, 'testImages', `has items of ${test.dims.slice(1).join('×')}, the training images ${itemShape.join('×')}.`);
  }
  const build = (source: { pixels: Uint8Array; labels: Uint8Array }, rows: ArrayLike<number>): { rows: number; data: [Float32Array, Int32Array] } => {
    const x = new Float32Array(rows.length * width);
    const y = new Int32Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r] as number;
      for (let k = 0; k < width; k++) x[r * width + k] = (source.pixels[i * width + k] as number) / PIXEL_MAX;
      y[r] = source.labels[i] as number;
    }
    return { rows: rows.length, data: [x, y] };
  };
  const n = train.labels.length;
  let trainRows: ArrayLike<number>;
  let validation: { rows: number; data: [Float32Array, Int32Array] };
  if (test) {
    trainRows = Array.from({ length: n }, (_, i) => i);
    validation = build(test, Array.from({ length: test.labels.length }, (_, i) => i));
  } else {
    const order = permutation(n, seed, 0);
    const cut = Math.round(n * (1 - fraction));
    trainRows = order.subarray(0, cut);
    validation = build(train, order.subarray(cut));
  }
  const columns: ColumnSpec[] = [
    { name: 'x', dtype: 'float32', width },
    { name: 'y', dtype: 'int32', width: null },
  ];
  const splits = await writeTableSplits({ out, columns, train: build(train, trainRows), validation, shards, rowsPerBatch, onProgress: options.onProgress });
  let classes = 1;
  for (const l of [train.labels, test?.labels ?? new Uint8Array(0)]) for (const v of l) classes = Math.max(classes, v + 1);
  const manifest: IdxManifest = {
    version: MANIFEST_VERSION,
    kind: 'idx',
    createdAt: new Date().toISOString(),
    source: train.info,
    testSource: test?.info ?? null,
    columns,
    schema: describeTableSchema(columns),
    splits,
    itemShape,
    classes,
  };
  await writeManifestFile(out, manifest);
  return manifest;
}
