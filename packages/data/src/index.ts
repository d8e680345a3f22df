import './register-all-recipes.js';

export { Vocabulary } from './vocabulary.js';
export {
  MANIFEST_VERSION,
  MANIFEST_FILE_NAME,
  readManifest,
  parseManifest,
  readDatasetManifest,
  parseDatasetManifest,
} from './manifest.js';
export type {
  Manifest,
  SplitInfo,
  ShardFileInfo,
  SplitName,
  TableSplitName,
  ColumnSpec,
  ClassificationManifest,
  TimeseriesManifest,
  PairsManifest,
  IdxManifest,
  TableManifest,
  DatasetManifest,
  DatasetKind,
  Scaling,
} from './manifest.js';
export { prepareText } from './prepare-text.js';
export type { PrepareTextOptions } from './prepare-text.js';
export { ArrowDataset } from './arrow-dataset.js';
export type { Batch, ArrowDatasetOptions } from './arrow-dataset.js';
export { TableDataset } from './table-dataset.js';
export type { TableColumn, TableRows, TableDatasetOptions } from './table-dataset.js';
export { DistributedSampler, permutation } from './distributed-sampler.js';
export type { SamplerOptions } from './distributed-sampler.js';
export { RECIPES, RecipeRegistry } from './recipe-registry.js';
export type { Recipe } from './recipe-registry.js';
export { prepareClassification } from './prepare-classification.js';
export type { PrepareClassificationOptions } from './prepare-classification.js';
export { tokenize, buildVocabulary, encodePadded, PAD_ID, OOV_ID, PAD_TOKEN, OOV_TOKEN } from './word-tokenizer.js';
export type { TokenizerKind, PadSide } from './word-tokenizer.js';
export { prepareTimeseries } from './prepare-timeseries.js';
export type { PrepareTimeseriesOptions } from './prepare-timeseries.js';
export { fitScaling, scale, unscale } from './scaling.js';
export type { ScalingMethod } from './scaling.js';
export { SERIES_TRANSFORMS, applyTransform, invertTransform, difference, undifference, differenceOrder, differencingCoefficients, levelAt } from './series-transform.js';
export type { SeriesTransform } from './series-transform.js';
export { toOriginalUnits, originalSquaredError } from './series-inverse.js';
export { preparePairs, START_TOKEN, END_TOKEN } from './prepare-pairs.js';
export { splitPairs } from './pairs-split.js';
export type { HeldOutRule, PairsSplit, PairsSplitOptions, TextPair } from './pairs-split.js';
export type { PreparePairsOptions } from './prepare-pairs.js';
export { prepareIdx } from './prepare-idx.js';
export type { PrepareIdxOptions } from './prepare-idx.js';
export { parseIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from './idx.js';
export { download } from './download.js';
export type { DownloadOptions } from './download.js';
export { readTar, readZip } from './archive-readers.js';
export type { ArchiveEntry } from './archive-readers.js';
export { CANONICAL_SOURCES, canonicalSource, downloadDataset, imdbToTsv, ankiToTsv } from './canonical-sources.js';
export type { CanonicalSource, CanonicalFile, DownloadDatasetOptions } from './canonical-sources.js';
