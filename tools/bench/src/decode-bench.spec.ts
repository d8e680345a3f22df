import { describe, expect, it } from 'vitest';
import { benchSources, runDecodeBench } from './decode-bench.js';
import { decodeTableHeader } from './decode-bench-table.js';

const TINY = { sources: 5, srcLen: 6, tgtLen: 7, srcVocab: 9, tgtVocab: 8, units: 4, embeddingDim: 3, maxSourceChars: 5, backend: 'cpu' } as const;

describe('runDecodeBench', () => {
  it('times step-wise and prefix re-run decoding of the same sources, which emit the same ids', async () => {
    const lines: string[] = [];
    const row = await runDecodeBench({ ...TINY, out: (l) => lines.push(l) });
    expect(row).toMatchObject({ sources: 5, srcLen: 6, tgtLen: 7, units: 4, backend: 'cpu', sameIds: true });
    expect(row.emittedIds).toBeGreaterThanOrEqual(5);
    expect(row.emittedIds).toBeLessThanOrEqual(5 * 7);
    for (const v of [row.stepwiseMs, row.prefixRerunMs]) expect(v).toBeGreaterThan(0);
    expect(row.speedup).toBeCloseTo(row.prefixRerunMs / row.stepwiseMs, 9);
    expect(lines[0]).toBe(decodeTableHeader());
    expect(lines[1]).toMatch(/^\s+5\s+6\s+7\s+4\s+cpu\s.*yes$/);

    const json: string[] = [];
    await runDecodeBench({ ...TINY, maxLength: 2, json: true, out: (l) => json.push(l) });
    expect(json).toHaveLength(1);
    expect(JSON.parse(json[0] as string)).toMatchObject({ sameIds: true, sources: 5 });
  });

  it('draws sources of spread lengths within the bounds, and rejects bad sizes', async () => {
    const sources = benchSources(64, 80, 67);
    expect(new Set(sources.map((s) => s.length)).size).toBeGreaterThan(30);
    expect(Math.max(...sources.map((s) => s.length))).toBeLessThanOrEqual(80);
    expect(sources.flat().every((id) => id >= 1 && id < 67)).toBe(true);
    await expect(runDecodeBench({ ...TINY, units: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'units' } });
    await expect(runDecodeBench({ ...TINY, maxSourceChars: 7 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'maxSourceChars' } });
  });
});
