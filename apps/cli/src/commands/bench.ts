/** `seqtrain bench ...`: benchmarks from tools/bench (figures are measured side by side in one run). */
import { Command } from 'commander';
import { intList } from '../parsers.js';

export function benchCommand(): Command {
  const bench = new Command('bench').description('benchmarks (not tests): print ratios measured side by side in one run');
  bench
    .command('allreduce')
    .description('ring all-reduce time, algbw and busbw (nccl-tests definitions) vs a raw TCP pump between the same processes')
    .option('--ranks <list>', 'world sizes, comma-separated', intList, [2, 3, 4])
    .option('--sizes <list>', 'payload sizes, comma-separated (KB, MB, GB = powers of 2)', '1MB,8MB,64MB')
    .option('--iterations <n>', 'timed all-reduces per size', (v) => intList(v)[0] ?? 5)
    .option('--json', 'one JSON object per row instead of a table')
    .action(async (o: { ranks: number[]; sizes: string; iterations?: number; json?: boolean }) => {
      const { runAllreduceBench, parseSize } = await import('@seqtrain/bench');
      await runAllreduceBench({
        ranks: o.ranks,
        sizesBytes: o.sizes.split(',').map((s) => parseSize(s.trim())),
        ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
        json: o.json === true,
      });
    });
  bench
    .command('rnn')
    .description(
      'training-step time of @seqtrain/rnn\'s fused LSTM/GRU vs stock tfjs-layers on the same backend, with GFLOP/s and the ratio to a large matmul'
    )
    .option('--cells <list>', 'cells, comma-separated: lstm, gru', 'lstm,gru')
    .option('--units <list>', 'units, comma-separated', intList, [32, 128, 256])
    .option('--T <list>', 'sequence lengths, comma-separated', intList, [10, 40, 160])
    .option('--batch <list>', 'batch sizes, comma-separated', intList, [32, 128])
    .option('--backend <name>', 'wasm or cpu (the backends with fused kernels)', 'wasm')
    .option('--features <n>', 'input features per step', (v) => intList(v)[0] ?? 8, 8)
    .option('--repeats <n>', 'timed steps per layer and row (median reported)', (v) => intList(v)[0] ?? 3, 3)
    .option('--json', 'one JSON object per row instead of a table')
    .action(
      async (o: { cells: string; units: number[]; T: number[]; batch: number[]; backend: string; features: number; repeats: number; json?: boolean }) => {
        const { runRnnBench } = await import('@seqtrain/bench');
        await runRnnBench({
          cells: o.cells.split(',').map((c) => c.trim()) as ('lstm' | 'gru')[],
          units: o.units,
          T: o.T,
          batch: o.batch,
          backend: o.backend as 'wasm' | 'cpu',
          features: o.features,
          repeats: o.repeats,
          json: o.json === true,
        });
      }
    );
  return bench;
}
