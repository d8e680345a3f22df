/**
 * Name -> model builder. Models are looked up by the name a job file gives (`model.name`), so a
 * name is registered once per process (a second registration is a bug, not an override) and an
 * unknown name fails listing the known ones.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';

export type ModelBuilder<C> = (config: C) => LayersModel;

/** What a registration says about its model beyond the builder. */
export interface ModelDescription<C> {
  /** One line for `--help` and error messages. */
  summary?: string;
  /**
   * Validates a raw (job-file) config and fills defaults; throws SeqtrainError naming the field.
   * buildModel() runs it before the builder, so the builder sees a complete, valid config.
   */
  parseConfig?: (raw: Record<string, unknown>) => C;
}

export interface RegisteredModel {
  readonly name: string;
  readonly builder: ModelBuilder<unknown>;
  readonly summary: string | undefined;
  readonly parseConfig: ((raw: Record<string, unknown>) => unknown) | undefined;
}

export class ModelRegistry {
  private readonly models = new Map<string, RegisteredModel>();

  register<C>(name: string, builder: ModelBuilder<C>, describe: ModelDescription<C> = {}): void {
    if (this.models.has(name)) {
      throw new SeqtrainError(
        'ERR_DUPLICATE_REGISTRATION',
        `A model named "${name}" is already registered. Pick another name for the new model.`,
        { field: 'model.name' }
      );
    }
    this.models.set(name, {
      name,
      builder: builder as ModelBuilder<unknown>,
      summary: describe.summary,
      parseConfig: describe.parseConfig,
    });
  }

  /** The whole registration: builder, summary and config parser. */
  entry(name: string): RegisteredModel {
    const found = this.models.get(name);
    if (found === undefined) {
      const known = this.names();
      throw new SeqtrainError(
        'ERR_MODEL_UNKNOWN',
        `Unknown model "${name}". Known models: ${known.length > 0 ? known.join(', ') : '(none registered)'}.`,
        { field: 'model.name' }
      );
    }
    return found;
  }

  /** The builder registered under `name`; the caller vouches that `C` is its config type. */
  get<C = Record<string, unknown>>(name: string): ModelBuilder<C> {
    return this.entry(name).builder as ModelBuilder<C>;
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.models.keys()].sort();
  }
}

/** The process-wide registry; register-all-models.ts fills it. */
export const MODELS = new ModelRegistry();
