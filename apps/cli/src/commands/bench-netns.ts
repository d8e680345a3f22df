/**
 * `seqtrain bench netns`: the all-reduce bench with every rank in its own network namespace and each
 * host's transmit rate capped by tbf (tools/bench netns-allreduce-bench.ts). Root only.
 */
import { Command } from 'commander';
import { intList, positiveInt } from '../parsers.js';

export function benchNetnsCommand(): Command {
  return new Command('netns')
    .description(
      'ring all-reduce between ranks in separate network namespaces (veth pairs to a bridge, each host shaped with tc tbf): busbw, busbw / link rate, a raw TCP pump and iperf3 (when installed) over the same shaped links, and a check against the float64 sum; needs root and iproute2'
    )
    .option('--ranks <list>', 'world sizes, comma-separated', intList, [2, 3, 4])
    .option('--sizes <list>', 'payload sizes, comma-separated (KB, MB, GB = powers of 2)', '1MB,8MB,64MB')
    .option('--rate <rate>', "every host's transmit rate, in tc syntax (1gbit, 500mbit, 100mbps = bytes/s)", '1gbit')
    .option('--burst <size>', 'tbf bucket, in tc syntax', '256kb')
    .option('--mtu <bytes>', 'MTU of every link (9000 = jumbo frames)', positiveInt, 1500)
    .option('--compression <list>', 'wire encodings, comma-separated: none (fp32), fp16, bf16', 'none,fp16,bf16')
    .option('--iterations <n>', 'timed all-reduces (and pump rounds) per size', positiveInt, 3)
    .option('--no-iperf3', 'leave out the iperf3 ring (the kernel-only reference; measured when iperf3 is installed)')
    .option('--json', 'one JSON object per row instead of a table (input of `seqtrain bench costmodel --netns-bench`)')
    .action(async (o: { ranks: number[]; sizes: string; rate: string; burst: string; mtu: number; compression: string; iterations: number; iperf3: boolean; json?: boolean }) => {
      const { runNetnsAllreduceBench, parseSize } = await import('@seqtrain/bench');
      const result = await runNetnsAllreduceBench({
        ranks: o.ranks,
        sizesBytes: o.sizes.split(',').map((s) => parseSize(s.trim())),
        rate: o.rate,
        burst: o.burst,
        mtu: o.mtu,
        compressions: o.compression.split(',').map((s) => s.trim()) as ('none' | 'fp16' | 'bf16')[],
        iterations: o.iterations,
        iperf3: o.iperf3,
        json: o.json === true,
      });
      if (result.leftover.length > 0) process.stderr.write(`namespaces left behind: ${result.leftover.join(', ')} (ip netns delete NAME)\n`);
    });
}
