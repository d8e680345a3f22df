/**
 * Shared by the end-to-end specs that run the built `seqtrain` command as a child process. Not part of
 * the package (tsconfig.lib.json leaves *.testing.ts out of dist).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI_BIN } from '../paths.js';

export const run = promisify(execFile);
/** One `seqtrain` invocation's limit; the specs' own timeouts are multiples of it. */
export const RUN_TIMEOUT_MS = 180_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `seqtrain ARGS` in `cwd`; a non-zero exit is returned, not thrown. */
export async function seqtrain(args: string[], cwd: string): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_BIN, ...args], { cwd, timeout: RUN_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A checkpoint's weights.bin as float32 values, in the order of its weightsManifest. */
export function weightsOf(checkpoint: string): Float32Array {
  const buf = readFileSync(join(checkpoint, 'weights.bin'));
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

/** Largest |a[i] - b[i]|; arrays of different lengths are an error, not a small difference. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`Weight counts differ: ${a.length} vs ${b.length}.`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
