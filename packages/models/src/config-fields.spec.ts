import { describe, expect, it } from 'vitest';
import { isSeqtrainError } from '@seqtrain/common';
import { parseModelConfig } from './config-fields.js';
import type { FieldSpecs } from './config-fields.js';

const SPECS = {
  size: { kind: 'int', min: 1 },
  depth: { kind: 'int', min: 0, default: 0 },
  flag: { kind: 'bool', default: false },
  mode: { kind: 'enum', values: ['a', 'b'], default: 'a' },
  seed: { kind: 'seed', default: 42 },
} as const satisfies FieldSpecs;

function fieldOf(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return isSeqtrainError(err, 'ERR_INVALID_ARGUMENT') ? err.details.field : err;
  }
  return undefined;
}

describe('parseModelConfig', () => {
  it('fills defaults and keeps given values', () => {
    expect(parseModelConfig('m', SPECS, { size: 3, mode: 'b' })).toEqual({ size: 3, depth: 0, flag: false, mode: 'b', seed: 42 });
  });

  it('names the unknown, missing or invalid field', () => {
    expect(fieldOf(() => parseModelConfig('m', SPECS, { size: 3, sise: 4 }))).toBe('model.config.sise');
    expect(fieldOf(() => parseModelConfig('m', SPECS, {}))).toBe('model.config.size');
    expect(fieldOf(() => parseModelConfig('m', SPECS, { size: 1.5 }))).toBe('model.config.size');
    expect(fieldOf(() => parseModelConfig('m', SPECS, { size: 1, depth: -1 }))).toBe('model.config.depth');
    expect(fieldOf(() => parseModelConfig('m', SPECS, { size: 1, flag: 1 }))).toBe('model.config.flag');
    expect(fieldOf(() => parseModelConfig('m', SPECS, { size: 1, mode: 'c' }))).toBe('model.config.mode');
    expect(fieldOf(() => parseModelConfig('m', SPECS, { size: 1, seed: 0.5 }))).toBe('model.config.seed');
    expect(() => parseModelConfig('m', SPECS, { size: 1, depth: -1 })).toThrow(/m config field "depth" must be an integer >= 0; got -1/);
  });
});
