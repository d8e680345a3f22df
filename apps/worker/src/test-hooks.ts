/**
 * Test-only hooks, off unless their SEQTRAIN_TEST_ variable is set (packages/common/src/env.ts).
 * SEQTRAIN_TEST_DELAY_COLLECTIVE="RANK:STEP:MS": the rank sleeps MS before entering the gradient
 * all-reduce of STEP in generation 0, so the stall inspector sees it missing (apps/cli stall spec).
 * SEQTRAIN_TEST_SAMPLE_LOG=DIR: every step's local sample indices are appended to DIR/<pid>.jsonl, so a
 * test can count that each row of an epoch was trained on exactly once across a rollback or a resume.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEnv } from '@seqtrain/common';

export interface CollectiveDelay {
  rank: number;
  step: number;
  ms: number;
}

export function collectiveDelay(env: NodeJS.ProcessEnv = process.env): CollectiveDelay | undefined {
  const spec = readEnv(env).SEQTRAIN_TEST_DELAY_COLLECTIVE;
  if (!spec) return undefined;
  const [rank, step, ms] = spec.split(':').map(Number) as [number, number, number];
  return { rank, step, ms };
}

export interface SampleRecord {
  pid: number;
  generation: number;
  step: number;
  epoch: number;
  rank: number;
  worldSize: number;
  indices: number[];
}

/** A writer of SampleRecords when SEQTRAIN_TEST_SAMPLE_LOG is set; undefined otherwise. */
export function sampleLog(env: NodeJS.ProcessEnv = process.env): ((record: Omit<SampleRecord, 'pid'>) => void) | undefined {
  const dir = readEnv(env).SEQTRAIN_TEST_SAMPLE_LOG;
  if (!dir) return undefined;
  const file = join(dir, `${process.pid}.jsonl`);
  return (record) => appendFileSync(file, JSON.stringify({ pid: process.pid, ...record }) + '\n');
}
