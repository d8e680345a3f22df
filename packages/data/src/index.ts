export { Vocabulary } from './vocabulary.js';
export { MANIFEST_VERSION, MANIFEST_FILE_NAME, readManifest, parseManifest } from './manifest.js';
export type { Manifest, SplitInfo, ShardFileInfo, SplitName } from './manifest.js';
export { prepareText } from './prepare-text.js';
export type { PrepareTextOptions } from './prepare-text.js';
export { ArrowDataset } from './arrow-dataset.js';
export type { Batch, ArrowDatasetOptions } from './arrow-dataset.js';
export { DistributedSampler, permutation } from './distributed-sampler.js';
export type { SamplerOptions } from './distributed-sampler.js';
