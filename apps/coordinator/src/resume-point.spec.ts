import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSeqtrainError } from '@seqtrain/common';
import { latestCheckpoint, readResumePoint } from './resume-point.js';

const root = mkdtempSync(join(tmpdir(), 'seqtrain-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function checkpoint(run: string, step: number, state: Record<string, unknown> | null): string {
  const dir = join(root, run, 'checkpoints', `step-${String(step).padStart(7, '0')}`);
  mkdirSync(dir, { recursive: true });
  if (state) writeFileSync(join(dir, 'trainer-state.json'), JSON.stringify(state));
  return dir;
}

describe('readResumePoint', () => {
  it('takes a run directory to its latest complete checkpoint (one without trainer-state.json is incomplete)', () => {
    checkpoint('a', 8, { step: 8, epoch: 0, stepInEpoch: 8 });
    const twelve = checkpoint('a', 12, { step: 12, epoch: 1, stepInEpoch: 2 });
    checkpoint('a', 16, null);
    expect(latestCheckpoint(join(root, 'a'))).toBe(twelve);
    expect(readResumePoint(join(root, 'a'), 10)).toEqual({ dir: twelve, step: 12 });
    expect(readResumePoint(twelve, 10)).toEqual({ dir: twelve, step: 12 });
  });

  it('refuses a checkpoint whose sampler position disagrees with this job (another global batch), naming the field', () => {
    const dir = checkpoint('b', 12, { step: 12, epoch: 1, stepInEpoch: 2 });
    try {
      readResumePoint(dir, 20);
      expect.unreachable();
    } catch (err) {
      expect(isSeqtrainError(err, 'ERR_JOB_INVALID')).toBe(true);
      expect((err as Error).message).toMatch(/epoch 1, step 2 of it; .* step 12 would be epoch 0, step 12/);
    }
  });

  it('refuses a directory with no checkpoint', () => {
    mkdirSync(join(root, 'empty'));
    expect(() => readResumePoint(join(root, 'empty'), 10)).toThrow(/neither a checkpoint directory/);
  });
});
