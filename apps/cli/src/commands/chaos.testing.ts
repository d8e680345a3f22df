/**
 * Shared by the chaos specs: a seeded choice, the processes of a running `seqtrain local`, and the
 * sample counting over the SEQTRAIN_TEST_SAMPLE_LOG records. Not part of the package (*.testing.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './cli-e2e.testing.js';
import type { SampleRecord } from '@seqtrain/worker';

/** mulberry32: a small seeded PRNG, so a chaos run's choices are reproducible from its printed seed. */
export function seededChoice(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** Worker agents of the run at `address` (in start order), each with its training processes. */
export async function agentsOf(address: string): Promise<{ pid: number; trainers: number[] }[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,ppid=,args=']);
  const rows = stdout
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] as string }));
  return rows
    .filter((r) => r.args.includes(' worker ') && r.args.includes(`--coordinator ${address}`))
    .sort((a, b) => a.pid - b.pid)
    .map((a) => ({ pid: a.pid, trainers: rows.filter((r) => r.ppid === a.pid && r.args.includes('train-main')).map((r) => r.pid) }));
}

/** One line of a training process's SEQTRAIN_TEST_SAMPLE_LOG file (apps/worker test-hooks.ts). */
export type { SampleRecord };

export function readSampleLogs(dir: string): SampleRecord[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as SampleRecord));
}

/**
 * The samples each step of the final trajectory trained on: for every step, the records of the last
 * generation that ran it (a step interrupted by a failure is re-run in the next generation).
 */
export function finalTrajectory(records: SampleRecord[]): Map<number, SampleRecord[]> {
  const byStep = new Map<number, SampleRecord[]>();
  for (const r of records) {
    const list = byStep.get(r.step) ?? [];
    list.push(r);
    byStep.set(r.step, list);
  }
  for (const [step, list] of byStep) {
    const last = Math.max(...list.map((r) => r.generation));
    byStep.set(step, list.filter((r) => r.generation === last));
  }
  return byStep;
}

/** Per epoch, how often each row was trained on; every count must be 1. */
export function epochCounts(trajectory: Map<number, SampleRecord[]>, rows: number): Map<number, Uint32Array> {
  const counts = new Map<number, Uint32Array>();
  for (const list of trajectory.values()) {
    for (const r of list) {
      let c = counts.get(r.epoch);
      if (!c) counts.set(r.epoch, (c = new Uint32Array(rows)));
      for (const i of r.indices) c[i] = (c[i] ?? 0) + 1;
    }
  }
  return counts;
}

/** Rows of an epoch trained on other than exactly once: [row, count] pairs (empty = exact). */
export function inexactRows(counts: Uint32Array): [number, number][] {
  const out: [number, number][] = [];
  counts.forEach((c, i) => {
    if (c !== 1) out.push([i, c]);
  });
  return out;
}
