/**
 * Integrity end to end through `seqtrain local`: replica checks on every step of a two-rank run pass,
 * only the newest --keep-checkpoints checkpoints stay, and a resume from a corrupted latest checkpoint
 * reports the damaged file and continues from the previous one.
 */
import { readFileSync, readdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../paths.js';
import { RUN_TIMEOUT_MS, seqtrain } from './cli-e2e.testing.js';

let root: string;
let dataDir: string;
const small = ['--units', '16', '--embedding-dim', '8', '--no-generate', '--no-progress', '--no-dashboard', '--global-batch', '16'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-integrity-'));
  writeFileSync(join(root, 'slice.txt'), readFileSync(join(REPO_ROOT, 'datasets/text/moby-dick.txt'), 'utf8').slice(0, 20_000));
  dataDir = join(root, 'data');
  const r = await seqtrain(['prepare', 'text', '--input', 'slice.txt', '--out', dataDir, '--seq-len', '16', '--step', '5', '--shards', '2'], root);
  expect(r.code, r.stderr).toBe(0);
}, RUN_TIMEOUT_MS);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('run integrity', () => {
  it('checks replicas every step, keeps the newest checkpoints, and resumes past a corrupted one', async () => {
    const out = join(root, 'run');
    const r = await seqtrain(['local', '--data', dataDir, '--workers', '2', '--steps', '4', '--checkpoint-every', '1', '--keep-checkpoints', '2', '--check-replicas-every', '1', '--out', out, ...small], root);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(out, 'checkpoints')).sort()).toEqual(['step-0000003', 'step-0000004']);

    const weights = join(out, 'checkpoints', 'step-0000004', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[3] = (bytes[3] as number) ^ 0x40;
    writeFileSync(weights, bytes);
    const resumed = await seqtrain(['local', '--data', dataDir, '--workers', '1', '--steps', '5', '--resume', join(out, 'checkpoints', 'step-0000004'), '--out', join(root, 'resumed'), ...small], root);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`warning: checkpoint ${join(out, 'checkpoints', 'step-0000004')} is unusable`);
    expect(resumed.stderr).toContain(weights);
    const summary = JSON.parse(readFileSync(join(root, 'resumed', 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'completed', startStep: 3, finalStep: 5, resumedFrom: join(out, 'checkpoints', 'step-0000003') });
  }, 2 * RUN_TIMEOUT_MS);
});
