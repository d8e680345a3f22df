import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneCheckpoints } from './checkpoint-retention.js';

const root = mkdtempSync(join(tmpdir(), 'seqtrain-retention-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pruneCheckpoints', () => {
  it('keeps the K newest step directories by step number and leaves other entries alone', () => {
    for (const step of [100, 20, 300, 4000, 5]) mkdirSync(join(root, `step-${String(step).padStart(7, '0')}`));
    mkdirSync(join(root, '.step-0000400.tmp-1'));
    const deleted = pruneCheckpoints(root, 2);
    expect(deleted.map((d) => d.slice(root.length + 1)).sort()).toEqual(['step-0000005', 'step-0000020', 'step-0000100']);
    expect(readdirSync(root).sort()).toEqual(['.step-0000400.tmp-1', 'step-0000300', 'step-0004000']);
    expect(pruneCheckpoints(join(root, 'missing'), 2)).toEqual([]);
    expect(existsSync(join(root, 'step-0004000'))).toBe(true);
  });
});
