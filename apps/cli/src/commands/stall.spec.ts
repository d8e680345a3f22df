/**
 * The stall inspector end to end: rank 1 is made to sleep before entering step 3's gradient
 * all-reduce (the SEQTRAIN_TEST_DELAY_COLLECTIVE hook); rank 0 has entered it. The coordinator warns
 * after --stall-warn-ms naming rank 1 and the collective, and aborts with ERR_STALLED after
 * --stall-abort-ms, instead of leaving rank 0 waiting out the collective timeout.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_TIMEOUT_MS, seqtrain } from './cli-e2e.testing.js';
import { REPO_ROOT } from '../paths.js';

let root: string;
let dataDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-stall-'));
  writeFileSync(join(root, 'slice.txt'), readFileSync(join(REPO_ROOT, 'datasets/text/moby-dick.txt'), 'utf8').slice(0, 3_000));
  dataDir = join(root, 'data');
  const r = await seqtrain(['prepare', 'text', '--input', 'slice.txt', '--out', dataDir, '--seq-len', '20', '--step', '3', '--shards', '2'], root);
  expect(r.code, r.stderr).toBe(0);
}, RUN_TIMEOUT_MS);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('stall inspector', () => {
  it('warns naming the rank missing from a collective, then aborts the run with ERR_STALLED naming it', async () => {
    const out = join(root, 'stalled');
    process.env['SEQTRAIN_TEST_DELAY_COLLECTIVE'] = '1:3:8000';
    let r;
    try {
      r = await seqtrain(
        ['local', '--data', dataDir, '--workers', '2', '--global-batch', '16', '--steps', '10', '--units', '16', '--embedding-dim', '8', '--no-generate', '--no-progress', '--no-dashboard', '--stall-warn-ms', '800', '--stall-abort-ms', '3000', '--out', out],
        root
      );
    } finally {
      delete process.env['SEQTRAIN_TEST_DELAY_COLLECTIVE'];
    }
    expect(r.code, r.stderr).toBe(1);
    const warn = r.stderr.search(/stall warning: collective "grads" of step 3 waits \d+ ms for ranks 1\b/);
    const abort = r.stderr.search(/ERR_STALLED Stalled collective "grads" of step 3: ranks 0 entered it \d+ ms ago, ranks 1 \(/);
    expect(warn, r.stderr).toBeGreaterThanOrEqual(0);
    expect(abort, r.stderr).toBeGreaterThan(warn);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
    expect(summary.error.code).toBe('ERR_STALLED');
  }, RUN_TIMEOUT_MS);
});
