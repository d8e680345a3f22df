// Programmatic surface of the CLI (the command itself is dist/main.js via bin/seqtrain.js).
export { runLocal } from './commands/local.js';
export { resolveJob, loadJobFile, addJobOptions } from './job-options.js';
export type { JobFlags } from './job-options.js';
export { generateText } from './generate-text.js';
export type { GenerateOptions } from './generate-text.js';
export { RunProgress, formatSeconds } from './progress.js';
export { translateText } from './translate-text.js';
export type { TranslateOptions } from './translate-text.js';
