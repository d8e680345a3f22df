import { describe, expect, it } from 'vitest';
import { runAllreduceBench } from './allreduce-bench.js';
import { tableHeader } from './bench-table.js';

// Needs dist/allreduce-worker.js (the workers are forked from the build); the nx test target builds first.
describe('runAllreduceBench', () => {
  it('runs real worker processes and reports sane rows, as a table or as JSON lines', async () => {
    const lines: string[] = [];
    const rows = await runAllreduceBench({ ranks: [2], sizesBytes: [64 * 1024], iterations: 1, warmup: 0, mpi: false, out: (line) => lines.push(line) });
    expect(rows).toHaveLength(1);
    const [row] = rows as [(typeof rows)[0]];
    expect(row).toMatchObject({ ranks: 2, bytes: 65_536, dtype: 'float32', compression: 'none', reference: { kind: 'raw-tcp-pump' }, mpi: { missing: 'not run' } });
    for (const value of [row.seconds, row.algbw, row.busbw, row.reference.bytesPerSecond, row.reference.oneWayBytesPerSecond, row.reference.cpuSeconds, row.cpuSeconds]) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThan(0);
    }
    expect(row.algbw).toBeCloseTo(row.bytes / row.seconds, 6);
    expect(row.busbw).toBeCloseTo((row.algbw * 2 * (row.ranks - 1)) / row.ranks, 6);
    expect(row.cpuPerLinkByteVsRaw).toBeCloseTo(row.cpuSeconds / 1 / row.reference.cpuSeconds, 9);
    expect(lines[0]).toBe(tableHeader());
    expect(lines[1]).toMatch(/^\s+2\s+64KB\s/);

    const jsonLines: string[] = [];
    await runAllreduceBench({ ranks: [3], sizesBytes: [4096], iterations: 1, warmup: 0, json: true, mpi: false, compressions: ['fp16', 'bf16'], out: (line) => jsonLines.push(line) });
    expect(jsonLines).toHaveLength(2);
    const parsed = JSON.parse(jsonLines[0] as string) as typeof row;
    expect(parsed).toMatchObject({ ranks: 3, bytes: 4096, dtype: 'float32', compression: 'fp16' });
    expect(parsed.busbw).toBeCloseTo((parsed.algbw * 4) / 3, 6);
  });

  it('rejects a world size below 2 and sizes that are not whole float32 arrays', async () => {
    await expect(runAllreduceBench({ ranks: [1], sizesBytes: [1024] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'ranks' } });
    await expect(runAllreduceBench({ ranks: [2], sizesBytes: [1023] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'sizes' } });
  });
});
