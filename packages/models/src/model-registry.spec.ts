import { describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { isSeqtrainError } from '@seqtrain/common';
import { MODELS, ModelRegistry } from './model-registry.js';
import './register-all-models.js';

const tiny = (config: { units: number }) => tfl.sequential({ layers: [tfl.layers.dense({ units: config.units, inputShape: [2] })] });

describe('ModelRegistry', () => {
  it('returns what was registered and lists names sorted', () => {
    const registry = new ModelRegistry();
    registry.register('zeta', tiny);
    registry.register('alpha', tiny, { summary: 'a dense layer' });
    expect(registry.names()).toEqual(['alpha', 'zeta']);
    expect(registry.get<{ units: number }>('alpha')).toBe(tiny);
    expect(registry.entry('alpha').summary).toBe('a dense layer');
  });

  it('rejects a second registration of a name', () => {
    const registry = new ModelRegistry();
    registry.register('m', tiny);
    let caught: unknown;
    try {
      registry.register('m', tiny);
    } catch (err) {
      caught = err;
    }
    expect(isSeqtrainError(caught, 'ERR_DUPLICATE_REGISTRATION')).toBe(true);
  });

  it('names the known models when asked for an unknown one', () => {
    const registry = new ModelRegistry();
    registry.register('char-lm', tiny);
    registry.register('word-lm', tiny);
    expect(() => registry.get('char-lstm')).toThrow(/Unknown model "char-lstm"\. Known models: char-lm, word-lm/);
    try {
      registry.get('x');
    } catch (err) {
      expect(isSeqtrainError(err, 'ERR_MODEL_UNKNOWN')).toBe(true);
    }
  });

  it('has char-lm registered in the process-wide registry', () => {
    expect(MODELS.names()).toContain('char-lm');
  });
});
