/** `seqtrain bench ...`: benchmarks from tools/bench (figures are measured side by side in one run). */
import { Command, Option } from 'commander';
import type { BackendChoice } from '@seqtrain/backend';
import { BACKENDS } from '@seqtrain/protocol';
import { resolve } from 'node:path';
import { intList } from '../parsers.js';
import { CLI_BIN } from '../paths.js';
import { benchNetnsCommand } from './bench-netns.js';

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
    .requiredOption('--bench <file>', 'JSON lines of `seqtrain bench allreduce --json` (loopback: the software\'s alpha and beta)')
    .option('--netns-bench <files...>', 'JSON lines of `seqtrain bench netns --json` (shaped links, one file per rate): each row predicted from the loopback fit and the wire')
    .option('--out <dir>', 'where costmodel.md and costmodel.svg go', 'docs/costmodel')
    .option('--local-batch <n>', 'samples per worker per step when timing the models', (v) => intList(v)[0] ?? 32, 32)
    .option('--bucket-cap <bytes>', 'gradient bucket cap', (v) => intList(v)[0] ?? 8 * 1024 * 1024, 8 * 1024 * 1024)
    .option('--hidden <fraction>', 'share of communication hidden behind compute (a measured commHiddenFraction)', Number, 0)
    .option('--backend <name>', 'backend for timing the models', 'auto')
    .action(async (o: { bench: string; netnsBench?: string[]; out: string; localBatch: number; bucketCap: number; hidden: number; backend: string }) => {
      const { runCostModel } = await import('../cost-model-run.js');
      await runCostModel({ benchFile: o.bench, ...(o.netnsBench ? { netnsBenchFiles: o.netnsBench } : {}), outDir: o.out, localBatch: o.localBatch, bucketCapBytes: o.bucketCap, hiddenFraction: o.hidden, backend: o.backend });
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
  bench
    .command('scaling')
    .description(
      'weak scaling end to end: the char-LSTM job of `npm start` (or --config FILE) with 1 and with 2 workers at the same per-worker batch, side by side: samples/s, efficiency (2-worker samples/s / (2 x 1-worker samples/s)) and the share of step time in un-hidden communication (targets >= 90%, <= 5%)'
    )
    .option('--workers <list>', 'world sizes, comma-separated; efficiency is against the first', intList, [1, 2])
    .option('--per-worker-batch <n>', 'samples per worker per step (npm start: 64 over 2 workers)', (v) => intList(v)[0] ?? 32, 32)
    .option('--steps <n>', 'steps of each run', (v) => intList(v)[0] ?? 150, 150)
    .option('--warmup-steps <n>', 'first steps of each run left out of the figures', (v) => intList(v)[0] ?? 20, 20)
    .option('--repeats <n>', 'runs per world size, alternating; medians are reported', (v) => intList(v)[0] ?? 1, 1)
    .option('--config <file>', 'job file for every run (default: the npm start job)')
    .option('--data <dir>', 'a prepared dataset (default: each run prepares Moby Dick)')
    .option('--out <dir>', 'where the runs are written', 'runs/bench-scaling')
    .option('--json', 'one JSON object per world size instead of the table')
    .action(
      async (o: { workers: number[]; perWorkerBatch: number; steps: number; warmupSteps: number; repeats: number; config?: string; data?: string; out: string; json?: boolean }) => {
        const { runScalingBench } = await import('@seqtrain/bench');
        await runScalingBench({
          cliBin: CLI_BIN,
          out: resolve(o.out),
          workers: o.workers,
          perWorkerBatch: o.perWorkerBatch,
          steps: o.steps,
          warmupSteps: o.warmupSteps,
          repeats: o.repeats,
          jobArgs: [...(o.config ? ['--config', resolve(o.config)] : []), ...(o.data ? ['--data', resolve(o.data)] : [])],
          json: o.json === true,
        });
      }
    );
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
  bench
    .command('step')
    .description(
      "one rank's training step of the char-LSTM quality job on wasm by CPU time (forward, backward, optimizer, fused LSTM kernels) before and after the gemm matmul and padded gemm rows, side by side"
    )
    .option('--units <n>', 'LSTM units', (v) => intList(v)[0] ?? 256, 256)
    .option('--seq-len <n>', 'window length', (v) => intList(v)[0] ?? 64, 64)
    .option('--batch <n>', 'windows per rank', (v) => intList(v)[0] ?? 32, 32)
    .option('--vocab <n>', 'vocabulary size', (v) => intList(v)[0] ?? 83, 83)
    .option('--embedding-dim <n>', 'embedding width', (v) => intList(v)[0] ?? 32, 32)
    .option('--repeats <n>', 'timed steps per variant, alternating (medians reported)', (v) => intList(v)[0] ?? 5, 5)
    .option('--json', 'one JSON object per variant instead of a table')
    .action(async (o: { units: number; seqLen: number; batch: number; vocab: number; embeddingDim: number; repeats: number; json?: boolean }) => {
      const { runStepBench } = await import('@seqtrain/bench');
      await runStepBench({
        units: o.units,
        seqLen: o.seqLen,
        batch: o.batch,
        vocabSize: o.vocab,
        embeddingDim: o.embeddingDim,
        repeats: o.repeats,
        json: o.json === true,
      });
    });
  bench
    .command('decode')
    .description(
      'seq2seq greedy decoding of one batch with the same untrained model, step-wise (encoder once, one decoder step per position) vs re-running the whole model on every target prefix; defaults: the seq2seq-eng-spa job\'s shape and one 64-verse chunk of its chrF pass'
    )
    .option('--sources <n>', 'sentences in the batch', (v) => intList(v)[0] ?? 64, 64)
    .option('--src-len <n>', 'model srcLen (the job\'s prepared data: 100)', (v) => intList(v)[0] ?? 100, 100)
    .option('--tgt-len <n>', 'model tgtLen (the job\'s prepared data: 102)', (v) => intList(v)[0] ?? 102, 102)
    .option('--units <n>', 'LSTM units', (v) => intList(v)[0] ?? 128, 128)
    .option('--embedding <n>', 'embedding size', (v) => intList(v)[0] ?? 64, 64)
    .option('--max-length <n>', 'ids emitted at most per sentence (default: tgtLen)', (v) => intList(v)[0] ?? 1)
    .addOption(new Option('--backend <name>', 'compute backend').choices([...BACKENDS]).default('auto'))
    .option('--json', 'one JSON object instead of the table')
    .action(
      async (o: { sources: number; srcLen: number; tgtLen: number; units: number; embedding: number; maxLength?: number; backend: BackendChoice; json?: boolean }) => {
        const { runDecodeBench } = await import('@seqtrain/bench');
        await runDecodeBench({
          sources: o.sources,
          srcLen: o.srcLen,
          tgtLen: o.tgtLen,
          units: o.units,
          embeddingDim: o.embedding,
          ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}),
          backend: o.backend,
          json: o.json === true,
        });
      }
    );
  bench.addCommand(benchNetnsCommand());
  return bench;
}
