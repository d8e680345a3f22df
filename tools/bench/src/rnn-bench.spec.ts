import { describe, expect, it } from 'vitest';
import { rnnStepFlops, runRnnBench } from './rnn-bench.js';
import { rnnTableHeader } from './rnn-bench-table.js';

describe('runRnnBench', () => {
  it('times both layers on the same backend and reports sane rows, as a table or as JSON lines', async () => {
    const lines: string[] = [];
    const rows = await runRnnBench({ cells: ['lstm', 'gru'], units: [4], T: [3], batch: [2], backend: 'cpu', repeats: 1, warmup: 0, matmulSize: 64, out: (l) => lines.push(l) });
    expect(rows.map((r) => r.cell)).toEqual(['lstm', 'gru']);
    for (const row of rows) {
      expect(row).toMatchObject({ units: 4, T: 3, batch: 2, backend: 'cpu', features: 8 });
      for (const v of [row.oursMs, row.tfjsLayersMs, row.speedup, row.gflops, row.matmulGflops]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      expect(row.speedup).toBeCloseTo(row.tfjsLayersMs / row.oursMs, 9);
      expect(row.gflops).toBeCloseTo(rnnStepFlops(row.cell, 4, 3, 2, 8) / (row.oursMs * 1e6), 9);
    }
    expect(lines[0]).toBe(rnnTableHeader());
    expect(lines[1]).toMatch(/^lstm\s+4\s+3\s+2\s+cpu\s/);

    const json: string[] = [];
    await runRnnBench({ cells: ['gru'], units: [3], T: [2], batch: [1], backend: 'cpu', repeats: 1, warmup: 0, matmulSize: 64, json: true, out: (l) => json.push(l) });
    expect(json).toHaveLength(1);
    expect(Object.keys(JSON.parse(json[0] as string) as object)).toEqual(
      expect.arrayContaining(['cell', 'units', 'T', 'batch', 'backend', 'oursMs', 'tfjsLayersMs', 'speedup', 'gflops', 'matmulGflops'])
    );
  });

  it('counts 3 x 2·T·B·G·H·(D+H) matmul FLOPs per step', () => {
    expect(rnnStepFlops('lstm', 32, 10, 128, 8)).toBe(3 * 2 * 10 * 128 * 4 * 32 * 40);
    expect(rnnStepFlops('gru', 32, 10, 128, 8)).toBe(3 * 2 * 10 * 128 * 3 * 32 * 40);
  });

  it('rejects an unknown cell or backend and non-positive sizes', async () => {
    await expect(runRnnBench({ cells: ['rnn' as never] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'cells' } });
    await expect(runRnnBench({ backend: 'webgl' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'backend' } });
    await expect(runRnnBench({ T: [0] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'T' } });
  });
});
