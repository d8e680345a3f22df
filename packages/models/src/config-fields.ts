/**
 * A small declarative config parser shared by the model builders (char-lm keeps its own, older,
 * hand-written one). A model lists its fields once; parseModelConfig() rejects unknown fields
 * (typos), fills defaults, and checks each value, throwing ERR_INVALID_ARGUMENT whose
 * details.field is `model.config.<field>`, the job-file path the user has to fix.
 */
import { SeqtrainError } from '@seqtrain/common';

export type FieldSpec =
  | { kind: 'int'; min: number; default?: number }
  | { kind: 'seed'; default: number }
  | { kind: 'bool'; default?: boolean }
  /** A probability in [0, 1) (dropout rates). */
  | { kind: 'rate'; default?: number }
  | { kind: 'enum'; values: readonly string[]; default?: string };

export type FieldSpecs = Readonly<Record<string, FieldSpec>>;

function invalid(model: string, field: string, expected: string, got: unknown): SeqtrainError {
  return new SeqtrainError(
    'ERR_INVALID_ARGUMENT',
    `${model} config field "${field}" must be ${expected}; got ${JSON.stringify(got)}. Fix model.config.${field} in the job.`,
    { field: `model.config.${field}` }
  );
}

/**
 * Validates `raw` against `specs` and returns a complete config (every field present). A field
 * without a default is required. The caller vouches that `C` matches `specs`.
 */
export function parseModelConfig<C>(model: string, specs: FieldSpecs, raw: Record<string, unknown>): C {
  const known = Object.keys(specs);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `${model} config has an unknown field "${key}". Known fields: ${known.join(', ')}.`,
        { field: `model.config.${key}` }
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(specs)) {
    const value = raw[field] ?? spec.default;
    switch (spec.kind) {
      case 'int':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min) {
          throw invalid(model, field, spec.min === 1 ? 'a positive integer' : `an integer >= ${spec.min}`, value);
        }
        break;
      case 'seed':
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(model, field, 'an integer', value);
        break;
      case 'rate':
        if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw invalid(model, field, 'a number in [0, 1)', value);
        break;
      case 'bool':
        if (typeof value !== 'boolean') throw invalid(model, field, 'true or false', value);
        break;
      case 'enum':
        if (typeof value !== 'string' || !spec.values.includes(value)) {
          throw invalid(model, field, `one of ${spec.values.join(', ')}`, value);
        }
        break;
    }
    out[field] = value;
  }
  return out as C;
}
