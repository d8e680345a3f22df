/**
 * The command line of infra/netns/netns-cluster.mjs: options of the namespace cluster before `--`,
 * `seqtrain coordinator` job flags after it. Prints the progress of the coordinator on stderr and the
 * result (run directory, summary, hosts, traffic) as JSON on stdout; exit code 0 only for a completed run.
 */
import { parseArgs } from 'node:util';
import { SeqtrainError } from '@seqtrain/common';
import { DEFAULT_NETNS_PREFIX, DEFAULT_NETNS_SUBNET, DEFAULT_TBF_BURST, DEFAULT_TBF_LATENCY, type TrafficCount } from '@seqtrain/netns';
import { DEFAULT_NETNS_COORDINATOR_PORT, DEFAULT_NETNS_TIMEOUT_MS, runNetnsCluster, type NetnsClusterOptions } from './netns-cluster.js';

export const NETNS_CLI_USAGE = `usage: node infra/netns/netns-cluster.mjs [options] [-- seqtrain coordinator flags]

Runs seqtrain across N+1 network namespaces of this machine (root required): the coordinator in one,
\`seqtrain worker\` in each of --workers others, joined by a private bridge. Everything is deleted afterwards.

options:
  --workers N        worker hosts (default 2)
  --devices K        training processes per worker host (default 1)
  --backend NAME     --backend of every worker (auto, tensorflow-gpu, tensorflow, wasm, cpu)
  --out DIR          run directory (default runs/netns-<run id>); host logs in DIR/logs/
  --port P           coordinator port inside its namespace (default ${DEFAULT_NETNS_COORDINATOR_PORT})
  --subnet A.B.C.0/24  host addresses (default ${DEFAULT_NETNS_SUBNET}; every run has its own bridge)
  --prefix NAME      namespace name prefix (default ${DEFAULT_NETNS_PREFIX}): <prefix>-<run id>-{sw,c,w0,w1,...}
  --rate R           cap every host's transmit rate: tc tbf rate R (e.g. 1gbit, 100mbit)
  --burst B          tbf burst with --rate (default ${DEFAULT_TBF_BURST})
  --latency L        tbf latency with --rate (default ${DEFAULT_TBF_LATENCY}; a queue bound, not an added delay)
  --mtu BYTES        MTU of every link (default 1500; 9000 = jumbo frames)
  --no-traffic       do not count the bytes between hosts
  --timeout S        give up after S seconds (default ${DEFAULT_NETNS_TIMEOUT_MS / 1000})
  --verbose          echo the workers' logs too (default: the coordinator's only)
  --cli PATH         seqtrain.js to run (default apps/cli/bin/seqtrain.js of this checkout)
  -h, --help

example:
  sudo node infra/netns/netns-cluster.mjs --workers 2 --backend cpu -- --steps 20 --units 32 --no-generate
`;

export interface NetnsCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: NetnsCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Parses the command line into options for runNetnsCluster; null for --help. Errors are ERR_INVALID_ARGUMENT. */
export function parseNetnsCliArgs(argv: string[]): (NetnsClusterOptions & { verbose: boolean }) | null {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const coordinatorArgs = split < 0 ? [] : argv.slice(split + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: own,
      strict: true,
      allowPositionals: false,
      options: {
        workers: { type: 'string' },
        devices: { type: 'string' },
        backend: { type: 'string' },
        out: { type: 'string' },
        port: { type: 'string' },
        subnet: { type: 'string' },
        prefix: { type: 'string' },
        rate: { type: 'string' },
        burst: { type: 'string' },
        latency: { type: 'string' },
        mtu: { type: 'string' },
        'no-traffic': { type: 'boolean' },
        timeout: { type: 'string' },
        verbose: { type: 'boolean' },
        cli: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${(err as Error).message}. Job flags of seqtrain coordinator go after \`--\`.\n\n${NETNS_CLI_USAGE}`);
  }
  if (values.help) return null;
  if ((values.burst !== undefined || values.latency !== undefined) && values.rate === undefined) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', '--burst and --latency shape the link only together with --rate R (e.g. --rate 1gbit).', { field: 'rate' });
  }
  const options: NetnsClusterOptions & { verbose: boolean } = {
    workers: positive(values.workers ?? '2', 'workers'),
    devicesPerWorker: positive(values.devices ?? '1', 'devices'),
    coordinatorArgs,
    workerArgs: values.backend !== undefined ? ['--backend', values.backend] : [],
    traffic: values['no-traffic'] !== true,
    verbose: values.verbose === true,
  };
  if (values.out !== undefined) options.out = values.out;
  if (values.port !== undefined) options.port = positive(values.port, 'port');
  if (values.subnet !== undefined) options.subnet = values.subnet;
  if (values.prefix !== undefined) options.prefix = values.prefix;
  if (values.cli !== undefined) options.cli = values.cli;
  if (values.mtu !== undefined) options.mtu = positive(values.mtu, 'mtu');
  if (values.timeout !== undefined) options.timeoutMs = positive(values.timeout, 'timeout') * 1000;
  if (values.rate !== undefined) {
    options.shaping = { rate: values.rate, ...(values.burst !== undefined ? { burst: values.burst } : {}), ...(values.latency !== undefined ? { latency: values.latency } : {}) };
  }
  return options;
}

function positive(text: string, field: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `--${field} must be a positive integer, got "${text}".`, { field });
  return n;
}

/** One line per ordered pair of hosts: `from -> to  bytes  packets`. */
export function formatTraffic(traffic: TrafficCount[]): string {
  const width = Math.max(0, ...traffic.map((t) => `${t.from} -> ${t.to}`.length));
  return traffic.map((t) => `${`${t.from} -> ${t.to}`.padEnd(width)}  ${t.bytes.toLocaleString('en-US').padStart(14)} bytes  ${t.packets.toLocaleString('en-US').padStart(9)} packets`).join('\n');
}

/** Resolves with the process exit code. SIGINT/SIGTERM abort the run (and tear the network down). */
export async function netnsClusterMain(argv: string[], io: NetnsCliIo = defaultIo): Promise<number> {
  let options;
  try {
    options = parseNetnsCliArgs(argv);
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`);
    return 2;
  }
  if (options === null) {
    io.stdout(NETNS_CLI_USAGE);
    return 0;
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const { verbose, ...runOptions } = options;
  try {
    const result = await runNetnsCluster({
      ...runOptions,
      signal: controller.signal,
      onLine: (host, line, stream) => {
        // Quiet by default: the coordinator's progress lines; its stdout (the summary) is in the result below,
        // and JSON log lines and the workers' logs are in the log files.
        const progress = host.role === 'coordinator' && stream === 'stderr' && !line.startsWith('{');
        if (verbose || progress) io.stderr(`[${host.namespace}] ${line}\n`);
      },
    });
    if (result.traffic.length > 0) io.stderr(`traffic between the hosts (bytes on the wire, headers included):\n${formatTraffic(result.traffic)}\n`);
    const { plan: _plan, ...shown } = result;
    io.stdout(JSON.stringify(shown, null, 2) + '\n');
    return result.summary.status === 'completed' ? 0 : 1;
  } catch (err) {
    const e = err as SeqtrainError;
    io.stderr(`netns cluster failed: ${e.code ?? ''} ${e.message}\n`);
    // 128 + SIGINT, as a shell reports an interrupted command.
    return controller.signal.aborted ? 130 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
