import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { prepareMpiReference } from './mpi-reference.js';

function installed(command: string): boolean {
  try {
    execFileSync('which', [command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('OpenMPI reference', () => {
  it.skipIf(!installed('mpicc') || !installed('mpirun'))('compiles the C program and times MPI_Allreduce over loopback TCP for two ranks', async () => {
    const mpi = await prepareMpiReference();
    try {
      const times = await mpi.time(2, [4096, 65_536], 1, 0);
      expect(times).toBeInstanceOf(Map);
      const map = times as Map<number, number>;
      expect([...map.keys()]).toEqual([4096, 65_536]);
      for (const seconds of map.values()) expect(seconds).toBeGreaterThan(0);
    } finally {
      await mpi.dispose();
    }
  });
});
