import { describe, expect, it } from 'vitest';
import { SeqtrainError, errorFromJSON, isSeqtrainError } from './errors.js';
import { readEnv } from './env.js';

describe('SeqtrainError', () => {
  it('keeps code and details through a JSON round trip', () => {
    const err = new SeqtrainError('ERR_SHAPE_MISMATCH', 'rank 1 sent [3]', { rank: 1 });
    const back = errorFromJSON(JSON.parse(JSON.stringify(err)));
    expect(back.code).toBe('ERR_SHAPE_MISMATCH');
    expect(back.details.rank).toBe(1);
    expect(isSeqtrainError(back, 'ERR_SHAPE_MISMATCH')).toBe(true);
    expect(isSeqtrainError(back, 'ERR_PROTOCOL')).toBe(false);
  });

  it('turns an unknown payload into ERR_PROTOCOL', () => {
    expect(errorFromJSON(42).code).toBe('ERR_PROTOCOL');
  });
});

describe('readEnv', () => {
  it('parses SEQTRAIN_ variables and names a bad one', () => {
    expect(readEnv({ SEQTRAIN_COLLECTIVE_TIMEOUT_MS: '500' }).SEQTRAIN_COLLECTIVE_TIMEOUT_MS).toBe(500);
    expect(() => readEnv({ SEQTRAIN_BACKEND: 'gpu9000' })).toThrow(/SEQTRAIN_BACKEND/);
  });
});
