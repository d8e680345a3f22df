/**
 * Keeps the newest K checkpoints of a run directory: after each new checkpoint the older step-N
 * directories beyond K are deleted (a failure to delete is logged, never fatal to the run).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@seqtrain/common';

const STEP_DIR = /^step-(\d+)$/;

/** Deletes all but the `keep` newest step-N directories of checkpointsDir; returns the deleted paths. */
export function pruneCheckpoints(checkpointsDir: string, keep: number, log?: Logger): string[] {
  let names: string[];
  try {
    names = readdirSync(checkpointsDir);
  } catch {
    return [];
  }
  const steps = names
    .flatMap((name) => {
      const m = STEP_DIR.exec(name);
      return m ? [{ name, step: Number(m[1]) }] : [];
    })
    .sort((a, b) => b.step - a.step);
  const deleted: string[] = [];
  for (const { name } of steps.slice(keep)) {
    const dir = join(checkpointsDir, name);
    try {
      rmSync(dir, { recursive: true, force: true });
      deleted.push(dir);
    } catch (err) {
      log?.warn({ dir, err: (err as Error).message }, 'could not delete an old checkpoint');
    }
  }
  return deleted;
}
