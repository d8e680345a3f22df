/**
 * A real Slurm on this one host: munged, slurmctld and two slurmd (Debian's build has MULTIPLE_SLURMD),
 * each a node of its own, then infra/slurm/seqtrain.sbatch submitted with sbatch over both nodes. The node
 * names are 127.0.0.1 and 127.0.0.2 (both loopback on Linux), so the job sees SLURM_JOB_NODELIST=
 * "127.0.0.[1-2]": the real hostlist syntax, and names that resolve without DNS or /etc/hosts entries.
 * Every daemon runs in the foreground as a child of this test, with its key, socket, state, spool and
 * logs in a temp dir; afterAll stops only those children. Needs root (slurmd launches the job's tasks).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';

const REQUIRED_BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo', 'scancel'] as const;
const NODES = ['127.0.0.1', '127.0.0.2'] as const;
/** slurmctld and both slurmd report idle within ~1 s here; the bound is for a loaded CI machine. */
const CLUSTER_READY_TIMEOUT_MS = 30_000;
/** The job below takes ~20 s on the 2-core development machine (two training processes share it). */
const JOB_TIMEOUT_MS = 180_000;
const POLL_INTERVAL_MS = 500;
/** Characters of Moby Dick the job trains on: enough windows for 3 steps of 8 and a validation split. */
const CORPUS_CHARS = 20_000;
const TERMINAL_JOB_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

const CLI_DIR = dirname(createRequire(import.meta.url).resolve('@seqtrain/cli/package.json'));
const CLI_BIN = join(CLI_DIR, 'bin', 'seqtrain.js');
const REPO_ROOT = join(CLI_DIR, '..', '..');
const SBATCH_TEMPLATE = fileURLToPath(new URL('../slurm/seqtrain.sbatch', import.meta.url));
const MOBY_DICK = join(REPO_ROOT, 'datasets', 'text', 'moby-dick.txt');

/** Looks in PATH and the sbin directories, which a non-login root shell may lack. */
function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const binaries = new Map(REQUIRED_BINARIES.map((name) => [name, findBinary(name)]));
const missing = REQUIRED_BINARIES.filter((name) => binaries.get(name) === undefined);
const isRoot = process.getuid?.() === 0;
const skipReason =
  missing.length > 0
    ? `Slurm test skipped: ${missing.join(', ')} not installed (.ci/run installs them: apt-get install -y slurm-wlm munge)`
    : !isRoot
      ? 'Slurm test skipped: slurmd must run as root to launch job tasks (.ci/run runs the tests as root)'
      : undefined;
if (skipReason) console.warn(skipReason);

