/**
 * The all-reduce over shaped links: every rank runs in its own network namespace (an emulated host
 * with its own eth0 and address, @seqtrain/netns), the hosts are joined by veth pairs to one bridge, and
 * each host's transmit rate is capped with `tc qdisc add dev eth0 root tbf rate R` like a NIC's. The
 * ranks are the `bench allreduce` workers (allreduce-worker.ts), started with `ip netns exec NS node`,
 * timing the same `Collective.allReduce` calls; in the same run, between the same processes over the
 * same shaped links, a raw TCP pump streams the same bytes rank i -> i+1 as the achievable reference,
 * iperf3 does the same between the same namespaces where it is installed (the kernel's figure, no Node),
 * and an untimed sum all-reduce of rank-dependent values is checked against the float64 sum.
 *
 * One network serves every world size (rank r always on host w<r>; the plan's coordinator host stays
 * idle). It is deleted on success, failure and SIGINT/SIGTERM: the workers first (a namespace with live
 * processes outlives its name), then the namespaces, which take the veths and the bridge with them.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WIRE_COMPRESSIONS, type WireCompression } from '@seqtrain/collective';
import { SeqtrainError } from '@seqtrain/common';
import { NetnsNetwork, planNetnsCluster, type NetnsHost, type NetnsPlan, type TrafficCount } from '@seqtrain/netns';
import { BENCH_HOST_ENV } from './bench-protocol.js';
import { parseLinkRate } from './link-rate.js';
import { ETHERNET_MTU_BYTES } from './cost-model.js';
import { netnsTableHeader, netnsTableRow, type NetnsAllreduceBenchRow } from './netns-bench-table.js';
import { WorkerGroup } from './worker-group.js';
import { iperf3Installed, runIperf3Ring } from './iperf3-ring.js';
import { checkRanksAndSizes } from './bench-sizes.js';

export interface NetnsAllreduceBenchOptions {
  /** World sizes to measure, each at least 2. */
  ranks: number[];
  /** Payload sizes in bytes, each a positive multiple of 4 (float32). */
  sizesBytes: number[];
  /** tbf rate of every host's eth0 in tc syntax, e.g. `1gbit`. */
  rate: string;
  /** tbf bucket; default @seqtrain/netns's (256kb). */
  burst?: string;
  /** MTU of every link in bytes; default the kernel's 1500 (@seqtrain/netns NetnsNetworkOptions.mtu). */
  mtu?: number;
  /** Wire encodings, one row each per size; default ['none', 'fp16']. */
  compressions?: WireCompression[];
  /** Timed all-reduces (and pump rounds) per size; default 3. */
  iterations?: number;
  /** Untimed ones before them; default 1. */
  warmup?: number;
  /** Run the iperf3 ring (iperf3-ring.ts) beside the pump when iperf3 is installed; default true. */
  iperf3?: boolean;
  /** Largest payload of the reference check; default 8 MB (its float64 reference costs CPU, not link). */
  checkBytes?: number;
  /** Per-frame collective timeout inside the workers; default 120 s (a 64 MB frame at 100 Mbit takes 5 s). */
  timeoutMs?: number;
  json?: boolean;
  out?: (line: string) => void;
  /** Namespace prefix and subnet (see @seqtrain/netns planNetnsCluster). */
  prefix?: string;
  subnet?: string;
  /** Called once the network exists (tests use it to check the teardown). */
  onNetwork?: (plan: NetnsPlan) => void;
}

export interface NetnsAllreduceBenchResult {
  rows: NetnsAllreduceBenchRow[];
  plan: NetnsPlan;
  /** Bytes the kernel counted between every ordered pair of hosts on the bridge over the whole run. */
  traffic: TrafficCount[];
  /** This run's namespaces still listed after teardown (empty unless deletion failed). */
  leftover: string[];
}

const DEFAULT_ITERATIONS = 3;
const DEFAULT_WARMUP = 1;
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_CHECK_BYTES = 8 * 1024 * 1024;
const EXIT_CODE_INTERRUPTED = 130;
const WORKER_SCRIPT = fileURLToPath(new URL('../dist/allreduce-worker.js', import.meta.url));

