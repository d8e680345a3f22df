import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunSummary, readRunSummary } from './run-summary.js';

describe('run summary', () => {
  it('reads the validation object', () => {
    const run = parseRunSummary({ status: 'completed', wallSeconds: 812.5, steps: 3000, validation: { loss: 1.5, bitsPerChar: 2.21, chrf: 35, copyChrf: 18.3 } });
    expect(run).toEqual({ status: 'completed', wallSeconds: 812.5, steps: 3000, metrics: { loss: 1.5, bitsPerChar: 2.21, chrf: 35, copyChrf: 18.3 }, error: null });
  });

  it('falls back to the flat fields of summaries written before the validation object', () => {
    expect(parseRunSummary({ status: 'completed', wallSeconds: 10, steps: 5, validationBitsPerToken: 3.6, validationAccuracy: null }).metrics).toEqual({ bitsPerChar: 3.6 });
    expect(parseRunSummary({ wallSeconds: 10, validation: { accuracy: 0.9 }, validationAccuracy: 0.1 }).metrics).toEqual({ accuracy: 0.9 });
  });

  it('reports a failed run, a missing and an unreadable file', async () => {
    expect(parseRunSummary({ status: 'failed', error: { code: 'ERR_WORKER_FAILED', message: 'worker 1 died' } })).toMatchObject({
      status: 'failed',
      error: 'ERR_WORKER_FAILED worker 1 died',
    });
    const dir = mkdtempSync(join(tmpdir(), 'quality-summary-'));
    expect(await readRunSummary(join(dir, 'summary.json'))).toMatchObject({ status: 'missing' });
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(await readRunSummary(join(dir, 'bad.json'))).toMatchObject({ status: 'unreadable' });
    expect(parseRunSummary({ wallSeconds: 'soon' })).toMatchObject({ status: 'unreadable' });
  });
});
