/**
 * A multi-host seqtrain run on one Linux machine: N+1 network namespaces (coordinator + N worker hosts)
 * on a private bridge (see netns-plan.ts for the topology), `seqtrain coordinator` in the first and
 * `seqtrain worker --coordinator ws://<coordinator address>:<port> --ring-host <own address>` in each of
 * the others, exactly the commands a user types on real hosts. Each host also gets its own UTS namespace
 * with its namespace name as hostname, so the coordinator's "joined from HOST" lines tell the hosts apart.
 *
 * All hosts share this machine's file system, which stands in for the shared file system of a cluster
 * (run directory, dataset). The network is always torn down, on success, failure, timeout or abort:
 * the processes first (process group SIGTERM, then SIGKILL), then the counters are read, then the
 * namespaces are deleted.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { SeqtrainError } from '@seqtrain/common';
import { NetnsNetwork, planNetnsCluster, type LinkShaping, type NetnsHost, type NetnsPlan, type TrafficCount } from '@seqtrain/netns';

/** The control-plane port torchrun and Horovod users expect; free inside the private namespace. */
export const DEFAULT_NETNS_COORDINATOR_PORT = 29500;
/** A whole run, start-up to summary; abort earlier with `signal`. */
export const DEFAULT_NETNS_TIMEOUT_MS = 30 * 60_000;
/** After the coordinator's summary, workers get this long to exit by themselves. */
const WORKER_EXIT_GRACE_MS = 30_000;
/** Between SIGTERM and SIGKILL of a process group at teardown. */
const KILL_GRACE_MS = 5_000;
/** Last lines of a failed host's log quoted in the error. */
const LOG_TAIL_LINES = 15;
/** This file is infra/{src,dist}/netns-cluster.*; the CLI is apps/cli/bin/seqtrain.js of the same checkout. */
const DEFAULT_CLI = fileURLToPath(new URL('../../apps/cli/bin/seqtrain.js', import.meta.url));
/** Coordinator flags this module sets itself; given again they would silently win (the last flag counts). */
const RESERVED_COORDINATOR_FLAGS = ['--host', '--port', '--workers', '--devices-per-worker', '--out'];
const RESERVED_WORKER_FLAGS = ['--coordinator', '--ring-host', '--devices'];

export interface NetnsClusterOptions {
  /** Worker hosts (namespaces), each running one `seqtrain worker`. */
  workers: number;
  /** Training processes per worker host: `--devices` of the workers, `--devices-per-worker` of the coordinator. */
  devicesPerWorker?: number;
  /** The run directory (`--out` of the coordinator); logs go to its `logs/`. Default `runs/netns-<runId>`. */
  out?: string;
  /** Extra `seqtrain coordinator` arguments: job flags such as `--steps 3 --data DIR`, or `--config FILE`. */
  coordinatorArgs?: string[];
  /** Extra `seqtrain worker` arguments, e.g. `--backend cpu`. */
  workerArgs?: string[];
  port?: number;
  prefix?: string;
  subnet?: string;
  runId?: string;
  shaping?: LinkShaping;
  /** MTU of every link in bytes (default the kernel's 1500; @seqtrain/netns checks the range). */
  mtu?: number;
  /** Count bytes between every pair of hosts (default true). */
  traffic?: boolean;
  /** Path of seqtrain.js; default apps/cli/bin/seqtrain.js of this checkout. */
  cli?: string;
  /** Environment of every host's process (default process.env). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Every output line of every host, as it comes (the CLI prints the coordinator's progress with it). */
  onLine?: (host: NetnsHost, line: string, stream: 'stdout' | 'stderr') => void;
}