export async function runNetnsAllreduceBench(options: NetnsAllreduceBenchOptions): Promise<NetnsAllreduceBenchResult> {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const checkBytes = options.checkBytes ?? DEFAULT_CHECK_BYTES;
  const compressions = options.compressions ?? ['none', 'fp16'];
  validate(options, compressions, iterations, warmup);
  const bitsPerSecond = parseLinkRate(options.rate);
  if (!existsSync(WORKER_SCRIPT)) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The bench worker script ${WORKER_SCRIPT} is missing; build @seqtrain/bench first (npx tsc -p tsconfig.lib.json in tools/bench).`, { file: WORKER_SCRIPT });
  }
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const cores = availableParallelism();
  const withIperf3 = options.iperf3 !== false && (await iperf3Installed());
  const plan = planNetnsCluster({ workers: Math.max(...options.ranks), prefix: options.prefix, subnet: options.subnet });
  const hosts = plan.hosts.filter((h) => h.worker !== null);
  const network = await NetnsNetwork.create(plan, {
    shaping: { rate: options.rate, ...(options.burst ? { burst: options.burst } : {}) },
    traffic: true,
    ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
  });
  options.onNetwork?.(plan);

  let group: WorkerGroup | undefined;
  let traffic: TrafficCount[] = [];
  let torn: Promise<string[]> | undefined;
  const teardown = (): Promise<string[]> =>
    (torn ??= (async () => {
      await group?.stop();
      traffic = await network.traffic().catch(() => []);
      return network.destroy();
    })());
  const onSignal = (): void => void teardown().finally(() => process.exit(EXIT_CODE_INTERRUPTED));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const rows: NetnsAllreduceBenchRow[] = [];
  let failure: unknown;
  try {
    if (!options.json && options.iperf3 !== false && !withIperf3) out('iperf3 is not installed: the iperf3/link column reads n/a (apt-get install iperf3).');
    if (!options.json) out(netnsTableHeader());
    let id = 0;
    for (const ranks of options.ranks) {
      const busFactor = (2 * (ranks - 1)) / ranks;
      group = await WorkerGroup.start(WORKER_SCRIPT, ranks, timeoutMs, (rank) => inNamespace(hosts[rank] as NetnsHost));
      for (const bytes of options.sizesBytes) {
        const { seconds: pumpSeconds, cpuSeconds: pumpCpuSeconds } = await group.time({ type: 'pump', bytes, iterations, warmup, id: id++, mode: 'ring' });
        const kernel = withIperf3 ? await runIperf3Ring(hosts.slice(0, ranks), bytes * iterations, bitsPerSecond) : null;
        for (const compression of compressions) {
          const { seconds, cpuSeconds } = await group.time({ type: 'allreduce', bytes, iterations, warmup, id: id++, compression });
          const checked = Math.min(bytes, checkBytes);
          const check = await group.check({ type: 'check', bytes: checked, id: id++, compression });
          const algbw = bytes / seconds;
          const row: NetnsAllreduceBenchRow = {
            ranks,
            bytes,
            dtype: 'float32',
            compression,
            seconds,
            algbw,
            busbw: algbw * busFactor,
            link: { kind: 'netns', rate: options.rate, bitsPerSecond, mtu: options.mtu ?? ETHERNET_MTU_BYTES },
            busbwPerLink: (algbw * busFactor) / (bitsPerSecond / 8),
            cpuShare: cpuSeconds / (seconds * cores),
            reference: { kind: 'raw-tcp-pump', bytesPerSecond: bytes / pumpSeconds, cpuShare: pumpCpuSeconds / (pumpSeconds * cores) },
            kernelReference: kernel ? { kind: 'iperf3', bytesPerSecond: kernel.bytesPerSecond } : null,
            check: { bytes: checked, ...check },
          };
          rows.push(row);
          out(options.json ? JSON.stringify(row) : netnsTableRow(row));
        }
      }
      await group.stop();
      group = undefined;
    }
  } catch (err) {
    failure = err;
  }
  let leftover: string[];
  try {
    leftover = await teardown();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (failure) throw failure;
  return { rows, plan, traffic, leftover };
}

/** `ip netns exec NS node ...`: exec, not fork, so the child pid is node's own and signals reach it. */
function inNamespace(host: NetnsHost): { execPath: string; execArgv: string[]; env: Record<string, string> } {
  return { execPath: 'ip', execArgv: ['netns', 'exec', host.namespace, process.execPath], env: { [BENCH_HOST_ENV]: host.address } };
}

function validate(options: NetnsAllreduceBenchOptions, compressions: WireCompression[], iterations: number, warmup: number): void {
  const bad = (field: string, message: string): never => {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', message, { field });
  };
  checkRanksAndSizes(options.ranks, options.sizesBytes);
  for (const c of compressions) if (!WIRE_COMPRESSIONS.includes(c)) bad('compression', `compression must be one of ${WIRE_COMPRESSIONS.join(', ')}, got ${JSON.stringify(c)}.`);
  if (!Number.isInteger(iterations) || iterations < 1) bad('iterations', `iterations must be an integer of at least 1, got ${iterations}.`);
  if (!Number.isInteger(warmup) || warmup < 0) bad('warmup', `warmup must be a non-negative integer, got ${warmup}.`);
}
