/** `seqtrain bench ...`: benchmarks from tools/bench (figures are measured side by side in one run). */
import { Command } from 'commander';
import { resolve } from 'node:path';
import { intList } from '../parsers.js';
import { CLI_BIN } from '../paths.js';

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
    .command('chaos')
    .description('an elastic char-LSTM run with a worker killed (SIGKILL) mid-epoch vs a clean run: final validation loss of both, detection and recovery time, commit cost')
    .option('--workers <n>', 'worker agents (one is killed)', (v) => intList(v)[0] ?? 3, 3)
    .option('--steps <n>', 'steps of each run', (v) => intList(v)[0] ?? 120, 120)
    .option('--kill-step <n>', 'kill after this step (default: half way)', (v) => intList(v)[0] ?? 0)
    .option('--victim <k>', 'worker agent (start order) whose training process is killed', (v) => intList(v)[0] ?? 1, 1)
    .option('--out <dir>', 'where the two runs are written', 'runs/bench-chaos')
    .option('--data <dir>', 'a prepared dataset (default: the job prepares Moby Dick)')
    .option('--json', 'one JSON object instead of the table')
    .action(async (o: { workers: number; steps: number; killStep?: number; victim: number; out: string; data?: string; json?: boolean }) => {
      const { runChaosBench } = await import('@seqtrain/bench');
      await runChaosBench({
        cliBin: CLI_BIN,
        out: resolve(o.out),
        workers: o.workers,
        steps: o.steps,
        killStep: o.killStep || Math.floor(o.steps / 2),
        victim: o.victim,
        jobArgs: o.data ? ['--data', resolve(o.data)] : [],
        json: o.json === true,
      });
    });
  return bench;
}
