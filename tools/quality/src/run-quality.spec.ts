import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runQuality } from './run-quality.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// A stand-in for `seqtrain`, as a real process: `local --config FILE --out DIR ...` records its
// arguments, then does what the job file's `# fake:` line says (write that summary.json, exit with a
// code, or hang until killed).
const STAND_IN = `
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const config = args[args.indexOf('--config') + 1];
const out = args[args.indexOf('--out') + 1];
mkdirSync(out, { recursive: true });
writeFileSync(out + '/args.json', JSON.stringify(args));
const fake = JSON.parse(/# fake: (.*)/.exec(readFileSync(config, 'utf8'))[1]);
console.error('step 1/2 loss 1.0');
if (fake.hang) setInterval(() => {}, 1000);
else if (fake.exit !== undefined) { console.error(fake.message); process.exit(fake.exit); }
else writeFileSync(out + '/summary.json', JSON.stringify(fake.summary));
`;

describe('runQuality', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quality-run-'));
  const jobsDir = join(dir, 'jobs');
  mkdirSync(jobsDir);
  const job = (name: string, fake: unknown) => writeFileSync(join(jobsDir, `${name}.yaml`), `name: ${name}\n# fake: ${JSON.stringify(fake)}\n`);
  writeFileSync(join(dir, 'seqtrain.mjs'), STAND_IN);
  job('timeseries-airline-lstm', { summary: { status: 'completed', wallSeconds: 75, steps: 400, validation: { loss: 0.01, rmse: 21.5, mse: 462 } } });
  job('char-lstm-moby', { summary: { status: 'completed', wallSeconds: 700, steps: 3000, validationBitsPerToken: 2.5 } });
  job('mnist-rows', { exit: 3, message: 'seqtrain: ERR_DATA_NOT_FOUND: no IDX files' });
  job('timeseries-airline-lstm-hang', { hang: true });

  it('runs every job, judges each, and reports failures in their rows', async () => {
    const said: string[] = [];
    const report = await runQuality({
      repoRoot: REPO_ROOT,
      seqtrain: [process.execPath, join(dir, 'seqtrain.mjs')],
      jobs: ['timeseries-airline-lstm', 'char-lstm-moby', 'mnist-rows', 'mnist-rows-absent', 'timeseries-airline-lstm-hang'],
      jobsDir,
      out: join(dir, 'out'),
      jobTimeoutMs: 1500,
      say: (line) => said.push(line),
    });
    const byJob = Object.fromEntries(report.rows.map((r) => [r.job, r]));
    expect(byJob['timeseries-airline-lstm']).toMatchObject({ verdict: 'pass', result: 21.5, wallSeconds: 75, reason: null });
    expect(byJob['timeseries-airline-lstm']?.baselinesText).toBe('naive 51.8, seasonal naive 50.0, seasonal ratio 19.7');
    expect(byJob['char-lstm-moby']).toMatchObject({ verdict: 'fail', reason: 'bits per char 2.50 is not <= 2.30' });
    expect(byJob['mnist-rows']).toMatchObject({ verdict: 'fail', reason: 'exited with code 3: seqtrain: ERR_DATA_NOT_FOUND: no IDX files' });
    expect(byJob['mnist-rows-absent']?.reason).toBe(`no job file ${join(jobsDir, 'mnist-rows-absent.yaml')}`);
    expect(byJob['timeseries-airline-lstm-hang']).toMatchObject({ verdict: 'fail', reason: 'timed out after 2s' });
    expect(report.passed).toBe(false);
    expect(report.markdown.split('\n')).toHaveLength(2 + 5 + 1);

    // The job ran as `local --config FILE --out DIR --no-progress --no-generate`, its output went to a log.
    expect(JSON.parse(readFileSync(join(dir, 'out', 'timeseries-airline-lstm', 'args.json'), 'utf8'))).toEqual([
      'local',
      '--config',
      join(jobsDir, 'timeseries-airline-lstm.yaml'),
      '--out',
      join(dir, 'out', 'timeseries-airline-lstm'),
      '--no-progress',
      '--no-generate',
    ]);
    expect(readFileSync(join(dir, 'out', 'mnist-rows.log'), 'utf8')).toContain('ERR_DATA_NOT_FOUND');
    expect(said.filter((l) => /^baselines (timeseries-airline-lstm|char-lstm-moby|mnist-rows): \d+\.\d s$/.test(l))).toHaveLength(3);
    expect(said.some((l) => l.startsWith('[mnist-rows ') && l.includes('fail'))).toBe(true);
  });

  it('computes only the baselines with baselinesOnly, and refuses a job of no experiment', async () => {
    const report = await runQuality({ repoRoot: REPO_ROOT, seqtrain: ['/nonexistent'], jobs: ['mnist-rows'], baselinesOnly: true, out: join(dir, 'none'), say: () => {} });
    expect(report.rows).toMatchObject([{ job: 'mnist-rows', verdict: 'not run', baselinesText: 'chance 10.0%' }]);
    expect(report.passed).toBe(true);
    await expect(runQuality({ repoRoot: REPO_ROOT, seqtrain: [], jobs: ['moby'], out: dir, say: () => {} })).rejects.toThrow(/belongs to no quality experiment/);
  });
});
