/**
 * The kernel's reference for the shaped links: iperf3 (C sender and receiver, no JavaScript in the
 * path) streams the same byte count host i -> i+1 around the same ring, every link at once, as the
 * raw TCP pump does between the bench's Node processes. It separates what the links, the bridge and
 * the kernel allow from what Node costs on top: at 64 MB over 1gbit tbf links with 2-4 hosts, iperf3
 * carried 0.92-0.95 of the rate at MTU 1500 and 0.98-0.985 at 9000 while the Node pump carried
 * 0.84-0.92 (README, Shaped links: docs/costmodel/bench-netns-1gbit-mtu.jsonl).
 *
 * A ring moves at the pace of its slowest link, so the figure is the slowest link's: received bytes
 * over the receiver's seconds, as iperf3's client reports them in `end.sum_received`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { SeqtrainError } from '@seqtrain/common';
import { runSystemCommand, systemCommandAvailable } from '@seqtrain/netns';

/** iperf3's default port; every host has its own namespace, so each server may take it. */
const IPERF3_PORT = 5201;
/** A server prints "Server listening" within milliseconds; 10 s means it could not bind. */
const SERVER_READY_TIMEOUT_MS = 10_000;

export interface RingHost {
  namespace: string;
  address: string;
}

export interface Iperf3RingResult {
  /** The slowest link's received bytes per second (the ring's pace). */
  bytesPerSecond: number;
  /** Per link i -> i+1, in ring order. */
  perLink: number[];
}

export function iperf3Installed(): Promise<boolean> {
  return systemCommandAvailable('iperf3', ['--version']);
}

/** At least a minute for one iperf3 client, and 4x the time `bytes` take at the link rate. */
const CLIENT_TIMEOUT_MIN_MS = 60_000;
const CLIENT_TIMEOUT_RATE_FACTOR = 4;

/**
 * Streams `bytes` over every ring link hosts[i] -> hosts[(i+1) % n] at once with iperf3 and reports the
 * slowest link; `bitsPerSecond` (the shaped rate) sets how long a client may take.
 */
export async function runIperf3Ring(hosts: readonly RingHost[], bytes: number, bitsPerSecond: number): Promise<Iperf3RingResult> {
  if (hosts.length < 2) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `An iperf3 ring needs at least 2 hosts, got ${hosts.length}.`, { field: 'hosts' });
  if (!Number.isInteger(bytes) || bytes < 1) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `bytes must be a positive integer, got ${bytes}.`, { field: 'bytes' });
  if (!(bitsPerSecond > 0)) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `bitsPerSecond must be positive (the links' shaped rate), got ${bitsPerSecond}.`, { field: 'bitsPerSecond' });
  const timeoutMs = Math.max(CLIENT_TIMEOUT_MIN_MS, (CLIENT_TIMEOUT_RATE_FACTOR * bytes * 8 * 1000) / bitsPerSecond);
  const servers = hosts.map((h) => startServer(h));
  try {
    await Promise.all(servers.map((s) => s.ready));
    const perLink = await Promise.all(
      hosts.map(async (from, i) => {
        const to = hosts[(i + 1) % hosts.length] as RingHost;
        const args = ['netns', 'exec', from.namespace, 'iperf3', '--client', to.address, '--port', String(IPERF3_PORT), '--bytes', String(bytes), '--json'];
        return receivedBytesPerSecond(await runSystemCommand('ip', args, undefined, timeoutMs), `${from.namespace} -> ${to.namespace}`);
      })
    );
    return { bytesPerSecond: Math.min(...perLink), perLink };
  } finally {
    for (const s of servers) s.process.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
  }
}

/** Reads iperf3's client JSON: the bytes the server received over its seconds. */
export function receivedBytesPerSecond(json: string, link: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new SeqtrainError('ERR_SYSTEM_COMMAND', `iperf3 (${link}) printed no JSON: ${json.slice(0, 200)}`, { link });
  }
  const { end, error } = parsed as { end?: { sum_received?: { bytes?: unknown; seconds?: unknown } }; error?: unknown };
  const received = end?.sum_received;
  if (typeof received?.bytes !== 'number' || typeof received.seconds !== 'number' || received.seconds <= 0) {
    throw new SeqtrainError('ERR_SYSTEM_COMMAND', `iperf3 (${link}) reported no received bytes${typeof error === 'string' ? `: ${error}` : ''}.`, { link });
  }
  return received.bytes / received.seconds;
}

interface Server {
  process: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
}

/**
 * `iperf3 --server --one-off` inside the host's namespace; ready once it prints "Server listening"
 * (--forceflush: into a pipe iperf3 would otherwise hold the line in stdio's buffer).
 */
function startServer(host: RingHost): Server {
  const child = spawn('ip', ['netns', 'exec', host.namespace, 'iperf3', '--server', '--one-off', '--forceflush', '--port', String(IPERF3_PORT)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(failure(`did not start listening within ${SERVER_READY_TIMEOUT_MS} ms`)), SERVER_READY_TIMEOUT_MS);
    const failure = (why: string): SeqtrainError =>
      new SeqtrainError('ERR_SYSTEM_COMMAND', `iperf3 server in ${host.namespace} ${why}: ${output.trim() || '(no output)'}`, { namespace: host.namespace });
    const onOutput = (data: Buffer): void => {
      output += data.toString('utf8');
      if (output.includes('Server listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(failure(`could not be started (${err.message})`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(failure(`exited (${String(code)}) before listening`));
    });
  });
  // A ring whose other server failed first never awaits this one's readiness.
  ready.catch(() => undefined);
  return { process: child, ready, exited };
}
