import { describe, expect, it } from 'vitest';
import { checkAgainstReference, referenceInput } from './reference-check.js';

describe('checkAgainstReference', () => {
  it('accepts the float32 sum of the ranks and rejects a result one element off', () => {
    const ranks = 3;
    const length = 1000;
    const inputs = Array.from({ length: ranks }, (_, r) => referenceInput(r, length));
    const sum = new Float32Array(length);
    for (const input of inputs) for (let i = 0; i < length; i++) sum[i] = Math.fround((sum[i] as number) + (input[i] as number));
    const ok = checkAgainstReference(sum, ranks, 'none');
    expect(ok.withinBound).toBe(true);
    expect(ok.maxAbsError).toBeLessThan(1e-6);
    sum[500] = (sum[500] as number) + 1e-3;
    const off = checkAgainstReference(sum, ranks, 'none');
    expect(off.withinBound).toBe(false);
    expect(off.maxAbsError).toBeCloseTo(1e-3, 6);
    // The same error is within fp16's looser bound only if it is below u * N * sum|x|; 1e-1 never is.
    sum[500] = (sum[500] as number) + 1e-1;
    expect(checkAgainstReference(sum, ranks, 'fp16').withinBound).toBe(false);
  });
});
