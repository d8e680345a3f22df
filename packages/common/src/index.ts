export { SeqtrainError, isSeqtrainError, errorFromJSON } from './errors.js';
export type { ErrorCode, SeqtrainErrorDetails } from './errors.js';
export { ENV_SCHEMA, readEnv } from './env.js';
export type { SeqtrainEnv } from './env.js';
export { DEFAULTS } from './defaults.js';
export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
