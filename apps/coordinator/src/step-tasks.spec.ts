import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, SeqtrainError } from '@seqtrain/common';
import type { DatasetManifest } from '@seqtrain/data';
import { parseJob, type CoordinatorMessage } from '@seqtrain/protocol';
import type { CoordinatorEvent } from './coordinator-event.js';
import { ReplyCollector } from './reply-collector.js';
import { RunDirectory } from './run-directory.js';
import { StepTasks, type StepTasksHost } from './step-tasks.js';

const WORLD = 2;
/** 24 training rows at global batch 8: 3 steps per epoch. */
const STEPS_PER_EPOCH = 3;
/** The part of a classification manifest StepTasks reads: the kind and the split sizes. */
const manifest = { kind: 'classification', splits: { train: { rows: 24 }, validation: { rows: 20 }, test: { rows: 10 } } } as unknown as DatasetManifest;

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/**
 * A host whose two ranks answer every evaluate and checkpoint on the next turn of the event loop, the
 * way the coordinator's control connections deliver replies into its collector.
 */
function host(jobInput: Record<string, unknown>, correctAt: (step: number, msg: CoordinatorMessage) => number) {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-step-tasks-'));
  const runDir = new RunDirectory(root);
  const collector = new ReplyCollector(WORLD);
  const sent: { to: number | 'all'; msg: CoordinatorMessage }[] = [];
  const events: CoordinatorEvent[] = [];
  const answer = (rank: number, msg: CoordinatorMessage): void => {
    setImmediate(() => {
      if (msg.type === 'evaluate') {
        const correct = correctAt(msg.step, msg);
        collector.deliver('evalDone', msg.step, rank, { type: 'evalDone', generation: 0, rank, step: msg.step, lossSum: 10 - correct, count: 10, correct });
      }
      if (msg.type === 'checkpoint') collector.deliver('checkpointDone', msg.step, rank, { type: 'checkpointDone', generation: 0, rank, step: msg.step, path: msg.dir });
    });
  };
  const h: StepTasksHost = {
    job: parseJob({ workers: WORLD, globalBatch: 8, ...jobInput }),
    manifest,
    runDir,
    log: createLogger({ role: 'coordinator' }, 'silent'),
    emit: (e) => events.push(e),
    collector: () => collector,
    generation: () => 0,
    world: () => WORLD,
    guard: (p) => p,
    broadcast: (msg) => {
      sent.push({ to: 'all', msg });
      for (let r = 0; r < WORLD; r++) answer(r, msg);
    },
    send: (rank, msg) => {
      sent.push({ to: rank, msg });
      answer(rank, msg);
    },
  };
  return { h, sent, events, collector, runDir, dir: root };
}

describe('StepTasks', () => {
  it('validates every validateEvery steps, checkpoints on rank 0 every checkpointEvery, and after the last step scores the restoreBest weights on the test split', async () => {
    // Accuracy 0.5 at step 2, 0.8 at step 4 (the best), 0.6 at step 6; the test split scores 0.7.
    const accuracy: Record<number, number> = { 2: 5, 4: 8, 6: 6 };
    const { h, sent, events, runDir, dir } = host({ steps: 6, validateEvery: 2, checkpointEvery: 3, restoreBest: 'accuracy' }, (step, msg) =>
      msg.type === 'evaluate' && msg.split === 'test' ? 7 : (accuracy[step] ?? 0)
    );
    const tasks = new StepTasks(h);
    const results = [];
    for (let completed = 1; completed <= 6; completed++) results.push(await tasks.after(completed, 6, STEPS_PER_EPOCH));
    runDir.close();

    const what = sent.map(({ to, msg }) => {
      if (msg.type === 'evaluate') return [to, 'evaluate', msg.step, msg.split ?? 'validation', msg.snapshot ?? false, msg.retain ?? null, msg.restoreStep ?? null];
      if (msg.type === 'checkpoint') return [to, 'checkpoint', msg.step, msg.epoch, msg.stepInEpoch];
      return [to, msg.type];
    });
    expect(what).toEqual([
      ['all', 'evaluate', 2, 'validation', true, [], null],
      // Step 3 ends epoch 0: the checkpoint resumes at epoch 1, step 0.
      [0, 'checkpoint', 3, 1, 0],
      ['all', 'evaluate', 4, 'validation', true, [2], null],
      ['all', 'evaluate', 6, 'validation', true, [4], null],
      ['all', 'evaluate', 6, 'test', false, null, 4],
      [0, 'checkpoint', 6, 2, 0],
    ]);
    expect(results.map((r) => [r.validation?.accuracy ?? null, r.checkpoint ?? null])).toEqual([
      [null, null],
      [0.5, null],
      [null, runDir.checkpointDir(3)],
      [0.8, null],
      [null, null],
      [0.7, runDir.checkpointDir(6)],
    ]);
    expect(results[5]?.validation?.metrics).toMatchObject({ split: 'test', selection: { monitor: 'accuracy', step: 4, value: 0.8, candidates: [2, 4, 6] } });
    const lines = readFileSync(join(dir, 'validation.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; split: string; accuracy: number });
    expect(lines.map((l) => [l.step, l.split, l.accuracy])).toEqual([
      [2, 'validation', 0.5],
      [4, 'validation', 0.8],
      [6, 'validation', 0.6],
      [6, 'test', 0.7],
    ]);
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => (e.type === 'checkpoint' ? e.step : -1))).toEqual([3, 6]);
  });

  it('validates each pass on at most validationMaxSamples of the split, in batches of the per-rank share (at least 32)', async () => {
    const { h, sent, runDir } = host({ steps: 1, validationMaxSamples: 12, checkpointEvery: 100 }, () => 5);
    const result = await new StepTasks(h).after(1, 1, STEPS_PER_EPOCH);
    runDir.close();
    const evaluate = sent.find((s) => s.msg.type === 'evaluate')?.msg;
    expect(evaluate).toMatchObject({ type: 'evaluate', step: 1, maxSamples: 12, batchSize: 32 });
    // The last step always validates and checkpoints; without restoreBest the test split is scored as is.
    expect(sent.map((s) => [s.to, s.msg.type, s.msg.type === 'evaluate' ? (s.msg.split ?? 'validation') : null])).toEqual([
      ['all', 'evaluate', 'validation'],
      ['all', 'evaluate', 'test'],
      [0, 'checkpoint', null],
    ]);
    expect(result.validation?.metrics.split).toBe('test');
  });

  it('ends its wait when the run fails: a failed collector rejects the pass it waits for', async () => {
    const { h, collector, runDir } = host({ steps: 4, validateEvery: 2, checkpointEvery: 100 }, () => 5);
    // Nobody answers: the broadcast is swallowed, then the run fails.
    const silent: StepTasksHost = { ...h, broadcast: () => undefined };
    const pending = new StepTasks(silent).after(2, 4, STEPS_PER_EPOCH);
    collector.fail(new SeqtrainError('ERR_WORKER_FAILED', 'rank 1 died'));
    await expect(pending).rejects.toMatchObject({ code: 'ERR_WORKER_FAILED' });
    runDir.close();
  });
});
