import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDatasetManifest } from '@seqtrain/data';
import { prepareCommand } from './prepare.js';

describe('seqtrain prepare <kind>', () => {
  const root = mkdtempSync(join(tmpdir(), 'seqtrain-prepare-cli-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ['classification', ['--vocab-size', '--maxlen', '--padding', '--truncating', '--test', '--label-column']],
    ['timeseries', ['--window', '--horizon', '--targets', '--validation-last', '--scaling', '--time-column']],
    ['pairs', ['--max-chars', '--source-column', '--target-column', '--validation-fraction']],
    ['idx', ['--images', '--labels', '--test-images']],
    ['download', ['imdb', 'mnist', 'fra-eng', '--url', '--cache']],
  ])('%s --help lists its options', (kind, flags) => {
    const sub = prepareCommand().commands.find((c) => c.name() === kind);
    const help = sub?.helpInformation() ?? '';
    for (const flag of flags) expect(help).toContain(flag);
  });

  it('prepares the shipped airline series through the command line parser', async () => {
    const out = join(root, 'airline');
    const cmd = prepareCommand().exitOverride();
    await cmd.parseAsync(
      ['timeseries', '--input', 'datasets/timeseries/airline-passengers.csv', '--out', out, '--window', '12', '--validation-last', '24', '--time-column', 'month'],
      { from: 'user' }
    );
    const manifest = await readDatasetManifest(out);
    expect(manifest.kind).toBe('timeseries');
    expect(manifest.splits.validation.rows).toBe(24);
  });

  it('rejects a bad flag value naming the flag', async () => {
    const cmd = prepareCommand().exitOverride();
    for (const c of cmd.commands) c.exitOverride().configureOutput({ writeErr: () => undefined });
    await expect(cmd.parseAsync(['classification', '--input', 'x.tsv', '--out', join(root, 'x'), '--padding', 'middle'], { from: 'user' })).rejects.toThrow(/--padding/);
  });
});
