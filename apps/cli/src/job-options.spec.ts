import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveJob } from './job-options.js';

describe('resolveJob', () => {
  it('layers defaults < SEQTRAIN_ environment < job file < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqtrain-job-'));
    const file = join(dir, 'job.yaml');
    expect(resolveJob({}, {}).backend).toBe('auto');
    expect(resolveJob({}, { SEQTRAIN_BACKEND: 'cpu' }).backend).toBe('cpu');
    writeFileSync(file, 'backend: wasm\nworkers: 3\n');
    expect(resolveJob({ config: file }, { SEQTRAIN_BACKEND: 'cpu' }).backend).toBe('wasm');
    expect(resolveJob({ config: file, backend: 'cpu' }, {}).backend).toBe('cpu');
    expect(resolveJob({ config: file, workers: 1 }, {}).workers).toBe(1);
  });

  it('names a bad environment value', () => {
    expect(() => resolveJob({}, { SEQTRAIN_BACKEND: 'gpu9000' })).toThrow(/SEQTRAIN_BACKEND/);
  });

  it('lets --steps replace a file\'s epochs (and the reverse)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqtrain-job-'));
    const file = join(dir, 'job.json');
    writeFileSync(file, JSON.stringify({ epochs: 2 }));
    const job = resolveJob({ config: file, steps: 7 }, {});
    expect(job.steps).toBe(7);
    expect(job.epochs).toBeUndefined();
  });
});
