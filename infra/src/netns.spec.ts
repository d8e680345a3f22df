/**
 * A real multi-host run on this machine: 3 network namespaces (coordinator + 2 worker hosts) on a
 * private bridge, real `seqtrain coordinator` / `seqtrain worker` processes, gradients over the ring
 * between the two worker namespaces. Needs root and iproute2; skipped (with the reason in the test
 * name) elsewhere.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSeqtrainError } from '@seqtrain/common';
import { runNetnsCluster } from './netns-cluster.js';
import { isRoot, listNamespaces, runSystemCommand, systemCommandAvailable } from '@seqtrain/netns';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'apps/cli/bin/seqtrain.js');
const CORPUS_CHARS = 20_000;
/** The brief's small model; `--no-generate` is a flag of `seqtrain local` only (the coordinator never samples). */
const SMALL_JOB = ['--steps', '3', '--units', '16', '--embedding-dim', '8', '--global-batch', '8'];
const BYTES_PER_FLOAT32 = 4;
/** The run's own deadline, and the test's above it so that a slow run fails with the run's message. */
const RUN_TIMEOUT_MS = 150_000;
const TEST_TIMEOUT_MS = 180_000;

/** Root in a container without CAP_SYS_ADMIN cannot create namespaces either: try one. */
async function canCreateNamespaces(): Promise<boolean> {
  const probe = `sqt-probe-${process.pid}`;
  try {
    await runSystemCommand('ip', ['netns', 'add', probe]);
    await runSystemCommand('ip', ['netns', 'delete', probe]);
    return true;
  } catch {
    return false;
  }
}

const canRun = isRoot() && (await systemCommandAvailable('ip')) && (await systemCommandAvailable('unshare', ['--version'])) && (await canCreateNamespaces());
const why = canRun ? '' : ` (SKIPPED: needs root with CAP_SYS_ADMIN, iproute2's ip and unshare; uid ${process.getuid?.() ?? '?'})`;

/** Root-namespace interfaces: the run must neither add nor leave any. */
function rootLinks(): string[] {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(':')[1]?.trim() ?? '')
    .filter(Boolean)
    .sort();
}

function jsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe.skipIf(!canRun)(`network-namespace cluster${why}`, () => {
  let root = '';
  let dataDir = '';
  let linksBefore: string[] = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'seqtrain-netns-'));
    const corpus = join(root, 'moby-20k.txt');
    writeFileSync(corpus, readFileSync(join(REPO, 'datasets/text/moby-dick.txt'), 'utf8').slice(0, CORPUS_CHARS));
    dataDir = join(root, 'data');
    execFileSync(process.execPath, [CLI, 'prepare', 'text', '--input', corpus, '--out', dataDir], { stdio: 'ignore' });
    linksBefore = rootLinks();
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('trains with 2 worker hosts in their own namespaces, the ring between their distinct addresses, and leaves nothing behind', async () => {
    const out = join(root, 'run');
    const result = await runNetnsCluster({ workers: 2, out, coordinatorArgs: [...SMALL_JOB, '--data', dataDir], timeoutMs: RUN_TIMEOUT_MS });

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { status: string; worldSize: number; steps: number; parameterCount: number };
    expect(summary.status).toBe('completed');
    expect(summary.worldSize).toBe(2);
    expect(result.hosts.map((h) => h.exitCode)).toEqual([0, 0, 0]);

    const [coordinator, w0, w1] = result.hosts;
    if (!coordinator || !w0 || !w1) throw new Error('expected 3 hosts');
    expect(new Set(result.hosts.map((h) => h.address)).size).toBe(3);

    // The coordinator's view: its "process joined" log lines name each process's host (the namespace's UTS hostname).
    const joined = jsonLines(coordinator.logFile).filter((l) => l.msg === 'process joined');
    expect(joined.map((l) => l.host).sort()).toEqual([w0.namespace, w1.namespace].sort());

    // Each worker host advertised its own address for the ring and got one of the two ranks.
    const ranks = [w0, w1].map((w) => {
      const log = readFileSync(w.logFile, 'utf8');
      expect(log.split('\n')[0]).toContain(`--ring-host ${w.address}`);
      const ready = jsonLines(w.logFile).find((l) => l.msg === 'ready');
      return ready?.rank;
    });
    expect(ranks.sort()).toEqual([0, 1]);

    // The kernel's count on the bridge: frames from each worker's address reached the other worker directly,
    // at least one all-reduce's worth of float32 gradients per step (a 2-rank ring sends every element once
    // per step each way). Only the two namespaces' distinct addresses can have carried them.
    const bytes = (from: string, to: string) => result.traffic.find((t) => t.from === from && t.to === to)?.bytes ?? 0;
    const gradientBytes = summary.steps * summary.parameterCount * BYTES_PER_FLOAT32;
    expect(bytes(w0.namespace, w1.namespace)).toBeGreaterThanOrEqual(gradientBytes);
    expect(bytes(w1.namespace, w0.namespace)).toBeGreaterThanOrEqual(gradientBytes);
    // The control plane stays small: gradients never pass through the coordinator.
    expect(bytes(w0.namespace, coordinator.namespace)).toBeLessThan(gradientBytes);

    expect(result.leftover).toEqual([]);
    const names = [result.plan.switchNamespace, ...result.hosts.map((h) => h.namespace)];
    expect((await listNamespaces()).filter((n) => names.includes(n))).toEqual([]);
    expect(rootLinks()).toEqual(linksBefore);
  }, TEST_TIMEOUT_MS);

  it('tears everything down when the coordinator fails, and says which host failed', async () => {
    let error: unknown;
    try {
      await runNetnsCluster({ workers: 2, out: join(root, 'bad'), runId: 'bad' + String(process.pid % 10_000), coordinatorArgs: ['--steps', 'many'], timeoutMs: RUN_TIMEOUT_MS });
    } catch (err) {
      error = err;
    }
    expect(isSeqtrainError(error, 'ERR_WORKER_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/coordinator host sqt-bad\d+-c \(10\.231\.0\.1\) exited with code 1/);
    expect((error as Error).message).toContain('many');
    expect((await listNamespaces()).filter((n) => n.startsWith('sqt-bad'))).toEqual([]);
    expect(rootLinks()).toEqual(linksBefore);
  }, TEST_TIMEOUT_MS);
});

describe.skipIf(isRoot())('network-namespace cluster without root', () => {
  it('refuses with an error that says root is required', async () => {
    await expect(runNetnsCluster({ workers: 1, out: join(tmpdir(), 'seqtrain-netns-noroot') })).rejects.toThrow(/must run as root/);
  });
});