function bin(name: (typeof REQUIRED_BINARIES)[number]): string {
  const path = binaries.get(name);
  if (!path) throw new Error(`${name} not found`);
  return path;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined, diagnose: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.\n${diagnose()}`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : `(no ${path})`;
}

describe.skipIf(skipReason !== undefined)('seqtrain on a real Slurm (2 nodes on this host; needs slurm-wlm and munge, which .ci/run installs)', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  const daemons: ChildProcess[] = [];
  let jobId: string | undefined;

  /** Starts a daemon in the foreground, its output appended to logs/<name>.out, as a child of this test. */
  function startDaemon(name: string, command: string, args: string[]): ChildProcess {
    const log = join(dir, 'logs', `${name}.out`);
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => lines.push(b));
    child.stderr?.on('data', (b: Buffer) => lines.push(b));
    child.once('exit', () => writeFileSync(log, Buffer.concat(lines)));
    daemons.push(child);
    return child;
  }

  function slurm(command: 'sinfo' | 'squeue' | 'sbatch' | 'scancel', args: string[]): string {
    const result = spawnSync(bin(command), args, { env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
    return result.stdout;
  }

  const diagnose = () => ['slurmctld.log', `slurmd-${NODES[0]}.log`, `slurmd-${NODES[1]}.log`].map((f) => `--- ${f} ---\n${readIfExists(join(dir, 'logs', f)).slice(-3000)}`).join('\n');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seqtrain-slurm-'));
    for (const sub of ['munge', 'state', 'logs', ...NODES.map((n) => join('spool', n))]) mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 });
    const [ctldPort, ...nodePorts] = await Promise.all([freePort(), freePort(), freePort()]);

    // Our own munged with its own key: independent of /etc/munge and of any munged already running.
    const munge = join(dir, 'munge');
    writeFileSync(join(munge, 'munge.key'), randomBytes(128), { mode: 0o600 });
    startDaemon('munged', bin('munged'), [
      '--foreground',
      '--force',
      `--key-file=${join(munge, 'munge.key')}`,
      `--socket=${join(munge, 'munge.socket')}`,
      `--pid-file=${join(munge, 'munged.pid')}`,
      `--log-file=${join(dir, 'logs', 'munged.log')}`,
      `--seed-file=${join(munge, 'munged.seed')}`,
    ]);
    await waitFor('the munge socket', CLUSTER_READY_TIMEOUT_MS, () => (existsSync(join(munge, 'munge.socket')) ? true : undefined), () => readIfExists(join(dir, 'logs', 'munged.log')));

    const conf = join(dir, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=seqtraintest',
        'SlurmctldHost=localhost',
        `SlurmctldPort=${ctldPort}`,
        'SlurmUser=root',
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${join(munge, 'munge.socket')}`,
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
        `SlurmctldLogFile=${join(dir, 'logs', 'slurmctld.log')}`,
        `SlurmdSpoolDir=${join(dir, 'spool', '%n')}`,
        `SlurmdPidFile=${join(dir, 'spool', '%n', 'slurmd.pid')}`,
        `SlurmdLogFile=${join(dir, 'logs', 'slurmd-%n.log')}`,
        `TmpFS=${join(dir, 'spool', '%n')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'MpiDefault=none',
        'MailProg=/bin/true',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'ReturnToService=2',
        // CPUs=1: never more than the machine has, which would drain the node.
        ...NODES.map((n, i) => `NodeName=${n} NodeHostname=${hostname()} NodeAddr=127.0.0.1 Port=${nodePorts[i]} CPUs=1 State=UNKNOWN`),
        'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n')
    );
    env = { PATH: process.env.PATH, HOME: process.env.HOME, SLURM_CONF: conf, SEQTRAIN_REPO: REPO_ROOT };
    startDaemon('slurmctld', bin('slurmctld'), ['-D']);
    for (const node of NODES) startDaemon(`slurmd-${node}`, bin('slurmd'), ['-D', '-N', node]);
    await waitFor(
      'both nodes idle in sinfo',
      CLUSTER_READY_TIMEOUT_MS,
      () => {
        const states = spawnSync(bin('sinfo'), ['-h', '-N', '-o', '%N %T'], { env, encoding: 'utf8' }).stdout ?? '';
        return NODES.every((n) => new RegExp(`^${n.replaceAll('.', '\\.')} idle$`, 'm').test(states)) ? true : undefined;
      },
      diagnose
    );

    // The dataset every node reads: a slice of the shipped corpus, prepared once before submitting.
    writeFileSync(join(dir, 'corpus.txt'), readFileSync(MOBY_DICK, 'utf8').slice(0, CORPUS_CHARS));
    const prepared = spawnSync(process.execPath, [CLI_BIN, 'prepare', 'text', '--input', join(dir, 'corpus.txt'), '--out', join(dir, 'data'), '--shards', '2'], { encoding: 'utf8' });
    if (prepared.status !== 0) throw new Error(`seqtrain prepare failed: ${prepared.stderr}`);
  }, 90_000);

  afterAll(async () => {
    if (jobId !== undefined && daemons.length > 0) spawnSync(bin('scancel'), [jobId], { env });
    // Reverse start order: the slurmd before slurmctld, munged last (they authenticate through it).
    for (const child of daemons.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(
    'runs infra/slurm/seqtrain.sbatch over both nodes: coordinator on the first, summary with world size 2',
    async () => {
      const coordinatorPort = await freePort();
      const out = join(dir, 'job-%j.out');
      const jobFlags = ['--data', join(dir, 'data'), '--out', join(dir, 'run'), '--coordinator-port', String(coordinatorPort)];
      jobFlags.push('--steps', '3', '--units', '16', '--embedding-dim', '8', '--global-batch', '8', '--validation-samples', '16', '--no-generate');
      jobId = slurm('sbatch', ['--parsable', '--nodes=2', `--output=${out}`, `--chdir=${dir}`, '--time=00:05:00', SBATCH_TEMPLATE, ...jobFlags]).trim().split(';')[0];
      const outFile = out.replace('%j', jobId ?? '');

      // slurmctld keeps a finished job for MinJobAge (300 s) with its final state, which `squeue --states=all`
      // shows: no accounting daemon needed.
      const state = await waitFor(
        `job ${jobId} to finish`,
        JOB_TIMEOUT_MS,
        () => {
          const s = slurm('squeue', ['-h', '-j', jobId ?? '', '--states=all', '-o', '%T']).trim();
          return TERMINAL_JOB_STATES.has(s) ? s : undefined;
        },
        () => `--- ${outFile} ---\n${readIfExists(outFile)}\n${diagnose()}`
      );
      const output = readIfExists(outFile);
      expect(state, output).toBe('COMPLETED');

      const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as { status: string; worldSize: number; workers: number; steps: number };
      expect({ status: summary.status, worldSize: summary.worldSize, workers: summary.workers, steps: summary.steps }).toEqual({ status: 'completed', worldSize: 2, workers: 2, steps: 3 });
      // The hostlist was expanded: task 0 announced the first node, task 1 dialled it from the second.
      expect(output).toContain(`[task 0 on 127.0.0.1] slurm job ${jobId}: 2 nodes (127.0.0.1, 127.0.0.2), coordinator ws://127.0.0.1:${coordinatorPort}`);
      expect(output).toContain(`[task 1 on 127.0.0.2] worker agent: 1 training process(es), coordinator ws://127.0.0.1:${coordinatorPort}, ring host 127.0.0.2`);
      expect(output).toMatch(/done: 3 steps in/);
    },
    JOB_TIMEOUT_MS + 10_000
  );
});
