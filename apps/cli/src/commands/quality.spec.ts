/**
 * `seqtrain quality --baselines-only` on the real shipped data: the cheap end-to-end run of the quality
 * command (the full run trains five jobs for many minutes and is not part of the suite).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../paths.js';
import { seqtrain } from './cli-e2e.testing.js';

describe('seqtrain quality --baselines-only', () => {
  it('computes every baseline from the shipped data and writes the Markdown table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quality-cli-'));
    const markdown = join(dir, 'quality.md');
    const result = await seqtrain(['quality', '--baselines-only', '--json', '--markdown', markdown], REPO_ROOT);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { job: string; verdict: string; baselines: { name: string; value: number }[]; bar: { threshold: number } }[];
    expect(rows.map((r) => r.job)).toEqual(['char-lstm-moby', 'sentiment-lstm', 'timeseries-airline-lstm', 'seq2seq-eng-spa', 'mnist-rows']);
    expect(rows.every((r) => r.verdict === 'not run')).toBe(true);
    const value = (job: string, name: string) => rows.find((r) => r.job === job)?.baselines.find((b) => b.name === name)?.value;
    // Ranges, not pinned figures: a change of smoothing or split moves them a little; a broken split or model, a lot.
    const fourGram = value('char-lstm-moby', '4-gram KN') as number;
    const trigram = value('char-lstm-moby', 'trigram KN') as number;
    expect(fourGram).toBeGreaterThan(2);
    expect(trigram).toBeGreaterThan(fourGram);
    expect(trigram).toBeLessThan(3.2);
    // 658 of the 1,000 test reviews are labelled "great", the majority label of the training file.
    expect(value('sentiment-lstm', 'majority')).toBeCloseTo(0.658, 12);
    expect(value('sentiment-lstm', 'bag-of-words logistic regression')).toBeGreaterThan(0.72);
    expect(value('timeseries-airline-lstm', 'naive')).toBeCloseTo(51.78, 2);
    expect(value('timeseries-airline-lstm', 'seasonal naive')).toBeCloseTo(49.99, 2);
    expect(value('timeseries-airline-lstm', 'seasonal ratio')).toBeCloseTo(19.71, 2);
    const copy = value('seq2seq-eng-spa', 'copying the source') as number;
    expect(copy).toBeGreaterThan(5);
    expect(copy).toBeLessThan(40);
    expect(rows.find((r) => r.job === 'seq2seq-eng-spa')?.bar.threshold).toBeCloseTo(copy + 10, 12);
    expect(readFileSync(markdown, 'utf8').split('\n')[0]).toBe('| experiment | metric | baselines (computed) | bar |');
    expect(result.stderr).toMatch(/baselines char-lstm-moby: \d+\.\d s/);
  });

  it('runs a job file through seqtrain local and judges its summary.json', async () => {
    // A variant of the char-LSTM job small enough to train in seconds: it runs for real, and fails the bar.
    const dir = mkdtempSync(join(tmpdir(), 'quality-cli-run-'));
    mkdirSync(join(dir, 'jobs'));
    writeFileSync(
      join(dir, 'jobs', 'char-lstm-moby-tiny.yaml'),
      'name: char-lstm-moby-tiny\nworkers: 1\nsteps: 2\nglobalBatch: 8\nvalidationMaxSamples: 32\nmodel:\n  config: { units: 8 }\n'
    );
    const result = await seqtrain(['quality', '--jobs', 'char-lstm-moby-tiny', '--jobs-dir', join(dir, 'jobs'), '--out', join(dir, 'out'), '--json'], REPO_ROOT);
    expect(result.code).toBe(1);
    const [row] = JSON.parse(result.stdout) as { verdict: string; result: number; wallSeconds: number; reason: string; runDir: string }[];
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'char-lstm-moby-tiny', 'summary.json'), 'utf8')) as { wallSeconds: number; steps: number };
    expect(summary.steps).toBe(2);
    expect(row).toMatchObject({ verdict: 'fail', wallSeconds: summary.wallSeconds, runDir: join(dir, 'out', 'char-lstm-moby-tiny') });
    expect(row?.result).toBeGreaterThan(2.3);
    expect(row?.reason).toMatch(/^bits per char \d+\.\d\d is not <= 2\.30$/);
    expect(result.stderr).toMatch(/\[char-lstm-moby-tiny \d+s\] fail \(bits per char/);
  });

  it('refuses a job that belongs to no experiment', async () => {
    const result = await seqtrain(['quality', '--baselines-only', '--jobs', 'moby'], REPO_ROOT);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERR_INVALID_ARGUMENT: Job "moby" belongs to no quality experiment');
  });
});
