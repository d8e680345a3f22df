import { describe, it, expect } from 'vitest';
import { isSeqtrainError, type SeqtrainError } from '@seqtrain/common';
import { runSystemCommand, systemCommandAvailable } from './system-command.js';

async function failure(promise: Promise<unknown>): Promise<SeqtrainError> {
  try {
    await promise;
  } catch (err) {
    expect(isSeqtrainError(err, 'ERR_SYSTEM_COMMAND')).toBe(true);
    return err as SeqtrainError;
  }
  throw new Error('expected the command to fail');
}

describe('runSystemCommand', () => {
  it('returns stdout and feeds stdin', async () => {
    const out = await runSystemCommand(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], 'link set dev lo up\n');
    expect(out).toBe('link set dev lo up\n');
  });

  it('names a missing tool and the package that provides it', async () => {
    const err = await failure(runSystemCommand('ip-not-installed-here', ['netns', 'add', 'x']));
    expect(err.message).toContain('`ip-not-installed-here` is not installed');
    expect(err.details.command).toBe('ip-not-installed-here netns add x');
    expect((await failure(runSystemCommand('tc-missing', []))).message).toContain('apt-get install tc-missing');
  });

  it("quotes the tool's stderr and, for -batch input, the failing line", async () => {
    const script = 'process.stderr.write("Error: Specified qdisc kind is unknown.\\nCommand failed -:2\\n"); process.exit(1)';
    const err = await failure(runSystemCommand(process.execPath, ['-e', script], 'qdisc add dev c root handle 1: htb\nqdisc add dev c root netem delay 5ms\n'));
    expect(err.message).toContain('failed (exit 1): Error: Specified qdisc kind is unknown.');
    expect(err.message).toContain('(batch line 2: "qdisc add dev c root netem delay 5ms")');
  });

  it('quotes stdout when the tool wrote its error there and nothing to stderr (iperf3 --json)', async () => {
    const script = 'process.stdout.write(JSON.stringify({ error: "unable to connect to server: Connection refused" })); process.exit(1)';
    const err = await failure(runSystemCommand(process.execPath, ['-e', script]));
    expect(err.message).toContain('failed (exit 1): {"error":"unable to connect to server: Connection refused"}');
  });

  it('tells whether a tool can run', async () => {
    expect(await systemCommandAvailable(process.execPath, ['--version'])).toBe(true);
    expect(await systemCommandAvailable('ip-not-installed-here')).toBe(false);
  });
});
