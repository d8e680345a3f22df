import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MODELS } from './model-registry.js';
import './register-all-models.js';

/**
 * The complete config a model is built from: the registration's parser validates `config` and
 * fills defaults. Store this (not the job file's partial config) in checkpoints, so a later build
 * does not depend on defaults that may have changed.
 */
export function resolveModelConfig(name: string, config: Record<string, unknown>): Record<string, unknown> {
  const { parseConfig } = MODELS.entry(name);
  return parseConfig === undefined ? { ...config } : (parseConfig(config) as Record<string, unknown>);
}

/** Builds the model registered as `name`; a bad config is ERR_INVALID_ARGUMENT naming the field. */
export function buildModel(name: string, config: Record<string, unknown>): LayersModel {
  const entry = MODELS.entry(name);
  return entry.builder(resolveModelConfig(name, config));
}
