/**
 * The OpenMPI column of the all-reduce bench: tools/bench/mpi/allreduce.c, compiled with mpicc into a
 * temporary directory at run time, started with mpirun over TCP on loopback only
 * (`--mca btl self,tcp --mca btl_tcp_if_include lo`, so neither shared memory nor another interface
 * is used). Where mpicc or mpirun is missing the column reads "not installed"
 * (`apt-get install openmpi-bin libopenmpi-dev`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The C source, shipped beside the package's sources (tools/bench/mpi). */
const MPI_SOURCE = fileURLToPath(new URL('../mpi/allreduce.c', import.meta.url));

export const MPIRUN_ARGS = ['--allow-run-as-root', '--oversubscribe', '--mca', 'btl', 'self,tcp', '--mca', 'btl_tcp_if_include', 'lo'] as const;

export interface MpiReference {
  /** Mean seconds per MPI_Allreduce by payload bytes, or why there is none. */
  time(ranks: number, sizesBytes: number[], iterations: number, warmup: number): Promise<Map<number, number> | string>;
  dispose(): Promise<void>;
}

/** Compiles the reference program; a reference whose time() answers "not installed" when mpicc is absent. */
export async function prepareMpiReference(): Promise<MpiReference> {
  const dir = await mkdtemp(join(tmpdir(), 'seqtrain-mpi-'));
  const exe = join(dir, 'allreduce');
  let problem: string | undefined;
  try {
    await run('mpicc', ['-O2', '-o', exe, MPI_SOURCE]);
    await run('mpirun', ['--version']);
  } catch (err) {
    problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : `mpicc failed: ${(err as Error).message.split('\n')[0]}`;
  }
  return {
    async time(ranks, sizesBytes, iterations, warmup) {
      if (problem) return problem;
      try {
        const args = [...MPIRUN_ARGS, '-np', String(ranks), exe, String(iterations), String(warmup), ...sizesBytes.map(String)];
        const { stdout } = await run('mpirun', args, { maxBuffer: 1 << 20, timeout: 600_000 });
        const times = new Map<number, number>();
        for (const line of stdout.split('\n')) {
          const [bytes, seconds] = line.trim().split(/\s+/).map(Number);
          if (bytes !== undefined && seconds !== undefined && Number.isFinite(bytes) && Number.isFinite(seconds) && seconds > 0) times.set(bytes, seconds);
        }
        return times;
      } catch (err) {
        return `mpirun failed: ${(err as Error).message.split('\n')[0]}`;
      }
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
