import { describe, expect, it } from 'vitest';
import { decodeCoordinatorMessage, encodeMessage } from './protocol.js';
import { pathProblem } from './safe-path.js';

describe('paths in messages', () => {
  it('accepts normalised absolute paths and refuses relative, dotted, NUL and overlong ones', () => {
    expect(pathProblem('/runs/a/data')).toBeUndefined();
    expect(pathProblem('runs/a')).toMatch(/absolute/);
    expect(pathProblem('/runs/a/../../etc')).toMatch(/"\.\."/);
    expect(pathProblem('/runs/./a')).toMatch(/"\."/);
    expect(pathProblem('/runs/a\0b')).toMatch(/NUL/);
    expect(pathProblem('/' + 'a'.repeat(5000))).toMatch(/characters/);
  });

  it('refuses a checkpoint message that would make rank 0 write outside a run\'s checkpoints directory, naming the field', () => {
    const checkpoint = (dir: string) => encodeMessage({ type: 'checkpoint', step: 2, dir, epoch: 0, stepInEpoch: 2 } as never);
    expect(decodeCoordinatorMessage(checkpoint('/runs/r/checkpoints/step-0000002'))).toMatchObject({ dir: '/runs/r/checkpoints/step-0000002' });
    for (const dir of ['/etc', '/runs/r/checkpoints/../../../etc/step-0000002', 'checkpoints/step-0000002', '/home/u/.ssh']) {
      expect(() => decodeCoordinatorMessage(checkpoint(dir))).toThrow(expect.objectContaining({ code: 'ERR_BAD_FRAME', details: { field: 'dir' } }));
    }
  });
});
