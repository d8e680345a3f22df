/**
 * Runs a system tool (ip, tc) to completion and returns its stdout; a missing tool or a non-zero exit
 * becomes ERR_SYSTEM_COMMAND with the command line and the tool's own stderr, so the cause (no root,
 * missing kernel module, name taken) reaches the user verbatim.
 */
import { execFile } from 'node:child_process';
import { SeqtrainError } from '@seqtrain/common';

/** Where a missing tool comes from, for the error message. */
const PACKAGE_OF_TOOL: Record<string, string> = { ip: 'iproute2', tc: 'iproute2', unshare: 'util-linux' };
/** ip and tc answer in milliseconds; a minute means the kernel or a lock is stuck. */
const SYSTEM_COMMAND_TIMEOUT_MS = 60_000;
/** A tool that reports its errors on stdout (iperf3 --json) is quoted up to this many characters. */
const STDOUT_IN_ERROR_CHARS = 500;

/**
 * `input` is written to the tool's stdin (for `ip -batch -` and `tc -batch -`); `timeoutMs` replaces the
 * one-minute limit for a command that moves data at a shaped rate (iperf3).
 */
export async function runSystemCommand(file: string, args: readonly string[], input?: string, timeoutMs = SYSTEM_COMMAND_TIMEOUT_MS): Promise<string> {
  const command = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      const message =
        code === 'ENOENT'
          ? `\`${file}\` is not installed (needed for: ${command}). Install it: apt-get install ${PACKAGE_OF_TOOL[file] ?? file}.`
          : `\`${command}\` failed (exit ${String(code ?? err.signal)}): ${stderr.trim() || stdout.trim().slice(0, STDOUT_IN_ERROR_CHARS) || err.message}${batchLine(stderr, input)}`;
      reject(new SeqtrainError('ERR_SYSTEM_COMMAND', message, { command, ...(input ? { input } : {}) }, { cause: err }));
    });
    // A tool that exits before reading its stdin makes the write fail with EPIPE; its exit status reports why.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

/** True when `file` can be executed (used to skip root-only tests cleanly where iproute2 is absent). */
export async function systemCommandAvailable(file: string, args: readonly string[] = ['-V']): Promise<boolean> {
  try {
    await runSystemCommand(file, args);
    return true;
  } catch {
    return false;
  }
}

/** `ip -batch -` and `tc -batch -` name the failing line as `Command failed -:N`; quote that line. */
function batchLine(stderr: string, input: string | undefined): string {
  const m = /Command failed -:(\d+)/.exec(stderr);
  const line = m && input ? input.split('\n')[Number(m[1]) - 1] : undefined;
  return line ? ` (batch line ${m?.[1]}: "${line}")` : '';
}
