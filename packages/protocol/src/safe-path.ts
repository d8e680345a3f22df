/**
 * Paths that arrive in protocol messages (dataset, resume checkpoint, checkpoint target). A training
 * process opens or writes what these name, so they are confined by shape before any file is touched:
 * absolute, normalised (no `.`/`..` segments, no empty segments), no NUL byte, bounded length; a
 * checkpoint target must be a `checkpoints/step-NNNNNNN` directory, as the coordinator's run directory
 * makes them, so no message can make rank 0 write elsewhere.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';

const MAX_PATH_CHARS = 4096;

/** Why `path` is not a confined absolute path, or undefined when it is. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > MAX_PATH_CHARS) return `must have 1 to ${MAX_PATH_CHARS} characters`;
  if (path.includes('\0')) return 'must not contain a NUL byte';
  if (!isAbsolute(path)) return 'must be an absolute path';
  const segments = path.split(/[\\/]/).slice(1);
  if (segments.some((s) => s === '..' || s === '.')) return 'must not contain "." or ".." segments';
  return undefined;
}

export const SafeAbsolutePath = z.string().superRefine((path, ctx) => {
  const problem = pathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `path ${JSON.stringify(path.slice(0, 200))} ${problem}` });
});

const CHECKPOINT_DIR = /[\\/]checkpoints[\\/]step-\d{7,}$/;

export const CheckpointDirPath = SafeAbsolutePath.refine((path) => CHECKPOINT_DIR.test(path), {
  message: 'must be a <run directory>/checkpoints/step-NNNNNNN directory',
});
