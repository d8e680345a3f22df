import { describe, it, expect } from 'vitest';
import { isSeqtrainError } from '@seqtrain/common';
import { formatTraffic, netnsClusterMain, parseNetnsCliArgs } from './netns-cli.js';

describe('parseNetnsCliArgs', () => {
  it('takes its own options before `--` and passes everything after it to the coordinator', () => {
    const options = parseNetnsCliArgs(['--workers', '3', '--devices', '2', '--backend', 'cpu', '--rate', '1gbit', '--mtu', '9000', '--no-traffic', '--', '--steps', '3', '--data', '/d']);
    expect(options).toMatchObject({
      mtu: 9000,
      workers: 3,
      devicesPerWorker: 2,
      workerArgs: ['--backend', 'cpu'],
      coordinatorArgs: ['--steps', '3', '--data', '/d'],
      shaping: { rate: '1gbit' },
      traffic: false,
      verbose: false,
    });
  });

  it('defaults to two workers, one device, traffic counting and no shaping', () => {
    const options = parseNetnsCliArgs([]);
    expect(options).toMatchObject({ workers: 2, devicesPerWorker: 1, coordinatorArgs: [], workerArgs: [], traffic: true });
    expect(options?.shaping).toBeUndefined();
  });

  it('rejects job flags given before `--`, bad numbers, and --burst without --rate', () => {
    for (const argv of [['--steps', '3'], ['--workers', 'two'], ['--workers', '0'], ['--burst', '64kb'], ['--mtu', 'jumbo']]) {
      expect(() => parseNetnsCliArgs(argv), argv.join(' ')).toThrow();
      try {
        parseNetnsCliArgs(argv);
      } catch (err) {
        expect(isSeqtrainError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
      }
    }
  });

  it('prints the usage for --help and exits 2 on a bad option, without touching the network', async () => {
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) };
    expect(await netnsClusterMain(['--help'], io)).toBe(0);
    expect(out).toContain('usage: node infra/netns/netns-cluster.mjs');
    expect(await netnsClusterMain(['--steps', '3'], io)).toBe(2);
    expect(err).toContain('go after `--`');
  });
});

describe('netnsClusterMain', () => {
  it('refuses coordinator flags that the tool sets itself, before creating anything', async () => {
    let err = '';
    const io = { stdout: () => {}, stderr: (t: string) => void (err += t) };
    expect(await netnsClusterMain(['--workers', '1', '--', '--steps', '3', '--out', '/tmp/elsewhere'], io)).toBe(1);
    expect(err).toContain('coordinatorArgs must not set --out');
  });
});

describe('formatTraffic', () => {
  it('prints one aligned line per ordered pair', () => {
    const text = formatTraffic([
      { from: 'sqt-1-w0', to: 'sqt-1-w1', bytes: 44326, packets: 57 },
      { from: 'sqt-1-c', to: 'sqt-1-w0', bytes: 1445, packets: 11 },
    ]);
    expect(text.split('\n')).toEqual([
      'sqt-1-w0 -> sqt-1-w1          44,326 bytes         57 packets',
      'sqt-1-c -> sqt-1-w0            1,445 bytes         11 packets',
    ]);
  });
});
