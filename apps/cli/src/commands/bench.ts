/** `seqtrain bench ...`: benchmarks from tools/bench (figures are measured side by side in one run). */
import { Command } from 'commander';
import { intList } from '../parsers.js';

export function benchCommand(): Command {
  const bench = new Command('bench').description('benchmarks (not tests): print ratios measured side by side in one run');
  bench
    .command('allreduce')
    .description('ring all-reduce time and busbw (nccl-tests definitions) vs a raw TCP pump between the same processes and OpenMPI MPI_Allreduce over TCP (when mpicc is installed)')
    .option('--ranks <list>', 'world sizes, comma-separated', intList, [2, 3, 4])
    .option('--sizes <list>', 'payload sizes, comma-separated (KB, MB, GB = powers of 2)', '1MB,8MB,64MB')
    .option('--iterations <n>', 'timed all-reduces per size', (v) => intList(v)[0] ?? 5)
    .option('--compression <list>', 'wire encodings, comma-separated: none (fp32), fp16, bf16', 'none,fp16')
    .option('--no-mpi', 'skip the OpenMPI reference column')
    .option('--json', 'one JSON object per row instead of a table')
    .action(async (o: { ranks: number[]; sizes: string; iterations?: number; json?: boolean; compression: string; mpi: boolean }) => {
      const { runAllreduceBench, parseSize } = await import('@seqtrain/bench');
      await runAllreduceBench({
        ranks: o.ranks,
        sizesBytes: o.sizes.split(',').map((s) => parseSize(s.trim())),
        ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
        compressions: o.compression.split(',').map((s) => s.trim()) as ('none' | 'fp16' | 'bf16')[],
        mpi: o.mpi,
        json: o.json === true,
      });
    });
  return bench;
}
