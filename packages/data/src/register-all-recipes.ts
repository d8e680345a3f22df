/** The one place that fills RECIPES (imported for its effect by index.ts). */
import type { PrepareClassificationOptions } from './prepare-classification.js';
import { prepareClassification } from './prepare-classification.js';
import { prepareIdx, type PrepareIdxOptions } from './prepare-idx.js';
import { preparePairs, type PreparePairsOptions } from './prepare-pairs.js';
import { prepareText, type PrepareTextOptions } from './prepare-text.js';
import { prepareTimeseries, type PrepareTimeseriesOptions } from './prepare-timeseries.js';
import { RECIPES } from './recipe-registry.js';

RECIPES.register({
  name: 'text',
  description: 'character-level next-token windows of a UTF-8 text',
  prepare: (options) => prepareText(options as PrepareTextOptions),
});
RECIPES.register({
  name: 'classification',
  description: 'labelled texts (TSV/CSV) -> padded token ids + label ids',
  prepare: (options) => prepareClassification(options as PrepareClassificationOptions),
});
RECIPES.register({
  name: 'timeseries',
  description: 'numeric CSV columns -> scaled sliding windows, split by time',
  prepare: (options) => prepareTimeseries(options as PrepareTimeseriesOptions),
});
RECIPES.register({
  name: 'pairs',
  description: 'source/target sentence pairs (TSV) -> char ids for seq2seq',
  prepare: (options) => preparePairs(options as PreparePairsOptions),
});
RECIPES.register({
  name: 'idx',
  description: 'IDX image + label files (MNIST) -> pixels in [0, 1] + label ids',
  prepare: (options) => prepareIdx(options as PrepareIdxOptions),
});