export interface NetnsHostResult extends NetnsHost {
  /** The host's log: its process's stdout and stderr (for workers also their training processes'). */
  logFile: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface NetnsClusterResult {
  runId: string;
  runDir: string;
  plan: NetnsPlan;
  /** The coordinator's summary.json. */
  summary: Record<string, unknown> & { status?: string; worldSize?: number };
  hosts: NetnsHostResult[];
  /** Bytes between every ordered pair of hosts, counted by the kernel on the bridge (empty with traffic: false). */
  traffic: TrafficCount[];
  /** Namespaces of this run still present after teardown (empty unless deletion failed). */
  leftover: string[];
  wallSeconds: number;
}

interface Running {
  host: NetnsHost;
  child: ChildProcess;
  log: WriteStream;
  logFile: string;
  /** The last LOG_TAIL_LINES lines, for error messages (the log stream may not be flushed yet). */
  tail: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

export async function runNetnsCluster(options: NetnsClusterOptions): Promise<NetnsClusterResult> {
  const t0 = performance.now();
  for (const [args, reserved, who] of [
    [options.coordinatorArgs ?? [], RESERVED_COORDINATOR_FLAGS, 'coordinatorArgs'],
    [options.workerArgs ?? [], RESERVED_WORKER_FLAGS, 'workerArgs'],
  ] as const) {
    const taken = args.filter((a) => reserved.includes(a.split('=')[0] ?? ''));
    if (taken.length > 0) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `${who} must not set ${taken.join(', ')}: the namespace cluster sets ${reserved.join(', ')} itself (use its workers, devicesPerWorker, port and out options).`,
        { field: who }
      );
    }
  }
  const plan = planNetnsCluster({ workers: options.workers, prefix: options.prefix, subnet: options.subnet, runId: options.runId });
  const runDir = resolve(options.out ?? join('runs', `netns-${plan.runId}`));
  const logDir = join(runDir, 'logs');
  const port = options.port ?? DEFAULT_NETNS_COORDINATOR_PORT;
  const devices = options.devicesPerWorker ?? 1;
  const cli = options.cli ?? DEFAULT_CLI;
  const [coordinatorHost, ...workerHosts] = plan.hosts as [NetnsHost, ...NetnsHost[]];
  const coordinatorUrl = `ws://${coordinatorHost.address}:${port}`;

  const network = await NetnsNetwork.create(plan, { shaping: options.shaping, traffic: options.traffic, ...(options.mtu !== undefined ? { mtu: options.mtu } : {}) });
  try {
    mkdirSync(logDir, { recursive: true });
  } catch (err) {
    await network.destroy();
    throw err;
  }
  const running: Running[] = [];
  let traffic: TrafficCount[] = [];
  let failure: unknown;
  try {
    // The hosts talk over a bridge, not loopback, so the run is authenticated: one random secret per run
    // (unless the caller's environment brings SEQTRAIN_SECRET), handed to every host's process.
    const baseEnv = options.env ?? process.env;
    const env = { ...baseEnv, SEQTRAIN_SECRET: baseEnv.SEQTRAIN_SECRET ?? randomBytes(32).toString('hex') };
    const start = (host: NetnsHost, args: string[], logName: string) => {
      const r = startInNamespace(host, cli, args, join(logDir, logName), { ...options, env });
      running.push(r);
      return r;
    };
    const coordinator = start(
      coordinatorHost,
      ['coordinator', '--host', coordinatorHost.address, '--port', String(port), '--workers', String(plan.hosts.length - 1), '--devices-per-worker', String(devices), '--out', runDir, ...(options.coordinatorArgs ?? [])],
      'coordinator.log'
    );
    // Workers dial with retry and backoff, so they start at once rather than after the coordinator listens.
    const workers = workerHosts.map((host) =>
      start(host, ['worker', '--coordinator', coordinatorUrl, '--ring-host', host.address, '--devices', String(devices), ...(options.workerArgs ?? [])], `worker-${host.worker}.log`)
    );
    await waitForRun(coordinator, workers, options);
    const deadline = delay(WORKER_EXIT_GRACE_MS);
    await Promise.race([Promise.all(workers.map((w) => w.exited)), deadline.promise]);
    deadline.cancel();
    for (const w of workers) {
      if (w.exit === undefined) throw hostFailed(w, `was still running ${WORKER_EXIT_GRACE_MS} ms after the coordinator finished`);
      if (w.exit.code !== 0) throw hostFailed(w, `exited with ${describeExit(w)} after the coordinator finished`);
    }
  } catch (err) {
    failure = err;
  } finally {
    await Promise.all(running.map((r) => stop(r)));
    traffic = await network.traffic().catch(() => []);
  }
  let leftover: string[];
  try {
    leftover = await network.destroy();
  } catch (err) {
    if (!failure) throw err;
    // Both failed: the run's error is the one to see, the cleanup's is appended.
    const f = failure as SeqtrainError;
    throw new SeqtrainError(f.code ?? 'ERR_WORKER_FAILED', `${f.message}\nAlso: ${(err as Error).message}`, f.details ?? {}, { cause: failure });
  }
  if (failure) throw failure;

  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as NetnsClusterResult['summary'];
  return {
    runId: plan.runId,
    runDir,
    plan,
    summary,
    hosts: running.map((r) => ({ ...r.host, logFile: r.logFile, exitCode: r.exit?.code ?? null, signal: r.exit?.signal ?? null })),
    traffic,
    leftover,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/** Resolves when the coordinator exits 0; rejects on its failure, a worker's early failure, timeout or abort. */
async function waitForRun(coordinator: Running, workers: Running[], options: NetnsClusterOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_NETNS_TIMEOUT_MS;
  const timeout = delay(timeoutMs);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new SeqtrainError('ERR_WORKER_FAILED', 'The network-namespace run was aborted; its hosts were stopped and the namespaces deleted.'));
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([
      coordinator.exited.then(() => {
        if (coordinator.exit?.code !== 0) throw hostFailed(coordinator, `exited with ${describeExit(coordinator)}`);
      }),
      // A worker that fails before the end would otherwise leave the coordinator waiting for its rendezvous timeout.
      ...workers.map((w) =>
        w.exited.then(async () => {
          if (w.exit?.code === 0) return new Promise<never>(() => {});
          throw hostFailed(w, `exited with ${describeExit(w)} before the coordinator finished`);
        })
      ),
      timeout.promise.then(() => {
        throw new SeqtrainError('ERR_WORKER_FAILED', `The network-namespace run did not finish within ${timeoutMs} ms; see the logs in ${coordinator.logFile.replace(/\/[^/]*$/, '')}.`);
      }),
      aborted,
    ]);
  } finally {
    timeout.cancel();
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  }
}

