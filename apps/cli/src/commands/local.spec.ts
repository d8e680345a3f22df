/**
 * End to end through the real apps: `seqtrain prepare` and `seqtrain local` as child processes, with a
 * coordinator, worker agents and training processes talking over loopback WebSockets.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_TIMEOUT_MS, maxAbsDiff, run, seqtrain, weightsOf } from './cli-e2e.testing.js';
import { CLI_BIN, REPO_ROOT } from '../paths.js';

let root: string;
let dataDir: string;
const small = ['--units', '32', '--embedding-dim', '16', '--no-generate', '--no-progress'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-e2e-'));
  const corpus = readFileSync(join(REPO_ROOT, 'datasets/text/moby-dick.txt'), 'utf8').slice(0, 60_000);
  writeFileSync(join(root, 'slice.txt'), corpus);
  dataDir = join(root, 'data');
  const r = await seqtrain(['prepare', 'text', '--input', 'slice.txt', '--out', dataDir, '--seq-len', '20', '--step', '3', '--shards', '3'], root);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/training \+ \d+ validation rows/);
}, RUN_TIMEOUT_MS);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('seqtrain local', () => {
  it('gives the same weights with 1 and 2 workers (world-size invariance, SGD)', async () => {
    const common = ['local', '--data', dataDir, '--global-batch', '32', '--steps', '5', '--seed', '7', '--optimizer', 'sgd', '--lr', '0.5', ...small];
    const one = await seqtrain([...common, '--workers', '1', '--out', join(root, 'w1')], root);
    expect(one.code, one.stderr).toBe(0);
    const two = await seqtrain([...common, '--workers', '2', '--out', join(root, 'w2')], root);
    expect(two.code, two.stderr).toBe(0);

    const s1 = JSON.parse(readFileSync(join(root, 'w1', 'summary.json'), 'utf8'));
    const s2 = JSON.parse(readFileSync(join(root, 'w2', 'summary.json'), 'utf8'));
    expect(s1.worldSize).toBe(1);
    expect(s2.worldSize).toBe(2);
    const a = weightsOf(s1.checkpoint);
    const b = weightsOf(s2.checkpoint);
    expect(a.length).toBe(b.length);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-5);
    // Guard against a vacuous pass: the steps must really have trained (same losses, and falling).
    expect(s2.initialLoss).toBeCloseTo(s1.initialLoss, 4);
    expect(s1.finalLoss).toBeLessThan(s1.initialLoss);
  }, 2 * RUN_TIMEOUT_MS);

  it('writes the run directory a user expects and prints the backend', async () => {
    const out = join(root, 'full');
    const r = await seqtrain(
      ['local', '--data', dataDir, '--workers', '2', '--global-batch', '16', '--steps', '4', '--checkpoint-every', '2', '--out', out, ...small.filter((f) => f !== '--no-generate'), '--config', writeJob(root)],
      root
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: (wasm|cpu|tensorflow)/);
    expect(r.stderr).toMatch(/coordinator listening on ws:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/--- sample \(temperature 0\.8\) ---\nThe whale/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    for (const key of ['backend', 'worldSize', 'globalBatch', 'steps', 'wallSeconds', 'samplesPerSecond', 'initialLoss', 'finalLoss', 'validationLoss', 'checkpoint']) {
      expect(summary, key).toHaveProperty(key);
    }
    expect(summary).toMatchObject({ status: 'completed', worldSize: 2, globalBatch: 16, steps: 4 });
    expect(summary.validationLoss).toBeGreaterThan(0);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([0, 1, 2, 3]);
    for (const l of lines) for (const k of ['step', 'epoch', 'loss', 'samplesPerSecond', 'stepSeconds', 'commSeconds', 'commHiddenFraction']) expect(l).toHaveProperty(k);
    expect(existsSync(join(out, 'checkpoints', 'step-0000002', 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'checkpoints', 'step-0000004', 'trainer-state.json'))).toBe(true);

    // --resume continues from the checkpoint's step, not from 0.
    const resumed = await seqtrain(
      ['local', '--data', dataDir, '--workers', '1', '--global-batch', '16', '--steps', '6', '--resume', summary.checkpoint, '--out', join(root, 'resumed'), ...small],
      root
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const rs = JSON.parse(readFileSync(join(root, 'resumed', 'summary.json'), 'utf8'));
    expect(rs).toMatchObject({ startStep: 4, steps: 2, finalStep: 6 });
  }, 2 * RUN_TIMEOUT_MS);

  it('fails fast with a clear message on bad input', async () => {
    const bad = await seqtrain(['local', '--global-batch', '0'], root);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--global-batch.*positive integer/);
    writeFileSync(join(root, 'typo.yaml'), 'wokers: 2\n');
    const typo = await seqtrain(['local', '--config', 'typo.yaml'], root);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/ERR_JOB_INVALID: typo\.yaml/);
    const noData = await seqtrain(['local', '--data', join(root, 'nope'), '--out', join(root, 'nodata')], root);
    expect(noData.code).toBe(1);
    expect(noData.stderr).toMatch(/ERR_DATA_NOT_FOUND.*nope/);
  }, RUN_TIMEOUT_MS);

  it('stops promptly on SIGTERM, leaving no process behind and a failed summary', async () => {
    const out = join(root, 'interrupted');
    const child = spawn(process.execPath, [CLI_BIN, 'local', '--data', dataDir, '--steps', '5000', '--out', out, '--no-dashboard', ...small], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/step 10\/5000/.test(stderr)) {
          clearInterval(poll);
          resolve();
        }
      }, 100);
    });
    const killedAt = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(stderr).toMatch(/Interrupted by the user/);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).status).toBe('failed');
    // The worker agents (whose command lines name the coordinator) went with it.
    const address = /coordinator listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
    expect(address).toBeDefined();
    await new Promise((r) => setTimeout(r, 500));
    const { stdout } = await run('ps', ['-eo', 'args']);
    expect(stdout).not.toContain(`--coordinator ${address}`);
  }, RUN_TIMEOUT_MS);

  it('has --help on every command', async () => {
    for (const cmd of [[], ['local'], ['coordinator'], ['worker'], ['prepare'], ['prepare', 'text'], ['generate'], ['bench'], ['bench', 'allreduce']]) {
      const r = await seqtrain([...cmd, '--help'], root);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: seqtrain/);
    }
  }, RUN_TIMEOUT_MS);
});

function writeJob(dir: string): string {
  const path = join(dir, 'job.yaml');
  writeFileSync(path, ['name: e2e', 'seed: 3', 'generate:', '  prime: "The whale"', '  length: 40', '  temperature: 0.8', ''].join('\n'));
  return path;
}
