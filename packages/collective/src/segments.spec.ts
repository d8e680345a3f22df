import { describe, expect, it } from 'vitest';
import { chunkCount, ringSegments } from './segments.js';

describe('ringSegments', () => {
  it('covers the array with contiguous segments whose sizes differ by at most one', () => {
    for (const [length, worldSize] of [
      [0, 3],
      [1, 5],
      [4, 5],
      [10, 3],
      [1_000_003, 4],
      [7, 1],
    ] as const) {
      const segments = ringSegments(length, worldSize);
      expect(segments).toHaveLength(worldSize);
      expect(segments[0]?.start).toBe(0);
      expect(segments.at(-1)?.end).toBe(length);
      for (let i = 1; i < segments.length; i++) expect(segments[i]?.start).toBe(segments[i - 1]?.end);
      const sizes = segments.map((s) => s.end - s.start);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('gives the extra elements to the first segments', () => {
    expect(ringSegments(10, 3).map((s) => s.end - s.start)).toEqual([4, 3, 3]);
  });
});

describe('chunkCount', () => {
  it('sends nothing for an empty range and rounds up otherwise', () => {
    expect(chunkCount(0, 4)).toBe(0);
    expect(chunkCount(1, 4)).toBe(1);
    expect(chunkCount(8, 4)).toBe(2);
    expect(chunkCount(9, 4)).toBe(3);
  });
});
