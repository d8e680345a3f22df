import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm, globalNorm } from './gradient-clipping.js';

describe('clipByGlobalNorm', () => {
  it('scales down to the clip norm and leaves smaller gradients alone', () => {
    const big = Float32Array.from([3, 4]);
    expect(clipByGlobalNorm(big, 1)).toBe(5);
    expect(Array.from(big)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    const small = Float32Array.from([0.3, 0.4]);
    clipByGlobalNorm(small, 1);
    expect(Array.from(small)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect(globalNorm(new Float32Array(0))).toBe(0);
  });
});
