import { describe, expect, it } from 'vitest';
import { runStepBench, STEP_VARIANTS } from './step-bench.js';

describe('runStepBench', () => {
  it('times every variant of one char-LM step by parts, as a table or as JSON lines', async () => {
    const lines: string[] = [];
    const rows = await runStepBench({ units: 8, seqLen: 5, batch: 3, vocabSize: 7, embeddingDim: 4, repeats: 1, warmup: 0, out: (l) => lines.push(l) });
    expect(rows.map((r) => r.variant)).toEqual([...STEP_VARIANTS]);
    for (const row of rows) {
      for (const v of [row.stepMs, row.forwardMs, row.lstmKernelsMs, row.speedup]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      expect(row.optimizerMs).toBeGreaterThanOrEqual(0);
      // The fused kernels run inside the step, so they cannot take more CPU than it.
      expect(row.lstmKernelsMs).toBeLessThanOrEqual(row.stepMs);
    }
    expect(rows[0]?.speedup).toBe(1);
    expect(lines[1]).toMatch(/variant\s+step cpu ms\s+forward\s+backward\s+optimizer\s+lstm kernels\s+speedup/);
    expect(lines.slice(2).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual([...STEP_VARIANTS]);

    const json: string[] = [];
    await runStepBench({ units: 4, seqLen: 3, batch: 2, vocabSize: 5, embeddingDim: 2, repeats: 1, warmup: 0, json: true, out: (l) => json.push(l) });
    expect(json).toHaveLength(STEP_VARIANTS.length);
    expect(JSON.parse(json[0] as string)).toMatchObject({ variant: 'before', units: 4, seqLen: 3, batch: 2, vocabSize: 5 });
  });

  it('rejects non-positive sizes naming the field', async () => {
    await expect(runStepBench({ units: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'units' } });
    await expect(runStepBench({ warmup: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'warmup' } });
  });
});