function startInNamespace(host: NetnsHost, cli: string, args: string[], logFile: string, options: NetnsClusterOptions): Running {
  // ip netns exec -> unshare --uts -> sh (sets the hostname) -> exec node: one pid, its own process group
  // (detached) that also holds the worker's training processes, so teardown reaches them all.
  const child = spawn(
    'ip',
    ['netns', 'exec', host.namespace, 'unshare', '--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"', host.namespace, process.execPath, cli, ...args],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env }
  );
  const log = createWriteStream(logFile);
  log.write(`# ${host.namespace} (${host.address}): seqtrain ${args.join(' ')}\n`);
  for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => {
      log.write(line + '\n');
      r.tail.push(line);
      if (r.tail.length > LOG_TAIL_LINES) r.tail.shift();
      options.onLine?.(host, line, name);
    });
  }
  const r: Running = {
    host,
    child,
    log,
    logFile,
    tail: [],
    exit: undefined,
    exited: new Promise((resolvePromise) => {
      child.once('error', (err) => {
        log.write(`cannot start: ${err.message}\n`);
        r.exit = { code: 127, signal: null };
        resolvePromise(r.exit);
      });
      // 'close' rather than 'exit': the output has been read to the end, so the log is complete.
      child.once('close', (code, signal) => {
        r.exit = { code, signal };
        resolvePromise(r.exit);
      });
    }),
  };
  return r;
}

/** SIGTERM to the host's process group, SIGKILL after a grace period; resolves when the log is closed. */
async function stop(r: Running): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => {
    if (r.child.pid === undefined) return;
    try {
      process.kill(-r.child.pid, signal);
    } catch {
      // ESRCH: the group is gone.
    }
  };
  if (r.exit === undefined) {
    signalGroup('SIGTERM');
    const grace = delay(KILL_GRACE_MS);
    await Promise.race([r.exited, grace.promise]);
    grace.cancel();
  }
  // Also after a clean exit: a training process whose agent died would otherwise outlive the namespace.
  signalGroup('SIGKILL');
  await r.exited;
  await new Promise<void>((done) => r.log.end(done));
}

function describeExit(r: Running): string {
  return r.exit?.signal ? `signal ${r.exit.signal}` : `code ${r.exit?.code ?? '?'}`;
}

function hostFailed(r: Running, what: string): SeqtrainError {
  return new SeqtrainError('ERR_WORKER_FAILED', `${r.host.role} host ${r.host.namespace} (${r.host.address}) ${what}; log ${r.logFile}, last lines:\n${r.tail.join('\n')}`, {
    file: r.logFile,
    ...(r.host.worker !== null ? { worker: r.host.worker } : {}),
  });
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((done) => {
    timer = setTimeout(done, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
