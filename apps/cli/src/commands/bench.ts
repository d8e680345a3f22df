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
  bench
    .command('costmodel')
    .description('alpha-beta model fitted to `bench allreduce --json` output: predicted step time and weak-scaling efficiency of the seed models at 8..256 workers over 10/25/100 Gbit (ring and hierarchical); writes a table and an SVG')
    .requiredOption('--bench <file>', 'JSON lines of `seqtrain bench allreduce --json`')
    .option('--out <dir>', 'where costmodel.md and costmodel.svg go', 'docs/costmodel')
    .option('--local-batch <n>', 'samples per worker per step when timing the models', (v) => intList(v)[0] ?? 32, 32)
    .option('--bucket-cap <bytes>', 'gradient bucket cap', (v) => intList(v)[0] ?? 8 * 1024 * 1024, 8 * 1024 * 1024)
    .option('--hidden <fraction>', 'share of communication hidden behind compute (a measured commHiddenFraction)', Number, 0)
    .option('--backend <name>', 'backend for timing the models', 'auto')
    .action(async (o: { bench: string; out: string; localBatch: number; bucketCap: number; hidden: number; backend: string }) => {
      const { runCostModel } = await import('../cost-model-run.js');
      await runCostModel({ benchFile: o.bench, outDir: o.out, localBatch: o.localBatch, bucketCapBytes: o.bucketCap, hiddenFraction: o.hidden, backend: o.backend });
    });
  return bench;
}
