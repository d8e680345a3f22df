/**
 * Coordinator failure through the real apps: `seqtrain coordinator` and two `seqtrain worker` agents
 * as separate processes. The coordinator is killed with SIGKILL mid-run and started again with
 * `--resume RUN_DIR` on the same port: the training processes, which retry a lost coordinator with
 * backoff, join it and training goes on from the latest checkpoint to the end. A coordinator that
 * never comes back makes the training processes exit with ERR_COORDINATOR_UNREACHABLE naming it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { authenticateIncoming } from '@seqtrain/common';
import { CONTROL_AUTH } from '@seqtrain/protocol';
import { RUN_TIMEOUT_MS, seqtrain } from './cli-e2e.testing.js';
import { CLI_BIN, REPO_ROOT } from '../paths.js';

const STEPS = 24;
/** The server side of the control-plane handshake a stand-in coordinator must run before the hello. */
const CONTROL_SERVER_AUTH = { protocol: CONTROL_AUTH.protocol, roles: [CONTROL_AUTH.role] };
const job = ['--units', '16', '--embedding-dim', '8', '--no-dashboard', '--global-batch', '32', '--seed', '3', '--steps', String(STEPS), '--checkpoint-every', '4', '--workers', '2'];

let root: string;
let dataDir: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-coordfail-'));
  writeFileSync(join(root, 'slice.txt'), readFileSync(join(REPO_ROOT, 'datasets/text/moby-dick.txt'), 'utf8').slice(0, 8_000));
  dataDir = join(root, 'data');
  const r = await seqtrain(['prepare', 'text', '--input', 'slice.txt', '--out', dataDir, '--seq-len', '20', '--step', '3', '--shards', '2'], root);
  expect(r.code, r.stderr).toBe(0);
}, RUN_TIMEOUT_MS);

afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  started.push(child);
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return { child, output: () => text, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('coordinator failure', () => {
  it('a coordinator killed mid-run and restarted with --resume RUN_DIR picks up from the latest checkpoint; the workers reconnect and finish', async () => {
    const port = await freePort();
    const address = `ws://127.0.0.1:${port}`;
    const first = join(root, 'first');
    const coordinator = start(['coordinator', '--data', dataDir, '--port', String(port), '--log-every', '1', '--out', first, ...job]);
    const env = { SEQTRAIN_COORDINATOR_RETRY_MS: '60000' };
    const workers = [0, 1].map(() => start(['worker', '--coordinator', address], env));
    await waitFor(() => /step 10\/24/.test(coordinator.output()), 'step 10');
    coordinator.child.kill('SIGKILL');
    await coordinator.exited;

    const second = join(root, 'second');
    const restarted = start(['coordinator', '--data', dataDir, '--port', String(port), '--resume', first, '--out', second, ...job]);
    const [code, ...workerCodes] = await Promise.all([restarted.exited, ...workers.map((w) => w.exited)]);
    expect(code, restarted.output()).toBe(0);
    expect(workerCodes, workers.map((w) => w.output()).join('\n')).toEqual([0, 0]);
    const summary = JSON.parse(readFileSync(join(second, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'completed', finalStep: STEPS, worldSize: 2 });
    // The latest complete checkpoint before the kill (every 4 steps; the kill came after step 10).
    expect(summary.startStep).toBeGreaterThanOrEqual(8);
    expect(summary.startStep % 4).toBe(0);
    // --resume RUN_DIR resolves to the run's latest verified checkpoint.
    expect(summary.resumedFrom).toBe(join(first, 'checkpoints', `step-${String(summary.startStep).padStart(7, '0')}`));
    expect(workers.map((w) => w.output()).join('\n')).toMatch(/lost the coordinator; retrying with backoff/);
  }, 3 * RUN_TIMEOUT_MS);

  it('a coordinator that never comes back: the training process exits with ERR_COORDINATOR_UNREACHABLE naming its address', async () => {
    const port = await freePort();
    const address = `ws://127.0.0.1:${port}`;
    // A stand-in coordinator that takes the hello and then goes away for good.
    const server = new WebSocketServer({ host: '127.0.0.1', port });
    server.on('connection', (ws) =>
      authenticateIncoming(ws, {
        secret: null,
        ...CONTROL_SERVER_AUTH,
        timeoutMs: 5_000,
        peerAddress: 'worker',
        onAuthenticated: () =>
          ws.once('message', () => {
            ws.terminate();
            server.close();
          }),
      })
    );
    const worker = start(['worker', '--coordinator', address], { SEQTRAIN_COORDINATOR_RETRY_MS: '1500' });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(new RegExp(`ERR_COORDINATOR_UNREACHABLE.*Lost the coordinator at ${address}`));
  }, RUN_TIMEOUT_MS);
});
